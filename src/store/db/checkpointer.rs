//! SQLite's checkpoints off the writer's path.
//!
//! In WAL mode a commit appends to the log; a checkpoint copies the log back into the database
//! file and syncs that file. Left to itself SQLite checkpoints on the committing connection once
//! the log passes 1000 pages, inside that `COMMIT`: the group commit that crosses the line, and
//! every answer waiting on it, waits for about 4 MiB of writes and an fsync of the database
//! file. Here the writer only rings; a thread with a connection of its own checkpoints,
//! PASSIVE (it never waits for, nor blocks, the writer or a reader). A commit's durability is
//! the log's own sync, which this does not touch.
//!
//! If the checkpointer falls behind (a slow disk, a backup holding an old snapshot), the writer
//! checkpoints itself once the log passes [`BACKSTOP_PAGES`], as SQLite would have, so the log
//! cannot grow without end.

use rusqlite::{Connection, Result as SqlResult};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// The log's length in pages at which the checkpointer is rung: SQLite's own default.
pub const RING_PAGES: i32 = 1000;

/// The log's length in pages at which the writer stops waiting for the checkpointer and
/// checkpoints in its own commit (about 64 MiB of 4 KiB pages).
pub const BACKSTOP_PAGES: i32 = 16 * RING_PAGES;

/// The shortest pause between two checkpoints: while a reader keeps one from reaching the
/// log's end, every commit rings again, and a pass that copies nothing new costs little but not
/// nothing.
const PAUSE: Duration = Duration::from_millis(20);

/// The writer's side: rings the thread, and stops it when dropped.
pub struct Checkpointer {
    bell: Arc<Bell>,
}

#[derive(Default)]
struct Bell {
    state: Mutex<Rung>,
    ringing: Condvar,
}

#[derive(Default)]
struct Rung {
    wanted: bool,
    stop: bool,
}

impl Bell {
    fn ring(&self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if !state.wanted {
            state.wanted = true;
            self.ringing.notify_one();
        }
    }

    fn stop(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.stop = true;
            self.ringing.notify_one();
        }
    }

    /// Waits for a ring; false once stopped.
    fn wait(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        while !state.wanted && !state.stop {
            state = match self.ringing.wait(state) {
                Ok(state) => state,
                Err(_) => return false,
            };
        }
        state.wanted = false;
        !state.stop
    }
}

impl Checkpointer {
    /// Starts the thread on `connection` (read-write, on the same file, with the writer's
    /// `synchronous`, which decides whether a checkpoint syncs the database file) and hooks
    /// the writer's commits to it, in place of SQLite's own checkpoint on the writer. `None`
    /// when the thread cannot start: the writer then checkpoints as SQLite always did.
    pub fn start(
        writer: &mut Connection,
        connection: Connection,
    ) -> SqlResult<Option<Checkpointer>> {
        let bell = Arc::new(Bell::default());
        let thread_bell = bell.clone();
        let spawned = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || run(&thread_bell, &connection));
        if let Err(error) = spawned {
            tracing::warn!(%error, "no thread for WAL checkpoints: the writer checkpoints itself");
            return Ok(None);
        }
        let checkpointer = Checkpointer { bell: bell.clone() };
        writer.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: i32| {
            if pages >= BACKSTOP_PAGES {
                // The commit has happened whatever this says: an error here would make SQLite
                // report a failure for a commit that holds, so a failed checkpoint is only
                // logged and the next commit tries again.
                if let Err(error) = wal.checkpoint() {
                    tracing::warn!(%error, pages, "WAL checkpoint on the writer failed");
                }
            } else if pages >= RING_PAGES {
                bell.ring();
            }
            Ok(())
        }))?;
        Ok(Some(checkpointer))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.bell.stop();
    }
}

fn run(bell: &Bell, connection: &Connection) {
    while bell.wait() {
        match checkpoint(connection) {
            Ok((busy, logged, copied)) => {
                tracing::trace!(busy, logged, copied, "WAL checkpoint");
            }
            Err(error) => {
                tracing::warn!(%error, "WAL checkpoint failed; the next commit rings again")
            }
        }
        std::thread::sleep(PAUSE);
    }
}

/// `(busy, pages in the log, pages copied)`, as `PRAGMA wal_checkpoint` says.
fn checkpoint(connection: &Connection) -> SqlResult<(i64, i64, i64)> {
    connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn open(path: &Path) -> Connection {
        let connection = Connection::open(path).expect("open");
        // OFF: what is tested is who checkpoints, not the disk.
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF")
            .expect("WAL");
        connection
    }

    /// Only a checkpoint writes the database file: commits go to the log.
    fn file_bytes(path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |meta| meta.len())
    }

    /// `commits` commits of about ten pages each.
    fn commit(writer: &Connection, commits: i32) {
        for _ in 0..commits {
            writer
                .execute("INSERT INTO t(body) VALUES (zeroblob(40000))", [])
                .expect("insert");
        }
    }

    fn started(path: &Path) -> (Connection, Checkpointer) {
        let mut writer = open(path);
        writer
            .execute_batch("CREATE TABLE t(body BLOB)")
            .expect("table");
        let checkpointer = Checkpointer::start(&mut writer, open(path))
            .expect("hook")
            .expect("thread");
        (writer, checkpointer)
    }

    #[test]
    fn the_thread_copies_the_log_into_the_file_once_rung() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.db");
        let (writer, _checkpointer) = started(&path);
        let before = file_bytes(&path);
        // Past the ring: about 1,500 pages.
        commit(&writer, RING_PAGES / 10 + 50);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while file_bytes(&path) < before + 1_000_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the database file stayed at {} bytes: no checkpoint ran",
                file_bytes(&path)
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn the_writer_leaves_checkpoints_to_the_thread_until_the_backstop() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.db");
        let (writer, checkpointer) = started(&path);
        // The thread stops: only the writer could copy the log back now.
        checkpointer.bell.stop();
        std::thread::sleep(PAUSE * 5);
        let before = file_bytes(&path);
        // Well past SQLite's own 1000 pages, short of the backstop.
        commit(&writer, RING_PAGES / 2);
        assert_eq!(
            file_bytes(&path),
            before,
            "the writer checkpointed in its commit before the backstop"
        );
        // Past the backstop: the writer's own commit copies the log back.
        commit(&writer, BACKSTOP_PAGES / 10);
        assert!(
            file_bytes(&path) > before + 10_000_000,
            "the log passed {BACKSTOP_PAGES} pages and nothing was checkpointed"
        );
    }
}
