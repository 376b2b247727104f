//! The store on either database: one statement text per query, with the few real differences
//! asked of the `Dialect`. `CAST(x AS TEXT)` and `CAST(x AS BIGINT)` read the same on both
//! (PostgreSQL's `jsonb` document and `numeric` balances as text, its `INTEGER` columns as
//! `i64`); on SQLite, where those columns are text and integers already, they change nothing.
//! A filter's `CAST($1 AS TEXT) IS NULL` gives PostgreSQL the parameter's type.

use super::db;
use super::event_tx::{parse_decimal, parse_document};
use super::records::*;
use super::{OrderKey, ReadSide, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The store over one database; `SqliteStore` and `PostgresStore` name its two kinds.
pub struct SqlStore<DB: super::dialect::Dialect> {
    pub(super) pool: DB::Pool,
    /// Keeps the pool on a server that takes writes (PostgreSQL's failover).
    pub(super) server: DB::Server,
}

impl<DB: super::dialect::Dialect> super::ChangeFeed for SqlStore<DB> {
    fn change_bus(&self) -> Option<std::sync::Arc<dyn super::change_bus::ChangeBus>> {
        use super::dialect::ServerWatch;
        self.server.change_bus()
    }
}

on_either_database! {
    #[async_trait]
    impl ReadSide for SqlStore<DB> {
        async fn order(&self, key: OrderKey<'_>) -> Result<Option<OrderRecord>, StoreError> {
            let (id, number) = key.columns();
            let row: Option<(String, String)> = db::query_as(
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
            let history = db::query_as::<HistoryRow>(
                "SELECT at, event, outcome, detail, actor FROM order_history
                 WHERE original_order_id = $1 ORDER BY id",
            )
            .bind(id.as_str())
            .fetch_all(&self.pool)
            .await?;
            Ok(Some(OrderRecord { document, history }))
        }

        async fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderSummary>, StoreError> {
            Ok(db::query_as::<OrderSummary>(
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

        async fn stock(&self, store_id: Option<&str>) -> Result<Vec<StockBalance>, StoreError> {
            let rows: Vec<(String, String, String)> = db::query_as(
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

        async fn outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxRow>, StoreError> {
            Ok(db::query_as::<OutboxRow>(
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
            Ok(db::query_as::<JournalRow>(
                "SELECT id, at, request_id, event_type, original_order_id, outcome,
                        CAST(status_code AS BIGINT) AS status_code, duration_ms, detail, body,
                        replay_of
                 FROM journal WHERE CAST($1 AS TEXT) IS NULL OR original_order_id = $1
                 ORDER BY id DESC LIMIT $2",
            )
            .bind(filter.order_id.as_deref())
            .bind(i64::from(filter.limit.unwrap_or(u32::MAX)))
            .fetch_all(&self.pool)
            .await?)
        }

        async fn gauges(&self) -> Result<Gauges, StoreError> {
            let outbox = db::query_as::<(String, i64)>(
                "SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status",
            )
            .fetch_all(&self.pool)
            .await?;
            let negative_balances: i64 = db::query_scalar(DB::NEGATIVE_BALANCES)
                .fetch_one(&self.pool)
                .await?;
            let oldest_pending_at: Option<DateTime<Utc>> =
                db::query_scalar("SELECT MIN(queued_at) FROM outbox WHERE status = 'pending'")
                    .fetch_one(&self.pool)
                    .await?;
            let (journal_rows, oldest_journal_at) = self.journal_extent().await?;
            Ok(Gauges {
                outbox,
                oldest_pending_at,
                negative_balances,
                size: DB::size(&self.pool).await?,
                journal_rows,
                oldest_journal_at,
            })
        }

        async fn stats(&self) -> Result<DatabaseStats, StoreError> {
            let mut tables = Vec::with_capacity(TABLES.len());
            for table in TABLES {
                // The name is one of the constants of `TABLES`: nothing from outside reaches it.
                let sql = format!("SELECT COUNT(*) FROM {table}");
                let rows: i64 = db::query_scalar(sql)
                    .fetch_one(&self.pool)
                    .await?;
                tables.push(TableRows { table, rows });
            }
            let oldest_journal_at = self.journal_extent().await?.1;
            let oldest_sent_notice_at: Option<DateTime<Utc>> =
                db::query_scalar("SELECT MIN(sent_at) FROM outbox WHERE status = 'sent'")
                    .fetch_one(&self.pool)
                    .await?;
            Ok(DatabaseStats {
                backend: DB::NAME,
                size: DB::size(&self.pool).await?,
                tables,
                oldest_journal_at,
                oldest_sent_notice_at,
            })
        }
    }
}

on_either_database! {
    impl SqlStore<DB> {
        /// About how many journal rows there are, and when the oldest was written, for every
        /// scrape: both read an index's ends, never the table. The rows are the span of ids
        /// kept, exact while ids run without gaps (retention deletes from the oldest end; only
        /// a PostgreSQL transaction that rolled back leaves a gap); `stats` counts exactly.
        async fn journal_extent(&self) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
            let rows: i64 =
                db::query_scalar("SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) FROM journal")
                    .fetch_one(&self.pool)
                    .await?;
            let oldest: Option<DateTime<Utc>> = db::query_scalar("SELECT MIN(at) FROM journal")
                .fetch_one(&self.pool)
                .await?;
            Ok((rows, oldest))
        }
    }
}
