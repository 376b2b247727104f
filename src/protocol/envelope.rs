//! The one conversion from a webhook body to a domain value.

use super::error::Rejection;
use super::scalar::{
    MONEY, QUANTITY, id_text, money, quantity, sent_text, sent_time, text, timestamp,
};
use super::wire::{OBJECT_FIELDS, WirePayload, WirePosition, WireTotal};
use crate::domain::composition::merge_repeated_skus;
use crate::domain::{
    CancelNotice, Cancellation, EventBody, EventKind, OrderEvent, OrderId, Payment, Position,
    Reference, ReplacementPolicy, Sku, Snapshot, StoreId, Totals,
};
use rust_decimal::Decimal;
use serde_json::Value;

/// A body that passed the protocol: an order event, or an event type we only journal.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Order(Box<OrderEvent>),
    /// `courier.assigned`, `order.delivering` and the like: journaled and answered 200, since
    /// a 4xx would only make the marketplace retry it seven times.
    Other {
        event_type: String,
        order_id: Option<String>,
    },
}

/// What could be read of a body before it was accepted or refused, for the journal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Label {
    pub event_type: Option<String>,
    /// The event type as its kind, when it is one the hook handles.
    pub kind: Option<EventKind>,
    pub order_id: Option<String>,
}

/// The marketplace's event names (and the partner's), mapped onto the partner's kinds.
pub fn event_kind(event_type: &str) -> Option<EventKind> {
    Some(match event_type {
        "order.created" => EventKind::Created,
        "order.updated" | "order.changed" => EventKind::Changed,
        "order.paid" => EventKind::Paid,
        "order.received" => EventKind::Received,
        "order.delivered" => EventKind::Delivered,
        "order.canceled" | "order.cancelled" => EventKind::Cancelled,
        _ => return None,
    })
}

/// Parses a body. On refusal the label still says what could be read, for the journal.
pub fn parse(body: &[u8]) -> Result<Incoming, (Rejection, Label)> {
    parse_labelled(body, MAX_LINES).map(|(incoming, _)| incoming)
}

/// Parses a body once, and says what it was either way: the label carries the sender's own
/// spelling of the event type (`order.updated`), which the journal keeps.
/// `max_lines` is the configured limit of positions (`max_lines`, `MAX_LINES` by default).
pub fn parse_labelled(
    body: &[u8],
    max_lines: usize,
) -> Result<(Incoming, Label), (Rejection, Label)> {
    let mut label = Label::default();
    let root: Value = serde_json::from_slice(body).map_err(|e| {
        (
            Rejection::malformed(format!("the body is not JSON: {e}")),
            label.clone(),
        )
    })?;
    let Value::Object(mut root) = root else {
        return Err((Rejection::not_an_object("the body"), label));
    };
    let event_type = match root.get("event_type") {
        None | Some(Value::Null) => return Err((Rejection::missing("event_type"), label)),
        Some(Value::String(name)) if !name.trim().is_empty() => name.trim().to_owned(),
        Some(other) => {
            return Err((
                Rejection::invalid(
                    "event_type",
                    format!("must be a non-empty string, got {other}"),
                ),
                label,
            ));
        }
    };
    label.kind = event_kind(&event_type);
    label.event_type = Some(event_type.clone());
    // Taken out of the body's tree, not copied: the event keeps it as the document's last
    // payload.
    let payload = root.remove("payload");
    label.order_id = payload
        .as_ref()
        .and_then(|p| id_text(p.get("originalOrderId"), "").ok().flatten());

    let Some(kind) = label.kind else {
        let incoming = Incoming::Other {
            event_type,
            order_id: label.order_id.clone(),
        };
        return Ok((incoming, label));
    };
    let payload = match payload {
        None | Some(Value::Null) => return Err((Rejection::missing("payload"), label)),
        Some(value @ Value::Object(_)) => value,
        Some(_) => return Err((Rejection::not_an_object("payload"), label)),
    };
    check_shapes(&payload, max_lines).map_err(|rejection| (rejection, label.clone()))?;
    let wire: WirePayload = serde_path_to_error::deserialize(&payload).map_err(|e| {
        let path = e.path().to_string();
        (
            Rejection::invalid(&format!("payload.{path}"), e.into_inner()),
            label.clone(),
        )
    })?;
    let event = order_event(kind, wire, payload, timestamp(root.get("timestamp")))
        .map_err(|rejection| (rejection, label.clone()))?;
    Ok((Incoming::Order(Box::new(event)), label))
}

/// serde would read a struct from a JSON array by position (`"customer": ["x", "+7"]`); the
/// marketplace never sends that, so an array (or any non-object) where an object belongs is
/// refused with its path instead of being read as that object's fields.
fn check_shapes(payload: &Value, max_lines: usize) -> Result<(), Rejection> {
    let must_be_object = |value: &Value, path: &str| match value {
        Value::Null | Value::Object(_) => Ok(()),
        other => Err(Rejection::invalid(
            path,
            format!("must be an object, got {}", super::scalar::json_kind(other)),
        )),
    };
    for key in OBJECT_FIELDS {
        if let Some(value) = payload.get(key) {
            must_be_object(value, &format!("payload.{key}"))?;
        }
    }
    if let Some(Value::Array(positions)) = payload.get("positions") {
        if positions.len() > max_lines {
            return Err(Rejection::too_many_lines(positions.len(), max_lines));
        }
        for (i, position) in positions.iter().enumerate() {
            match position {
                Value::Object(_) => {}
                other => {
                    return Err(Rejection::invalid(
                        &format!("payload.positions[{i}]"),
                        format!("must be an object, got {}", super::scalar::json_kind(other)),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The most lines one order may have. A supermarket order has tens; a few thousand is already
/// a warehouse. Past this the body is refused (`413 too_many_lines`) rather than turned into
/// hundreds of Telegram messages nobody can pick from.
/// The default of `max_lines`.
pub const MAX_LINES: usize = 5_000;

fn order_event(
    kind: EventKind,
    wire: WirePayload,
    raw_payload: Value,
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<OrderEvent, Rejection> {
    let order_id = id_text(wire.original_order_id.as_ref(), "payload.originalOrderId")?
        .ok_or_else(|| Rejection::missing("payload.originalOrderId"))?;
    let order_id =
        OrderId::parse(&order_id).map_err(|e| Rejection::invalid("payload.originalOrderId", e))?;
    let reference = reference(&wire)?;
    let body = match kind {
        EventKind::Created => EventBody::Created(snapshot(&wire, reference)?),
        EventKind::Changed => EventBody::Changed(snapshot(&wire, reference)?),
        EventKind::Paid => EventBody::Paid(Payment {
            reference,
            lines: positions(&wire.positions)?,
            totals: totals(&wire.total)?,
        }),
        EventKind::Received => EventBody::Received(reference),
        EventKind::Delivered => EventBody::Delivered(reference),
        EventKind::Cancelled => EventBody::Cancelled(CancelNotice {
            reference,
            cancellation: wire.cancellation.as_ref().map(|c| Cancellation {
                slug: c.slug.as_ref().and_then(text),
                description: c.description.as_ref().and_then(text),
            }),
        }),
    };
    Ok(OrderEvent {
        order_id,
        sent_at,
        body,
        raw_payload: std::sync::Arc::new(raw_payload),
    })
}

fn reference(wire: &WirePayload) -> Result<Reference, Rejection> {
    let store_id = id_text(wire.store_id.as_ref(), "payload.storeID")?
        .filter(|s| !s.trim().is_empty())
        .map(|s| StoreId::parse(&s).map_err(|e| Rejection::invalid("payload.storeID", e)))
        .transpose()?;
    let order_uuid = id_text(wire.order_uuid.as_ref(), "payload.orderUUID")?
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            crate::domain::ids::parse_id(&s).map_err(|e| Rejection::invalid("payload.orderUUID", e))
        })
        .transpose()?;
    Ok(Reference {
        order_uuid,
        store_id,
    })
}

fn snapshot(wire: &WirePayload, reference: Reference) -> Result<Snapshot, Rejection> {
    let customer = wire.customer.as_ref();
    let delivery = wire.delivery.as_ref();
    Ok(Snapshot {
        reference,
        customer_name: customer.and_then(|c| sent_text(&c.name)),
        customer_phone: customer.and_then(|c| sent_text(&c.phone)),
        address: wire
            .address
            .as_ref()
            .and_then(|a| sent_text(&a.full_address)),
        delivery_from: match delivery {
            Some(d) => sent_time(&d.expected_from, "payload.delivery.expectedFrom")?,
            None => None,
        },
        delivery_to: match delivery {
            Some(d) => sent_time(&d.expected_to, "payload.delivery.expectedTo")?,
            None => None,
        },
        comment: sent_text(&wire.comment),
        shipment_method: sent_text(&wire.shipment_method),
        replacement_policy: sent_text(&wire.replacement_policy)
            .map(|policy| policy.map(ReplacementPolicy::from_spelling)),
        payment_methods: wire
            .payment_methods
            .as_ref()
            .map(|methods| methods.iter().filter_map(text).collect()),
        lines: positions(&wire.positions)?,
        totals: totals(&wire.total)?,
    })
}

fn totals(wire: &Option<WireTotal>) -> Result<Option<Totals>, Rejection> {
    let Some(total) = wire else { return Ok(None) };
    Ok(Some(Totals {
        total_price: money(total.total_price.as_ref(), "payload.total.totalPrice")?,
        discount_total_price: money(
            total.discount_total_price.as_ref(),
            "payload.total.discountTotalPrice",
        )?,
    }))
}

fn positions(wire: &Option<Vec<WirePosition>>) -> Result<Option<Vec<Position>>, Rejection> {
    let Some(list) = wire else { return Ok(None) };
    let positions = list
        .iter()
        .enumerate()
        .map(|(i, wire)| position(wire, &format!("payload.positions[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let bound = |bounds: super::scalar::Bounds| Decimal::from(bounds.max);
    merge_repeated_skus(positions, bound(QUANTITY), bound(MONEY))
        .map(Some)
        .map_err(|(i, why)| Rejection::invalid(&format!("payload.positions[{i}]"), why))
}

fn position(wire: &WirePosition, at: &str) -> Result<Position, Rejection> {
    let field = |name: &str| format!("{at}.{name}");
    let sku =
        id_text(wire.id.as_ref(), &field("id"))?.ok_or_else(|| Rejection::missing(&field("id")))?;
    let sku = Sku::parse(&sku).map_err(|e| Rejection::invalid(&field("id"), e))?;
    let original_quantity = quantity(wire.original_quantity.as_ref(), &field("originalQuantity"))?;
    let quantity = quantity(wire.quantity.as_ref(), &field("quantity"))?
        .or(original_quantity)
        .ok_or_else(|| Rejection::missing(&field("quantity")))?;
    Ok(Position {
        sku,
        name: wire.name.as_ref().and_then(text),
        original_quantity,
        quantity,
        weight: wire.weight.as_ref().and_then(text),
        price: money(wire.price.as_ref(), &field("price"))?,
        discount_price: money(wire.discount_price.as_ref(), &field("discountPrice"))?,
        total_price: money(wire.total_price.as_ref(), &field("totalPrice"))?,
        total_discount_price: money(
            wire.total_discount_price.as_ref(),
            &field("totalDiscountPrice"),
        )?,
        replaced_by: wire.replaced_by.as_ref().and_then(text),
    })
}
