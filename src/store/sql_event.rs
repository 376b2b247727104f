//! An event's transaction on either database: the statements `ingest` runs, one `$n` text for
//! both, with the real differences asked of the `Dialect`.

use super::db::{self, Exec};
use super::dialect::{Dialect, ServerWatch, WriteOff};
use super::event_tx::{
    Balances, CatalogColumns, EventTx, EventWrites, catalog_from_rows, document_json,
    parse_document, read_step_by_step, write_step_by_step,
};
use super::records::*;
use super::sql::SqlStore;
use super::{IngestStore, StoreError};
use crate::domain::{ACTOR, Catalog, HistoryNote, Notice, OrderDocument, OrderId, Sku, StoreId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

const INSERT_JOURNAL: &str = "
    INSERT INTO journal (at, request_id, event_type, original_order_id, outcome, status_code,
                         duration_ms, detail, body, replay_of)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

// What the hook asks of either database.
on_either_database! {
    #[async_trait]
    impl IngestStore for SqlStore<DB> {
        async fn begin_event(&self, _order: &OrderId) -> Result<Box<dyn EventTx>, StoreError> {
            Ok(Box::new(SqlEventTx::<DB>(DB::begin_write(&self.pool).await?)))
        }

        async fn begin_batch(&self) -> Result<Box<dyn EventTx>, StoreError> {
            // The same writing transaction: on PostgreSQL each event still takes its order's
            // advisory lock, held until the batch commits.
            Ok(Box::new(SqlEventTx::<DB>(DB::begin_batch(&self.pool).await?)))
        }

        async fn record(&self, entry: &JournalEntry) -> Result<(), StoreError> {
            insert_journal(DB::writer(&self.pool), entry).await
        }

        async fn ping(&self) -> Result<(), StoreError> {
            self.server.ready()?;
            db::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        }
    }
}

/// The transaction of one event (the sequence is `ingest`'s).
pub(crate) struct SqlEventTx<DB: Dialect>(pub(super) DB::Tx);

on_either_database! {
    #[async_trait]
    impl EventTx for SqlEventTx<DB> {
        async fn lock_order(&mut self, id: &OrderId) -> Result<(), StoreError> {
            DB::lock_order(&mut self.0, id).await
        }

        async fn load_order(&mut self, id: &OrderId) -> Result<Option<OrderDocument>, StoreError> {
            let document: Option<String> = db::query_scalar(
                "SELECT CAST(document AS TEXT) FROM orders WHERE original_order_id = $1",
            )
            .bind(id.as_str())
            .fetch_optional(&mut self.0)
            .await?;
            document.as_deref().map(parse_document).transpose()
        }

        async fn catalog_for(&mut self, skus: &[Sku]) -> Result<Catalog, StoreError> {
            let rows: Vec<CatalogColumns> = db::query_as(DB::CATALOG_FOR)
                .bind(DB::sku_list(skus)?)
                .fetch_all(&mut self.0)
                .await?;
            Ok(catalog_from_rows(rows))
        }

        async fn next_number_seq(&mut self, id: &OrderId) -> Result<u64, StoreError> {
            let seq: i64 = db::query_scalar(
                "INSERT INTO order_numbers (original_order_id) VALUES ($1) RETURNING seq",
            )
            .bind(id.as_str())
            .fetch_one(&mut self.0)
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
            db::query(sql)
                .bind(doc.original_order_id.as_str())
                .bind(doc.number.as_deref())
                .bind(doc.store_id.as_ref().map(|s| s.as_str()))
                .bind(doc.status().as_str())
                .bind(revision)
                .bind(document_json(doc)?)
                .bind(doc.created_at)
                .bind(doc.updated_at)
                .execute(&mut self.0)
                .await?;
            Ok(())
        }

        async fn add_history(
            &mut self,
            id: &OrderId,
            at: DateTime<Utc>,
            notes: &[HistoryNote],
        ) -> Result<(), StoreError> {
            let query = db::query(DB::ADD_HISTORY)
                .bind(id.as_str())
                .bind(at)
                .bind(ACTOR);
            DB::bind_notes(query, notes)?.execute(&mut self.0).await?;
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
            let done = db::query(
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
            .execute(&mut self.0)
            .await?;
            Ok(done > 0)
        }

        async fn catalog_and_number(
            &mut self,
            skus: &[Sku],
            number_for: Option<&OrderId>,
        ) -> Result<(Catalog, Option<u64>), StoreError> {
            match DB::catalog_and_number(&mut self.0, skus, number_for).await {
                Some(together) => together,
                None => read_step_by_step(self, skus, number_for).await,
            }
        }

        async fn write(&mut self, writes: &EventWrites<'_>) -> Result<Balances, StoreError> {
            match DB::write_event(&mut self.0, writes).await {
                Some(together) => together,
                None => write_step_by_step(self, writes).await,
            }
        }

        async fn journal(&mut self, entry: &JournalEntry) -> Result<(), StoreError> {
            insert_journal(&mut self.0, entry).await
        }

        async fn commit(self: Box<Self>) -> Result<(), StoreError> {
            DB::commit(self.0).await
        }

        async fn savepoint(&mut self) -> Result<(), StoreError> {
            db::raw_sql("SAVEPOINT event").execute(&mut self.0).await?;
            Ok(())
        }

        async fn release(&mut self) -> Result<(), StoreError> {
            db::raw_sql("RELEASE SAVEPOINT event").execute(&mut self.0).await?;
            Ok(())
        }

        async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
            // ROLLBACK TO keeps the savepoint open; RELEASE closes it, as if it never was.
            db::raw_sql("ROLLBACK TO SAVEPOINT event; RELEASE SAVEPOINT event")
                .execute(&mut self.0)
                .await?;
            Ok(())
        }
    }
}

pub(super) async fn insert_journal(on: impl Exec, entry: &JournalEntry) -> Result<(), StoreError> {
    // The body's text borrowed from the request's bytes (a body that is not UTF-8 is kept
    // with its bad bytes replaced, as it was always shown).
    let body = entry.body.as_deref().map(String::from_utf8_lossy);
    db::query(INSERT_JOURNAL)
        .bind(entry.at)
        .bind(entry.request_id.as_deref())
        .bind(entry.event_type.as_deref())
        .bind(entry.order_id.as_deref())
        .bind(entry.outcome.as_str())
        .bind(i32::from(entry.status_code))
        .bind(entry.duration_ms)
        .bind(entry.detail.as_str())
        .bind(body.as_deref())
        .bind(entry.replay_of)
        .execute(on)
        .await?;
    Ok(())
}
