//! The statements of one event's transaction, as the store offers them to `ingest`: the sequence
//! (lock, load, decide, write, journal, commit) is `ingest`'s, the dialect is the backend's.
//! What is read after the lock (`catalog_and_number`) and everything the decision writes
//! (`write`) are each asked for at once, so that a server backend sends each together (one
//! round trip on PostgreSQL); SQLite, whose statements cost no round trip, runs them one by one.

use super::StoreError;
use super::records::JournalEntry;
use crate::domain::{
    Catalog, CatalogItem, HistoryNote, Notice, OrderDocument, OrderId, Sku, StoreId,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// One shipment's write-off: an order's goods leaving one store.
#[derive(Debug, Clone, PartialEq)]
pub struct Shipment {
    pub order: OrderId,
    pub store: StoreId,
    pub moves: Vec<(Sku, Decimal)>,
}

/// Everything one event's decision writes, in one hand.
#[derive(Debug, Clone, Copy)]
pub struct EventWrites<'a> {
    pub order: &'a OrderId,
    pub at: DateTime<Utc>,
    /// The new document, when the decision changed it.
    pub document: Option<&'a OrderDocument>,
    pub history: &'a [HistoryNote],
    pub shipments: &'a [Shipment],
    pub notices: &'a [Notice],
    pub journal: &'a JournalEntry,
}

/// The new balance at a store of each sku whose ledger entry was new.
pub type Balances = Vec<(StoreId, Sku, Decimal)>;

/// The statements of an event's transaction, in one backend's dialect. The same statements run
/// in a transaction of its own (`IngestStore::begin_event`) or in a savepoint of the group
/// commit's batch (`IngestStore::begin_batch`).
#[async_trait]
pub trait EventTx: Send {
    /// Makes concurrent events for the same order wait for each other.
    async fn lock_order(&mut self, id: &OrderId) -> Result<(), StoreError>;
    async fn load_order(&mut self, id: &OrderId) -> Result<Option<OrderDocument>, StoreError>;
    async fn catalog_for(&mut self, skus: &[Sku]) -> Result<Catalog, StoreError>;
    /// Draws the next partner-number sequence value for this order.
    async fn next_number_seq(&mut self, id: &OrderId) -> Result<u64, StoreError>;
    async fn save_order(&mut self, doc: &OrderDocument) -> Result<(), StoreError>;
    /// The event's notes, in order, in one statement: a payment that changes 5,000 lines writes
    /// 5,000 notes, and a statement each would not fit the marketplace's patience.
    async fn add_history(
        &mut self,
        id: &OrderId,
        at: DateTime<Utc>,
        notes: &[HistoryNote],
    ) -> Result<(), StoreError>;
    /// Records the ledger entries of one order at one store and moves those balances, a
    /// statement or two for the whole order. Returns the new balance of each sku whose entry
    /// was new; an entry that already existed writes nothing off again.
    async fn write_off(
        &mut self,
        order: &OrderId,
        store: &StoreId,
        moves: &[(Sku, Decimal)],
        at: DateTime<Utc>,
    ) -> Result<Vec<(Sku, Decimal)>, StoreError>;
    /// Queues a notice; false when the same notice was queued before.
    async fn enqueue(&mut self, notice: &Notice, at: DateTime<Utc>) -> Result<bool, StoreError>;
    async fn journal(&mut self, entry: &JournalEntry) -> Result<(), StoreError>;

    /// The catalog rows of `skus`, and a partner-number sequence value for `number_for` when
    /// the domain needs one: what the decision reads after the document.
    async fn catalog_and_number(
        &mut self,
        skus: &[Sku],
        number_for: Option<&OrderId>,
    ) -> Result<(Catalog, Option<u64>), StoreError> {
        read_step_by_step(self, skus, number_for).await
    }

    /// Writes the whole decision: document, history, write-offs, notices and the journal row.
    async fn write(&mut self, writes: &EventWrites<'_>) -> Result<Balances, StoreError> {
        write_step_by_step(self, writes).await
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// Group commit: marks where the next event of a batch begins (`SAVEPOINT`), so that an
    /// event that fails is undone alone while the batch's others stay.
    async fn savepoint(&mut self) -> Result<(), StoreError>;
    /// Keeps the event's writes in the batch (`RELEASE`).
    async fn release(&mut self) -> Result<(), StoreError>;
    /// Undoes the event's writes only (`ROLLBACK TO`, then `RELEASE`). On PostgreSQL this also
    /// clears the transaction's failed state, so the next event of the batch can run.
    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError>;
}

/// `EventTx::catalog_and_number` as its statements, one after the other.
pub async fn read_step_by_step<T: EventTx + ?Sized>(
    tx: &mut T,
    skus: &[Sku],
    number_for: Option<&OrderId>,
) -> Result<(Catalog, Option<u64>), StoreError> {
    let catalog = tx.catalog_for(skus).await?;
    let number = match number_for {
        Some(id) => Some(tx.next_number_seq(id).await?),
        None => None,
    };
    Ok((catalog, number))
}

/// `EventTx::write` as its statements, one after the other.
pub async fn write_step_by_step<T: EventTx + ?Sized>(
    tx: &mut T,
    writes: &EventWrites<'_>,
) -> Result<Balances, StoreError> {
    if let Some(doc) = writes.document {
        tx.save_order(doc).await?;
    }
    if !writes.history.is_empty() {
        tx.add_history(writes.order, writes.at, writes.history)
            .await?;
    }
    let mut balances = Vec::new();
    for shipment in writes.shipments {
        let moved = tx
            .write_off(&shipment.order, &shipment.store, &shipment.moves, writes.at)
            .await?;
        balances.extend(
            moved
                .into_iter()
                .map(|(sku, balance)| (shipment.store.clone(), sku, balance)),
        );
    }
    for notice in writes.notices {
        tx.enqueue(notice, writes.at).await?;
    }
    tx.journal(writes.journal).await?;
    Ok(balances)
}

/// Reads a stored document back; a document we wrote ourselves that no longer parses is corrupt.
pub(crate) fn parse_document(json: &str) -> Result<OrderDocument, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("order document: {e}")))
}

/// A row of the dialects' `CATALOG_FOR`: sku, name, unit, zone.
pub(crate) type CatalogColumns = (String, String, Option<String>, Option<String>);

/// The catalog's rows as the domain reads them; a sku that no longer parses names no line of
/// any order, so it is left out.
pub(crate) fn catalog_from_rows(rows: Vec<CatalogColumns>) -> Catalog {
    let mut catalog = Catalog::new();
    for (sku, name, unit, zone) in rows {
        if let Ok(sku) = Sku::parse(&sku) {
            catalog.insert(sku, CatalogItem { name, unit, zone });
        }
    }
    catalog
}

pub(crate) fn document_json(doc: &OrderDocument) -> Result<String, StoreError> {
    serde_json::to_string(doc).map_err(|e| StoreError::Corrupt(format!("order document: {e}")))
}

pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("decimal {text:?}: {e}")))
}
