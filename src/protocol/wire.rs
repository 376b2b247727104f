//! The marketplace's JSON, as loosely as it is really sent: every spelling of a key that public
//! integrations have seen, scalars kept as JSON values until `convert` reads them, and any
//! field we do not know ignored (a rejection would only make the marketplace retry).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Keeps an explicit `null` apart from an absent key: `Some(Value::Null)` clears a field,
/// `None` leaves it as it is.
fn present<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(de).map(Some)
}

/// The payload's keys whose value is one of the structs below: `envelope::check_shapes` refuses
/// anything but an object (or null) there, since serde would read an array as the fields.
pub const OBJECT_FIELDS: [&str; 5] = ["customer", "address", "delivery", "total", "cancellation"];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WirePayload {
    #[serde(rename = "originalOrderId")]
    pub original_order_id: Option<Value>,
    #[serde(rename = "orderUUID")]
    pub order_uuid: Option<Value>,
    #[serde(rename = "storeID", alias = "store_id", alias = "storeId")]
    pub store_id: Option<Value>,
    #[serde(
        rename = "shipmentMethod",
        alias = "shippingMethod",
        deserialize_with = "present"
    )]
    pub shipment_method: Option<Value>,
    #[serde(rename = "replacementPolicy", deserialize_with = "present")]
    pub replacement_policy: Option<Value>,
    #[serde(deserialize_with = "present")]
    pub comment: Option<Value>,
    pub customer: Option<WireCustomer>,
    pub address: Option<WireAddress>,
    pub delivery: Option<WireDelivery>,
    #[serde(rename = "paymentMethods")]
    pub payment_methods: Option<Vec<Value>>,
    pub positions: Option<Vec<WirePosition>>,
    pub total: Option<WireTotal>,
    pub cancellation: Option<WireCancellation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireCustomer {
    #[serde(deserialize_with = "present")]
    pub name: Option<Value>,
    #[serde(deserialize_with = "present")]
    pub phone: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireAddress {
    #[serde(alias = "fullAddress", deserialize_with = "present")]
    pub full_address: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireDelivery {
    #[serde(rename = "expectedFrom", deserialize_with = "present")]
    pub expected_from: Option<Value>,
    #[serde(rename = "expectedTo", deserialize_with = "present")]
    pub expected_to: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WirePosition {
    pub id: Option<Value>,
    pub name: Option<Value>,
    #[serde(rename = "originalQuantity")]
    pub original_quantity: Option<Value>,
    pub quantity: Option<Value>,
    pub weight: Option<Value>,
    pub price: Option<Value>,
    #[serde(rename = "discountPrice")]
    pub discount_price: Option<Value>,
    #[serde(rename = "totalPrice")]
    pub total_price: Option<Value>,
    #[serde(rename = "totalDiscountPrice")]
    pub total_discount_price: Option<Value>,
    #[serde(rename = "replacedByID", alias = "replacedById")]
    pub replaced_by: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireTotal {
    #[serde(rename = "totalPrice")]
    pub total_price: Option<Value>,
    #[serde(rename = "discountTotalPrice")]
    pub discount_total_price: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireCancellation {
    pub slug: Option<Value>,
    pub description: Option<Value>,
}
