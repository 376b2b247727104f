//! The embedded default: one SQLite file in WAL mode with `synchronous=FULL`. SQLite has one
//! writer at a time; an event's transaction starts `IMMEDIATE`, so it holds the write lock from
//! its first read and concurrent copies of one event run strictly one after the other.

use super::apply_event::{self, EventTx, document_json, parse_decimal, parse_document};
use super::records::*;
use super::{
    Applied, ClaimedNotice, EventRequest, NoticeClaim, OrderKey, Requeue, Rules, Settlement, Store,
    StoreError, StoreOptions,
};
use crate::domain::{
    ACTOR, Catalog, CatalogItem, HistoryNote, Notice, OrderDocument, OrderEvent, OrderId, Sku,
    StoreId,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A list bound as one JSON text, for `json_each`: one statement for a whole order.
fn json_text<T: serde::Serialize>(rows: &T) -> Result<String, StoreError> {
    serde_json::to_string(rows).map_err(|e| StoreError::Corrupt(format!("statement rows: {e}")))
}

pub struct SqliteStore {
    pub(super) pool: SqlitePool,
}

impl SqliteStore {
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(options.sqlite_synchronous)
            .foreign_keys(true)
            // A writer waits this long for another process (a CLI import) to finish.
            .busy_timeout(options.acquire_timeout);
        // One connection: writers queue in order inside the process instead of spinning on
        // SQLite's busy handler; reads are short and share the queue.
        // Switching a new file into WAL takes an exclusive lock that SQLite does not wait for
        // (busy_timeout does not apply): a second process opening the same new file at that
        // moment (a CLI command while `serve` starts) is told "database is locked", and finds
        // the file in WAL on a second look.
        let mut attempt = 1;
        let pool = loop {
            let opened = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect.clone())
                .await;
            match opened {
                Err(sqlx::Error::Database(e)) if is_busy(e.as_ref()) && attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                other => break other?,
            }
        };
        Ok(SqliteStore { pool })
    }
}

fn is_busy(error: &dyn sqlx::error::DatabaseError) -> bool {
    error
        .code()
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == 5) // SQLITE_BUSY and its extended codes
}

struct SqliteEventTx(Transaction<'static, Sqlite>);

#[async_trait]
impl EventTx for SqliteEventTx {
    async fn lock_order(&mut self, _id: &OrderId) -> Result<(), StoreError> {
        Ok(()) // BEGIN IMMEDIATE already holds the database's write lock.
    }

    async fn load_order(&mut self, id: &OrderId) -> Result<Option<OrderDocument>, StoreError> {
        let row = sqlx::query("SELECT document FROM orders WHERE original_order_id = ?")
            .bind(id.as_str())
            .fetch_optional(&mut *self.0)
            .await?;
        row.map(|r| parse_document(&r.get::<String, _>(0)))
            .transpose()
    }

    async fn catalog_for(&mut self, skus: &[Sku]) -> Result<Catalog, StoreError> {
        // One statement for the whole order, as PostgreSQL's `= ANY($1)`: a big order must not
        // cost a query per line.
        let keys = json_text(&skus.iter().map(Sku::as_str).collect::<Vec<_>>())?;
        let rows = sqlx::query(
            "SELECT sku, name, unit FROM catalog WHERE sku IN (SELECT value FROM json_each(?))",
        )
        .bind(keys)
        .fetch_all(&mut *self.0)
        .await?;
        let mut catalog = Catalog::new();
        for row in rows {
            let sku: String = row.get(0);
            if let Ok(sku) = Sku::parse(&sku) {
                catalog.insert(
                    sku,
                    CatalogItem {
                        name: row.get(1),
                        unit: row.get(2),
                    },
                );
            }
        }
        Ok(catalog)
    }

    async fn next_number_seq(&mut self, id: &OrderId) -> Result<u64, StoreError> {
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO order_numbers (original_order_id) VALUES (?) RETURNING seq",
        )
        .bind(id.as_str())
        .fetch_one(&mut *self.0)
        .await?;
        u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("order number sequence {seq}")))
    }

    async fn save_order(&mut self, doc: &OrderDocument) -> Result<(), StoreError> {
        let sql =
            "INSERT INTO orders (original_order_id, number, store_id, status, revision, document,
                                       created_at, updated_at)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                   ON CONFLICT (original_order_id) DO UPDATE
                       SET number = excluded.number, store_id = excluded.store_id,
                           status = excluded.status, revision = excluded.revision,
                           document = excluded.document, updated_at = excluded.updated_at";
        sqlx::query(sql)
            .bind(doc.original_order_id.as_str())
            .bind(doc.number.as_deref())
            .bind(doc.store_id.as_ref().map(|s| s.as_str()))
            .bind(doc.status().as_str())
            .bind(i64::from(doc.revision))
            .bind(document_json(doc)?)
            .bind(doc.created_at)
            .bind(doc.updated_at)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn add_history(
        &mut self,
        id: &OrderId,
        at: DateTime<Utc>,
        notes: &[HistoryNote],
    ) -> Result<(), StoreError> {
        let rows: Vec<[&str; 3]> = notes
            .iter()
            .map(|n| [n.event.as_str(), n.outcome.as_str(), n.detail.as_str()])
            .collect();
        // json_each walks the array in order, so the ids follow the notes.
        sqlx::query(
            "INSERT INTO order_history (original_order_id, at, event, outcome, detail, actor)
             SELECT ?1, ?2, json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                    json_extract(value, '$[2]'), ?3
             FROM json_each(?4) ORDER BY key",
        )
        .bind(id.as_str())
        .bind(at)
        .bind(ACTOR)
        .bind(json_text(&rows)?)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    async fn write_off(
        &mut self,
        order: &OrderId,
        store: &StoreId,
        moves: &[(Sku, Decimal)],
        at: DateTime<Utc>,
    ) -> Result<Vec<(Sku, Decimal)>, StoreError> {
        let entries: Vec<[String; 2]> = moves
            .iter()
            .map(|(sku, quantity)| [sku.to_string(), (-*quantity).to_string()])
            .collect();
        // Only the entries that are new come back: a repeat writes nothing off again.
        let inserted: Vec<String> = sqlx::query_scalar(
            "INSERT INTO stock_ledger (original_order_id, store_id, sku, quantity, reason, at, actor)
             SELECT ?1, ?2, json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'shipment',
                    ?3, ?4
             FROM json_each(?5) WHERE true
             ON CONFLICT (original_order_id, sku, reason) DO NOTHING
             RETURNING sku",
        )
        .bind(order.as_str())
        .bind(store.as_str())
        .bind(at)
        .bind(ACTOR)
        .bind(json_text(&entries)?)
        .fetch_all(&mut *self.0)
        .await?;
        if inserted.is_empty() {
            return Ok(Vec::new());
        }
        // SQLite has no decimal type: balances are exact text, added up here under the write lock.
        let current: HashMap<String, String> = sqlx::query_as::<_, (String, String)>(
            "SELECT sku, quantity FROM stock_balances
             WHERE store_id = ?1 AND sku IN (SELECT value FROM json_each(?2))",
        )
        .bind(store.as_str())
        .bind(json_text(&inserted)?)
        .fetch_all(&mut *self.0)
        .await?
        .into_iter()
        .collect();
        let quantities: HashMap<&str, Decimal> =
            moves.iter().map(|(sku, q)| (sku.as_str(), *q)).collect();
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
                    store.as_str()
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
        sqlx::query(
            "INSERT INTO stock_balances (store_id, sku, quantity, updated_at)
             SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2
             FROM json_each(?3) WHERE true
             ON CONFLICT (store_id, sku) DO UPDATE SET quantity = excluded.quantity,
                                                       updated_at = excluded.updated_at",
        )
        .bind(store.as_str())
        .bind(at)
        .bind(json_text(&rows)?)
        .execute(&mut *self.0)
        .await?;
        Ok(balances)
    }

    async fn enqueue(&mut self, notice: &Notice, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO outbox (original_order_id, kind, chat, dedup_key, text, created_at,
                                 next_attempt_at, queued_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)
             ON CONFLICT (original_order_id, dedup_key, chat) DO NOTHING",
        )
        .bind(notice.order_id.as_str())
        .bind(notice.kind.as_str())
        .bind(&notice.chat)
        .bind(&notice.dedup_key)
        .bind(&notice.text)
        .bind(at)
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(inserted > 0)
    }

    async fn journal(&mut self, entry: &JournalEntry) -> Result<(), StoreError> {
        insert_journal(&mut self.0, entry).await
    }

    async fn commit(self) -> Result<(), StoreError> {
        Ok(self.0.commit().await?)
    }
}

async fn insert_journal(
    conn: &mut sqlx::SqliteConnection,
    entry: &JournalEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO journal (at, request_id, event_type, original_order_id, outcome, status_code,
                              duration_ms, detail, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(entry.at)
    .bind(entry.request_id.as_deref())
    .bind(entry.event_type.as_deref())
    .bind(entry.order_id.as_deref())
    .bind(entry.outcome.as_str())
    .bind(i64::from(entry.status_code))
    .bind(entry.duration_ms)
    .bind(&entry.detail)
    .bind(entry.body.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        // sqlx takes no lock for SQLite: two processes starting together (`serve` and a CLI
        // command, which migrates first too) can race to apply one migration, and the loser
        // fails on "table ... already exists". A failed attempt means another process has
        // committed a migration meanwhile, so a fresh look finds less left to do.
        let mut attempt = 1;
        loop {
            match MIGRATOR.run(&self.pool).await {
                Ok(()) => return Ok(()),
                Err(sqlx::migrate::MigrateError::ExecuteMigration(..)) if attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn apply_event(
        &self,
        event: &OrderEvent,
        rules: &Arc<Rules>,
        request: &EventRequest,
    ) -> Result<Applied, StoreError> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        apply_event::run(SqliteEventTx(tx), event, rules, request).await
    }

    async fn record(&self, entry: &JournalEntry) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        insert_journal(&mut conn, entry).await
    }

    async fn order(&self, key: OrderKey<'_>) -> Result<Option<OrderRecord>, StoreError> {
        let (id, number) = key.columns();
        let row = sqlx::query(
            "SELECT original_order_id, document FROM orders
             WHERE original_order_id = ?1 OR number = ?2",
        )
        .bind(id)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.get(0);
        let document = parse_document(&row.get::<String, _>(1))?;
        let history = sqlx::query_as::<_, HistoryRow>(
            "SELECT at, event, outcome, detail, actor FROM order_history
             WHERE original_order_id = ? ORDER BY id",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(OrderRecord { document, history }))
    }

    async fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderSummary>, StoreError> {
        Ok(sqlx::query_as::<_, OrderSummary>(
            "SELECT original_order_id, number, status, store_id, created_at, updated_at FROM orders
             WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR store_id = ?2)
             ORDER BY created_at DESC, original_order_id LIMIT ?3",
        )
        .bind(filter.status.map(|status| status.as_str()))
        .bind(filter.store_id.as_deref())
        .bind(i64::from(filter.limit.unwrap_or(u32::MAX)))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn import_stock(&self, rows: &[StockBalance]) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let now = Utc::now();
        for row in rows {
            sqlx::query(
                "INSERT INTO stock_balances (store_id, sku, quantity, updated_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (store_id, sku) DO UPDATE SET quantity = excluded.quantity,
                                                           updated_at = excluded.updated_at",
            )
            .bind(&row.store)
            .bind(&row.sku)
            .bind(row.quantity.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    async fn stock(&self, store_id: Option<&str>) -> Result<Vec<StockBalance>, StoreError> {
        let rows = sqlx::query(
            "SELECT store_id, sku, quantity FROM stock_balances
             WHERE ?1 IS NULL OR store_id = ?1 ORDER BY store_id, sku",
        )
        .bind(store_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(StockBalance {
                    store: r.get(0),
                    sku: r.get(1),
                    quantity: parse_decimal(&r.get::<String, _>(2))?,
                })
            })
            .collect()
    }

    async fn import_catalog(&self, rows: &[CatalogRow]) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let now = Utc::now();
        for row in rows {
            sqlx::query(
                "INSERT INTO catalog (sku, name, unit, updated_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (sku) DO UPDATE SET name = excluded.name, unit = excluded.unit,
                                                 updated_at = excluded.updated_at",
            )
            .bind(&row.sku)
            .bind(&row.name)
            .bind(row.unit.as_deref())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    async fn outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxRow>, StoreError> {
        Ok(sqlx::query_as::<_, OutboxRow>(
            "SELECT id, original_order_id, kind, chat, status, attempts, text, created_at,
                    next_attempt_at, sent_at, telegram_message_id, last_error
             FROM outbox WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR original_order_id = ?2)
             ORDER BY id",
        )
        .bind(filter.status.map(|status| status.as_str()))
        .bind(filter.order_id.as_deref())
        .fetch_all(&self.pool)
        .await?)
    }

    async fn journal(&self, filter: &JournalFilter) -> Result<Vec<JournalRow>, StoreError> {
        Ok(sqlx::query_as::<_, JournalRow>(
            "SELECT id, at, request_id, event_type, original_order_id, outcome, status_code,
                    duration_ms, detail, body
             FROM journal WHERE ?1 IS NULL OR original_order_id = ?1
             ORDER BY id DESC LIMIT ?2",
        )
        .bind(filter.order_id.as_deref())
        .bind(i64::from(filter.limit.unwrap_or(u32::MAX)))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn claim_due_notices(
        &self,
        claim: &NoticeClaim,
    ) -> Result<Vec<ClaimedNotice>, StoreError> {
        self.claim(claim).await
    }

    async fn settle_notice(
        &self,
        id: i64,
        worker: &str,
        settlement: &Settlement,
    ) -> Result<bool, StoreError> {
        self.settle(id, worker, settlement).await
    }

    async fn release_notices(&self, worker: &str) -> Result<u64, StoreError> {
        self.release(worker).await
    }

    async fn requeue_notices(&self, which: Requeue, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.requeue(which, now).await
    }

    async fn gauges(&self) -> Result<Gauges, StoreError> {
        let outbox = sqlx::query_as::<_, (String, i64)>(
            "SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        // Balances are exact text; a negative one starts with a minus sign.
        let negative_balances: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM stock_balances WHERE quantity LIKE '-%'")
                .fetch_one(&self.pool)
                .await?;
        let oldest_pending_at: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT MIN(queued_at) FROM outbox WHERE status = 'pending'")
                .fetch_one(&self.pool)
                .await?;
        Ok(Gauges {
            outbox,
            oldest_pending_at,
            negative_balances,
        })
    }
}
