//! The rules of DESIGN sections 3-6, one test each, through `apply` and `needs_number` only.
//! Values are built by hand after the fixture order `R246801357` of store `77-001`
//! (`/work/shared/fixtures`): the wire format is not the domain's business.

use super::notice_text::TELEGRAM_TEXT_LIMIT;
use super::*;
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::json;

const ORDER: &str = "R246801357";
const UUID: &str = "domino-retail:6f1c2a9e-4b7d-4e8a-9c3b-2d5e8f0a1b47";
const STORE: &str = "77-001";
const STORE_CHAT: &str = "-1001";
const PICKERS_CHAT: &str = "-1002";

const MILK: &str = "4607001771234";
const APPLES: &str = "2000000012345";
const BREAD: &str = "4600494000012";
const CHEESE: &str = "4601234567890";

const CREATED_AT: &str = "2026-11-23T12:41:07+03:00";
const CHANGED_AT: &str = "2026-11-23T12:55:30+03:00";
const PAID_AT: &str = "2026-11-23T13:40:02+03:00";
const RECEIVED_AT: &str = "2026-11-23T14:05:44+03:00";
const DELIVERED_AT: &str = "2026-11-23T14:52:10+03:00";
const CANCELLED_AT: &str = "2026-11-23T13:10:00+03:00";

const COMMENT: &str = "Домофон 45, позвонить за 10 минут";
const ADDRESS: &str = "Москва, ул. Лесная, д. 5, кв. 12";

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

fn d(raw: &str) -> Decimal {
    raw.parse::<Decimal>().unwrap()
}

fn sku(raw: &str) -> Sku {
    Sku::parse(raw).unwrap()
}

fn order_id() -> OrderId {
    OrderId::parse(ORDER).unwrap()
}

fn store_id() -> StoreId {
    StoreId::parse(STORE).unwrap()
}

fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

fn local(rfc3339: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap()
}

/// 12:41:08 in Moscow: a second after the marketplace stamped the creation.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 41, 8).unwrap()
}

fn later() -> DateTime<Utc> {
    now() + Duration::hours(3)
}

fn totals(full: &str, discounted: &str) -> Totals {
    Totals {
        total_price: Some(d(full)),
        discount_total_price: Some(d(discounted)),
    }
}

/// The settings, routing and catalog that a `Context` borrows.
struct World {
    settings: Settings,
    routing: Routing,
    catalog: Catalog,
}

impl World {
    /// Store 77-001 routed to its store chat and its pickers' chat; no default chat; no catalog.
    fn new() -> World {
        let mut routing = Routing::default();
        routing.stores.insert(
            STORE.to_owned(),
            StoreRoute {
                name: Some("Лесная".to_owned()),
                store_chat: Some(STORE_CHAT.to_owned()),
                pickers_chat: Some(PICKERS_CHAT.to_owned()),
                timezone: None,
            },
        );
        World::with_routing(routing)
    }

    fn with_routing(routing: Routing) -> World {
        World {
            settings: Settings::default(),
            routing,
            catalog: Catalog::new(),
        }
    }

    fn ctx(&self) -> Context<'_> {
        self.ctx_at(now(), Some(7))
    }

    fn ctx_at(&self, now: DateTime<Utc>, number_seq: Option<u64>) -> Context<'_> {
        Context {
            now,
            settings: &self.settings,
            routing: &self.routing,
            catalog: &self.catalog,
            number_seq,
        }
    }
}

fn reference() -> Reference {
    Reference {
        order_uuid: Some(UUID.to_owned()),
        store_id: Some(store_id()),
    }
}

#[allow(clippy::too_many_arguments)]
fn position(
    id: &str,
    name: &str,
    quantity: &str,
    weight: Option<&str>,
    price: &str,
    discount_price: &str,
    total_price: &str,
    total_discount_price: &str,
) -> Position {
    Position {
        sku: sku(id),
        name: Some(name.to_owned()),
        original_quantity: Some(d(quantity)),
        quantity: d(quantity),
        weight: weight.map(str::to_owned),
        price: Some(d(price)),
        discount_price: Some(d(discount_price)),
        total_price: Some(d(total_price)),
        total_discount_price: Some(d(total_discount_price)),
        replaced_by: None,
    }
}

fn milk() -> Position {
    position(
        MILK,
        "Молоко 3,2% 930 мл",
        "2",
        Some("970"),
        "89.99",
        "79.99",
        "179.98",
        "159.98",
    )
}

fn apples() -> Position {
    position(
        APPLES,
        "Яблоки Гала, весовые",
        "1.5",
        Some("1500"),
        "149.90",
        "149.90",
        "224.85",
        "224.85",
    )
}

fn bread() -> Position {
    position(
        BREAD,
        "Хлеб Бородинский 400 г",
        "1",
        None,
        "54.50",
        "54.50",
        "54.50",
        "54.50",
    )
}

fn cheese() -> Position {
    position(
        CHEESE,
        "Сыр Российский 200 г",
        "1",
        None,
        "219.00",
        "199.00",
        "219.00",
        "199.00",
    )
}

/// A position as `order.paid` carries it: no name, no ordered quantity, no weight.
fn paid_position(id: &str, quantity: &str, price: &str, discount_price: &str) -> Position {
    Position {
        sku: sku(id),
        name: None,
        original_quantity: None,
        quantity: d(quantity),
        weight: None,
        price: Some(d(price)),
        discount_price: Some(d(discount_price)),
        total_price: None,
        total_discount_price: None,
        replaced_by: None,
    }
}

fn with_quantity(mut position: Position, quantity: &str) -> Position {
    position.quantity = d(quantity);
    position
}

fn with_prices(mut position: Position, price: &str, discount_price: &str) -> Position {
    position.price = Some(d(price));
    position.discount_price = Some(d(discount_price));
    position
}

/// `order.created` of the fixture, field by field.
fn created_snapshot() -> Snapshot {
    Snapshot {
        reference: reference(),
        customer_name: Some(Some("Анна Смирнова".to_owned())),
        customer_phone: Some(Some("+79161234567".to_owned())),
        address: Some(Some(ADDRESS.to_owned())),
        delivery_from: Some(Some(local("2026-11-23T14:00:00+03:00"))),
        delivery_to: Some(Some(local("2026-11-23T15:00:00+03:00"))),
        comment: Some(Some(COMMENT.to_owned())),
        shipment_method: Some(Some("byCourier".to_owned())),
        replacement_policy: Some(Some("callOrRemove".to_owned())),
        payment_methods: Some(vec!["SberGateway".to_owned()]),
        lines: Some(vec![milk(), apples(), bread()]),
        totals: Some(totals("459.33", "439.33")),
    }
}

fn event(body: EventBody, sent_at: Option<&str>) -> OrderEvent {
    OrderEvent {
        order_id: order_id(),
        sent_at: sent_at.map(utc),
        body,
        raw_payload: json!({ "originalOrderId": ORDER, "storeID": STORE }),
    }
}

fn created() -> OrderEvent {
    created_with(created_snapshot())
}

fn created_with(snapshot: Snapshot) -> OrderEvent {
    event(EventBody::Created(snapshot), Some(CREATED_AT))
}

/// An `order.changed` stamped `CHANGED_AT`: the creation's snapshot with `edit` applied.
fn changed(edit: impl FnOnce(&mut Snapshot)) -> OrderEvent {
    changed_at(Some(CHANGED_AT), edit)
}

fn changed_at(sent_at: Option<&str>, edit: impl FnOnce(&mut Snapshot)) -> OrderEvent {
    let mut snapshot = created_snapshot();
    edit(&mut snapshot);
    event(EventBody::Changed(snapshot), sent_at)
}

/// `order.updated` of the fixture: later window, 3 milk, apples gone, cheese added.
fn fixture_update() -> OrderEvent {
    changed(|s| {
        s.address = Some(Some(ADDRESS.to_owned()));
        s.delivery_from = Some(Some(local("2026-11-23T15:00:00+03:00")));
        s.delivery_to = Some(Some(local("2026-11-23T16:00:00+03:00")));
        s.payment_methods = None;
        s.lines = Some(vec![with_quantity(milk(), "3"), bread(), cheese()]);
        s.totals = Some(totals("543.47", "493.47"));
    })
}

fn paid(lines: Option<Vec<Position>>, totals: Option<Totals>) -> OrderEvent {
    event(
        EventBody::Paid(Payment {
            reference: reference(),
            lines,
            totals,
        }),
        Some(PAID_AT),
    )
}

/// `order.paid` of the fixture: 3 milk at a new discount, bread, cheese; no apples.
fn fixture_paid() -> OrderEvent {
    paid(
        Some(vec![
            paid_position(MILK, "3", "89.99", "74.99"),
            paid_position(BREAD, "1", "54.50", "54.50"),
            paid_position(CHEESE, "1", "219.00", "189.00"),
        ]),
        Some(totals("543.47", "468.47")),
    )
}

fn received() -> OrderEvent {
    event(EventBody::Received(reference()), Some(RECEIVED_AT))
}

fn delivered() -> OrderEvent {
    event(EventBody::Delivered(reference()), Some(DELIVERED_AT))
}

fn cancelled() -> OrderEvent {
    cancelled_with(Some(Cancellation {
        slug: Some("customer_request".to_owned()),
        description: Some("Клиент передумал".to_owned()),
    }))
}

fn cancelled_with(cancellation: Option<Cancellation>) -> OrderEvent {
    event(
        EventBody::Cancelled(CancelNotice {
            reference: reference(),
            cancellation,
        }),
        Some(CANCELLED_AT),
    )
}

// ---------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------

/// Applies an event that must be applied, and returns the decision and the document to save.
fn step(
    current: Option<&OrderDocument>,
    event: &OrderEvent,
    ctx: &Context,
) -> (Decision, OrderDocument) {
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
fn created_doc(world: &World) -> OrderDocument {
    step(None, &created(), &world.ctx()).1
}

/// Applies the events in turn, each to the document the previous one saved.
fn through(world: &World, events: &[OrderEvent]) -> OrderDocument {
    let mut doc = created_doc(world);
    for event in events {
        doc = step(Some(&doc), event, &world.ctx()).1;
    }
    doc
}

/// A decision that changed nothing: no document, no notice, no write-off, no history.
fn assert_nothing_done(decision: &Decision) {
    assert_eq!(decision.document, None, "nothing is saved");
    assert!(
        decision.notices.is_empty(),
        "no notice: {:?}",
        decision.notices
    );
    assert!(decision.stock_moves.is_empty(), "no write-off");
    assert!(decision.history.is_empty(), "no history note");
}

fn line<'a>(doc: &'a OrderDocument, id: &str) -> &'a OrderLine {
    doc.line(&sku(id))
        .unwrap_or_else(|| panic!("line {id} missing"))
}

fn moves(decision: &Decision) -> Vec<(String, String, Decimal)> {
    decision
        .stock_moves
        .iter()
        .map(|m| {
            assert_eq!(m.order_id, order_id());
            (m.store_id.to_string(), m.sku.to_string(), m.quantity)
        })
        .collect()
}

fn move_of(id: &str, quantity: &str) -> (String, String, Decimal) {
    (STORE.to_owned(), id.to_owned(), d(quantity))
}

fn chats(decision: &Decision) -> Vec<&str> {
    decision.notices.iter().map(|n| n.chat.as_str()).collect()
}

/// The text of the notices, checked to be one text for both chats.
fn notice_text(decision: &Decision) -> String {
    let first = decision.notices.first().expect("a notice").text.clone();
    for notice in &decision.notices {
        assert_eq!(notice.text, first, "every chat gets the same text");
    }
    first
}

/// The difference lines of an "order changed" text.
fn change_items(text: &str) -> Vec<String> {
    const MARKERS: [&str; 8] = ["➕", "➖", "🔢", "💰", "🕒", "📍", "💬", "🔁"];
    text.lines()
        .filter(|l| MARKERS.iter().any(|m| l.starts_with(m)))
        .map(str::to_owned)
        .collect()
}

/// Applies a change to the freshly created order and checks that it queued exactly one
/// "changed" notice per chat, listing exactly one difference, which it returns.
fn only_difference(change: OrderEvent) -> (String, String, OrderDocument) {
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

// ---------------------------------------------------------------------------------------------
// order.created
// ---------------------------------------------------------------------------------------------

#[test]
fn created_unknown_order_saves_a_new_numbered_document() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Applied);
    let doc = decision.document.expect("the new order is saved");
    assert_eq!(doc.original_order_id, order_id());
    assert_eq!(doc.order_uuid.as_deref(), Some(UUID));
    assert_eq!(doc.store_id, Some(store_id()));
    assert_eq!(doc.number.as_deref(), Some("SM-000007"));
    assert_eq!(doc.status(), Status::New);
    assert!(!doc.locked && !doc.paid && !doc.shipped && !doc.delivered && !doc.cancelled);
    assert_eq!(doc.header.comment.as_deref(), Some(COMMENT));
    assert_eq!(doc.header.address.as_deref(), Some(ADDRESS));
    assert_eq!(
        doc.header.replacement_policy.as_deref(),
        Some("callOrRemove")
    );
    assert_eq!(doc.payment_methods, vec!["SberGateway".to_owned()]);
    let skus: Vec<&str> = doc.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(skus, vec![MILK, APPLES, BREAD]);
    assert_eq!(line(&doc, MILK).quantity, d("2"));
    assert_eq!(line(&doc, MILK).original_quantity, d("2"));
    assert_eq!(doc.totals, totals("459.33", "439.33"));
    assert_eq!(doc.created_at, now());
    assert_eq!(doc.composition_as_of, Some(utc(CREATED_AT)));
    assert_eq!(doc.last_payload, created().raw_payload);
}

#[test]
fn created_answers_the_number_and_an_assembly_time_30_minutes_after_now() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    let expected = now() + Duration::minutes(30);
    assert_eq!(
        decision.answer,
        Answer::Created {
            number: "SM-000007".to_owned(),
            expected_assembly_time: expected,
        }
    );
    assert_eq!(decision.answer.status_code(), 200);
    let doc = decision.document.unwrap();
    assert_eq!(doc.expected_assembly_time, Some(expected));
}

#[test]
fn created_queues_one_new_order_notice_to_the_store_chat_and_the_pickers_chat() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(decision.notices.len(), 2);
    assert_eq!(chats(&decision), vec![STORE_CHAT, PICKERS_CHAT]);
    for notice in &decision.notices {
        assert_eq!(notice.kind, NoticeKind::Created);
        assert_eq!(notice.dedup_key, "created");
        assert_eq!(notice.order_id, order_id());
    }
    assert!(decision.warnings.is_empty(), "{:?}", decision.warnings);
    assert!(decision.stock_moves.is_empty());
}

#[test]
fn created_notice_names_both_numbers_and_lists_lines_window_comment_and_total() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    let text = notice_text(&decision);
    for expected in [
        "SM-000007",
        ORDER,
        "Молоко 3,2% 930 мл — 2 шт",
        "Яблоки Гала, весовые — 1.5 шт",
        "Хлеб Бородинский 400 г — 1 шт",
        "23.11.2026 14:00–15:00",
        COMMENT,
        "439.33 ₽",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
    }
    assert!(text.chars().count() <= TELEGRAM_TEXT_LIMIT);
}

#[test]
fn created_writes_one_history_note() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(decision.history.len(), 1);
    let note = &decision.history[0];
    assert_eq!(note.event, "order.created");
    assert_eq!(note.outcome, Outcome::Applied);
    assert!(note.detail.contains("SM-000007"), "{}", note.detail);
}

#[test]
fn needs_number_only_for_a_creation_of_an_order_without_number() {
    let world = World::new();
    assert!(needs_number(None, &created()));
    let doc = created_doc(&world);
    assert!(!needs_number(Some(&doc), &created()));
    for other in [
        fixture_update(),
        fixture_paid(),
        received(),
        delivered(),
        cancelled(),
    ] {
        assert!(!needs_number(None, &other), "{}", other.kind().as_str());
        assert!(
            !needs_number(Some(&doc), &other),
            "{}",
            other.kind().as_str()
        );
    }
}

#[test]
fn repeated_created_answers_the_same_number_and_time_and_changes_nothing() {
    let world = World::new();
    let (first, doc) = step(None, &created(), &world.ctx());
    // The retry comes later and the store (wrongly) even drew another number: neither counts.
    let repeat = apply(Some(&doc), &created(), &world.ctx_at(later(), Some(8)));
    assert_eq!(repeat.answer, first.answer);
    assert_eq!(
        repeat.answer,
        Answer::Created {
            number: "SM-000007".to_owned(),
            expected_assembly_time: now() + Duration::minutes(30),
        }
    );
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_nothing_done(&repeat);
}

#[test]
fn repeated_created_with_a_different_composition_still_changes_nothing() {
    let world = World::new();
    let doc = created_doc(&world);
    let mut snapshot = created_snapshot();
    snapshot.lines = Some(vec![cheese()]);
    let repeat = apply(
        Some(&doc),
        &created_with(snapshot),
        &world.ctx_at(later(), None),
    );
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert!(matches!(repeat.answer, Answer::Created { ref number, .. } if number == "SM-000007"));
    assert_nothing_done(&repeat);
}

#[test]
fn created_without_a_drawn_number_is_unavailable_and_saves_nothing() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx_at(now(), None));
    assert_eq!(decision.outcome, Outcome::Unavailable);
    assert_eq!(decision.answer, Answer::Retry);
    assert_eq!(decision.answer.status_code(), 503);
    assert_nothing_done(&decision);
}

// ---------------------------------------------------------------------------------------------
// order.changed
// ---------------------------------------------------------------------------------------------

#[test]
fn changed_unknown_order_is_not_found() {
    let world = World::new();
    let decision = apply(None, &fixture_update(), &world.ctx());
    assert_eq!(decision.answer, Answer::NotFound);
    assert_eq!(decision.answer.status_code(), 404);
    assert_eq!(decision.outcome, Outcome::NotFound);
    assert_nothing_done(&decision);
}

#[test]
fn repeated_change_is_duplicate_without_notice() {
    let world = World::new();
    let doc = through(&world, &[fixture_update()]);
    let repeat = apply(Some(&doc), &fixture_update(), &world.ctx_at(later(), None));
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_eq!(repeat.answer, Answer::Ok);
    assert_nothing_done(&repeat);
}

#[test]
fn change_identical_to_the_creation_is_duplicate() {
    let world = World::new();
    let doc = created_doc(&world);
    let decision = apply(Some(&doc), &changed(|_| {}), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Duplicate);
    assert_nothing_done(&decision);
}

#[test]
fn change_adding_a_line_notifies_only_the_addition() {
    let (item, text, doc) = only_difference(changed(|s| {
        s.lines = Some(vec![milk(), apples(), bread(), cheese()]);
    }));
    assert!(item.starts_with("➕"), "{item}");
    assert!(item.contains("Сыр Российский 200 г — 1 шт"), "{item}");
    assert!(!text.contains("Молоко") && !text.contains("Яблоки") && !text.contains("Хлеб"));
    assert_eq!(doc.lines.len(), 4);
    assert_eq!(line(&doc, CHEESE).quantity, d("1"));
}

#[test]
fn change_removing_a_line_notifies_only_the_removal() {
    let (item, text, doc) = only_difference(changed(|s| {
        s.lines = Some(vec![milk(), bread()]);
    }));
    assert!(item.starts_with("➖"), "{item}");
    assert!(item.contains("Яблоки Гала, весовые"), "{item}");
    assert!(!text.contains("Молоко") && !text.contains("Хлеб"));
    assert!(doc.line(&sku(APPLES)).is_none());
    assert_eq!(doc.lines.len(), 2);
}

#[test]
fn change_of_a_quantity_notifies_only_that_line() {
    let (item, text, doc) = only_difference(changed(|s| {
        s.lines = Some(vec![with_quantity(milk(), "3"), apples(), bread()]);
    }));
    assert!(item.starts_with("🔢"), "{item}");
    assert!(item.contains("Молоко 3,2% 930 мл"), "{item}");
    assert!(item.contains("2 шт → 3 шт"), "{item}");
    assert!(!text.contains("Яблоки") && !text.contains("Хлеб"));
    assert_eq!(line(&doc, MILK).quantity, d("3"));
    assert_eq!(line(&doc, MILK).original_quantity, d("2"));
}

#[test]
fn change_of_a_price_notifies_only_that_line() {
    let (item, text, doc) = only_difference(changed(|s| {
        s.lines = Some(vec![
            milk(),
            apples(),
            with_prices(bread(), "54.50", "49.90"),
        ]);
    }));
    assert!(item.starts_with("💰"), "{item}");
    assert!(item.contains("Хлеб Бородинский 400 г"), "{item}");
    assert!(
        item.contains("54.50 ₽") && item.contains("49.90 ₽"),
        "{item}"
    );
    assert!(!text.contains("Молоко") && !text.contains("Яблоки"));
    assert_eq!(line(&doc, BREAD).discount_price, Some(d("49.90")));
}

#[test]
fn change_of_the_delivery_window_is_notified() {
    let (item, _, doc) = only_difference(changed(|s| {
        s.delivery_from = Some(Some(local("2026-11-23T15:00:00+03:00")));
        s.delivery_to = Some(Some(local("2026-11-23T16:00:00+03:00")));
    }));
    assert!(item.starts_with("🕒"), "{item}");
    assert!(
        item.contains("23.11.2026 14:00–15:00 → 23.11.2026 15:00–16:00"),
        "{item}"
    );
    assert_eq!(
        doc.header.delivery_from,
        Some(local("2026-11-23T15:00:00+03:00"))
    );
}

/// The fixture's window, stamped in UTC as some marketplace clients send it.
fn utc_window(s: &mut Snapshot) {
    s.delivery_from = Some(Some(local("2026-11-23T09:00:00+00:00")));
    s.delivery_to = Some(Some(local("2026-11-23T11:00:00+00:00")));
}

/// Store 77-001 in Yekaterinburg (UTC+5) rather than in the chain's Moscow (UTC+3).
fn world_in_yekaterinburg() -> World {
    let mut world = World::new();
    world.routing.stores.get_mut(STORE).unwrap().timezone = Some(chrono_tz::Asia::Yekaterinburg);
    world
}

#[test]
fn the_delivery_window_is_shown_on_the_stores_clock() {
    let mut snapshot = created_snapshot();
    utc_window(&mut snapshot);
    let world = world_in_yekaterinburg();
    let text = notice_text(&apply(None, &created_with(snapshot.clone()), &world.ctx()));
    assert!(
        text.contains("Доставка: 23.11.2026 14:00–16:00\n"),
        "{text}"
    );

    let world = World::new();
    let text = notice_text(&apply(None, &created_with(snapshot), &world.ctx()));
    assert!(
        text.contains("Доставка: 23.11.2026 12:00–14:00\n"),
        "no zone of its own: Moscow\n{text}"
    );
}

#[test]
fn a_changed_delivery_window_is_shown_on_the_stores_clock() {
    let world = world_in_yekaterinburg();
    let doc = created_doc(&world);
    let (decision, _) = step(Some(&doc), &changed(utc_window), &world.ctx());
    let items = change_items(&notice_text(&decision));
    assert_eq!(
        items,
        vec!["🕒 Доставка: 23.11.2026 16:00–17:00 → 23.11.2026 14:00–16:00"]
    );
}

#[test]
fn change_of_the_address_is_notified() {
    let new_address = "Москва, ул. Лесная, д. 7, кв. 3";
    let (item, _, doc) = only_difference(changed(|s| {
        s.address = Some(Some(new_address.to_owned()));
    }));
    assert!(item.starts_with("📍"), "{item}");
    assert!(
        item.contains(ADDRESS) && item.contains(new_address),
        "{item}"
    );
    assert_eq!(doc.header.address.as_deref(), Some(new_address));
}

#[test]
fn change_of_the_comment_is_notified() {
    let (item, _, doc) = only_difference(changed(|s| {
        s.comment = Some(Some("Оставить у двери".to_owned()));
    }));
    assert!(item.starts_with("💬"), "{item}");
    assert!(
        item.contains(COMMENT) && item.contains("Оставить у двери"),
        "{item}"
    );
    assert_eq!(doc.header.comment.as_deref(), Some("Оставить у двери"));
}

#[test]
fn change_of_the_replacement_policy_is_notified() {
    let (item, _, doc) = only_difference(changed(|s| {
        s.replacement_policy = Some(Some("callOrReplace".to_owned()));
    }));
    assert!(item.starts_with("🔁"), "{item}");
    assert!(
        item.contains("убрать товар") && item.contains("заменить товар"),
        "{item}"
    );
    assert_eq!(
        doc.header.replacement_policy.as_deref(),
        Some("callOrReplace")
    );
}

#[test]
fn fixture_update_lists_every_difference_in_one_notice_per_chat() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &fixture_update(), &world.ctx());
    assert_eq!(chats(&decision), vec![STORE_CHAT, PICKERS_CHAT]);
    assert!(
        decision
            .notices
            .iter()
            .all(|n| n.kind == NoticeKind::Changed)
    );
    assert!(decision.notices.iter().all(|n| n.dedup_key == "changed:2"));
    let text = notice_text(&decision);
    assert!(text.contains("SM-000007") && text.contains(ORDER), "{text}");
    let items = change_items(&text);
    assert_eq!(items.len(), 4, "{text}");
    assert!(
        items
            .iter()
            .any(|i| i.starts_with("🔢") && i.contains("Молоко"))
    );
    assert!(
        items
            .iter()
            .any(|i| i.starts_with("➕") && i.contains("Сыр"))
    );
    assert!(
        items
            .iter()
            .any(|i| i.starts_with("➖") && i.contains("Яблоки"))
    );
    assert!(items.iter().any(|i| i.starts_with("🕒")));
    assert!(
        !text.contains("Хлеб"),
        "the unchanged line is not mentioned:\n{text}"
    );
    assert_eq!(next.status(), Status::New);
    assert_eq!(next.totals, totals("543.47", "493.47"));
    assert_eq!(next.composition_as_of, Some(utc(CHANGED_AT)));
    assert_eq!(decision.history.len(), 1);
    assert_eq!(decision.history[0].event, "order.changed");
}

#[test]
fn each_applied_change_gets_its_own_dedup_key() {
    let world = World::new();
    let doc = created_doc(&world);
    let (first, doc) = step(
        Some(&doc),
        &changed(|s| s.comment = Some(Some("Первый".to_owned()))),
        &world.ctx(),
    );
    let (second, _) = step(
        Some(&doc),
        &changed(|s| s.comment = Some(Some("Второй".to_owned()))),
        &world.ctx(),
    );
    assert_eq!(first.notices[0].dedup_key, "changed:2");
    assert_eq!(second.notices[0].dedup_key, "changed:3");
}

#[test]
fn change_of_details_the_store_does_not_need_is_saved_without_notice() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(
        Some(&doc),
        &changed(|s| s.customer_phone = Some(Some("+79160000000".to_owned()))),
        &world.ctx(),
    );
    assert!(decision.notices.is_empty());
    assert_eq!(next.header.customer_phone.as_deref(), Some("+79160000000"));
}

#[test]
fn change_of_a_paid_order_is_ignored_with_a_warning() {
    let world = World::new();
    let doc = through(&world, &[fixture_paid()]);
    let decision = apply(Some(&doc), &fixture_update(), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Ignored);
    assert_eq!(decision.answer, Answer::Ok);
    assert!(!decision.warnings.is_empty(), "a warning for the log");
    assert_nothing_done(&decision);
}

#[test]
fn change_of_a_cancelled_order_is_ignored() {
    let world = World::new();
    let doc = through(&world, &[cancelled()]);
    let decision = apply(Some(&doc), &fixture_update(), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Ignored);
    assert_nothing_done(&decision);
}

#[test]
fn change_stamped_before_the_creation_is_stale() {
    let world = World::new();
    let doc = created_doc(&world);
    let stale = changed_at(Some("2026-11-23T12:30:00+03:00"), |s| {
        s.comment = Some(Some("Старый".to_owned()));
    });
    let decision = apply(Some(&doc), &stale, &world.ctx());
    assert_eq!(decision.outcome, Outcome::Stale);
    assert_eq!(decision.answer, Answer::Ok);
    assert_nothing_done(&decision);
}

#[test]
fn change_stamped_before_the_last_applied_change_is_stale() {
    let world = World::new();
    let doc = through(&world, &[fixture_update()]);
    let stale = changed_at(Some("2026-11-23T12:50:00+03:00"), |s| {
        s.lines = Some(vec![milk()]);
    });
    let decision = apply(Some(&doc), &stale, &world.ctx());
    assert_eq!(decision.outcome, Outcome::Stale);
    assert_nothing_done(&decision);
}

#[test]
fn change_stamped_as_the_last_composition_is_not_stale() {
    let world = World::new();
    let doc = created_doc(&world);
    let same_second = changed_at(Some(CREATED_AT), |s| {
        s.comment = Some(Some("Оставить у двери".to_owned()));
    });
    step(Some(&doc), &same_second, &world.ctx());
}

#[test]
fn change_without_a_timestamp_is_applied_and_keeps_the_last_stamp() {
    let world = World::new();
    let doc = through(&world, &[fixture_update()]);
    let unstamped = changed_at(None, |s| {
        s.lines = Some(vec![milk()]);
    });
    let (decision, next) = step(Some(&doc), &unstamped, &world.ctx());
    assert_eq!(decision.notices.len(), 2);
    assert_eq!(next.lines.len(), 1);
    assert_eq!(next.composition_as_of, Some(utc(CHANGED_AT)));
}

#[test]
fn change_leaving_fields_out_keeps_the_documents_values() {
    let world = World::new();
    let doc = created_doc(&world);
    let partial = event(
        EventBody::Changed(Snapshot {
            reference: Reference::default(),
            comment: Some(Some("Оставить у двери".to_owned())),
            ..Snapshot::default()
        }),
        Some(CHANGED_AT),
    );
    let (decision, next) = step(Some(&doc), &partial, &world.ctx());
    assert_eq!(next.header.comment.as_deref(), Some("Оставить у двери"));
    assert_eq!(next.header.address.as_deref(), Some(ADDRESS));
    assert_eq!(next.header.customer_name.as_deref(), Some("Анна Смирнова"));
    assert_eq!(next.header.delivery_from, doc.header.delivery_from);
    assert_eq!(
        next.header.replacement_policy.as_deref(),
        Some("callOrRemove")
    );
    assert_eq!(next.lines, doc.lines);
    assert_eq!(next.totals, doc.totals);
    assert_eq!(next.payment_methods, doc.payment_methods);
    assert_eq!(next.store_id, Some(store_id()));
    assert_eq!(next.order_uuid.as_deref(), Some(UUID));
    assert_eq!(change_items(&notice_text(&decision)).len(), 1);
}

#[test]
fn change_sending_a_field_empty_clears_it() {
    let (item, _, doc) = only_difference(changed(|s| s.comment = Some(None)));
    assert_eq!(doc.header.comment, None);
    assert!(item.starts_with("💬"), "{item}");
    assert!(item.contains(&format!("{COMMENT} → —")), "{item}");
}

// ---------------------------------------------------------------------------------------------
// order.paid
// ---------------------------------------------------------------------------------------------

#[test]
fn paid_unknown_order_is_not_found() {
    let world = World::new();
    let decision = apply(None, &fixture_paid(), &world.ctx());
    assert_eq!(decision.answer, Answer::NotFound);
    assert_eq!(decision.outcome, Outcome::NotFound);
    assert_nothing_done(&decision);
}

#[test]
fn paid_marks_paid_locks_and_corrects_prices_and_totals() {
    let world = World::new();
    let doc = created_doc(&world);
    let payment = paid(
        Some(vec![
            paid_position(MILK, "2", "89.99", "74.99"),
            paid_position(APPLES, "1.5", "149.90", "139.90"),
            paid_position(BREAD, "1", "54.50", "54.50"),
        ]),
        Some(totals("459.33", "409.33")),
    );
    let (decision, next) = step(Some(&doc), &payment, &world.ctx());
    assert_eq!(decision.answer, Answer::Ok);
    assert!(next.paid && next.locked);
    assert_eq!(next.paid_at, Some(now()));
    assert_eq!(next.status(), Status::Paid);
    assert_eq!(line(&next, MILK).discount_price, Some(d("74.99")));
    assert_eq!(line(&next, APPLES).discount_price, Some(d("139.90")));
    assert_eq!(line(&next, MILK).quantity, d("2"));
    assert_eq!(
        line(&next, MILK).name.as_deref(),
        Some("Молоко 3,2% 930 мл")
    );
    assert_eq!(next.totals, totals("459.33", "409.33"));
    assert_eq!(next.total(), Some(d("409.33")));
    assert!(decision.notices.is_empty(), "no notice: picking is over");
    assert!(decision.stock_moves.is_empty());
}

#[test]
fn paid_positions_become_the_final_composition_with_a_history_note_per_difference() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &fixture_paid(), &world.ctx());
    let skus: Vec<&str> = next.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(
        skus,
        vec![MILK, BREAD, CHEESE],
        "apples removed, cheese added"
    );
    assert_eq!(line(&next, MILK).quantity, d("3"));
    assert_eq!(
        line(&next, MILK).original_quantity,
        d("2"),
        "ordered quantity kept"
    );
    assert_eq!(line(&next, MILK).discount_price, Some(d("74.99")));
    assert_eq!(line(&next, CHEESE).quantity, d("1"));
    assert_eq!(line(&next, CHEESE).discount_price, Some(d("189.00")));
    assert_eq!(next.totals, totals("543.47", "468.47"));

    assert!(decision.history.iter().all(|n| n.event == "order.paid"));
    assert!(
        decision
            .history
            .iter()
            .all(|n| n.outcome == Outcome::Applied)
    );
    let details: Vec<&str> = decision.history.iter().map(|n| n.detail.as_str()).collect();
    // One note for the payment itself, one per difference: milk quantity, milk price,
    // cheese added, apples removed.
    assert_eq!(details.len(), 5, "{details:#?}");
    let has = |what: &[&str]| details.iter().any(|d| what.iter().all(|w| d.contains(w)));
    assert!(has(&[MILK, "2", "3"]), "{details:#?}");
    assert!(has(&[MILK, "79.99", "74.99"]), "{details:#?}");
    assert!(has(&[CHEESE, "added"]), "{details:#?}");
    assert!(has(&[APPLES, "removed"]), "{details:#?}");
    assert!(
        !has(&[BREAD]),
        "the unchanged line has no note: {details:#?}"
    );
}

#[test]
fn paid_without_positions_changes_no_line() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &paid(None, None), &world.ctx());
    assert_eq!(next.lines, doc.lines);
    assert_eq!(next.totals, doc.totals);
    assert!(next.paid && next.locked);
    assert_eq!(decision.history.len(), 1);
}

#[test]
fn paid_with_totals_only_corrects_the_totals_and_no_line() {
    let world = World::new();
    let doc = created_doc(&world);
    let (_, next) = step(
        Some(&doc),
        &paid(None, Some(totals("459.33", "420.00"))),
        &world.ctx(),
    );
    assert_eq!(next.lines, doc.lines);
    assert_eq!(next.totals, totals("459.33", "420.00"));
}

#[test]
fn repeated_paid_is_duplicate() {
    let world = World::new();
    let doc = through(&world, &[fixture_paid()]);
    let repeat = apply(Some(&doc), &fixture_paid(), &world.ctx_at(later(), None));
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_eq!(repeat.answer, Answer::Ok);
    assert_nothing_done(&repeat);
}

#[test]
fn paid_on_a_cancelled_order_is_ignored() {
    let world = World::new();
    let doc = through(&world, &[cancelled()]);
    let decision = apply(Some(&doc), &fixture_paid(), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Ignored);
    assert_eq!(decision.answer, Answer::Ok);
    assert_nothing_done(&decision);
}

#[test]
fn paid_after_shipment_keeps_the_quantities_written_off_and_corrects_prices() {
    let world = World::new();
    let shipped = through(&world, &[received()]);
    let (decision, next) = step(Some(&shipped), &fixture_paid(), &world.ctx());
    let skus: Vec<&str> = next.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(
        skus,
        vec![MILK, APPLES, BREAD],
        "composition kept as written off"
    );
    assert_eq!(line(&next, MILK).quantity, d("2"));
    assert_eq!(line(&next, APPLES).quantity, d("1.5"));
    assert_eq!(
        line(&next, MILK).discount_price,
        Some(d("74.99")),
        "prices follow"
    );
    assert!(next.paid && next.shipped && next.locked);
    assert_eq!(next.status(), Status::Shipped);
    assert!(decision.stock_moves.is_empty(), "nothing written off again");
    assert!(decision.notices.is_empty());
}

// ---------------------------------------------------------------------------------------------
// order.received / order.delivered
// ---------------------------------------------------------------------------------------------

#[test]
fn received_unknown_order_is_not_found() {
    let world = World::new();
    for event in [received(), delivered()] {
        let decision = apply(None, &event, &world.ctx());
        assert_eq!(
            decision.answer,
            Answer::NotFound,
            "{}",
            event.kind().as_str()
        );
        assert_eq!(decision.outcome, Outcome::NotFound);
        assert_nothing_done(&decision);
    }
}

#[test]
fn received_ships_once_writing_off_every_line_from_the_documents_store() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &received(), &world.ctx());
    assert_eq!(
        moves(&decision),
        vec![
            move_of(MILK, "2"),
            move_of(APPLES, "1.5"),
            move_of(BREAD, "1"),
        ]
    );
    assert!(next.shipped && next.locked && !next.delivered);
    assert_eq!(next.shipped_at, Some(now()));
    assert_eq!(next.status(), Status::Shipped);
    assert_eq!(decision.answer, Answer::Ok);
    assert!(decision.notices.is_empty());
}

#[test]
fn received_takes_the_store_from_the_document_not_the_event() {
    let world = World::new();
    let doc = created_doc(&world);
    let other_store = event(
        EventBody::Received(Reference {
            order_uuid: None,
            store_id: Some(StoreId::parse("99-999").unwrap()),
        }),
        Some(RECEIVED_AT),
    );
    let (decision, next) = step(Some(&doc), &other_store, &world.ctx());
    assert!(
        decision
            .stock_moves
            .iter()
            .all(|m| m.store_id == store_id())
    );
    assert_eq!(next.store_id, Some(store_id()));
}

#[test]
fn received_writes_off_the_paid_composition() {
    let world = World::new();
    let doc = through(&world, &[fixture_update(), fixture_paid()]);
    let (decision, _) = step(Some(&doc), &received(), &world.ctx());
    assert_eq!(
        moves(&decision),
        vec![
            move_of(MILK, "3"),
            move_of(BREAD, "1"),
            move_of(CHEESE, "1")
        ]
    );
}

#[test]
fn repeated_received_is_duplicate_and_writes_nothing_off() {
    let world = World::new();
    let doc = through(&world, &[received()]);
    let repeat = apply(Some(&doc), &received(), &world.ctx_at(later(), None));
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_eq!(repeat.answer, Answer::Ok);
    assert_nothing_done(&repeat);
}

#[test]
fn received_does_not_write_off_lines_of_zero_quantity() {
    let world = World::new();
    let doc = through(
        &world,
        &[changed(|s| {
            s.lines = Some(vec![milk(), with_quantity(apples(), "0"), bread()]);
        })],
    );
    let (decision, _) = step(Some(&doc), &received(), &world.ctx());
    assert_eq!(
        moves(&decision),
        vec![move_of(MILK, "2"), move_of(BREAD, "1")]
    );
}

#[test]
fn received_on_a_cancelled_order_is_ignored_without_write_off() {
    let world = World::new();
    let doc = through(&world, &[cancelled()]);
    for event in [received(), delivered()] {
        let decision = apply(Some(&doc), &event, &world.ctx());
        assert_eq!(
            decision.outcome,
            Outcome::Ignored,
            "{}",
            event.kind().as_str()
        );
        assert_eq!(decision.answer, Answer::Ok);
        assert_nothing_done(&decision);
    }
}

#[test]
fn delivered_without_received_ships_first_then_marks_delivered() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &delivered(), &world.ctx());
    assert_eq!(
        moves(&decision),
        vec![
            move_of(MILK, "2"),
            move_of(APPLES, "1.5"),
            move_of(BREAD, "1"),
        ]
    );
    assert!(next.shipped && next.delivered && next.locked);
    assert_eq!(next.shipped_at, Some(now()));
    assert_eq!(next.delivered_at, Some(now()));
    assert_eq!(next.status(), Status::Delivered);
}

#[test]
fn delivered_after_received_writes_nothing_off() {
    let world = World::new();
    let doc = through(&world, &[received()]);
    let (decision, next) = step(Some(&doc), &delivered(), &world.ctx_at(later(), None));
    assert!(decision.stock_moves.is_empty());
    assert!(next.delivered && next.shipped);
    assert_eq!(next.shipped_at, doc.shipped_at, "shipment time kept");
    assert_eq!(next.delivered_at, Some(later()));
    assert_eq!(next.status(), Status::Delivered);
}

#[test]
fn repeated_delivered_is_duplicate() {
    let world = World::new();
    let doc = through(&world, &[delivered()]);
    let repeat = apply(Some(&doc), &delivered(), &world.ctx_at(later(), None));
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_eq!(repeat.answer, Answer::Ok);
    assert_nothing_done(&repeat);
}

#[test]
fn received_after_delivered_is_duplicate() {
    let world = World::new();
    let doc = through(&world, &[delivered()]);
    let late = apply(Some(&doc), &received(), &world.ctx_at(later(), None));
    assert_eq!(late.outcome, Outcome::Duplicate);
    assert_nothing_done(&late);
}

#[test]
fn the_fixture_lifecycle_moves_through_every_status() {
    let world = World::new();
    let mut doc = created_doc(&world);
    assert_eq!(doc.status(), Status::New);
    let mut written_off = Vec::new();
    for (event, status) in [
        (fixture_update(), Status::New),
        (fixture_paid(), Status::Paid),
        (received(), Status::Shipped),
        (delivered(), Status::Delivered),
    ] {
        let (decision, next) = step(Some(&doc), &event, &world.ctx());
        assert_eq!(next.status(), status, "after {}", event.kind().as_str());
        assert!(next.revision > doc.revision);
        written_off.extend(moves(&decision));
        doc = next;
    }
    assert_eq!(
        written_off,
        vec![
            move_of(MILK, "3"),
            move_of(BREAD, "1"),
            move_of(CHEESE, "1")
        ],
        "written off exactly once"
    );
    assert_eq!(doc.number.as_deref(), Some("SM-000007"));
}

// ---------------------------------------------------------------------------------------------
// order.cancelled
// ---------------------------------------------------------------------------------------------

#[test]
fn cancelled_unknown_order_leaves_a_tombstone() {
    let world = World::new();
    let decision = apply(None, &cancelled(), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Applied);
    assert_eq!(decision.answer, Answer::Ok);
    assert_eq!(decision.answer.status_code(), 200);
    assert!(decision.notices.is_empty());
    assert!(decision.stock_moves.is_empty());
    let tomb = decision.document.expect("the tombstone is saved");
    assert!(tomb.cancelled && tomb.locked);
    assert_eq!(tomb.status(), Status::Cancelled);
    assert_eq!(tomb.number, None);
    assert_eq!(tomb.expected_assembly_time, None);
    assert_eq!(tomb.store_id, Some(store_id()));
    assert_eq!(tomb.order_uuid.as_deref(), Some(UUID));
    assert_eq!(
        tomb.cancellation.as_ref().and_then(|c| c.slug.as_deref()),
        Some("customer_request")
    );
    assert!(tomb.lines.is_empty());
}

#[test]
fn late_created_on_a_tombstone_answers_with_a_new_number_and_stays_cancelled() {
    let world = World::new();
    let tomb = step(None, &cancelled(), &world.ctx()).1;
    assert!(needs_number(Some(&tomb), &created()));
    let (decision, doc) = step(Some(&tomb), &created(), &world.ctx_at(later(), Some(8)));
    assert_eq!(
        decision.answer,
        Answer::Created {
            number: "SM-000008".to_owned(),
            expected_assembly_time: later() + Duration::minutes(30),
        }
    );
    assert!(
        decision.notices.is_empty(),
        "nobody picks a cancelled order"
    );
    assert!(decision.stock_moves.is_empty());
    assert_eq!(doc.status(), Status::Cancelled);
    assert!(doc.cancelled && doc.locked);
    assert_eq!(doc.number.as_deref(), Some("SM-000008"));
    assert_eq!(doc.lines.len(), 3, "the composition is recorded");
    assert_eq!(decision.history.len(), 1);
}

#[test]
fn repeated_late_created_on_a_tombstone_answers_the_same() {
    let world = World::new();
    let tomb = step(None, &cancelled(), &world.ctx()).1;
    let (first, doc) = step(Some(&tomb), &created(), &world.ctx_at(later(), Some(8)));
    assert!(!needs_number(Some(&doc), &created()));
    let repeat = apply(
        Some(&doc),
        &created(),
        &world.ctx_at(later() + Duration::hours(1), Some(9)),
    );
    assert_eq!(repeat.answer, first.answer);
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_nothing_done(&repeat);
}

#[test]
fn late_created_on_a_tombstone_without_a_drawn_number_is_unavailable() {
    let world = World::new();
    let tomb = step(None, &cancelled(), &world.ctx()).1;
    let decision = apply(Some(&tomb), &created(), &world.ctx_at(later(), None));
    assert_eq!(decision.outcome, Outcome::Unavailable);
    assert_eq!(decision.answer, Answer::Retry);
    assert_nothing_done(&decision);
}

#[test]
fn cancel_of_a_new_order_tells_both_chats_to_stop_and_put_the_goods_back() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &cancelled(), &world.ctx());
    assert_eq!(decision.answer, Answer::Ok);
    assert_eq!(chats(&decision), vec![STORE_CHAT, PICKERS_CHAT]);
    for notice in &decision.notices {
        assert_eq!(notice.kind, NoticeKind::Cancelled);
        assert_eq!(notice.dedup_key, "cancelled");
    }
    let text = notice_text(&decision);
    assert!(text.contains("SM-000007") && text.contains(ORDER), "{text}");
    assert!(text.contains("Прекратите сборку"), "{text}");
    assert!(text.contains("верните товары"), "{text}");
    assert!(
        text.contains("Клиент передумал"),
        "the reason is given:\n{text}"
    );
    assert!(next.cancelled && next.locked && !next.shipped);
    assert_eq!(next.cancelled_at, Some(now()));
    assert_eq!(next.status(), Status::Cancelled);
    assert!(decision.stock_moves.is_empty());
}

#[test]
fn cancel_without_a_reason_still_tells_to_stop_picking() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, _) = step(Some(&doc), &cancelled_with(None), &world.ctx());
    let text = notice_text(&decision);
    assert_eq!(decision.notices.len(), 2);
    assert!(text.contains("Прекратите сборку"), "{text}");
    assert!(!text.contains("Причина"), "{text}");
}

#[test]
fn cancel_of_a_paid_order_that_was_not_shipped_is_notified() {
    let world = World::new();
    let doc = through(&world, &[fixture_paid()]);
    let (decision, next) = step(Some(&doc), &cancelled(), &world.ctx());
    assert_eq!(decision.notices.len(), 2);
    assert_eq!(next.status(), Status::Cancelled);
}

#[test]
fn cancel_of_a_shipped_order_keeps_the_write_off_and_notifies_nobody() {
    let world = World::new();
    for shipped_by in [received(), delivered()] {
        let doc = through(&world, &[shipped_by]);
        let (decision, next) = step(Some(&doc), &cancelled(), &world.ctx());
        assert!(decision.notices.is_empty());
        assert!(decision.stock_moves.is_empty());
        assert!(next.shipped && next.cancelled);
        assert_eq!(next.status(), Status::Cancelled);
        assert_eq!(decision.history.len(), 1, "the history shows it");
    }
}

#[test]
fn repeated_cancel_is_duplicate() {
    let world = World::new();
    let doc = through(&world, &[cancelled()]);
    let repeat = apply(Some(&doc), &cancelled(), &world.ctx_at(later(), None));
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_eq!(repeat.answer, Answer::Ok);
    assert_nothing_done(&repeat);
}

#[test]
fn repeated_cancel_of_a_tombstone_is_duplicate() {
    let world = World::new();
    let tomb = step(None, &cancelled(), &world.ctx()).1;
    let repeat = apply(Some(&tomb), &cancelled(), &world.ctx());
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_nothing_done(&repeat);
}

// ---------------------------------------------------------------------------------------------
// Decimals
// ---------------------------------------------------------------------------------------------

#[test]
fn weighted_quantities_are_kept_and_written_off_exactly() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    let weighed_cheese = position(
        "2000000054321",
        "Сыр Маасдам, весовой",
        "0.375",
        Some("375"),
        "1200.00",
        "1100.00",
        "450.00",
        "412.50",
    );
    snapshot.lines = Some(vec![apples(), weighed_cheese]);
    let (decision, doc) = step(None, &created_with(snapshot), &world.ctx());
    assert_eq!(line(&doc, APPLES).quantity.to_string(), "1.5");
    assert_eq!(line(&doc, "2000000054321").quantity.to_string(), "0.375");
    let text = notice_text(&decision);
    assert!(
        text.contains("— 1.5 шт") && text.contains("— 0.375 шт"),
        "{text}"
    );

    let (decision, _) = step(Some(&doc), &received(), &world.ctx());
    let written: Vec<String> = decision
        .stock_moves
        .iter()
        .map(|m| format!("{}={}", m.sku, m.quantity))
        .collect();
    assert_eq!(written, vec!["2000000012345=1.5", "2000000054321=0.375"]);
}

#[test]
fn decimal_prices_are_kept_exactly() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(
        Some(&doc),
        &changed(|s| {
            s.lines = Some(vec![
                milk(),
                apples(),
                with_prices(bread(), "189.99", "179.99"),
            ]);
            s.totals = Some(totals("594.82", "574.82"));
        }),
        &world.ctx(),
    );
    assert_eq!(line(&next, BREAD).price.unwrap().to_string(), "189.99");
    assert_eq!(line(&next, BREAD).discount_price, Some(d("179.99")));
    assert_eq!(line(&next, APPLES).price.unwrap().to_string(), "149.90");
    assert_eq!(
        next.totals.discount_total_price.unwrap().to_string(),
        "574.82"
    );
    let text = notice_text(&decision);
    assert!(
        text.contains("189.99 ₽") && text.contains("179.99 ₽"),
        "{text}"
    );

    let (_, paid_doc) = step(Some(&next), &fixture_paid(), &world.ctx());
    assert_eq!(paid_doc.total().unwrap().to_string(), "468.47");
    assert_eq!(
        line(&paid_doc, MILK).discount_price.unwrap().to_string(),
        "74.99"
    );
}

// ---------------------------------------------------------------------------------------------
// Texts
// ---------------------------------------------------------------------------------------------

const HOSTILE: &str = r#"<b>Срочно</b> & "без звонка""#;
const HOSTILE_ESCAPED: &str = "&lt;b&gt;Срочно&lt;/b&gt; &amp; &quot;без звонка&quot;";

#[test]
fn customer_comment_is_html_escaped_in_the_new_order_notice() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    snapshot.comment = Some(Some(HOSTILE.to_owned()));
    let decision = apply(None, &created_with(snapshot), &world.ctx());
    let text = notice_text(&decision);
    assert!(text.contains(HOSTILE_ESCAPED), "{text}");
    assert!(!text.contains("<b>Срочно"), "{text}");
    assert!(!text.contains(r#""без"#), "{text}");
}

#[test]
fn customer_text_is_html_escaped_in_the_changed_notice() {
    let (item, text, _) = only_difference(changed(|s| {
        s.comment = Some(Some(HOSTILE.to_owned()));
    }));
    assert!(item.contains(HOSTILE_ESCAPED), "{item}");
    assert!(!text.contains("<b>Срочно"), "{text}");
}

#[test]
fn marketplace_product_names_are_html_escaped() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    let mut odd = bread();
    odd.name = Some("Хлеб <i>\"Дарницкий\"</i> & Co".to_owned());
    snapshot.lines = Some(vec![odd]);
    let text = notice_text(&apply(None, &created_with(snapshot), &world.ctx()));
    assert!(
        text.contains("Хлеб &lt;i&gt;&quot;Дарницкий&quot;&lt;/i&gt; &amp; Co"),
        "{text}"
    );
    assert!(!text.contains("<i>"), "{text}");
}

/// Every `&` in a Telegram HTML text starts a whole entity: a cut text stays parseable.
fn assert_entities_whole(text: &str) {
    for (at, _) in text.match_indices('&') {
        let rest = &text[at..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "an entity cut in half at {at}: {}",
            rest.chars().take(10).collect::<String>()
        );
    }
}

#[test]
fn new_order_notice_with_a_huge_comment_stays_under_the_telegram_limit() {
    let world = World::new();
    for huge in ["Позвоните. ".repeat(600), "&".repeat(5000)] {
        let mut snapshot = created_snapshot();
        snapshot.comment = Some(Some(huge));
        let decision = apply(None, &created_with(snapshot), &world.ctx());
        let text = notice_text(&decision);
        assert!(
            text.chars().count() <= TELEGRAM_TEXT_LIMIT,
            "{} characters",
            text.chars().count()
        );
        assert!(text.contains("SM-000007") && text.contains(ORDER));
        assert!(text.contains("Молоко"), "the lines still fit");
        assert_entities_whole(&text);
    }
}

#[test]
fn changed_notice_with_a_huge_comment_stays_under_the_limit_and_shows_it() {
    let (item, text, _) = only_difference(changed(|s| {
        s.comment = Some(Some("Оставьте у двери. ".repeat(400)));
    }));
    assert!(text.chars().count() <= TELEGRAM_TEXT_LIMIT);
    assert!(item.contains("Оставьте у двери"), "{item}");
}

#[test]
fn customer_script_is_shown_as_text_not_markup() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    snapshot.comment = Some(Some(r#"<script>alert("x") & 'y'</script>"#.to_owned()));
    let text = notice_text(&apply(None, &created_with(snapshot), &world.ctx()));
    assert!(
        text.contains("Комментарий: &lt;script&gt;alert(&quot;x&quot;) &amp; 'y'&lt;/script&gt;\n"),
        "{text}"
    );
    assert!(!text.contains("<script"), "{text}");
    assert_tags_balanced(&text);
}

#[test]
fn a_short_order_is_one_message_without_a_part_number() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(
        notice_text(&decision),
        "🆕 Новый заказ <b>SM-000007</b>\n\
         СберМаркет: <code>R246801357</code>\n\
         Магазин: Лесная (77-001)\n\
         Доставка: 23.11.2026 14:00–15:00\n\
         Способ: byCourier\n\
         \n\
         <b>Состав:</b>\n\
         1. Молоко 3,2% 930 мл — 2 шт\n\
         2. Яблоки Гала, весовые — 1.5 шт\n\
         3. Хлеб Бородинский 400 г — 1 шт\n\
         \n\
         Комментарий: Домофон 45, позвонить за 10 минут\n\
         Замены: позвонить клиенту, если не ответит — убрать товар\n\
         Итого: <b>439.33 ₽</b> (без скидки 459.33 ₽)"
    );

    let (decision, _) = step(
        Some(&decision.document.unwrap()),
        &fixture_update(),
        &world.ctx(),
    );
    assert_eq!(
        notice_text(&decision),
        "✏️ Заказ изменён <b>SM-000007</b>\n\
         СберМаркет: <code>R246801357</code>\n\
         Магазин: Лесная (77-001)\n\
         \n\
         🔢 Количество: Молоко 3,2% 930 мл — 2 шт → 3 шт\n\
         ➕ Добавлено: Сыр Российский 200 г — 1 шт\n\
         ➖ Убрано: Яблоки Гала, весовые\n\
         🕒 Доставка: 23.11.2026 14:00–15:00 → 23.11.2026 15:00–16:00\n"
    );
}

/// Every tag a part opens it closes, innermost first: Telegram refuses a message otherwise.
fn assert_tags_balanced(text: &str) {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        let end = rest[at..].find('>').expect("a tag is closed") + at;
        let tag = &rest[at + 1..end];
        match tag.strip_prefix('/') {
            Some(name) => assert_eq!(open.pop(), Some(name), "in:\n{text}"),
            None => open.push(tag),
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "left open {open:?} in:\n{text}");
    assert!(!rest.contains('>'), "a stray '>' in:\n{text}");
}

/// The parts of a split notice as one chat reads them, checked to be what the other chat reads,
/// queued chat by chat, keyed `{base}#i/n` and each a valid message naming the order and store.
fn split_notice(decision: &Decision, base: &str, headline: &str) -> Vec<String> {
    let parts = |chat: &str| -> Vec<&Notice> {
        decision.notices.iter().filter(|n| n.chat == chat).collect()
    };
    let (store, pickers) = (parts(STORE_CHAT), parts(PICKERS_CHAT));
    let count = store.len();
    assert!(count >= 2, "split into {count} parts");
    let mut queued = vec![STORE_CHAT; count];
    queued.extend(vec![PICKERS_CHAT; count]);
    assert_eq!(
        chats(decision),
        queued,
        "a chat's parts are queued together"
    );
    for (i, (ours, theirs)) in store.iter().zip(&pickers).enumerate() {
        assert_eq!(ours.text, theirs.text);
        assert_eq!(ours.dedup_key, format!("{base}#{}/{count}", i + 1));
        assert_eq!(theirs.dedup_key, ours.dedup_key);
        let text = &ours.text;
        assert!(
            text.chars().count() <= TELEGRAM_TEXT_LIMIT,
            "part {} has {} characters",
            i + 1,
            text.chars().count()
        );
        let heading = format!(
            "{headline} <b>SM-000007</b> (часть {}/{count})\n\
             СберМаркет: <code>{ORDER}</code>\n\
             Магазин: Лесная ({STORE})\n",
            i + 1
        );
        assert!(text.starts_with(&heading), "part {}:\n{text}", i + 1);
        assert_tags_balanced(text);
        assert_entities_whole(text);
    }
    store.iter().map(|n| n.text.clone()).collect()
}

/// `count` lines of distinct, long (about 60 characters) names.
fn many_positions(count: usize) -> Vec<Position> {
    (0..count)
        .map(|i| {
            let mut p = bread();
            p.sku = sku(&format!("46000000{i:05}"));
            p.name = Some(long_name(i));
            p
        })
        .collect()
}

fn long_name(i: usize) -> String {
    format!("Товар с довольно длинным названием & весом 400 г, номер {i:03}")
}

#[test]
fn a_long_new_order_comes_in_numbered_parts_with_every_line_once() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    snapshot.lines = Some(many_positions(300));
    let decision = apply(None, &created_with(snapshot), &world.ctx());
    let parts = split_notice(&decision, "created", "🆕 Новый заказ");
    let last = parts.len() - 1;

    let numbered: Vec<String> = parts
        .iter()
        .flat_map(|part| part.lines().filter(|l| l.contains(". Товар")))
        .map(str::to_owned)
        .collect();
    let expected: Vec<String> = (0..300)
        .map(|i| format!("{}. {} — 1 шт", i + 1, long_name(i).replace('&', "&amp;")))
        .collect();
    assert_eq!(
        numbered, expected,
        "every line once, numbered 1..300 in order"
    );

    for (i, part) in parts.iter().enumerate() {
        assert!(part.contains("\n<b>Состав:</b>\n"), "part {}", i + 1);
        assert_eq!(part.contains("Доставка:"), i == 0, "part {}", i + 1);
        for tail in ["Комментарий: ", "Замены: ", "Итого: "] {
            assert_eq!(part.contains(tail), i == last, "{tail} in part {}", i + 1);
        }
    }
    assert!(parts[last].ends_with("Итого: <b>439.33 ₽</b> (без скидки 459.33 ₽)"));
}

#[test]
fn a_change_of_many_lines_comes_in_numbered_parts_with_every_difference_once() {
    let world = World::new();
    let doc = created_doc(&world);
    let change = changed(|s| {
        let mut lines = vec![milk(), apples(), bread()];
        lines.extend(many_positions(300));
        s.lines = Some(lines);
        s.comment = Some(Some("Теперь без звонка".to_owned()));
    });
    let (decision, next) = step(Some(&doc), &change, &world.ctx());
    let base = format!("changed:{}", next.revision);
    let parts = split_notice(&decision, &base, "✏️ Заказ изменён");

    let items: Vec<String> = parts.iter().flat_map(|p| change_items(p)).collect();
    let mut expected: Vec<String> = (0..300)
        .map(|i| {
            format!(
                "➕ Добавлено: {} — 1 шт",
                long_name(i).replace('&', "&amp;")
            )
        })
        .collect();
    expected.push(format!("💬 Комментарий: {COMMENT} → Теперь без звонка"));
    assert_eq!(items, expected, "every difference once, in order");
}

// ---------------------------------------------------------------------------------------------
// Status and routing
// ---------------------------------------------------------------------------------------------

#[test]
fn status_precedence_is_cancelled_delivered_shipped_paid_new() {
    let world = World::new();
    let base = created_doc(&world);
    let with = |paid: bool, shipped: bool, delivered: bool, cancelled: bool| {
        let mut doc = base.clone();
        doc.paid = paid;
        doc.shipped = shipped;
        doc.delivered = delivered;
        doc.cancelled = cancelled;
        doc.status()
    };
    assert_eq!(with(false, false, false, false), Status::New);
    assert_eq!(with(true, false, false, false), Status::Paid);
    assert_eq!(with(true, true, false, false), Status::Shipped);
    assert_eq!(with(false, true, false, false), Status::Shipped);
    assert_eq!(with(true, true, true, false), Status::Delivered);
    assert_eq!(with(false, true, true, false), Status::Delivered);
    assert_eq!(with(true, true, true, true), Status::Cancelled);
    assert_eq!(with(false, true, false, true), Status::Cancelled);
    assert_eq!(with(true, false, false, true), Status::Cancelled);
    assert_eq!(with(false, false, false, true), Status::Cancelled);
    for (status, text) in [
        (Status::New, "new"),
        (Status::Paid, "paid"),
        (Status::Shipped, "shipped"),
        (Status::Delivered, "delivered"),
        (Status::Cancelled, "cancelled"),
    ] {
        assert_eq!(status.as_str(), text);
    }
}

#[test]
fn unrouted_store_without_a_default_chat_queues_no_notice_and_warns() {
    let world = World::with_routing(Routing::default());
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(
        decision.outcome,
        Outcome::Applied,
        "the order is still created"
    );
    assert!(matches!(decision.answer, Answer::Created { .. }));
    assert!(decision.notices.is_empty());
    assert_eq!(decision.warnings.len(), 1, "{:?}", decision.warnings);
    assert!(
        decision.warnings[0].contains(STORE),
        "{:?}",
        decision.warnings
    );
}

#[test]
fn unrouted_store_with_a_default_chat_notifies_it_once() {
    let world = World::with_routing(Routing {
        stores: Default::default(),
        default_chat: Some("-1009".to_owned()),
        ..Routing::default()
    });
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(chats(&decision), vec!["-1009"]);
    assert_eq!(decision.notices[0].kind, NoticeKind::Created);
    assert_eq!(
        decision.warnings.len(),
        1,
        "still logged: {:?}",
        decision.warnings
    );

    let doc = decision.document.unwrap();
    let (cancel, _) = step(Some(&doc), &cancelled(), &world.ctx());
    assert_eq!(chats(&cancel), vec!["-1009"]);
}

#[test]
fn order_without_a_store_id_goes_to_the_default_chat() {
    let world = World::with_routing(Routing {
        stores: Default::default(),
        default_chat: Some("-1009".to_owned()),
        ..Routing::default()
    });
    let mut snapshot = created_snapshot();
    snapshot.reference.store_id = None;
    let decision = apply(None, &created_with(snapshot), &world.ctx());
    assert_eq!(chats(&decision), vec!["-1009"]);
    assert!(!decision.warnings.is_empty());
}

#[test]
fn received_without_a_store_id_writes_nothing_off_and_warns() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    snapshot.reference.store_id = None;
    let doc = step(None, &created_with(snapshot), &world.ctx()).1;
    let anonymous = event(EventBody::Received(Reference::default()), Some(RECEIVED_AT));
    let (decision, next) = step(Some(&doc), &anonymous, &world.ctx());
    assert!(next.shipped);
    assert!(decision.stock_moves.is_empty());
    assert!(!decision.warnings.is_empty());
}

#[test]
fn catalog_names_and_units_take_the_place_of_the_marketplaces() {
    let mut world = World::new();
    world.catalog.insert(
        sku(APPLES),
        CatalogItem {
            name: "Яблоки Гала (кат.)".to_owned(),
            unit: Some("кг".to_owned()),
        },
    );
    let text = notice_text(&apply(None, &created(), &world.ctx()));
    assert!(text.contains("Яблоки Гала (кат.) — 1.5 кг"), "{text}");
    assert!(text.contains("Молоко 3,2% 930 мл — 2 шт"), "{text}");
}

#[test]
fn a_line_without_any_name_is_shown_by_its_sku() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    let mut nameless = bread();
    nameless.name = None;
    snapshot.lines = Some(vec![nameless]);
    let text = notice_text(&apply(None, &created_with(snapshot), &world.ctx()));
    assert!(text.contains(&format!("{BREAD} — 1 шт")), "{text}");
}
