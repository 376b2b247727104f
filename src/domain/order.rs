//! The partner's order document: what the back-office kept per marketplace order.

use super::ids::{OrderId, Sku, StoreId};
use super::replacement::ReplacementPolicy;
use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The service user on whose behalf every change is made (the back-office's actor).
pub const ACTOR: &str = "SberMarketOrdersHook";

/// Written and read through the impls below, which add the derived `locked`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct OrderDocument {
    pub original_order_id: OrderId,
    pub order_uuid: Option<String>,
    /// The partner's number; `None` only for a tombstone whose creation never arrived.
    pub number: Option<String>,
    /// Answered to `order.created`; stored so that a repeat answers the very same time.
    pub expected_assembly_time: Option<DateTime<Utc>>,
    pub store_id: Option<StoreId>,
    pub header: OrderHeader,
    pub lines: Vec<OrderLine>,
    pub totals: Totals,
    pub payment_methods: Vec<String>,
    pub paid: bool,
    pub shipped: bool,
    pub delivered: bool,
    pub cancelled: bool,
    pub cancellation: Option<Cancellation>,
    /// When this service first recorded the order.
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The marketplace's `timestamp` of the newest composition applied (creation or change):
    /// a change stamped earlier than this is stale.
    pub composition_as_of: Option<DateTime<Utc>>,
    /// Bumped by every applied event; names each "changed" notice uniquely.
    pub revision: u32,
    pub last_payload: std::sync::Arc<serde_json::Value>,
}

/// The customer-facing part of the order that the store staff care about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderHeader {
    pub customer_name: Option<String>,
    pub customer_phone: Option<String>,
    pub address: Option<String>,
    pub delivery_from: Option<DateTime<FixedOffset>>,
    pub delivery_to: Option<DateTime<FixedOffset>>,
    pub comment: Option<String>,
    pub shipment_method: Option<String>,
    pub replacement_policy: Option<ReplacementPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub sku: Sku,
    pub name: Option<String>,
    pub original_quantity: Decimal,
    pub quantity: Decimal,
    /// Grams as the marketplace sent them; nothing is computed from it.
    pub weight: Option<String>,
    pub price: Option<Decimal>,
    pub discount_price: Option<Decimal>,
    pub total_price: Option<Decimal>,
    pub total_discount_price: Option<Decimal>,
    pub replaced_by: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub total_price: Option<Decimal>,
    pub discount_total_price: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub slug: Option<String>,
    pub description: Option<String>,
}

/// The status shown to people, derived from the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Paid,
        Status::Shipped,
        Status::Delivered,
        Status::Cancelled,
    ];

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Paid => "paid",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Cancelled => "cancelled",
        }
    }
}

/// The document is written with `locked` although it is derived: `order show --json` prints it
/// (DESIGN §8), and a release from before the derivation, rolled back to, still reads the rows.
impl Serialize for OrderDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Written<'a> {
            #[serde(flatten, with = "OrderDocument")]
            document: &'a OrderDocument,
            locked: bool,
        }
        Written {
            document: self,
            locked: self.locked(),
        }
        .serialize(serializer)
    }
}

/// A stored `locked` (every row written so far has one) is read past, as any unknown key.
impl<'de> Deserialize<'de> for OrderDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        OrderDocument::deserialize(deserializer)
    }
}

impl OrderDocument {
    /// Closed to changes once paid, shipped or cancelled (delivered implies shipped): from
    /// then on the store staff have acted on the composition.
    pub fn locked(&self) -> bool {
        self.paid || self.shipped || self.cancelled
    }

    /// A document with nothing known yet but its id, as its first event finds it.
    pub(super) fn empty(original_order_id: OrderId, now: DateTime<Utc>) -> OrderDocument {
        OrderDocument {
            original_order_id,
            order_uuid: None,
            number: None,
            expected_assembly_time: None,
            store_id: None,
            header: OrderHeader::default(),
            lines: Vec::new(),
            totals: Totals::default(),
            payment_methods: Vec::new(),
            paid: false,
            shipped: false,
            delivered: false,
            cancelled: false,
            cancellation: None,
            created_at: now,
            updated_at: now,
            paid_at: None,
            shipped_at: None,
            delivered_at: None,
            cancelled_at: None,
            composition_as_of: None,
            revision: 0,
            last_payload: std::sync::Arc::new(serde_json::Value::Null),
        }
    }

    /// `cancelled` > `delivered` > `shipped` > `paid` > `new`.
    pub fn status(&self) -> Status {
        if self.cancelled {
            Status::Cancelled
        } else if self.delivered {
            Status::Delivered
        } else if self.shipped {
            Status::Shipped
        } else if self.paid {
            Status::Paid
        } else {
            Status::New
        }
    }

    /// The amount to show: the discounted total when the marketplace gave one.
    pub fn total(&self) -> Option<Decimal> {
        self.totals.discount_total_price.or(self.totals.total_price)
    }

    pub fn line(&self, sku: &Sku) -> Option<&OrderLine> {
        self.lines.iter().find(|line| &line.sku == sku)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A paid order as the releases that stored the flag wrote it.
    const STORED_BEFORE_DERIVATION: &str = r#"{"originalOrderId":"R-1","orderUuid":null,
        "number":"SM-000001","expectedAssemblyTime":null,"storeId":"77","header":{},"lines":[],
        "totals":{"totalPrice":"100","discountTotalPrice":null},"paymentMethods":[],
        "locked":true,"paid":true,"shipped":false,"delivered":false,"cancelled":false,
        "cancellation":null,"createdAt":"2026-01-01T10:00:00Z","updatedAt":"2026-01-01T10:05:00Z",
        "paidAt":"2026-01-01T10:05:00Z","shippedAt":null,"deliveredAt":null,"cancelledAt":null,
        "compositionAsOf":null,"revision":2,"lastPayload":{}}"#;

    #[test]
    fn a_document_stored_with_the_flag_still_loads() {
        let doc: OrderDocument = serde_json::from_str(STORED_BEFORE_DERIVATION).unwrap();
        assert!(doc.paid && doc.locked());
        assert_eq!(doc.number.as_deref(), Some("SM-000001"));
    }

    #[test]
    fn the_written_document_carries_the_derived_flag() {
        let mut doc: OrderDocument = serde_json::from_str(STORED_BEFORE_DERIVATION).unwrap();
        doc.paid = false;
        let written = serde_json::to_value(&doc).unwrap();
        assert_eq!(written["locked"], serde_json::json!(false));
        assert_eq!(written["paid"], serde_json::json!(false));
        let again: OrderDocument = serde_json::from_value(written).unwrap();
        assert_eq!(again, doc);
    }
}
