//! The transaction of one operator's or store's action (`actions` runs the sequence, as
//! `ingest` runs an event's): what it reads, what it writes, and its journal row, committed
//! together or not at all.

use super::StoreError;
use super::console::NewLink;
use super::delivery::Requeue;
use super::records::JournalEntry;
use crate::domain::{OrderDocument, OrderId, Picking};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An order as an action on its picking reads it, under the order's lock.
#[derive(Debug, Clone, PartialEq)]
pub struct PickingSubject {
    pub document: OrderDocument,
    pub picking: Picking,
}

/// A notice put back in the queue, for its journal row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequeuedNotice {
    pub id: i64,
    pub order_id: String,
}

/// One action's statements. Dropped uncommitted, nothing of it stays.
#[async_trait]
pub trait ActionTx: Send {
    /// Takes the order's lock (the one its events take, so an action and a cancellation never
    /// cross) and reads the order with its picking; `None` for an order never kept.
    async fn picking_subject(&mut self, id: &OrderId)
    -> Result<Option<PickingSubject>, StoreError>;

    /// Keeps the order's picking (an emptied one after a put back).
    async fn save_picking(
        &mut self,
        id: &OrderId,
        store_id: &str,
        picking: &Picking,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Puts parked (`failed`) notices back in the queue with a fresh retry horizon; sent and
    /// pending ones are left alone.
    async fn requeue(
        &mut self,
        which: Requeue,
        now: DateTime<Utc>,
    ) -> Result<Vec<RequeuedNotice>, StoreError>;

    /// Keeps a one-time sign-in link (its code's digest); returns its id.
    async fn create_link(&mut self, link: &NewLink) -> Result<i64, StoreError>;

    /// Revokes a link and ends the sessions it opened; false when it was revoked already.
    async fn revoke_link(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError>;

    async fn journal(&mut self, entry: &JournalEntry) -> Result<(), StoreError>;

    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
