//! The rules of DESIGN sections 3-6, one test each, through `apply` and `needs_number` only.
//! Values are built by hand after the fixture order `R246801357` of store `77-001`
//! (`/work/shared/fixtures`): the wire format is not the domain's business.
//!
//! One file per event (and one each for decimals, texts, status and routing). The values and
//! events are built here; the checks the files share are in `steps.rs`.

use super::*;
use crate::notice::TELEGRAM_TEXT_LIMIT;
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::json;

mod steps;
use steps::apply;
use steps::*;

mod cancelled;
mod changed;
mod created;
mod decimals;
mod notices;
mod paid;
mod shipped;
mod status_and_routing;

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

/// The settings, routing and catalog that a `Context` borrows (the property tests start from
/// it too).
pub(super) struct World {
    pub(super) settings: Settings,
    pub(super) routing: Routing,
    pub(super) catalog: Catalog,
}

impl World {
    /// Store 77-001 routed to its store chat and its pickers' chat; no default chat; no catalog.
    pub(super) fn new() -> World {
        let mut routing = Routing::default();
        routing.stores.insert(
            STORE.to_owned(),
            StoreRoute {
                name: Some("Лесная".to_owned()),
                store_chat: Some(STORE_CHAT.to_owned()),
                pickers_chat: Some(PICKERS_CHAT.to_owned()),
                timezone: None,
                pickers: Vec::new(),
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
        replacement_policy: Some(Some("callOrRemove".into())),
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
        raw_payload: std::sync::Arc::new(json!({ "originalOrderId": ORDER, "storeID": STORE })),
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
