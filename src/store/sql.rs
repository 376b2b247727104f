//! The store on either database: one statement text per query, with the few real differences
//! asked of the `Dialect`. `CAST(x AS TEXT)` and `CAST(x AS BIGINT)` read the same on both
//! (PostgreSQL's `jsonb` document and `numeric` balances as text, its `INTEGER` columns as
//! `i64`); on SQLite, where those columns are text and integers already, they change nothing.
//! A filter's `CAST($1 AS TEXT) IS NULL` gives PostgreSQL the parameter's type.

use super::apply_event::{self, EventTx, document_json, parse_decimal, parse_document};
use super::delivery::ClaimedNotice;
use super::dialect::{Dialect, WriteOff};
use super::records::*;
use super::{
    Applied, EventRequest, NoticeClaim, OrderKey, Requeue, Rules, Settlement, Store, StoreError,
};
use crate::domain::{
    ACTOR, Catalog, CatalogItem, HistoryNote, Notice, OrderDocument, OrderEvent, OrderId, Sku,
    StoreId,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::{Encode, Executor, FromRow, IntoArguments, Pool, Transaction, Type};
use std::sync::Arc;

/// The store over one database; `SqliteStore` and `PostgresStore` name its two kinds.
pub struct SqlStore<DB: sqlx::Database> {
    pub(super) pool: Pool<DB>,
}

const INSERT_JOURNAL: &str = "
    INSERT INTO journal (at, request_id, event_type, original_order_id, outcome, status_code,
                         duration_ms, detail, body)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// The transaction of one event (see `apply_event`).
pub(crate) struct SqlEventTx<DB: sqlx::Database>(Transaction<'static, DB>);

#[async_trait]
impl<DB> EventTx for SqlEventTx<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> i32: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> DateTime<Utc>: Encode<'a, DB> + Type<DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
    for<'r> (String, String, Option<String>): FromRow<'r, DB::Row>,
{
    async fn lock_order(&mut self, id: &OrderId) -> Result<(), StoreError> {
        DB::lock_order(&mut self.0, id).await
    }

    async fn load_order(&mut self, id: &OrderId) -> Result<Option<OrderDocument>, StoreError> {
        let document: Option<String> = sqlx::query_scalar(
            "SELECT CAST(document AS TEXT) FROM orders WHERE original_order_id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&mut *self.0)
        .await?;
        document.as_deref().map(parse_document).transpose()
    }

    async fn catalog_for(&mut self, skus: &[Sku]) -> Result<Catalog, StoreError> {
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(DB::CATALOG_FOR)
            .bind(DB::sku_list(skus)?)
            .fetch_all(&mut *self.0)
            .await?;
        let mut catalog = Catalog::new();
        for (sku, name, unit) in rows {
            if let Ok(sku) = Sku::parse(&sku) {
                catalog.insert(sku, CatalogItem { name, unit });
            }
        }
        Ok(catalog)
    }

    async fn next_number_seq(&mut self, id: &OrderId) -> Result<u64, StoreError> {
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO order_numbers (original_order_id) VALUES ($1) RETURNING seq",
        )
        .bind(id.as_str())
        .fetch_one(&mut *self.0)
        .await?;
        u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("order number sequence {seq}")))
    }

    async fn save_order(&mut self, doc: &OrderDocument) -> Result<(), StoreError> {
        let revision = DB::Revision::try_from(doc.revision)
            .map_err(|_| StoreError::Corrupt(format!("revision {}", doc.revision)))?;
        // The statement is constants joined: nothing from outside reaches its text.
        let sql = format!(
            "INSERT INTO orders (original_order_id, number, store_id, status, revision, document,
                                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6{}, $7, $8)
             ON CONFLICT (original_order_id) DO UPDATE
                 SET number = excluded.number, store_id = excluded.store_id,
                     status = excluded.status, revision = excluded.revision,
                     document = excluded.document, updated_at = excluded.updated_at",
            DB::AS_JSON
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(doc.original_order_id.as_str())
            .bind(doc.number.as_deref())
            .bind(doc.store_id.as_ref().map(|s| s.as_str()))
            .bind(doc.status().as_str())
            .bind(revision)
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
        let query = sqlx::query(DB::ADD_HISTORY)
            .bind(id.as_str())
            .bind(at)
            .bind(ACTOR);
        DB::bind_notes(query, notes)?.execute(&mut *self.0).await?;
        Ok(())
    }

    async fn write_off(
        &mut self,
        order: &OrderId,
        store: &StoreId,
        moves: &[(Sku, Decimal)],
        at: DateTime<Utc>,
    ) -> Result<Vec<(Sku, Decimal)>, StoreError> {
        let off = WriteOff {
            order,
            store,
            moves,
            at,
        };
        DB::write_off(&mut self.0, off).await
    }

    async fn enqueue(&mut self, notice: &Notice, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO outbox (original_order_id, kind, chat, dedup_key, text, created_at,
                                 next_attempt_at, queued_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
             ON CONFLICT (original_order_id, dedup_key, chat) DO NOTHING",
        )
        .bind(notice.order_id.as_str())
        .bind(notice.kind.as_str())
        .bind(notice.chat.as_str())
        .bind(notice.dedup_key.as_str())
        .bind(notice.text.as_str())
        .bind(at)
        .execute(&mut *self.0)
        .await?;
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn journal(&mut self, entry: &JournalEntry) -> Result<(), StoreError> {
        insert_journal(&mut *self.0, entry).await
    }

    async fn commit(self) -> Result<(), StoreError> {
        Ok(self.0.commit().await?)
    }
}

async fn insert_journal<'c, DB, E>(conn: E, entry: &JournalEntry) -> Result<(), StoreError>
where
    DB: Dialect,
    E: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
    for<'a> i32: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> DateTime<Utc>: Encode<'a, DB> + Type<DB>,
{
    sqlx::query(INSERT_JOURNAL)
        .bind(entry.at)
        .bind(entry.request_id.as_deref())
        .bind(entry.event_type.as_deref())
        .bind(entry.order_id.as_deref())
        .bind(entry.outcome.as_str())
        .bind(i32::from(entry.status_code))
        .bind(entry.duration_ms)
        .bind(entry.detail.as_str())
        .bind(entry.body.as_deref())
        .execute(conn)
        .await?;
    Ok(())
}

#[async_trait]
impl<DB> Store for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> i32: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> Option<i64>: Encode<'a, DB> + Type<DB>,
    for<'a> bool: Encode<'a, DB> + Type<DB>,
    for<'a> DateTime<Utc>: Encode<'a, DB> + Type<DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
    for<'r> (Option<DateTime<Utc>>,): FromRow<'r, DB::Row>,
    for<'r> (String, String): FromRow<'r, DB::Row>,
    for<'r> (String, i64): FromRow<'r, DB::Row>,
    for<'r> (String, String, String): FromRow<'r, DB::Row>,
    for<'r> (String, String, Option<String>): FromRow<'r, DB::Row>,
    for<'r> HistoryRow: FromRow<'r, DB::Row>,
    for<'r> OrderSummary: FromRow<'r, DB::Row>,
    for<'r> OutboxRow: FromRow<'r, DB::Row>,
    for<'r> JournalRow: FromRow<'r, DB::Row>,
    for<'r> ClaimedNotice: FromRow<'r, DB::Row>,
{
    async fn migrate(&self) -> Result<(), StoreError> {
        DB::migrate(&self.pool).await
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
        let tx = DB::begin_write(&self.pool).await?;
        apply_event::run(SqlEventTx(tx), event, rules, request).await
    }

    async fn record(&self, entry: &JournalEntry) -> Result<(), StoreError> {
        insert_journal(&self.pool, entry).await
    }

    async fn order(&self, key: OrderKey<'_>) -> Result<Option<OrderRecord>, StoreError> {
        let (id, number) = key.columns();
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT original_order_id, CAST(document AS TEXT) FROM orders
             WHERE original_order_id = $1 OR number = $2",
        )
        .bind(id)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, document)) = row else {
            return Ok(None);
        };
        let document = parse_document(&document)?;
        let history = sqlx::query_as::<_, HistoryRow>(
            "SELECT at, event, outcome, detail, actor FROM order_history
             WHERE original_order_id = $1 ORDER BY id",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(OrderRecord { document, history }))
    }

    async fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderSummary>, StoreError> {
        Ok(sqlx::query_as::<_, OrderSummary>(
            "SELECT original_order_id, number, status, store_id, created_at, updated_at FROM orders
             WHERE (CAST($1 AS TEXT) IS NULL OR status = $1)
               AND (CAST($2 AS TEXT) IS NULL OR store_id = $2)
             ORDER BY created_at DESC, original_order_id LIMIT $3",
        )
        .bind(filter.status.map(|status| status.as_str()))
        .bind(filter.store_id.as_deref())
        .bind(i64::from(filter.limit.unwrap_or(u32::MAX)))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn import_stock(&self, rows: &[StockBalance]) -> Result<usize, StoreError> {
        let mut tx = DB::begin_write(&self.pool).await?;
        let now = Utc::now();
        // The statement is constants joined: nothing from outside reaches its text.
        let sql = format!(
            "INSERT INTO stock_balances (store_id, sku, quantity, updated_at)
             VALUES ($1, $2, $3{}, $4)
             ON CONFLICT (store_id, sku) DO UPDATE SET quantity = excluded.quantity,
                                                       updated_at = excluded.updated_at",
            DB::AS_DECIMAL
        );
        for row in rows {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(row.store.as_str())
                .bind(row.sku.as_str())
                .bind(row.quantity.to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    async fn stock(&self, store_id: Option<&str>) -> Result<Vec<StockBalance>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT store_id, sku, CAST(quantity AS TEXT) FROM stock_balances
             WHERE CAST($1 AS TEXT) IS NULL OR store_id = $1 ORDER BY store_id, sku",
        )
        .bind(store_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(store, sku, quantity)| {
                Ok(StockBalance {
                    store,
                    sku,
                    quantity: parse_decimal(&quantity)?,
                })
            })
            .collect()
    }

    async fn import_catalog(&self, rows: &[CatalogRow]) -> Result<usize, StoreError> {
        let mut tx = DB::begin_write(&self.pool).await?;
        let now = Utc::now();
        for row in rows {
            sqlx::query(
                "INSERT INTO catalog (sku, name, unit, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (sku) DO UPDATE SET name = excluded.name, unit = excluded.unit,
                                                 updated_at = excluded.updated_at",
            )
            .bind(row.sku.as_str())
            .bind(row.name.as_str())
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
            "SELECT id, original_order_id, kind, chat, status, CAST(attempts AS BIGINT) AS attempts,
                    text, created_at, next_attempt_at, sent_at, telegram_message_id, last_error
             FROM outbox
             WHERE (CAST($1 AS TEXT) IS NULL OR status = $1)
               AND (CAST($2 AS TEXT) IS NULL OR original_order_id = $2)
             ORDER BY id",
        )
        .bind(filter.status.map(|status| status.as_str()))
        .bind(filter.order_id.as_deref())
        .fetch_all(&self.pool)
        .await?)
    }

    async fn journal(&self, filter: &JournalFilter) -> Result<Vec<JournalRow>, StoreError> {
        Ok(sqlx::query_as::<_, JournalRow>(
            "SELECT id, at, request_id, event_type, original_order_id, outcome,
                    CAST(status_code AS BIGINT) AS status_code, duration_ms, detail, body
             FROM journal WHERE CAST($1 AS TEXT) IS NULL OR original_order_id = $1
             ORDER BY id DESC LIMIT $2",
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
        let negative_balances: i64 = sqlx::query_scalar(DB::NEGATIVE_BALANCES)
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
