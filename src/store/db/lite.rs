//! SQLite through rusqlite, which has no thread of its own: a statement runs on the thread
//! that calls it. The one connection that writes sits behind a lock (`LitePool::begin`); the
//! group commit's own thread runs a whole batch on it in place (`LiteTx::in_place`), every
//! other writer hands each statement to the blocking pool. Reads take one of a few read-only
//! connections (WAL lets them read beside the writer) on the blocking pool.

use super::checkpointer::Checkpointer;
use super::{Arg, Cell, Done, Exec, Query, Row, Want};
use crate::store::StoreError;
use async_trait::async_trait;
use chrono::SecondsFormat;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};
use std::path::PathBuf;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard, Semaphore};

/// The most the write-ahead log keeps on disk after a checkpoint, in bytes (64 MiB).
pub const WAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// Read-only connections at most: the console's pages and the CLI's reads, side by side.
const READERS: usize = 4;

/// SQLite's `synchronous`: how hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    Off,
    Normal,
    Full,
    Extra,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Off => "OFF",
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
            Synchronous::Extra => "EXTRA",
        }
    }
}

/// Where the file is, as `database_url` names it: `sqlite://PATH`, `sqlite:PATH` or
/// `sqlite::memory:`, with `?mode=ro|rw|rwc|memory`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteUrl {
    /// `None` in memory.
    pub path: Option<PathBuf>,
    pub create: bool,
    pub read_only: bool,
}

impl LiteUrl {
    pub fn parse(url: &str) -> Result<LiteUrl, StoreError> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| StoreError::Corrupt(format!("not a SQLite URL: {url:?}")))?;
        let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
        let mut parsed = LiteUrl {
            path: (path != ":memory:").then(|| {
                PathBuf::from(
                    percent_encoding::percent_decode_str(path)
                        .decode_utf8_lossy()
                        .as_ref(),
                )
            }),
            create: true,
            read_only: false,
        };
        for param in params.split('&').filter(|p| !p.is_empty()) {
            match param.split_once('=').unwrap_or((param, "")) {
                ("mode", "rwc") => {}
                ("mode", "rw") => parsed.create = false,
                ("mode", "ro") => (parsed.create, parsed.read_only) = (false, true),
                ("mode", "memory") => parsed.path = None,
                _ => {
                    return Err(StoreError::Corrupt(format!(
                        "the SQLite URL's {param:?} is not understood (only mode=ro|rw|rwc|memory)"
                    )));
                }
            }
        }
        Ok(parsed)
    }
}

/// How a connection is opened and set.
#[derive(Debug, Clone)]
pub struct LiteOptions {
    pub url: LiteUrl,
    pub synchronous: Synchronous,
    /// How long a writer waits for another process's write (a CLI import).
    pub busy_timeout: Duration,
    /// `journal_size_limit`, in bytes.
    pub wal_size_limit: u64,
}

impl LiteOptions {
    fn open(&self, read_only: bool) -> Result<Connection, rusqlite::Error> {
        let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        flags |= if read_only || self.url.read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else if self.url.create {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        };
        let conn = match &self.url.path {
            Some(path) => Connection::open_with_flags(path, flags)?,
            None => Connection::open_in_memory_with_flags(flags)?,
        };
        conn.busy_timeout(self.busy_timeout)?;
        conn.set_prepared_statement_cache_capacity(128);
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
        Ok(conn)
    }

    /// The writer: WAL (switching a new file into it takes a lock SQLite does not wait for, so
    /// a second process opening the same new file at that moment is told "busy" and looks
    /// again), the durability asked for, and a log cut back after a checkpoint that reached
    /// its end (so a log that grew behind a long reader, a backup, does not keep its size).
    fn open_writer(&self) -> Result<Connection, rusqlite::Error> {
        let conn = self.open(false)?;
        let mut attempt = 1;
        loop {
            match conn.execute_batch("PRAGMA journal_mode = WAL") {
                Err(e) if is_busy(&e) && attempt < 5 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                other => break other?,
            }
        }
        conn.execute_batch(&format!(
            "PRAGMA synchronous = {}; PRAGMA journal_size_limit = {};",
            self.synchronous.pragma(),
            self.wal_size_limit
        ))?;
        Ok(conn)
    }
}

impl LiteOptions {
    /// The writer's checkpoints on a thread and connection of their own (`checkpointer`).
    fn start_checkpointer(
        &self,
        writer: &mut Connection,
    ) -> Result<Option<Checkpointer>, rusqlite::Error> {
        if self.url.path.is_none() || self.url.read_only {
            return Ok(None);
        }
        let connection = self.open(false)?;
        // The checkpoint syncs the database file as the writer's setting says.
        connection.execute_batch(&format!(
            "PRAGMA synchronous = {}",
            self.synchronous.pragma()
        ))?;
        Checkpointer::start(writer, connection)
    }
}

pub(crate) fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// The writer behind its lock, the readers, and the thread that checkpoints for the writer.
pub struct LitePool {
    writer: LiteWriter,
    readers: Arc<Readers>,
    /// `None` in memory or read-only: no log to copy back.
    _checkpointer: Option<Checkpointer>,
}

/// The writer outside any transaction: `&LiteWriter` runs one statement in a transaction of
/// its own, on the blocking pool.
pub struct LiteWriter(Arc<Mutex<Connection>>);

struct Readers {
    options: LiteOptions,
    idle: StdMutex<Vec<Connection>>,
    permits: Semaphore,
}

impl LitePool {
    pub async fn open(options: LiteOptions) -> Result<LitePool, StoreError> {
        let writer_options = options.clone();
        let (writer, checkpointer) = blocking(move || {
            let mut writer = writer_options.open_writer()?;
            let checkpointer = writer_options.start_checkpointer(&mut writer)?;
            Ok((writer, checkpointer))
        })
        .await?;
        Ok(LitePool {
            writer: LiteWriter(Arc::new(Mutex::new(writer))),
            _checkpointer: checkpointer,
            readers: Arc::new(Readers {
                options,
                idle: StdMutex::new(Vec::new()),
                permits: Semaphore::new(READERS),
            }),
        })
    }

    /// The file of a `sqlite:` URL with the service's settings (for tests, benches and tools).
    pub async fn open_url(url: &str) -> Result<LitePool, StoreError> {
        LitePool::open(LiteOptions {
            url: LiteUrl::parse(url)?,
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(5),
            wal_size_limit: WAL_SIZE_LIMIT,
        })
        .await
    }

    /// A transaction on the writer, `BEGIN IMMEDIATE` (it holds the write lock from its first
    /// read). `in_place`: only on a thread that may block (the group commit's), where every
    /// statement then runs without a hand-off.
    pub async fn begin(&self, in_place: bool) -> Result<LiteTx, StoreError> {
        let conn = self.writer.0.clone().lock_owned().await;
        let mut tx = LiteTx {
            conn: Some(conn),
            in_place,
            open: false,
        };
        // A transaction whose owner went away mid-statement was left open: end it first.
        let begin = "BEGIN IMMEDIATE";
        let leftover = tx.conn.as_ref().is_some_and(|conn| !conn.is_autocommit());
        let sql = if leftover {
            "ROLLBACK; BEGIN IMMEDIATE"
        } else {
            begin
        };
        (&mut tx).run(super::raw_sql(sql), Want::Affected).await?;
        tx.open = true;
        Ok(tx)
    }

    /// The writer, for one statement outside any transaction.
    pub fn writer(&self) -> &LiteWriter {
        &self.writer
    }

    /// Runs `work` on the writer outside any transaction of ours, on the blocking pool (a
    /// migration, `VACUUM`, a backup's `VACUUM INTO`).
    pub async fn with_writer<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let mut conn = self.writer.0.clone().lock_owned().await;
        tokio::task::spawn_blocking(move || {
            if !conn.is_autocommit() {
                conn.execute_batch("ROLLBACK")?;
            }
            work(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("a SQLite task did not finish: {e}")))?
    }
}

async fn blocking<R: Send + 'static>(
    work: impl FnOnce() -> Result<R, rusqlite::Error> + Send + 'static,
) -> Result<R, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Corrupt(format!("a SQLite task did not finish: {e}")))?
        .map_err(StoreError::from)
}

/// A transaction on the writer; dropped unfinished, it rolls back.
pub struct LiteTx {
    conn: Option<OwnedMutexGuard<Connection>>,
    in_place: bool,
    open: bool,
}

impl LiteTx {
    pub async fn commit(mut self) -> Result<(), StoreError> {
        (&mut self)
            .run(super::raw_sql("COMMIT"), Want::Affected)
            .await?;
        self.open = false;
        Ok(())
    }
}

impl Drop for LiteTx {
    fn drop(&mut self) {
        if let (true, Some(conn)) = (self.open, &self.conn)
            && !conn.is_autocommit()
        {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

#[async_trait]
impl Exec for &mut LiteTx {
    async fn run(self, statement: Query<'_>, want: Want) -> Result<Done, StoreError> {
        if self.in_place {
            let conn = self.conn.as_ref().ok_or(StoreError::WriterStopped)?;
            return Ok(run_here(conn, &statement, want)?);
        }
        let conn = self.conn.take().ok_or(StoreError::WriterStopped)?;
        let statement = statement.into_owned();
        let (conn, done) = tokio::task::spawn_blocking(move || {
            let done = run_here(&conn, &statement, want);
            (conn, done)
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("a SQLite statement did not finish: {e}")))?;
        self.conn = Some(conn);
        Ok(done?)
    }
}

#[async_trait]
impl Exec for &LiteWriter {
    async fn run(self, statement: Query<'_>, want: Want) -> Result<Done, StoreError> {
        let statement = statement.into_owned();
        let conn = self.0.clone().lock_owned().await;
        blocking(move || {
            if !conn.is_autocommit() {
                conn.execute_batch("ROLLBACK")?;
            }
            run_here(&conn, &statement, want)
        })
        .await
    }
}

/// A connection of one's own (a tool's, a bench's), run on the calling thread.
#[async_trait]
impl Exec for &mut Connection {
    async fn run(self, statement: Query<'_>, want: Want) -> Result<Done, StoreError> {
        Ok(run_here(self, &statement, want)?)
    }
}

/// A read outside any transaction: on a read-only connection (in memory, where nothing else
/// sees the writer's data, on the writer).
#[async_trait]
impl Exec for &LitePool {
    async fn run(self, statement: Query<'_>, want: Want) -> Result<Done, StoreError> {
        let statement = statement.into_owned();
        if self.readers.options.url.path.is_none() {
            let conn = self.writer.0.clone().lock_owned().await;
            return blocking(move || run_here(&conn, &statement, want)).await;
        }
        let _permit = self
            .readers
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        let readers = self.readers.clone();
        blocking(move || {
            let idle = readers
                .idle
                .lock()
                .map(|mut idle| idle.pop())
                .ok()
                .flatten();
            let conn = match idle {
                Some(conn) => conn,
                None => readers.options.open(true)?,
            };
            let done = run_here(&conn, &statement, want);
            if let Ok(mut idle) = readers.idle.lock() {
                idle.push(conn);
            }
            done
        })
        .await
    }
}

/// One statement on `conn`, here and now. `$n` names argument n, wherever it stands and
/// however often (as PostgreSQL reads it).
fn run_here(conn: &Connection, statement: &Query<'_>, want: Want) -> Result<Done, rusqlite::Error> {
    if statement.script {
        conn.execute_batch(&statement.sql)?;
        return Ok(Done {
            rows: Vec::new(),
            affected: conn.changes(),
        });
    }
    let mut prepared = conn.prepare_cached(&statement.sql)?;
    for slot in 1..=prepared.parameter_count() {
        let number = prepared
            .parameter_name(slot)
            .and_then(|name| name.strip_prefix('$').or_else(|| name.strip_prefix('?')))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(slot);
        let arg = statement
            .args
            .get(number - 1)
            .ok_or(rusqlite::Error::InvalidParameterCount(
                number,
                statement.args.len(),
            ))?;
        prepared.raw_bind_parameter(slot, arg)?;
    }
    let names: Arc<[String]> = match want {
        Want::Rows => prepared.column_names().map(str::to_owned).collect(),
        Want::Affected => Arc::from(Vec::new()),
    };
    let width = names.len();
    let mut rows = Vec::new();
    let mut stepping = prepared.raw_query();
    while let Some(row) = stepping.next()? {
        if want == Want::Affected {
            continue;
        }
        let cells = (0..width)
            .map(|at| cell(row.get_ref(at)?))
            .collect::<Result<_, _>>()?;
        rows.push(Row::new(names.clone(), cells));
    }
    Ok(Done {
        rows,
        affected: conn.changes(),
    })
}

fn cell(value: ValueRef<'_>) -> Result<Cell, rusqlite::Error> {
    Ok(match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(n) => Cell::Int(n),
        ValueRef::Real(x) => Cell::Real(x),
        ValueRef::Text(text) => Cell::Text(
            String::from_utf8(text.to_vec())
                .map_err(|e| rusqlite::Error::Utf8Error(0, e.utf8_error()))?,
        ),
        ValueRef::Blob(bytes) => Cell::Bytes(bytes.to_vec()),
    })
}

/// A time as SQLite keeps it: RFC 3339 with as many fraction digits as it has (what sqlx
/// wrote, so that old and new rows compare and sort as text alike).
pub fn time_text(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value;
        Ok(match self {
            Arg::Text(Some(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Arg::Int(Some(n)) => ToSqlOutput::Owned(Value::Integer(*n)),
            Arg::Int32(Some(n)) => ToSqlOutput::Owned(Value::Integer((*n).into())),
            Arg::Bool(Some(b)) => ToSqlOutput::Owned(Value::Integer((*b).into())),
            Arg::Time(Some(at)) => ToSqlOutput::Owned(Value::Text(time_text(at))),
            Arg::Text(None)
            | Arg::Int(None)
            | Arg::Int32(None)
            | Arg::Bool(None)
            | Arg::Time(None) => ToSqlOutput::Owned(Value::Null),
            Arg::TextArray(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "SQLite takes a list as JSON text (the dialect's)".into(),
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_file_or_memory() {
        let url = LiteUrl::parse("sqlite:///var/lib/orders-hook/orders.db").unwrap();
        assert_eq!(
            url.path,
            Some(PathBuf::from("/var/lib/orders-hook/orders.db"))
        );
        assert!(url.create && !url.read_only);
        assert_eq!(
            LiteUrl::parse("sqlite:orders.db").unwrap().path,
            Some("orders.db".into())
        );
        assert_eq!(LiteUrl::parse("sqlite::memory:").unwrap().path, None);
        let ro = LiteUrl::parse("sqlite://a%20b.db?mode=ro").unwrap();
        assert_eq!((ro.path, ro.read_only), (Some("a b.db".into()), true));
        assert!(LiteUrl::parse("sqlite://x.db?cache=shared").is_err());
        assert!(LiteUrl::parse("postgres://x").is_err());
    }

    #[test]
    fn arguments_bind_by_their_number_wherever_they_stand() {
        let conn = Connection::open_in_memory().unwrap();
        let statement = super::super::query("SELECT $2, $1, $2 || $1")
            .bind("a")
            .bind("b");
        let mut done = run_here(&conn, &statement, Want::Rows).unwrap();
        let row = &mut done.rows[0];
        assert_eq!(row.take_at::<String>(0).unwrap(), "b");
        assert_eq!(row.take_at::<String>(1).unwrap(), "a");
        assert_eq!(row.take_at::<String>(2).unwrap(), "ba");
    }
}
