//! PostgreSQL, for a pool of identical instances: an event's transaction first takes an advisory
//! lock on its order id, so copies of one event arriving at two instances at once run one after
//! the other; unique keys (order id, number, ledger entry, outbox notice) are the backstop.

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
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::str::FromStr;
use std::sync::Arc;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PostgresStore {
    pub(super) pool: PgPool,
}

impl PostgresStore {
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(url)?.application_name("orders-hook");
        // Connections are made on demand and the pool replaces a broken one by itself, so a
        // database restart needs no service restart.
        // sqlx keeps retrying a refused connection until the acquire timeout: bounded at 1.5 s,
        // the first request after the database went away learns it well inside the deadline,
        // and the reachability gate answers the rest at once.
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(
                options
                    .acquire_timeout
                    .min(std::time::Duration::from_millis(1500)),
            )
            .connect_lazy_with(connect);
        Ok(PostgresStore { pool })
    }
}

impl PostgresStore {
    /// True when every embedded migration is recorded as applied, with the same checksum.
    async fn schema_is_current(&self) -> Result<bool, StoreError> {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&self.pool)
            .await?;
        if !exists {
            return Ok(false);
        }
        let applied: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await?;
        Ok(MIGRATOR.iter().all(|migration| {
            applied.iter().any(|(version, checksum)| {
                *version == migration.version && checksum[..] == migration.checksum[..]
            })
        }))
    }
}

struct PgEventTx(Transaction<'static, Postgres>);

#[async_trait]
impl EventTx for PgEventTx {
    async fn lock_order(&mut self, id: &OrderId) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(id.as_str())
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn load_order(&mut self, id: &OrderId) -> Result<Option<OrderDocument>, StoreError> {
        let row = sqlx::query("SELECT document::text FROM orders WHERE original_order_id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *self.0)
            .await?;
        row.map(|r| parse_document(&r.get::<String, _>(0)))
            .transpose()
    }

    async fn catalog_for(&mut self, skus: &[Sku]) -> Result<Catalog, StoreError> {
        let keys: Vec<&str> = skus.iter().map(Sku::as_str).collect();
        let rows = sqlx::query("SELECT sku, name, unit FROM catalog WHERE sku = ANY($1)")
            .bind(&keys)
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
            "INSERT INTO order_numbers (original_order_id) VALUES ($1) RETURNING seq",
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
                   VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
                   ON CONFLICT (original_order_id) DO UPDATE
                       SET number = excluded.number, store_id = excluded.store_id,
                           status = excluded.status, revision = excluded.revision,
                           document = excluded.document, updated_at = excluded.updated_at";
        let revision = i32::try_from(doc.revision)
            .map_err(|_| StoreError::Corrupt(format!("revision {}", doc.revision)))?;
        sqlx::query(sql)
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
        let column = |f: fn(&HistoryNote) -> &str| notes.iter().map(f).collect::<Vec<_>>();
        sqlx::query(
            "INSERT INTO order_history (original_order_id, at, event, outcome, detail, actor)
             SELECT $1, $2, h.event, h.outcome, h.detail, $3
             FROM UNNEST($4::text[], $5::text[], $6::text[])
                  WITH ORDINALITY AS h(event, outcome, detail, n)
             ORDER BY h.n",
        )
        .bind(id.as_str())
        .bind(at)
        .bind(ACTOR)
        .bind(column(|n| n.event.as_str()))
        .bind(column(|n| n.outcome.as_str()))
        .bind(column(|n| n.detail.as_str()))
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
        let skus: Vec<&str> = moves.iter().map(|(sku, _)| sku.as_str()).collect();
        let quantities: Vec<String> = moves.iter().map(|(_, q)| q.to_string()).collect();
        // Only the ledger entries that are new move a balance: a repeat writes nothing off again.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "WITH moved AS (
                 INSERT INTO stock_ledger (original_order_id, store_id, sku, quantity, reason, at,
                                           actor)
                 SELECT $1, $2, m.sku, -(m.quantity::numeric), 'shipment', $3, $4
                 FROM UNNEST($5::text[], $6::text[]) AS m(sku, quantity)
                 ON CONFLICT (original_order_id, sku, reason) DO NOTHING
                 RETURNING sku, quantity
             )
             INSERT INTO stock_balances (store_id, sku, quantity, updated_at)
             SELECT $2, sku, quantity, $3 FROM moved
             ON CONFLICT (store_id, sku) DO UPDATE
                 SET quantity = stock_balances.quantity + excluded.quantity, updated_at = $3
             RETURNING sku, quantity::text",
        )
        .bind(order.as_str())
        .bind(store.as_str())
        .bind(at)
        .bind(ACTOR)
        .bind(&skus)
        .bind(&quantities)
        .fetch_all(&mut *self.0)
        .await?;
        rows.into_iter()
            .map(|(sku, balance)| {
                let sku = Sku::parse(&sku)
                    .map_err(|e| StoreError::Corrupt(format!("ledger sku {sku:?}: {e}")))?;
                Ok((sku, parse_decimal(&balance)?))
            })
            .collect()
    }

    async fn enqueue(&mut self, notice: &Notice, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO outbox (original_order_id, kind, chat, dedup_key, text, created_at,
                                 next_attempt_at, queued_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
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
    conn: &mut sqlx::PgConnection,
    entry: &JournalEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO journal (at, request_id, event_type, original_order_id, outcome, status_code,
                              duration_ms, detail, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(entry.at)
    .bind(entry.request_id.as_deref())
    .bind(entry.event_type.as_deref())
    .bind(entry.order_id.as_deref())
    .bind(entry.outcome.as_str())
    .bind(i32::from(entry.status_code))
    .bind(entry.duration_ms)
    .bind(&entry.detail)
    .bind(entry.body.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

#[async_trait]
impl Store for PostgresStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        // In pool mode the instances connect as a role that may not create anything (see
        // deploy/postgres/roles.sql), and sqlx's migrator always starts with a CREATE TABLE:
        // when every migration is already applied there is nothing to run.
        if self.schema_is_current().await? {
            return Ok(());
        }
        // sqlx's migrator holds an advisory lock: instances starting together migrate once.
        match MIGRATOR.run(&self.pool).await {
            Ok(()) => Ok(()),
            Err(sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(db)))
                if db.code().as_deref() == Some("42501") =>
            {
                Err(StoreError::Permission(format!(
                    "the schema needs migrating and this role may not ({}): run `orders-hook \
                     migrate` with the owner role's ORDERS_HOOK_DATABASE_URL first",
                    db.message()
                )))
            }
            Err(error) => Err(error.into()),
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
        let tx = self.pool.begin().await?;
        apply_event::run(PgEventTx(tx), event, rules, request).await
    }

    async fn record(&self, entry: &JournalEntry) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        insert_journal(&mut conn, entry).await
    }

    async fn order(&self, key: OrderKey<'_>) -> Result<Option<OrderRecord>, StoreError> {
        let (id, number) = key.columns();
        let row = sqlx::query(
            "SELECT original_order_id, document::text FROM orders
             WHERE original_order_id = $1 OR number = $2",
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
             WHERE original_order_id = $1 ORDER BY id",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(OrderRecord { document, history }))
    }

    async fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderSummary>, StoreError> {
        Ok(sqlx::query_as::<_, OrderSummary>(
            "SELECT original_order_id, number, status, store_id, created_at, updated_at FROM orders
             WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR store_id = $2)
             ORDER BY created_at DESC, original_order_id LIMIT $3",
        )
        .bind(filter.status.map(|status| status.as_str()))
        .bind(filter.store_id.as_deref())
        .bind(i64::from(filter.limit.unwrap_or(u32::MAX)))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn import_stock(&self, rows: &[StockBalance]) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = Utc::now();
        for row in rows {
            sqlx::query(
                "INSERT INTO stock_balances (store_id, sku, quantity, updated_at)
                 VALUES ($1, $2, $3::numeric, $4)
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
            "SELECT store_id, sku, quantity::text FROM stock_balances
             WHERE $1::text IS NULL OR store_id = $1 ORDER BY store_id, sku",
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
        let mut tx = self.pool.begin().await?;
        let now = Utc::now();
        for row in rows {
            sqlx::query(
                "INSERT INTO catalog (sku, name, unit, updated_at) VALUES ($1, $2, $3, $4)
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
            "SELECT id, original_order_id, kind, chat, status, attempts::bigint AS attempts, text, created_at,
                    next_attempt_at, sent_at, telegram_message_id, last_error
             FROM outbox
             WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR original_order_id = $2)
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
                    status_code::bigint AS status_code, duration_ms, detail, body
             FROM journal WHERE $1::text IS NULL OR original_order_id = $1
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
        let negative_balances: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM stock_balances WHERE quantity < 0")
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
