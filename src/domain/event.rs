//! The six marketplace events (and the rest), as domain values: already parsed and validated.

use super::ids::{OrderId, Sku, StoreId};
use super::order::{Cancellation, OrderHeader, Totals};
use super::replacement::ReplacementPolicy;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// The partner's names for the events; the marketplace's spellings map onto them in `protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Created,
    Changed,
    Paid,
    Received,
    Delivered,
    Cancelled,
}

impl EventKind {
    pub const ALL: [EventKind; 6] = [
        EventKind::Created,
        EventKind::Changed,
        EventKind::Paid,
        EventKind::Received,
        EventKind::Delivered,
        EventKind::Cancelled,
    ];

    /// The partner's spelling, used in the history, the journal and the metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "order.created",
            EventKind::Changed => "order.changed",
            EventKind::Paid => "order.paid",
            EventKind::Received => "order.received",
            EventKind::Delivered => "order.delivered",
            EventKind::Cancelled => "order.cancelled",
        }
    }
}

/// One webhook about one order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderEvent {
    pub order_id: OrderId,
    /// The envelope's `timestamp`, when present and parseable.
    pub sent_at: Option<DateTime<Utc>>,
    pub body: EventBody,
    pub raw_payload: std::sync::Arc<serde_json::Value>,
}

impl OrderEvent {
    pub fn kind(&self) -> EventKind {
        match self.body {
            EventBody::Created(_) => EventKind::Created,
            EventBody::Changed(_) => EventKind::Changed,
            EventBody::Paid(_) => EventKind::Paid,
            EventBody::Received(_) => EventKind::Received,
            EventBody::Delivered(_) => EventKind::Delivered,
            EventBody::Cancelled(_) => EventKind::Cancelled,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    Created(Snapshot),
    Changed(Snapshot),
    Paid(Payment),
    Received(Reference),
    Delivered(Reference),
    Cancelled(CancelNotice),
}

/// What the marketplace says the order is now. Fields it did not send are `None` and are
/// left as they are in the document; a field sent as null or empty clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub reference: Reference,
    pub customer_name: Option<Option<String>>,
    pub customer_phone: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub delivery_from: Option<Option<chrono::DateTime<chrono::FixedOffset>>>,
    pub delivery_to: Option<Option<chrono::DateTime<chrono::FixedOffset>>>,
    pub comment: Option<Option<String>>,
    pub shipment_method: Option<Option<String>>,
    pub replacement_policy: Option<Option<ReplacementPolicy>>,
    pub payment_methods: Option<Vec<String>>,
    pub lines: Option<Vec<Position>>,
    pub totals: Option<Totals>,
}

impl Snapshot {
    /// The header this snapshot describes, laid over the current one.
    pub fn header_over(&self, current: &OrderHeader) -> OrderHeader {
        fn pick<T: Clone>(sent: &Option<Option<T>>, current: &Option<T>) -> Option<T> {
            match sent {
                Some(value) => value.clone(),
                None => current.clone(),
            }
        }
        OrderHeader {
            customer_name: pick(&self.customer_name, &current.customer_name),
            customer_phone: pick(&self.customer_phone, &current.customer_phone),
            address: pick(&self.address, &current.address),
            delivery_from: pick(&self.delivery_from, &current.delivery_from),
            delivery_to: pick(&self.delivery_to, &current.delivery_to),
            comment: pick(&self.comment, &current.comment),
            shipment_method: pick(&self.shipment_method, &current.shipment_method),
            replacement_policy: pick(&self.replacement_policy, &current.replacement_policy),
        }
    }
}

/// The ids every event may carry besides `originalOrderId`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reference {
    pub order_uuid: Option<String>,
    pub store_id: Option<StoreId>,
}

/// `order.paid`: what the customer was charged; `lines` only when the payment carries positions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Payment {
    pub reference: Reference,
    pub lines: Option<Vec<Position>>,
    pub totals: Option<Totals>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CancelNotice {
    pub reference: Reference,
    pub cancellation: Option<Cancellation>,
}

/// A position as the marketplace sent it; what it leaves out is kept from the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub sku: Sku,
    pub name: Option<String>,
    pub original_quantity: Option<Decimal>,
    pub quantity: Decimal,
    pub weight: Option<String>,
    pub price: Option<Decimal>,
    pub discount_price: Option<Decimal>,
    pub total_price: Option<Decimal>,
    pub total_discount_price: Option<Decimal>,
    pub replaced_by: Option<String>,
}
