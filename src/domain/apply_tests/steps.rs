//! Applying events in turn, and reading a decision: the checks every test shares.

use super::*;
use crate::notice;

/// A decision with its notices worded as the store queues them: the rules are checked against
/// the texts the pickers read.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Decided {
    pub(super) document: Option<OrderDocument>,
    pub(super) answer: Answer,
    pub(super) outcome: Outcome,
    pub(super) detail: String,
    pub(super) stock_moves: Vec<StockMove>,
    pub(super) notices: Vec<Notice>,
    pub(super) history: Vec<HistoryNote>,
    pub(super) warnings: Vec<String>,
}

/// `domain::apply`, with the decision's notices rendered by `notice`.
pub(super) fn apply(current: Option<&OrderDocument>, event: &OrderEvent, ctx: &Context) -> Decided {
    let decision = crate::domain::apply(current, event, ctx);
    Decided {
        notices: notice::render_all(&decision.notices),
        document: decision.document,
        answer: decision.answer,
        outcome: decision.outcome,
        detail: decision.detail,
        stock_moves: decision.stock_moves,
        history: decision.history,
        warnings: decision.warnings,
    }
}

/// Applies an event that must be applied, and returns the decision and the document to save.
pub(super) fn step(
    current: Option<&OrderDocument>,
    event: &OrderEvent,
    ctx: &Context,
) -> (Decided, OrderDocument) {
    let decision = apply(current, event, ctx);
    assert_eq!(
        decision.outcome,
        Outcome::Applied,
        "{} should apply: {}",
        event.kind().as_str(),
        decision.detail
    );
    let doc = decision
        .document
        .clone()
        .expect("an applied event saves the document");
    (decision, doc)
}

/// The fixture order as `order.created` leaves it (number SM-000007).
pub(super) fn created_doc(world: &World) -> OrderDocument {
    step(None, &created(), &world.ctx()).1
}

/// Applies the events in turn, each to the document the previous one saved.
pub(super) fn through(world: &World, events: &[OrderEvent]) -> OrderDocument {
    let mut doc = created_doc(world);
    for event in events {
        doc = step(Some(&doc), event, &world.ctx()).1;
    }
    doc
}

/// A decision that changed nothing: no document, no notice, no write-off, no history.
pub(super) fn assert_nothing_done(decision: &Decided) {
    assert_eq!(decision.document, None, "nothing is saved");
    assert!(
        decision.notices.is_empty(),
        "no notice: {:?}",
        decision.notices
    );
    assert!(decision.stock_moves.is_empty(), "no write-off");
    assert!(decision.history.is_empty(), "no history note");
}

pub(super) fn line<'a>(doc: &'a OrderDocument, id: &str) -> &'a OrderLine {
    doc.line(&sku(id))
        .unwrap_or_else(|| panic!("line {id} missing"))
}

pub(super) fn moves(decision: &Decided) -> Vec<(String, String, Decimal)> {
    decision
        .stock_moves
        .iter()
        .map(|m| {
            assert_eq!(m.order_id, order_id());
            (m.store_id.to_string(), m.sku.to_string(), m.quantity)
        })
        .collect()
}

pub(super) fn move_of(id: &str, quantity: &str) -> (String, String, Decimal) {
    (STORE.to_owned(), id.to_owned(), d(quantity))
}

pub(super) fn chats(decision: &Decided) -> Vec<&str> {
    decision.notices.iter().map(|n| n.chat.as_str()).collect()
}

/// The text of the notices, checked to be one text for both chats.
pub(super) fn notice_text(decision: &Decided) -> String {
    let first = decision.notices.first().expect("a notice").text.clone();
    for notice in &decision.notices {
        assert_eq!(notice.text, first, "every chat gets the same text");
    }
    first
}

/// The difference lines of an "order changed" text.
pub(super) fn change_items(text: &str) -> Vec<String> {
    const MARKERS: [&str; 8] = ["➕", "➖", "🔢", "💰", "🕒", "📍", "💬", "🔁"];
    text.lines()
        .filter(|l| MARKERS.iter().any(|m| l.starts_with(m)))
        .map(str::to_owned)
        .collect()
}

/// Applies a change to the freshly created order and checks that it queued exactly one
/// "changed" notice per chat, listing exactly one difference, which it returns.
pub(super) fn only_difference(change: OrderEvent) -> (String, String, OrderDocument) {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &change, &world.ctx());
    assert_eq!(chats(&decision), vec![STORE_CHAT, PICKERS_CHAT]);
    for notice in &decision.notices {
        assert_eq!(notice.kind, NoticeKind::Changed);
        assert_eq!(notice.dedup_key, format!("changed:{}", next.revision));
        assert_eq!(notice.order_id, order_id());
    }
    let text = notice_text(&decision);
    let items = change_items(&text);
    assert_eq!(items.len(), 1, "exactly one difference in:\n{text}");
    (items[0].clone(), text, next)
}
