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
use crate::store::db::lite::LiteUrl;
use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where the configured database lives, as far as a backup is concerned.
pub enum Source {
    /// The embedded database: this module copies it.
    Sqlite(PathBuf),
    /// Backed up with PostgreSQL's own tools; decided from the URL alone, without connecting.
    Postgres,
}

/// Where `database_url` keeps the data, without opening anything.
pub fn source(database_url: &DatabaseUrl) -> anyhow::Result<Source> {
    let url = match database_url {
        DatabaseUrl::Postgres(_) => return Ok(Source::Postgres),
        DatabaseUrl::Sqlite(url) => url,
    };
    let parsed = LiteUrl::parse(url).with_context(|| format!("read database_url {url}"))?;
    match parsed.path {
        Some(path) => Ok(Source::Sqlite(path)),
        None => bail!("database_url {url} is an in-memory database: there is no file to copy"),
    }
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
    source: &Path,
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
async fn copy_into(source: &Path, temporary: &Path, progress: &dyn Progress) -> anyhow::Result<()> {
    let source_name = source.display().to_string();
    if !source.is_file() {
        bail!("there is no database file {source_name}");
    }
    let connection =
        read_only(source).with_context(|| format!("open the database {source_name}"))?;
    let (page_count, page_size): (i64, i64) = connection.query_row(
        "SELECT p.page_count, s.page_size FROM pragma_page_count() AS p, pragma_page_size() AS s",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
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
        // The copy is one long statement: on a thread of its own, while this one reports.
        let vacuum = tokio::task::spawn_blocking(move || {
            connection.execute("VACUUM INTO ?1", [into])?;
            connection.close().map_err(|(_, e)| e)
        });
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
    copied
        .context("the copy's thread")?
        .with_context(|| format!("copy {source_name} with VACUUM INTO"))?;
    Ok(())
}

/// The copy must pass SQLite's own check before it replaces anything; returns its order count.
async fn check(copy: &Path) -> anyhow::Result<i64> {
    let copy = copy.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let connection =
            read_only(&copy).with_context(|| format!("open the copy {}", copy.display()))?;
        let verdict = connection
            .prepare("PRAGMA integrity_check")?
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<String>, _>>()
            .context("run PRAGMA integrity_check on the copy")?;
        if verdict != ["ok"] {
            bail!(
                "the copy failed PRAGMA integrity_check: {}",
                verdict.join("; ")
            );
        }
        let orders: i64 = connection
            .query_row("SELECT count(*) FROM orders", [], |row| row.get(0))
            .context("count the orders in the copy")?;
        Ok(orders)
    })
    .await
    .context("the check's thread")?
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

/// A read-only connection that waits for a writer holding a lock it needs.
fn read_only(path: &Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    Ok(connection)
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
