//! `orders-hook backup`: a consistent copy of the embedded SQLite database, taken while `serve`
//! goes on writing to it.
//!
//! Copying the file (or the file and its `-wal`) under writes gives a torn copy. `VACUUM INTO`
//! instead writes the database as one read transaction sees it: in WAL mode that transaction
//! takes no lock the hook's writer waits for, so orders go on being answered while the copy is
//! made. The copy is written beside its destination under a temporary name, checked
//! (`PRAGMA integrity_check`), made durable and only then renamed into place, so that a backup
//! directory holds whole, checked copies or nothing new. The copy is compacted too: pages freed
//! by deletions are not carried over.
//!
//! PostgreSQL has its own tools for this (`pg_dump -Fc`, base backups with WAL archiving), so
//! [`source`] tells the caller to use them instead of copying anything.

mod names;
#[cfg(test)]
mod names_tests;

pub use names::{beyond_newest, is_backup_name, timestamped_name};

use crate::database_url::DatabaseUrl;
use anyhow::{Context, bail};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// Where the configured database lives, as far as a backup is concerned.
pub enum Source {
    /// The embedded database: this module copies it.
    Sqlite(Box<SqliteConnectOptions>),
    /// Backed up with PostgreSQL's own tools; decided from the URL alone, without connecting.
    Postgres,
}

/// Where `database_url` keeps the data, without opening anything.
pub fn source(database_url: &DatabaseUrl) -> anyhow::Result<Source> {
    let url = match database_url {
        DatabaseUrl::Postgres(_) => return Ok(Source::Postgres),
        DatabaseUrl::Sqlite(url) => url,
    };
    let options =
        SqliteConnectOptions::from_str(url).with_context(|| format!("read database_url {url}"))?;
    if options.get_filename() == Path::new(":memory:") || url.contains(":memory:") {
        bail!("database_url {url} is an in-memory database: there is no file to copy");
    }
    Ok(Source::Sqlite(Box::new(options)))
}

/// What a finished backup reports.
#[derive(Debug)]
pub struct Summary {
    pub path: PathBuf,
    /// Orders in the copy (counted in the copy, after its integrity check).
    pub orders: i64,
    pub bytes: u64,
    pub elapsed: Duration,
    /// Older copies removed by `--keep`.
    pub removed: Vec<PathBuf>,
}

/// Told how far the copy is. The estimate is the source's size in pages; the copy ends smaller
/// when the source has free pages.
pub trait Progress: Send + Sync {
    fn begin(&self, _estimate_bytes: u64) {}
    fn written(&self, _bytes: u64) {}
    fn end(&self) {}
}

/// No progress shown.
impl Progress for () {}

/// How often the temporary file's size is read while `VACUUM INTO` writes it.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// How long opening the source waits for a writer holding a lock it needs (the WAL index while
/// `serve` starts or checkpoints).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Copies the database of `source` to `dest`: a file path, or an existing directory where the
/// copy is named [`timestamped_name`]. With `keep` (a directory only), the copies in that
/// directory beyond the newest `keep` are then removed.
pub async fn backup(
    source: &SqliteConnectOptions,
    dest: &Path,
    keep: Option<usize>,
    progress: &dyn Progress,
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let (dir, path) = if dest.is_dir() {
        (
            dest.to_path_buf(),
            dest.join(timestamped_name(chrono::Utc::now())),
        )
    } else {
        if keep.is_some() {
            bail!(
                "--keep needs a directory as the destination; {} is not one",
                dest.display()
            );
        }
        let dir = match dest.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        (dir, dest.to_path_buf())
    };
    let name = path
        .file_name()
        .with_context(|| format!("{} names no file", dest.display()))?
        .to_string_lossy()
        .into_owned();
    let temporary = Temporary(dir.join(format!(".{name}.tmp-{}", std::process::id())));

    copy_into(source, &temporary.0, progress).await?;
    let orders = check(&temporary.0).await?;
    File::open(&temporary.0)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("flush {} to disk", temporary.0.display()))?;
    std::fs::rename(&temporary.0, &path).with_context(|| {
        format!(
            "move {} into place as {}",
            temporary.0.display(),
            path.display()
        )
    })?;
    std::mem::forget(temporary);
    // The rename itself is durable only once the directory is.
    File::open(&dir)
        .and_then(|dir| dir.sync_all())
        .with_context(|| format!("flush the directory {} to disk", dir.display()))?;
    let bytes = std::fs::metadata(&path)
        .with_context(|| format!("read the size of {}", path.display()))?
        .len();

    let removed = match keep {
        Some(keep) => rotate(&dir, &name, keep).with_context(|| {
            format!(
                "the copy {} is in place, but removing the copies beyond the newest {keep} failed",
                path.display()
            )
        })?,
        None => Vec::new(),
    };
    Ok(Summary {
        path,
        orders,
        bytes,
        elapsed: started.elapsed(),
        removed,
    })
}

/// `VACUUM INTO` a new, private file, reporting its growth meanwhile.
async fn copy_into(
    source: &SqliteConnectOptions,
    temporary: &Path,
    progress: &dyn Progress,
) -> anyhow::Result<()> {
    let source_name = source.get_filename().display().to_string();
    if !source.get_filename().is_file() {
        bail!("there is no database file {source_name}");
    }
    let mut connection = quiet(source.clone().read_only(true))
        .connect()
        .await
        .with_context(|| format!("open the database {source_name}"))?;
    let page_count: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(&mut connection)
        .await?;
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(&mut connection)
        .await?;
    let into = temporary
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", temporary.display()))?
        .to_owned();
    // Created here, empty and readable by the owner only (the copy holds customers' addresses);
    // `VACUUM INTO` accepts an empty file. `create_new` never takes over someone else's file.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(temporary)
        .with_context(|| format!("create {}", temporary.display()))?;

    progress.begin(u64::try_from(page_count * page_size).unwrap_or(0));
    let copied = {
        let vacuum = sqlx::query("VACUUM INTO ?")
            .bind(into)
            .execute(&mut connection);
        tokio::pin!(vacuum);
        let mut every = tokio::time::interval(PROGRESS_EVERY);
        loop {
            tokio::select! {
                done = &mut vacuum => break done,
                _ = every.tick() => {
                    if let Ok(meta) = std::fs::metadata(temporary) {
                        progress.written(meta.len());
                    }
                }
            }
        }
    };
    progress.end();
    copied.with_context(|| format!("copy {source_name} with VACUUM INTO"))?;
    connection.close().await?;
    Ok(())
}

/// The copy must pass SQLite's own check before it replaces anything; returns its order count.
async fn check(copy: &Path) -> anyhow::Result<i64> {
    let mut connection = quiet(SqliteConnectOptions::new().filename(copy).read_only(true))
        .connect()
        .await
        .with_context(|| format!("open the copy {}", copy.display()))?;
    let verdict: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut connection)
        .await
        .context("run PRAGMA integrity_check on the copy")?;
    if verdict != ["ok"] {
        bail!(
            "the copy failed PRAGMA integrity_check: {}",
            verdict.join("; ")
        );
    }
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&mut connection)
        .await
        .context("count the orders in the copy")?;
    connection.close().await?;
    Ok(orders)
}

/// Removes the copies in `dir` beyond the newest `keep`; `just_written` is never one of them,
/// whatever the clock said when older copies were named.
fn rotate(dir: &Path, just_written: &str, keep: usize) -> anyhow::Result<Vec<PathBuf>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file()
            && let Ok(name) = entry.file_name().into_string()
        {
            names.push(name);
        }
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut removed = Vec::new();
    for name in beyond_newest(&names, keep) {
        if name == just_written {
            continue;
        }
        let path = dir.join(name);
        std::fs::remove_file(&path).with_context(|| format!("remove {}", path.display()))?;
        removed.push(path);
    }
    Ok(removed)
}

/// A copy taking minutes is expected, not a slow statement worth a warning.
fn quiet(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .busy_timeout(BUSY_TIMEOUT)
        .disable_statement_logging()
}

/// The temporary copy, removed (with any journal SQLite left beside it) unless it was renamed
/// into place.
struct Temporary(PathBuf);

impl Drop for Temporary {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let mut journal = self.0.clone().into_os_string();
        journal.push("-journal");
        let _ = std::fs::remove_file(journal);
    }
}
