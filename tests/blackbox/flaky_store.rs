//! A store that fails to record delivery outcomes while told to, standing in for a database
//! that drops out between Telegram's "ok" and the worker's write; and panics on one order id.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orders_hook::domain::OrderId;
use orders_hook::store::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// An event for this order makes its transaction panic.
pub const PANICKING_ORDER: &str = "R-PANIC";

pub struct FlakyStore {
    pub inner: Arc<dyn Store>,
    pub settling_fails: AtomicBool,
}

impl FlakyStore {
    fn outage(&self) -> Result<(), StoreError> {
        if self.settling_fails.load(Ordering::SeqCst) {
            Err(StoreError::Database(sqlx::Error::PoolTimedOut))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Store for FlakyStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        self.inner.migrate().await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
    async fn begin_event(&self, order: &OrderId) -> Result<Box<dyn EventTx>, StoreError> {
        // Stands in for a bug no input should reach: the hook's last line of defence must
        // answer, journal and keep serving.
        if order.as_str() == PANICKING_ORDER {
            panic!("a bug in the event's transaction");
        }
        self.inner.begin_event(order).await
    }
    async fn record(&self, entry: &JournalEntry) -> Result<(), StoreError> {
        self.inner.record(entry).await
    }
    async fn order(&self, key: OrderKey<'_>) -> Result<Option<OrderRecord>, StoreError> {
        self.inner.order(key).await
    }
    async fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderSummary>, StoreError> {
        self.inner.orders(filter).await
    }
    async fn import_stock(&self, rows: &[StockBalance]) -> Result<usize, StoreError> {
        self.inner.import_stock(rows).await
    }
    async fn stock(&self, store_id: Option<&str>) -> Result<Vec<StockBalance>, StoreError> {
        self.inner.stock(store_id).await
    }
    async fn import_catalog(&self, rows: &[CatalogRow]) -> Result<usize, StoreError> {
        self.inner.import_catalog(rows).await
    }
    async fn outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxRow>, StoreError> {
        self.inner.outbox(filter).await
    }
    async fn journal(&self, filter: &JournalFilter) -> Result<Vec<JournalRow>, StoreError> {
        self.inner.journal(filter).await
    }
    async fn claim_due_notices(
        &self,
        claim: &NoticeClaim,
    ) -> Result<Vec<ClaimedNotice>, StoreError> {
        self.inner.claim_due_notices(claim).await
    }
    async fn settle_notice(
        &self,
        id: i64,
        worker: &str,
        settlement: &Settlement,
    ) -> Result<bool, StoreError> {
        self.outage()?;
        self.inner.settle_notice(id, worker, settlement).await
    }
    async fn release_notices(&self, worker: &str) -> Result<u64, StoreError> {
        self.inner.release_notices(worker).await
    }
    async fn requeue_notices(&self, which: Requeue, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.inner.requeue_notices(which, now).await
    }
    async fn gauges(&self) -> Result<Gauges, StoreError> {
        self.inner.gauges().await
    }
}
