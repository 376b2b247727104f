//! What the operator does to either database: migrations, imports and re-queueing parked
//! notices, one statement text for both.

use super::db;
use super::records::{CatalogRow, StockBalance};
use super::sql::SqlStore;
use super::{Operations, StoreError};
use async_trait::async_trait;
use chrono::Utc;

on_either_database! {
    #[async_trait]
    impl Operations for SqlStore<DB> {
        async fn migrate(&self) -> Result<(), StoreError> {
            DB::migrate(&self.pool).await
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
                db::query(sql.clone())
                    .bind(row.store.as_str())
                    .bind(row.sku.as_str())
                    .bind(row.quantity.to_string())
                    .bind(now)
                    .execute(&mut tx)
                    .await?;
            }
            DB::commit(tx).await?;
            Ok(rows.len())
        }

        async fn import_catalog(&self, rows: &[CatalogRow]) -> Result<usize, StoreError> {
            let mut tx = DB::begin_write(&self.pool).await?;
            let now = Utc::now();
            for row in rows {
                db::query(
                    "INSERT INTO catalog (sku, name, unit, zone, updated_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (sku) DO UPDATE SET name = excluded.name, unit = excluded.unit,
                                                     zone = excluded.zone,
                                                     updated_at = excluded.updated_at",
                )
                .bind(row.sku.as_str())
                .bind(row.name.as_str())
                .bind(row.unit.as_deref())
                .bind(row.zone.as_deref())
                .bind(now)
                .execute(&mut tx)
                .await?;
            }
            DB::commit(tx).await?;
            Ok(rows.len())
        }
    }
}
