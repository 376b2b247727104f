//! The bodies the simulator sends: the realistic fixtures of `tests/fixtures/`, built into the
//! binary, with the order id, the store id and the lines varied, and marked as test orders.

use super::plan::Event;
use serde_json::{Value, json};

const CREATED: &str = include_str!("../../tests/fixtures/order.created.json");
const UPDATED: &str = include_str!("../../tests/fixtures/order.updated.json");
const PAID: &str = include_str!("../../tests/fixtures/order.paid.json");
const RECEIVED: &str = include_str!("../../tests/fixtures/order.received.json");
const DELIVERED: &str = include_str!("../../tests/fixtures/order.delivered.json");
const CANCELED: &str = include_str!("../../tests/fixtures/order.canceled.json");

/// Where the test orders of one run are told apart from real ones and from each other.
#[derive(Debug, Clone)]
pub struct Marking {
    /// Every order id starts with it (`SIM-` by default).
    pub id_prefix: String,
    /// Every order is for this store (`sim-store` by default), so no real store's staff sees it.
    pub store_id: String,
    /// Unique to the run, so that a second run against the same deployment makes new orders.
    pub run: String,
}

impl Marking {
    pub fn order_id(&self, n: u64) -> String {
        format!("{}{}-{n:06}", self.id_prefix, self.run)
    }
}

/// A run tag from the clock: base-36 seconds and a random tail.
pub fn run_tag() -> String {
    let secs = chrono::Utc::now().timestamp().unsigned_abs();
    format!("{}{:03}", base36(secs), rand::random_range(0..1000u32))
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The body of `event` for order `order_id`. `variant` (the order's number in the run) varies
/// the lines: how many of the fixture's positions, and their quantities.
pub fn body(event: Event, order_id: &str, store_id: &str, variant: u64) -> Value {
    let template = match event {
        Event::Created => CREATED,
        Event::Updated => UPDATED,
        Event::Paid => PAID,
        Event::Received => RECEIVED,
        Event::Delivered => DELIVERED,
        Event::Canceled => CANCELED,
        Event::Unknown(name) => {
            return json!({
                "event_type": name,
                "payload": {"originalOrderId": order_id, "storeID": store_id},
                "timestamp": now(),
            });
        }
    };
    let mut body: Value = serde_json::from_str(template).unwrap_or(Value::Null);
    body["timestamp"] = Value::String(now());
    let payload = &mut body["payload"];
    payload["originalOrderId"] = Value::String(order_id.to_owned());
    payload["orderUUID"] = Value::String(format!("simulate:{order_id}"));
    payload["storeID"] = Value::String(store_id.to_owned());
    if let Some(positions) = payload.get_mut("positions").and_then(Value::as_array_mut) {
        vary_lines(positions, event, variant);
    }
    body
}

/// Keeps 1..=all of the positions and scales whole quantities, so orders differ in size. An
/// update or payment changes the quantities once more, as picking does.
fn vary_lines(positions: &mut Vec<Value>, event: Event, variant: u64) {
    let keep = 1 + (variant as usize % positions.len().max(1));
    positions.truncate(keep);
    let bump = match event {
        Event::Updated | Event::Paid => 1,
        _ => 0,
    };
    for position in positions.iter_mut() {
        let whole = position["quantity"].as_u64().or_else(|| {
            position["quantity"]
                .as_str()
                .and_then(|text| text.parse().ok())
        });
        if let Some(quantity) = whole {
            let varied = quantity + variant % 3 + bump;
            position["quantity"] = json!(varied);
            if position.get("originalQuantity").is_some() {
                position["originalQuantity"] = json!(quantity + variant % 3);
            }
        }
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_body_is_marked_with_the_order_and_store() {
        for event in [
            Event::Created,
            Event::Updated,
            Event::Paid,
            Event::Received,
            Event::Delivered,
            Event::Canceled,
            Event::Unknown("courier.assigned"),
        ] {
            let body = body(event, "SIM-x-000001", "sim-store", 4);
            assert_eq!(body["event_type"], event.wire_name());
            assert_eq!(body["payload"]["originalOrderId"], "SIM-x-000001");
            assert_eq!(body["payload"]["storeID"], "sim-store");
        }
    }

    #[test]
    fn orders_differ_in_their_lines() {
        let one = body(Event::Created, "a", "s", 0);
        let three = body(Event::Created, "a", "s", 2);
        assert_eq!(one["payload"]["positions"].as_array().unwrap().len(), 1);
        assert_eq!(three["payload"]["positions"].as_array().unwrap().len(), 3);
        assert_eq!(three["payload"]["positions"][0]["quantity"], 4);
    }

    #[test]
    fn order_ids_carry_the_prefix_and_run() {
        let marking = Marking {
            id_prefix: "SIM-".into(),
            store_id: "sim-store".into(),
            run: "abc".into(),
        };
        assert_eq!(marking.order_id(42), "SIM-abc-000042");
    }
}
