//! The partner's order document: what the back-office kept per marketplace order.

use super::ids::{OrderId, Sku, StoreId};
use super::replacement::ReplacementPolicy;
use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The service user on whose behalf every change is made (the back-office's actor).
pub const ACTOR: &str = "SberMarketOrdersHook";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    pub locked: bool,
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
    pub last_payload: serde_json::Value,
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

impl OrderDocument {
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
            locked: false,
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
            last_payload: serde_json::Value::Null,
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
