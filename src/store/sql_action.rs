//! An action's transaction on either database, one statement text for both.

use super::action_tx::{ActionTx, PickingSubject, RequeuedNotice};
use super::console::NewLink;
use super::db;
use super::delivery::{REQUEUE, Requeue};
use super::dialect::{Dialect, ServerWatch};
use super::event_tx::parse_document;
use super::records::JournalEntry;
use super::sql::SqlStore;
use super::sql_event::insert_journal;
use super::sql_picking::{PICKING_COLUMNS, PickingRow, picking_from_row};
use super::{ActionStore, StoreError};
use crate::domain::{OrderId, Picking};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

on_either_database! {
    #[async_trait]
    impl ActionStore for SqlStore<DB> {
        async fn begin_action(&self) -> Result<Box<dyn ActionTx>, StoreError> {
            self.server.ready()?;
            Ok(Box::new(SqlActionTx::<DB>(DB::begin_write(&self.pool).await?)))
        }
    }
}

pub(crate) struct SqlActionTx<DB: Dialect>(DB::Tx);

on_either_database! {
    #[async_trait]
    impl ActionTx for SqlActionTx<DB> {
        async fn picking_subject(
            &mut self,
            id: &OrderId,
        ) -> Result<Option<PickingSubject>, StoreError> {
            DB::lock_order(&mut self.0, id).await?;
            let row: Option<PickingRow> = db::query_as(format!(
                "SELECT CAST(o.document AS TEXT), {PICKING_COLUMNS} FROM orders o
                 LEFT JOIN picking p ON p.original_order_id = o.original_order_id
                 WHERE o.original_order_id = $1"
            ))
            .bind(id.as_str())
            .fetch_optional(&mut self.0)
            .await?;
            row.map(|row| {
                let (document, picking) = picking_from_row(row)?;
                Ok(PickingSubject {
                    document: parse_document(&document)?,
                    picking,
                })
            })
            .transpose()
        }

        async fn save_picking(
            &mut self,
            id: &OrderId,
            store_id: &str,
            picking: &Picking,
            now: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            db::query(
                "INSERT INTO picking (original_order_id, store_id, picker, started_at,
                                      finished_at, finished_by, due_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (original_order_id) DO UPDATE
                     SET store_id = excluded.store_id, picker = excluded.picker,
                         started_at = excluded.started_at, finished_at = excluded.finished_at,
                         finished_by = excluded.finished_by, due_at = excluded.due_at,
                         updated_at = excluded.updated_at",
            )
            .bind(id.as_str())
            .bind(store_id)
            .bind(picking.picker.as_ref().map(|name| name.as_str()))
            .bind(picking.started_at)
            .bind(picking.finished_at)
            .bind(picking.finished_by.as_ref().map(|name| name.as_str()))
            .bind(picking.due_at)
            .bind(now)
            .execute(&mut self.0)
            .await?;
            Ok(())
        }

        async fn requeue(
            &mut self,
            which: Requeue,
            now: DateTime<Utc>,
        ) -> Result<Vec<RequeuedNotice>, StoreError> {
            let id = match which {
                Requeue::One(id) => Some(id),
                Requeue::AllFailed => None,
            };
            let rows: Vec<(i64, String)> = db::query_as(format!(
                "{REQUEUE} RETURNING id, original_order_id"
            ))
            .bind(now)
            .bind(id)
            .fetch_all(&mut self.0)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(id, order_id)| RequeuedNotice { id, order_id })
                .collect())
        }

        async fn create_link(&mut self, link: &NewLink) -> Result<i64, StoreError> {
            Ok(db::query_scalar(
                "INSERT INTO console_links (code_digest, store_id, name, created_by, created_at,
                                            expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(link.code_digest.as_str())
            .bind(link.store_id.as_str())
            .bind(link.name.as_str())
            .bind(link.created_by.as_str())
            .bind(link.created_at)
            .bind(link.expires_at)
            .fetch_one(&mut self.0)
            .await?)
        }

        async fn revoke_link(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
            let revoked = db::query(
                "UPDATE console_links SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(&mut self.0)
            .await?;
            db::query(
                "UPDATE console_sessions SET ended_at = $2
                 WHERE link_id = $1 AND ended_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(&mut self.0)
            .await?;
            Ok(revoked > 0)
        }

        async fn journal(&mut self, entry: &JournalEntry) -> Result<(), StoreError> {
            insert_journal(&mut self.0, entry).await
        }

        async fn commit(self: Box<Self>) -> Result<(), StoreError> {
            DB::commit(self.0).await?;
            Ok(())
        }
    }
}
