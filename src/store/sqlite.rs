//! The embedded default: one SQLite file in WAL mode with `synchronous=FULL`. SQLite has one
//! writer at a time; an event's transaction starts `IMMEDIATE`, so it holds the write lock from
//! its first read and concurrent copies of one event run strictly one after the other.

use super::db::lite::{LiteOptions, LitePool, LiteTx, LiteUrl, LiteWriter};
use super::db::{self, Query};
use super::dialect::{Dialect, WriteOff};
use super::event_tx::{Balances, EventWrites, parse_decimal};
use super::records::DatabaseSize;
use super::sql::SqlStore;
use super::{StoreError, StoreOptions};
use crate::domain::{ACTOR, Catalog, HistoryNote, OrderId, Sku};
use async_trait::async_trait;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The embedded backend (its connections are `db::lite`'s).
pub enum Sqlite {}

/// A list bound as one JSON text, for `json_each`: one statement for a whole order.
fn json_text<T: serde::Serialize>(rows: &T) -> Result<String, StoreError> {
    serde_json::to_string(rows).map_err(|e| StoreError::Corrupt(format!("statement rows: {e}")))
}

pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let pool = LitePool::open(LiteOptions {
            url: LiteUrl::parse(url)?,
            synchronous: options.sqlite_synchronous,
            // A writer waits this long for another process (a CLI import) to finish.
            busy_timeout: options.acquire_timeout,
            // A checkpoint that reaches the end of the log lets the next commit start it over;
            // the file is then cut back to this. The checkpoints at 1000 pages (about 4 MiB)
            // run on a thread of their own (`db::checkpointer`).
            wal_size_limit: db::lite::WAL_SIZE_LIMIT,
        })
        .await?;
        Ok(SqlStore { pool, server: () })
    }
}

#[async_trait]
impl Dialect for Sqlite {
    const NAME: &'static str = "SQLite";
    type Pool = LitePool;
    type Writer = LiteWriter;
    type Tx = LiteTx;
    type Server = ();
    type Revision = i64;
    type SkuList = String;
    const CATALOG_FOR: &'static str =
        "SELECT sku, name, unit, zone FROM catalog WHERE sku IN (SELECT value FROM json_each($1))";

    const AS_JSON: &'static str = "";
    const AS_DECIMAL: &'static str = "";
    const CLAIM_LOCKING: &'static str = "";
    // Balances are exact text; a negative one starts with a minus sign.
    const NEGATIVE_BALANCES: &'static str =
        "SELECT COUNT(*) FROM stock_balances WHERE quantity LIKE '-%'";

    // json_each walks the array in order, so the ids follow the notes.
    const ADD_HISTORY: &'static str = "
        INSERT INTO order_history (original_order_id, at, event, outcome, detail, actor)
        SELECT $1, $2, json_extract(value, '$[0]'), json_extract(value, '$[1]'),
               json_extract(value, '$[2]'), $3
        FROM json_each($4) ORDER BY key";

    fn bind_notes<'q>(query: Query<'q>, notes: &[HistoryNote]) -> Result<Query<'q>, StoreError> {
        let rows: Vec<[&str; 3]> = notes
            .iter()
            .map(|n| [n.event.as_str(), n.outcome.as_str(), n.detail.as_str()])
            .collect();
        Ok(query.bind(json_text(&rows)?))
    }

    fn sku_list(skus: &[Sku]) -> Result<String, StoreError> {
        json_text(&skus.iter().map(Sku::as_str).collect::<Vec<_>>())
    }

    fn writer(pool: &LitePool) -> &LiteWriter {
        pool.writer()
    }

    async fn migrate(pool: &LitePool) -> Result<(), StoreError> {
        super::sqlite_migrate::migrate(pool).await
    }

    async fn begin_write(pool: &LitePool) -> Result<LiteTx, StoreError> {
        pool.begin(false).await
    }

    async fn begin_batch(pool: &LitePool) -> Result<LiteTx, StoreError> {
        pool.begin(true).await
    }

    async fn commit(tx: LiteTx) -> Result<(), StoreError> {
        tx.commit().await
    }

    async fn lock_order(_tx: &mut LiteTx, _id: &OrderId) -> Result<(), StoreError> {
        Ok(()) // BEGIN IMMEDIATE already holds the database's write lock.
    }

    async fn lock_claims(_tx: &mut LiteTx) -> Result<(), StoreError> {
        // BEGIN IMMEDIATE makes a claim the only writer while it counts recent attempts and
        // leases rows, so the limits hold exactly even with a second process on the file.
        Ok(())
    }

    async fn write_off(
        tx: &mut LiteTx,
        off: WriteOff<'_>,
    ) -> Result<Vec<(Sku, Decimal)>, StoreError> {
        let entries: Vec<[String; 2]> = off
            .moves
            .iter()
            .map(|(sku, quantity)| [sku.to_string(), (-*quantity).to_string()])
            .collect();
        // Only the entries that are new come back: a repeat writes nothing off again.
        let inserted: Vec<String> = db::query_scalar::<String>(
            "INSERT INTO stock_ledger (original_order_id, store_id, sku, quantity, reason, at, actor)
             SELECT $1, $2, json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'shipment',
                    $3, $4
             FROM json_each($5) WHERE true
             ON CONFLICT (original_order_id, sku, reason) DO NOTHING
             RETURNING sku",
        )
        .bind(off.order.as_str())
        .bind(off.store.as_str())
        .bind(off.at)
        .bind(ACTOR)
        .bind(json_text(&entries)?)
        .fetch_all(&mut *tx)
        .await?;
        if inserted.is_empty() {
            return Ok(Vec::new());
        }
        // SQLite has no decimal type: balances are exact text, added up here under the write lock.
        let current: HashMap<String, String> = db::query_as::<(String, String)>(
            "SELECT sku, quantity FROM stock_balances
             WHERE store_id = $1 AND sku IN (SELECT value FROM json_each($2))",
        )
        .bind(off.store.as_str())
        .bind(json_text(&inserted)?)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let quantities: HashMap<&str, Decimal> = off
            .moves
            .iter()
            .map(|(sku, q)| (sku.as_str(), *q))
            .collect();
        let mut balances = Vec::with_capacity(inserted.len());
        for sku in &inserted {
            let quantity = quantities.get(sku.as_str()).copied().unwrap_or_default();
            let before = current
                .get(sku)
                .map(|text| parse_decimal(text))
                .transpose()?
                .unwrap_or_default();
            let balance = before.checked_sub(quantity).ok_or_else(|| {
                StoreError::Arithmetic(format!(
                    "stock balance of {sku:?} at store {:?} ({before}) cannot be written down by \
                     {quantity}",
                    off.store.as_str()
                ))
            })?;
            let sku = Sku::parse(sku)
                .map_err(|e| StoreError::Corrupt(format!("ledger sku {sku:?}: {e}")))?;
            balances.push((sku, balance));
        }
        let rows: Vec<[String; 2]> = balances
            .iter()
            .map(|(sku, balance)| [sku.to_string(), balance.to_string()])
            .collect();
        db::query(
            "INSERT INTO stock_balances (store_id, sku, quantity, updated_at)
             SELECT $1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), $2
             FROM json_each($3) WHERE true
             ON CONFLICT (store_id, sku) DO UPDATE SET quantity = excluded.quantity,
                                                       updated_at = excluded.updated_at",
        )
        .bind(off.store.as_str())
        .bind(off.at)
        .bind(json_text(&rows)?)
        .execute(&mut *tx)
        .await?;
        Ok(balances)
    }

    async fn catalog_and_number(
        _tx: &mut LiteTx,
        _skus: &[Sku],
        _number_for: Option<&OrderId>,
    ) -> Option<Result<(Catalog, Option<u64>), StoreError>> {
        None // in place on the writer's thread, a statement costs no round trip
    }

    async fn write_event(
        _tx: &mut LiteTx,
        _writes: &EventWrites<'_>,
    ) -> Option<Result<Balances, StoreError>> {
        None
    }

    async fn size(pool: &LitePool) -> Result<DatabaseSize, StoreError> {
        let (pages, page_size, free, file) = db::query_as::<(i64, i64, i64, String)>(
            "SELECT p.page_count, s.page_size, f.freelist_count, d.file
             FROM pragma_page_count() AS p, pragma_page_size() AS s,
                  pragma_freelist_count() AS f, pragma_database_list() AS d
             WHERE d.name = 'main'",
        )
        .fetch_one(pool)
        .await?;
        let bytes = |n: i64| u64::try_from(n.saturating_mul(page_size)).unwrap_or(0);
        // The log is a file beside the database; between checkpoints it may be absent.
        let wal = std::fs::metadata(format!("{file}-wal")).map_or(0, |meta| meta.len());
        Ok(DatabaseSize {
            bytes: bytes(pages),
            wal_bytes: Some(wal),
            free_bytes: Some(bytes(free)),
        })
    }

    async fn tidy(pool: &LitePool) -> Result<(), StoreError> {
        // On the writer: a checkpoint writes the file. PASSIVE never waits: a reader (a
        // backup, a CLI command) holding an old snapshot only keeps this checkpoint from
        // reaching the end, and the next one goes on from there.
        pool.with_writer(|conn| {
            let (busy, logged, copied): (i64, i64, i64) =
                conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?;
            tracing::debug!(busy, logged, copied, "WAL checkpoint");
            conn.execute_batch("PRAGMA optimize")?;
            Ok(())
        })
        .await
    }

    async fn compact(pool: &LitePool) -> Result<(), StoreError> {
        pool.with_writer(|conn| {
            conn.execute_batch("VACUUM")?;
            // The rewritten file went through the log: give that back too.
            conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
            Ok(())
        })
        .await
    }
}
