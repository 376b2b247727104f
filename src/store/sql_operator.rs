//! The operator's reads on either database, one statement text for both (see `sql.rs` for the
//! casts that make one text read the same on both).

use super::db;
use super::operator::{JournalSearch, OrderCount};
use super::records::JournalRow;
use super::sql::SqlStore;
use super::{OperatorReads, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

on_either_database! {
    #[async_trait]
    impl OperatorReads for SqlStore<DB> {
        async fn search_journal(
            &self,
            search: &JournalSearch,
        ) -> Result<Vec<JournalRow>, StoreError> {
            // "A problem" is what the operator is woken for: a body refused as invalid, an
            // order not found, a stale change, a 503, or any other answer of 400 and above.
            Ok(db::query_as::<JournalRow>(
                "SELECT id, at, request_id, event_type, original_order_id, outcome,
                        CAST(status_code AS BIGINT) AS status_code, duration_ms, detail, body,
                        replay_of
                 FROM journal
                 WHERE (CAST($1 AS TEXT) IS NULL OR outcome = $1)
                   AND (CAST($2 AS TEXT) IS NULL OR event_type = $2)
                   AND (CAST($3 AS TEXT) IS NULL OR original_order_id = $3)
                   AND at >= $4 AND at < $5
                   AND (CAST($9 AS BIGINT) IS NULL OR id > $9)
                 ORDER BY CASE WHEN $6 AND (outcome IN ('invalid', 'not_found', 'stale',
                                                        'unavailable')
                                            OR status_code >= 400)
                               THEN 0 ELSE 1 END,
                          CASE WHEN $8 THEN id ELSE -id END
                 LIMIT $7",
            )
            .bind(search.outcome.map(|outcome| outcome.as_str()))
            .bind(search.event_type.as_deref())
            .bind(search.order_id.as_deref())
            .bind(search.from)
            .bind(search.until)
            .bind(search.problems_first)
            .bind(i64::from(search.limit))
            .bind(search.oldest_first)
            .bind(search.after_id)
            .fetch_all(&self.pool)
            .await?)
        }

        async fn orders_since(&self, since: DateTime<Utc>) -> Result<Vec<OrderCount>, StoreError> {
            Ok(db::query_as::<OrderCount>(
                "SELECT store_id, status, COUNT(*) AS count FROM orders WHERE created_at >= $1
                 GROUP BY store_id, status ORDER BY store_id, status",
            )
            .bind(since)
            .fetch_all(&self.pool)
            .await?)
        }

        async fn hook_timings(
            &self,
            since: DateTime<Utc>,
            limit: u32,
        ) -> Result<Vec<(DateTime<Utc>, i64)>, StoreError> {
            Ok(db::query_as::<(DateTime<Utc>, i64)>(
                "SELECT at, duration_ms FROM journal
                 WHERE at >= $1 AND outcome <> 'operator'
                 ORDER BY at DESC LIMIT $2",
            )
            .bind(since)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?)
        }

        async fn backlog(&self) -> Result<Vec<DateTime<Utc>>, StoreError> {
            let queued: Vec<Option<DateTime<Utc>>> = db::query_scalar(
                "SELECT queued_at FROM outbox WHERE status = 'pending' ORDER BY queued_at",
            )
            .fetch_all(&self.pool)
            .await?;
            Ok(queued.into_iter().flatten().collect())
        }
    }
}
