//! The console's reads on either database, one statement text for both: a store's board and
//! the catalog of an order's lines. Both are served by the `orders_by_store_status` index
//! (migration 0006): a store's board never reads another store's orders or the delivered past.

use super::db;
use super::event_tx::{CatalogColumns, catalog_from_rows, parse_document};
use super::sql::SqlStore;
use super::sql_picking::{PICKING_COLUMNS, PickingRow, picking_from_row};
use super::{BoardReads, StoreError};
use crate::domain::{Catalog, OrderDocument, Picking, Sku};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// An order on a store's board.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardOrder {
    pub document: OrderDocument,
    /// The history's details of every change applied since the order came in, oldest first
    /// (the domain's own words: `describe_line_change`, `describe_header_change`).
    pub changes: Vec<String>,
    /// Who picks it, since when, and when it was assembled.
    pub picking: Picking,
}

/// The orders in play at store $1: active, or cancelled (and so last touched) since $2. A
/// cancelled order's `updated_at` is at least its cancellation, so this reads a superset that
/// the document's `cancelled_at` then narrows.
const IN_PLAY: &str = "o.store_id = $1
    AND (o.status IN ('new', 'paid', 'shipped')
         OR (o.status = 'cancelled' AND o.updated_at >= $2))";

on_either_database! {
    #[async_trait]
    impl BoardReads for SqlStore<DB> {
        async fn board(
            &self,
            store_id: &str,
            cancelled_since: DateTime<Utc>,
        ) -> Result<Vec<BoardOrder>, StoreError> {
            let documents: Vec<PickingRow> = db::query_as(format!(
                "SELECT CAST(o.document AS TEXT), {PICKING_COLUMNS} FROM orders o
                 LEFT JOIN picking p ON p.original_order_id = o.original_order_id
                 WHERE {IN_PLAY}
                 ORDER BY o.created_at, o.original_order_id"
            ))
            .bind(store_id)
            .bind(cancelled_since)
            .fetch_all(&self.pool)
            .await?;
            let notes: Vec<(String, String)> = db::query_as(format!(
                "SELECT h.original_order_id, h.detail FROM order_history h
                 JOIN orders o ON o.original_order_id = h.original_order_id
                 WHERE {IN_PLAY} AND h.event = 'order.changed' AND h.outcome = 'applied'
                 ORDER BY h.id"
            ))
            .bind(store_id)
            .bind(cancelled_since)
            .fetch_all(&self.pool)
            .await?;
            let mut changes: HashMap<String, Vec<String>> = HashMap::new();
            for (order, detail) in notes {
                changes.entry(order).or_default().push(detail);
            }
            let mut board = Vec::with_capacity(documents.len());
            for row in documents {
                let (document, picking) = picking_from_row(row)?;
                let document = parse_document(&document)?;
                let recent = !document.cancelled
                    || document.cancelled_at.is_none_or(|at| at >= cancelled_since);
                if recent {
                    let changes = changes
                        .remove(document.original_order_id.as_str())
                        .unwrap_or_default();
                    board.push(BoardOrder {
                        document,
                        changes,
                        picking,
                    });
                }
            }
            Ok(board)
        }

        async fn catalog(&self, skus: &[Sku]) -> Result<Catalog, StoreError> {
            let rows: Vec<CatalogColumns> = db::query_as(DB::CATALOG_FOR)
                .bind(DB::sku_list(skus)?)
                .fetch_all(&self.pool)
                .await?;
            Ok(catalog_from_rows(rows))
        }
    }
}
