//! Test doubles, each faking one role of the store: a notice queue that fails to record
//! delivery outcomes while told to, standing in for a database that drops out between
//! Telegram's "ok" and the worker's write; and an ingest store that panics on one order id.

use async_trait::async_trait;
use orders_hook::domain::OrderId;
use orders_hook::store::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// An event for this order makes its transaction panic.
pub const PANICKING_ORDER: &str = "R-PANIC";

pub struct FlakyQueue {
    pub inner: Arc<dyn Store>,
    pub settling_fails: AtomicBool,
}

#[async_trait]
impl NoticeQueue for FlakyQueue {
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
        if self.settling_fails.load(Ordering::SeqCst) {
            return Err(StoreError::Database(sqlx::Error::PoolTimedOut));
        }
        self.inner.settle_notice(id, worker, settlement).await
    }
    async fn release_notices(&self, worker: &str) -> Result<u64, StoreError> {
        self.inner.release_notices(worker).await
    }
}

pub struct PanickingIngest {
    pub inner: Arc<dyn Store>,
}

#[async_trait]
impl IngestStore for PanickingIngest {
    async fn begin_event(&self, order: &OrderId) -> Result<Box<dyn EventTx>, StoreError> {
        // Stands in for a bug no input should reach: the hook's last line of defence must
        // answer, journal and keep serving.
        if order.as_str() == PANICKING_ORDER {
            panic!("a bug in the event's transaction");
        }
        self.inner.begin_event(order).await
    }
    async fn begin_batch(&self) -> Result<Box<dyn EventTx>, StoreError> {
        self.inner.begin_batch().await
    }
    async fn record(&self, entry: &JournalEntry) -> Result<(), StoreError> {
        self.inner.record(entry).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}
