//! A hook request's whole life, between `http` (or `journal replay`) and `store`: `receive`
//! takes the request record with its body, labels and parses it, and applies its event in one
//! transaction (lock the order, read it, let the domain decide, write everything decided,
//! journal, commit), then does what follows a commit (wake the notice worker, tell the boards).
//! The store supplies the transaction's statements (`EventTx`); every journal row is built in
//! `journal` from the one request record.

pub mod group;
pub mod journal;
pub mod receive;
pub mod replay;

use crate::domain::{
    self, Catalog, Context, Decision, Notice, OrderDocument, OrderEvent, OrderId, Sku, StockMove,
    StoreId,
};
use crate::notice;
use crate::store::{EventTx, EventWrites, IngestStore, Rules, Shipment, StoreError};
use chrono::{DateTime, Utc};
pub use journal::{Replay, Request};
pub use receive::{Ingest, Received};
use rust_decimal::Decimal;
use std::sync::Arc;

/// A committed decision, plus what the commit itself learnt.
#[derive(Debug, Clone)]
pub struct Applied {
    pub decision: Decision,
    /// Balances that went below zero with this write-off: the goods left all the same.
    pub negative_balances: Vec<(StockMove, Decimal)>,
}

/// The positions an event carries (a creation, a change, a payment with its composition).
fn positions(event: &OrderEvent) -> &[domain::Position] {
    use crate::domain::EventBody;
    let lines = match &event.body {
        EventBody::Created(s) | EventBody::Changed(s) => s.lines.as_deref(),
        EventBody::Paid(p) => p.lines.as_deref(),
        _ => None,
    };
    lines.unwrap_or_default()
}

fn event_lines(event: &OrderEvent) -> usize {
    positions(event).len()
}

fn skus_involved(current: Option<&OrderDocument>, event: &OrderEvent) -> Vec<Sku> {
    let mut skus: Vec<Sku> = current
        .map(|doc| doc.lines.iter().map(|line| line.sku.clone()).collect())
        .unwrap_or_default();
    skus.extend(positions(event).iter().map(|p| p.sku.clone()));
    skus.sort();
    skus.dedup();
    skus
}

/// The whole effect of one order event: document, history, write-off, outbox and journal,
/// committed together or not at all, in a transaction of its own.
pub async fn apply(
    store: &dyn IngestStore,
    event: &OrderEvent,
    rules: &Arc<Rules>,
    request: &Request,
) -> Result<Applied, StoreError> {
    let mut tx = store.begin_event(&event.order_id).await?;
    let applied = sequence(&mut *tx, event, rules, request).await?;
    tx.commit().await?;
    Ok(applied)
}

/// The event's sequence (lock, load, catalog, number, decide, write, journal) over `tx`, which
/// is the event's own transaction (`apply`) or its savepoint in a batch (`group`); the caller
/// commits.
async fn sequence(
    tx: &mut dyn EventTx,
    event: &OrderEvent,
    rules: &Arc<Rules>,
    request: &Request,
) -> Result<Applied, StoreError> {
    tx.lock_order(&event.order_id).await?;
    let current = tx.load_order(&event.order_id).await?;
    let number_for = domain::needs_number(current.as_ref(), event).then_some(&event.order_id);
    let (catalog, number_seq) = tx
        .catalog_and_number(&skus_involved(current.as_ref(), event), number_for)
        .await?;
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

    let groups = moves_by_order_and_store(&decision.stock_moves);
    let shipments: Vec<Shipment> = groups
        .iter()
        .map(|((order, store), moves)| Shipment {
            order: order.clone(),
            store: store.clone(),
            moves: moves
                .values()
                .map(|m| (m.sku.clone(), m.quantity))
                .collect(),
        })
        .collect();
    let journal = request.applied(&event.order_id, &decision);
    let balances = tx
        .write(&EventWrites {
            order: &event.order_id,
            at: request.now,
            document: decision.document.as_ref(),
            history: &decision.history,
            shipments: &shipments,
            notices: &notices,
            journal: &journal,
        })
        .await?;
    // Balances that went below zero: the goods left all the same.
    let mut negative_balances = Vec::new();
    for (store, sku, balance) in balances {
        if balance.is_sign_negative() && !balance.is_zero() {
            let moved = groups
                .iter()
                .filter(|((_, at), _)| *at == store)
                .find_map(|(_, moves)| moves.get(&sku));
            negative_balances.extend(moved.map(|m| ((*m).clone(), balance)));
        }
    }
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
