//! The one sequence of an event's transaction, shared by both backends: lock the order, read it,
//! let the domain decide, write everything decided, journal, commit. A backend supplies only
//! the statements (`EventTx`).

use super::records::JournalEntry;
use super::{Rules, StoreError};
use crate::domain::{
    self, Catalog, Context, Decision, HistoryNote, Notice, OrderDocument, OrderEvent, OrderId, Sku,
    StockMove, StoreId,
};
use crate::notice;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::sync::Arc;

/// What the HTTP shell knows about the request that carries the event.
#[derive(Debug, Clone)]
pub struct EventRequest {
    pub now: DateTime<Utc>,
    pub request_id: Option<String>,
    pub event_type: String,
    pub body: String,
    pub started: std::time::Instant,
}

/// A committed decision, plus what the commit itself learnt.
#[derive(Debug, Clone)]
pub struct Applied {
    pub decision: Decision,
    /// Balances that went below zero with this write-off: the goods left all the same.
    pub negative_balances: Vec<(StockMove, Decimal)>,
}

/// The statements of an event's transaction, in one backend's dialect.
#[async_trait]
pub(crate) trait EventTx: Send {
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
    async fn commit(self) -> Result<(), StoreError>;
}

fn event_lines(event: &OrderEvent) -> usize {
    use crate::domain::EventBody;
    match &event.body {
        EventBody::Created(s) | EventBody::Changed(s) => s.lines.as_ref().map_or(0, Vec::len),
        EventBody::Paid(p) => p.lines.as_ref().map_or(0, Vec::len),
        _ => 0,
    }
}

fn skus_involved(current: Option<&OrderDocument>, event: &OrderEvent) -> Vec<Sku> {
    use crate::domain::EventBody;
    let mut skus: Vec<Sku> = current
        .map(|doc| doc.lines.iter().map(|line| line.sku.clone()).collect())
        .unwrap_or_default();
    let positions = match &event.body {
        EventBody::Created(s) | EventBody::Changed(s) => s.lines.as_deref(),
        EventBody::Paid(p) => p.lines.as_deref(),
        _ => None,
    };
    skus.extend(positions.unwrap_or_default().iter().map(|p| p.sku.clone()));
    skus.sort();
    skus.dedup();
    skus
}

pub(crate) async fn run<T: EventTx>(
    mut tx: T,
    event: &OrderEvent,
    rules: &Arc<Rules>,
    request: &EventRequest,
) -> Result<Applied, StoreError> {
    tx.lock_order(&event.order_id).await?;
    let current = tx.load_order(&event.order_id).await?;
    let catalog = tx
        .catalog_for(&skus_involved(current.as_ref(), event))
        .await?;
    let number_seq = if domain::needs_number(current.as_ref(), event) {
        Some(tx.next_number_seq(&event.order_id).await?)
    } else {
        None
    };
    let lines_involved = current.as_ref().map_or(0, |doc| doc.lines.len()) + event_lines(event);
    let (decision, notices) = decide(
        lines_involved,
        current,
        event,
        rules,
        catalog,
        number_seq,
        request.now,
    )
    .await?;

    if let Some(doc) = &decision.document {
        tx.save_order(doc).await?;
    }
    if !decision.history.is_empty() {
        tx.add_history(&event.order_id, request.now, &decision.history)
            .await?;
    }
    let mut negative_balances = Vec::new();
    for ((order, store), moves) in moves_by_order_and_store(&decision.stock_moves) {
        let amounts: Vec<(Sku, Decimal)> = moves
            .values()
            .map(|m| (m.sku.clone(), m.quantity))
            .collect();
        for (sku, balance) in tx.write_off(&order, &store, &amounts, request.now).await? {
            if balance.is_sign_negative() && !balance.is_zero() {
                negative_balances.extend(moves.get(&sku).map(|m| ((*m).clone(), balance)));
            }
        }
    }
    for notice in &notices {
        tx.enqueue(notice, request.now).await?;
    }
    tx.journal(&JournalEntry {
        at: request.now,
        request_id: request.request_id.clone(),
        event_type: Some(request.event_type.clone()),
        order_id: Some(event.order_id.to_string()),
        outcome: decision.outcome,
        status_code: decision.answer.status_code(),
        duration_ms: i64::try_from(request.started.elapsed().as_millis()).unwrap_or(i64::MAX),
        detail: decision.detail.clone(),
        body: Some(request.body.clone()),
    })
    .await?;
    tx.commit().await?;
    Ok(Applied {
        decision,
        negative_balances,
    })
}

/// A shipment's moves, grouped as the ledger keys them (one group in practice: one order, one
/// store).
fn moves_by_order_and_store(
    moves: &[StockMove],
) -> std::collections::BTreeMap<(OrderId, StoreId), std::collections::BTreeMap<Sku, &StockMove>> {
    let mut groups: std::collections::BTreeMap<_, std::collections::BTreeMap<_, _>> =
        Default::default();
    for movement in moves {
        groups
            .entry((movement.order_id.clone(), movement.store_id.clone()))
            .or_default()
            .insert(movement.sku.clone(), movement);
    }
    groups
}

/// Orders up to this many lines (in the document and the event together) are decided in place:
/// that takes microseconds, less than a hop to another thread.
const DECIDED_IN_PLACE: usize = 256;

/// The domain's decision, and its notices worded for the outbox. Wording is done here, next to
/// the decision, so that the domain never knows Telegram and a big order's texts are written on
/// the same thread as its decision. A big order costs real CPU time, and only off the async task
/// can the request's deadline fire while it is being computed (the transaction is then dropped
/// and rolls back): so a big order is decided and worded on the blocking pool.
async fn decide(
    lines_involved: usize,
    current: Option<OrderDocument>,
    event: &OrderEvent,
    rules: &Arc<Rules>,
    catalog: Catalog,
    number_seq: Option<u64>,
    now: DateTime<Utc>,
) -> Result<(Decision, Vec<Notice>), StoreError> {
    let apply = move |event: &OrderEvent, rules: &Rules| {
        let ctx = Context {
            now,
            settings: &rules.settings,
            routing: &rules.routing,
            catalog: &catalog,
            number_seq,
        };
        decide_and_word(current.as_ref(), event, &ctx)
    };
    if lines_involved <= DECIDED_IN_PLACE {
        return Ok(apply(event, rules));
    }
    let (event, rules) = (event.clone(), rules.clone());
    tokio::task::spawn_blocking(move || apply(&event, &rules))
        .await
        .map_err(|error| match error.try_into_panic() {
            // Caught by the hook's last line of defence, with the event and order in hand.
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => StoreError::Corrupt(format!("the domain step did not finish: {error}")),
        })
}

fn decide_and_word(
    current: Option<&OrderDocument>,
    event: &OrderEvent,
    ctx: &Context,
) -> (Decision, Vec<Notice>) {
    let decision = domain::apply(current, event, ctx);
    let notices = notice::render_all(&decision.notices);
    (decision, notices)
}

/// Reads a stored document back; a document we wrote ourselves that no longer parses is corrupt.
pub(crate) fn parse_document(json: &str) -> Result<OrderDocument, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("order document: {e}")))
}

pub(crate) fn document_json(doc: &OrderDocument) -> Result<String, StoreError> {
    serde_json::to_string(doc).map_err(|e| StoreError::Corrupt(format!("order document: {e}")))
}

pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("decimal {text:?}: {e}")))
}
