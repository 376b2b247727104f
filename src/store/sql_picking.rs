//! The picking of orders on either database: the columns an order's picking is read from (the
//! board and an action read them alike), and the facts the store's numbers are counted from.

use super::db;
use super::sql::SqlStore;
use super::{PickingReads, StoreError};
use crate::domain::picking_numbers::{Assembled, Untaken};
use crate::domain::{PickerName, Picking};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The picking's columns after a document, from `LEFT JOIN picking p`: all null for an order
/// nobody has taken.
pub(crate) const PICKING_COLUMNS: &str =
    "p.picker, p.started_at, p.finished_at, p.finished_by, p.due_at";

/// A document (as text) and its picking's columns.
pub(crate) type PickingRow = (
    String,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
);

fn picker(name: Option<String>) -> Result<Option<PickerName>, StoreError> {
    name.map(|name| {
        PickerName::parse(&name)
            .map_err(|why| StoreError::Corrupt(format!("picker {name:?}: {why}")))
    })
    .transpose()
}

pub(crate) fn picking_from_row(row: PickingRow) -> Result<(String, Picking), StoreError> {
    let (document, picker_name, started_at, finished_at, finished_by, due_at) = row;
    Ok((
        document,
        Picking {
            picker: picker(picker_name)?,
            started_at,
            finished_at,
            finished_by: picker(finished_by)?,
            due_at,
        },
    ))
}

/// What the store's numbers are counted from (see `domain::picking_numbers`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PickingFacts {
    pub assembled: Vec<Assembled>,
    pub untaken: Vec<Untaken>,
}

on_either_database! {
    #[async_trait]
    impl PickingReads for SqlStore<DB> {
        async fn picking_facts(
            &self,
            store: Option<&str>,
            assembled_since: DateTime<Utc>,
        ) -> Result<PickingFacts, StoreError> {
            let done: Vec<(String, Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> =
                db::query_as(
                    "SELECT store_id, started_at, finished_at, due_at FROM picking
                     WHERE finished_at IS NOT NULL AND finished_at >= $1
                       AND (CAST($2 AS TEXT) IS NULL OR store_id = $2)",
                )
                .bind(assembled_since)
                .bind(store)
                .fetch_all(&self.pool)
                .await?;
            // The predicate is the `orders_to_pick` index's own (migration 0008).
            let untaken: Vec<(String, DateTime<Utc>)> = db::query_as(
                "SELECT o.store_id, o.created_at FROM orders o
                 LEFT JOIN picking p ON p.original_order_id = o.original_order_id
                 WHERE o.status IN ('new', 'paid') AND o.store_id IS NOT NULL
                   AND (p.original_order_id IS NULL
                        OR (p.picker IS NULL AND p.finished_at IS NULL))
                   AND (CAST($1 AS TEXT) IS NULL OR o.store_id = $1)",
            )
            .bind(store)
            .fetch_all(&self.pool)
            .await?;
            Ok(PickingFacts {
                assembled: done
                    .into_iter()
                    .filter_map(|(store_id, started_at, finished_at, due_at)| {
                        Some(Assembled {
                            store_id,
                            started_at: started_at?,
                            finished_at: finished_at?,
                            due_at,
                        })
                    })
                    .collect(),
                untaken: untaken
                    .into_iter()
                    .map(|(store_id, since)| Untaken { store_id, since })
                    .collect(),
            })
        }
    }
}
