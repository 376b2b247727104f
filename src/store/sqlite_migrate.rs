//! SQLite's schema, brought up to date by the same migrations, checksums and bookkeeping table
//! (`_sqlx_migrations`) as sqlx's migrator kept them, so a file it migrated goes on from there.
//! Each migration is one `BEGIN IMMEDIATE` transaction that looks again at what is applied:
//! two processes starting together (`serve` and a CLI command) apply each migration once.

use super::StoreError;
use super::db::lite::LitePool;
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const BOOKKEEPING: &str = "
    CREATE TABLE IF NOT EXISTS _sqlx_migrations (
        version BIGINT PRIMARY KEY,
        description TEXT NOT NULL,
        installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        success BOOLEAN NOT NULL,
        checksum BLOB NOT NULL,
        execution_time BIGINT NOT NULL
    )";

pub(super) async fn migrate(pool: &LitePool) -> Result<(), StoreError> {
    pool.with_writer(|conn| {
        // A look first, which takes no write lock: a command started while `serve` holds the
        // lock (or a batch is being written) finds everything applied and goes on.
        let applied = applied(conn)?;
        let missing = MIGRATOR.iter().filter(|migration| {
            !applied.iter().any(|(version, checksum)| {
                *version == migration.version && checksum[..] == migration.checksum[..]
            })
        });
        for migration in missing {
            conn.execute_batch(BOOKKEEPING)?;
            apply(conn, migration)?;
        }
        Ok(())
    })
    .await
}

/// The migrations recorded as applied, with their checksums (none on a new file).
fn applied(conn: &Connection) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table'
                                                      AND name = '_sqlx_migrations')",
        [],
        |row| row.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut statement =
        conn.prepare("SELECT version, checksum FROM _sqlx_migrations WHERE success")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn apply(conn: &mut Connection, migration: &sqlx::migrate::Migration) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let applied: Option<(bool, Vec<u8>)> = tx
        .query_row(
            "SELECT success, checksum FROM _sqlx_migrations WHERE version = ?1",
            params![migration.version],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    match applied {
        Some((true, checksum)) if checksum[..] == migration.checksum[..] => return Ok(()),
        Some((true, _)) => {
            return Err(StoreError::Corrupt(format!(
                "migration {} was changed after it was applied to this database",
                migration.version
            )));
        }
        Some((false, _)) => {
            return Err(StoreError::Corrupt(format!(
                "migration {} was left half applied: restore the database from a backup",
                migration.version
            )));
        }
        None => {}
    }
    let started = std::time::Instant::now();
    tx.execute_batch(migration.sql.as_str())
        .map_err(|e| StoreError::Corrupt(format!("migration {}: {e}", migration.version)))?;
    let took = i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX);
    tx.execute(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum,
                                       execution_time)
         VALUES (?1, ?2, ?3, TRUE, ?4, ?5)",
        params![
            migration.version,
            migration.description.as_ref(),
            Utc::now().format("%Y-%m-%d %H:%M:%S").to_string(),
            migration.checksum.as_ref(),
            took
        ],
    )?;
    tx.commit()?;
    Ok(())
}
