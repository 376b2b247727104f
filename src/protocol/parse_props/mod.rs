//! Properties of `parse` over hostile bodies: whatever the marketplace (or anyone who got past
//! nginx) sends, the service answers 200 or a 400 of a known kind, and what it accepts is a value
//! the domain and the database can hold. A panic here is a 500 that the marketplace retries seven
//! times, then it cancels the order.
//!
//! Bodies are the fixtures (`tests/fixtures`) with a few fields replaced by hostile values, so that
//! most of them get past the JSON and the envelope and reach the field readers.

use super::{Incoming, parse};

mod bodies;
mod paths;

use crate::domain::{EventBody, OrderEvent, Position, Totals};
use bodies::*;
use paths::*;
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::fmt;

// These mirror the protocol limits of docs/protocol.md: a line's quantity and any amount of money the
// marketplace can mean. Anything outside them is refused with a 400 before the domain sees it.
pub(super) const MAX_QUANTITY: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
pub(super) const QUANTITY_PLACES: u32 = 3;
pub(super) const MAX_MONEY: Decimal = Decimal::from_parts(1_410_065_408, 2, 0, false, 0); // 10^10
pub(super) const MONEY_PLACES: u32 = 4;

/// Every `Rejection.code` a client may see; `too_many_lines` is the newest.
pub(super) const KNOWN_CODES: [&str; 5] = [
    "malformed_json",
    "not_an_object",
    "missing_field",
    "invalid_field",
    "too_many_lines",
];

pub(super) const FIXTURES: [(&str, &str); 6] = [
    (
        "order.created",
        include_str!("../../../tests/fixtures/order.created.json"),
    ),
    (
        "order.updated",
        include_str!("../../../tests/fixtures/order.updated.json"),
    ),
    (
        "order.paid",
        include_str!("../../../tests/fixtures/order.paid.json"),
    ),
    (
        "order.received",
        include_str!("../../../tests/fixtures/order.received.json"),
    ),
    (
        "order.delivered",
        include_str!("../../../tests/fixtures/order.delivered.json"),
    ),
    (
        "order.canceled",
        include_str!("../../../tests/fixtures/order.canceled.json"),
    ),
];

// ---------------------------------------------------------------------------------------------
// What an accepted event holds
// ---------------------------------------------------------------------------------------------

fn positions_and_totals(event: &OrderEvent) -> (&[Position], Option<&Totals>) {
    let (lines, totals) = match &event.body {
        EventBody::Created(s) | EventBody::Changed(s) => (&s.lines, &s.totals),
        EventBody::Paid(p) => (&p.lines, &p.totals),
        _ => return (&[], None),
    };
    (lines.as_deref().unwrap_or(&[]), totals.as_ref())
}

/// The decimals of an event, each named and with its limit: `(field, value, max, places)`.
fn decimals(event: &OrderEvent) -> Vec<(String, Decimal, Decimal, u32)> {
    let (lines, totals) = positions_and_totals(event);
    let mut out = Vec::new();
    for line in lines {
        let sku = &line.sku;
        let quantities = [
            ("quantity", Some(line.quantity)),
            ("originalQuantity", line.original_quantity),
        ];
        for (name, value) in quantities {
            if let Some(value) = value {
                out.push((
                    format!("{sku}.{name}"),
                    value,
                    MAX_QUANTITY,
                    QUANTITY_PLACES,
                ));
            }
        }
        let money = [
            ("price", line.price),
            ("discountPrice", line.discount_price),
            ("totalPrice", line.total_price),
            ("totalDiscountPrice", line.total_discount_price),
        ];
        for (name, value) in money {
            if let Some(value) = value {
                out.push((format!("{sku}.{name}"), value, MAX_MONEY, MONEY_PLACES));
            }
        }
    }
    if let Some(totals) = totals {
        let money = [
            ("total.totalPrice", totals.total_price),
            ("total.discountTotalPrice", totals.discount_total_price),
        ];
        for (name, value) in money {
            if let Some(value) = value {
                out.push((name.to_owned(), value, MAX_MONEY, MONEY_PLACES));
            }
        }
    }
    out
}

/// The ids that key documents, stock and the journal, and are shown to the store staff.
fn ids(event: &OrderEvent) -> Vec<(&'static str, String)> {
    let reference = match &event.body {
        EventBody::Created(s) | EventBody::Changed(s) => &s.reference,
        EventBody::Paid(p) => &p.reference,
        EventBody::Received(r) | EventBody::Delivered(r) => r,
        EventBody::Cancelled(c) => &c.reference,
    };
    let mut out = vec![("originalOrderId", event.order_id.to_string())];
    if let Some(store) = &reference.store_id {
        out.push(("storeID", store.to_string()));
    }
    let (lines, _) = positions_and_totals(event);
    out.extend(
        lines
            .iter()
            .map(|line| ("positions[].id", line.sku.to_string())),
    );
    out
}

fn accepted(body: &[u8]) -> Result<Option<OrderEvent>, TestCaseError> {
    match parse(body) {
        Ok(Incoming::Order(event)) => Ok(Some(*event)),
        Ok(Incoming::Other { .. }) => Ok(None),
        Err((rejection, _)) => {
            prop_assert!(
                KNOWN_CODES.contains(&rejection.code),
                "unknown rejection code {:?} ({})",
                rejection.code,
                rejection.detail
            );
            Ok(None)
        }
    }
}

fn within_limits(event: &OrderEvent) -> Result<(), TestCaseError> {
    for (field, value, max, places) in decimals(event) {
        prop_assert!(
            value >= Decimal::ZERO && value <= max && value.normalize().scale() <= places,
            "{field} = {value} is outside 0..={max} with at most {places} decimals"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    /// Anything at all is answered 200 or a 400 of a known kind, never a panic.
    #[test]
    fn any_bytes_are_accepted_or_refused_with_a_known_code(body in any_body()) {
        accepted(&body)?;
    }

    /// A fixture with hostile values in its fields is answered 200 or a 400 of a known kind.
    #[test]
    fn hostile_fields_are_accepted_or_refused_with_a_known_code(body in mutated()) {
        accepted(&body.body())?;
    }

    /// A line that comes more than once is merged or refused, whatever its amounts add up to.
    #[test]
    fn repeated_lines_are_accepted_or_refused_with_a_known_code(body in repeated()) {
        accepted(&body.body())?;
    }

    /// Merged, the amounts of a repeated line are still within the protocol's limits.
    #[test]
    fn merged_lines_are_within_the_protocol_limits(body in repeated()) {
        if let Some(event) = accepted(&body.body())? {
            within_limits(&event)?;
        }
    }

    /// What is accepted holds quantities and money within the protocol's limits.
    #[test]
    fn accepted_decimals_are_within_the_protocol_limits(body in mutated()) {
        if let Some(event) = accepted(&body.body())? {
            within_limits(&event)?;
        }
    }

    /// What is accepted has ids without control characters: they are keys in the database and
    /// text in the staff's chats and the operator's terminal.
    #[test]
    fn accepted_ids_have_no_control_characters(body in mutated()) {
        if let Some(event) = accepted(&body.body())? {
            for (field, id) in ids(&event) {
                prop_assert!(
                    !id.chars().any(char::is_control),
                    "{field} = {id:?} holds a control character"
                );
            }
        }
    }
}

#[test]
fn the_limits_are_the_documented_ones() {
    assert_eq!(MAX_QUANTITY, Decimal::from(1_000_000));
    assert_eq!(MAX_MONEY, Decimal::from(10_000_000_000i64));
}

#[test]
fn edits_land_where_their_paths_say() {
    let mut body: Value = serde_json::from_str(FIXTURES[0].1).unwrap();
    let at = Path(vec![
        key("payload"),
        key("positions"),
        Step::Index(1),
        key("quantity"),
    ]);
    assert_eq!(format!("{at:?}"), "payload.positions[1].quantity");
    assert!(targets(&body).all.contains(&at));
    assert!(targets(&body).read.contains(&at));
    assert!(set(&mut body, &at, Value::String("1_000".into())));
    assert_eq!(body["payload"]["positions"][1]["quantity"], "1_000");
    let blocked = Path(vec![key("event_type"), key("x")]);
    assert!(!set(&mut body, &blocked, Value::Null));
}
