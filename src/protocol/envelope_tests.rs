use super::envelope::{Incoming, parse};
use crate::domain::{EventBody, EventKind, OrderEvent};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn order(body: &Value) -> OrderEvent {
    match parse(body.to_string().as_bytes()) {
        Ok(Incoming::Order(event)) => *event,
        other => panic!("not an order event: {other:?}"),
    }
}

fn rejection(body: &[u8]) -> (String, String) {
    let (rejection, _) = parse(body).unwrap_err();
    (rejection.code.to_owned(), rejection.detail)
}

#[test]
fn every_fixture_parses_into_its_kind() {
    for (name, kind) in [
        ("order.created", EventKind::Created),
        ("order.updated", EventKind::Changed),
        ("order.paid", EventKind::Paid),
        ("order.received", EventKind::Received),
        ("order.delivered", EventKind::Delivered),
        ("order.canceled", EventKind::Cancelled),
    ] {
        let event = order(&fixture(name));
        assert_eq!(event.kind(), kind, "{name}");
        assert_eq!(event.order_id.as_str(), "R246801357");
        assert!(event.sent_at.is_some(), "{name} timestamp");
    }
}

#[test]
fn the_partners_spellings_are_accepted_too() {
    for (name, kind) in [
        ("order.changed", EventKind::Changed),
        ("order.cancelled", EventKind::Cancelled),
    ] {
        let mut body = fixture("order.created");
        body["event_type"] = json!(name);
        assert_eq!(order(&body).kind(), kind);
    }
}

#[test]
fn the_created_fixture_keeps_weighted_quantities_and_prices_exactly() {
    let event = order(&fixture("order.created"));
    let EventBody::Created(snapshot) = event.body else {
        panic!()
    };
    let lines = snapshot.lines.unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1].quantity.to_string(), "1.5");
    assert_eq!(lines[1].price.unwrap().to_string(), "149.90");
    assert_eq!(snapshot.reference.store_id.unwrap().as_str(), "77-001");
    assert_eq!(snapshot.shipment_method, Some(Some("byCourier".into())));
    assert_eq!(
        snapshot
            .totals
            .unwrap()
            .discount_total_price
            .unwrap()
            .to_string(),
        "439.33"
    );
}

#[test]
fn store_id_and_shipment_method_spellings_are_one_field() {
    for (key, value) in [
        ("storeID", json!("77-001")),
        ("store_id", json!("77-001")),
        ("storeId", json!(77001)),
    ] {
        let mut body = fixture("order.created");
        let payload = body["payload"].as_object_mut().unwrap();
        payload.remove("storeID");
        payload.insert(key.into(), value.clone());
        payload.remove("shipmentMethod");
        payload.insert("shippingMethod".into(), json!("pickup"));
        let EventBody::Created(s) = order(&body).body else {
            panic!()
        };
        let expected = value.as_str().map_or("77001".to_owned(), str::to_owned);
        assert_eq!(s.reference.store_id.unwrap().as_str(), expected, "{key}");
        assert_eq!(s.shipment_method, Some(Some("pickup".into())));
    }
}

#[test]
fn null_comment_and_customer_name_and_unknown_fields_are_accepted() {
    let mut body = fixture("order.created");
    body["payload"]["comment"] = Value::Null;
    body["payload"]["customer"]["name"] = Value::Null;
    body["payload"]["somethingNew"] = json!({"nested": [1, 2]});
    body["extra_top_level"] = json!(true);
    let EventBody::Created(s) = order(&body).body else {
        panic!()
    };
    assert_eq!(s.comment, Some(None));
    assert_eq!(s.customer_name, Some(None));
}

#[test]
fn float_quantities_such_as_five_point_zero_are_decimals() {
    let mut body = fixture("order.created");
    body = serde_json::from_str(
        &body
            .to_string()
            .replace("\"quantity\":2,", "\"quantity\":5.0,"),
    )
    .unwrap();
    let EventBody::Created(s) = order(&body).body else {
        panic!()
    };
    assert_eq!(s.lines.unwrap()[0].quantity, "5".parse().unwrap());
}

#[test]
fn bad_bodies_are_refused_with_a_code_that_names_the_problem() {
    assert_eq!(rejection(b"{not json").0, "malformed_json");
    assert_eq!(rejection(b"[1,2]").0, "not_an_object");
    assert_eq!(
        rejection(br#"{"payload": {}}"#),
        ("missing_field".into(), "event_type is required".into())
    );
    let (code, detail) = rejection(br#"{"event_type": "order.paid", "payload": {"storeID": "1"}}"#);
    assert_eq!(code, "missing_field");
    assert!(detail.contains("payload.originalOrderId"), "{detail}");

    let mut body = fixture("order.created");
    body["payload"]["positions"][1]["quantity"] = json!("полтора");
    let (code, detail) = rejection(body.to_string().as_bytes());
    assert_eq!(code, "invalid_field");
    assert!(detail.contains("payload.positions[1].quantity"), "{detail}");

    body["payload"]["positions"][1]["quantity"] = json!(-1);
    let (_, detail) = rejection(body.to_string().as_bytes());
    assert!(detail.contains("negative"), "{detail}");

    let mut body = fixture("order.created");
    body["payload"]["positions"][0]["price"] = json!("12,50");
    let (_, detail) = rejection(body.to_string().as_bytes());
    assert!(detail.contains("payload.positions[0].price"), "{detail}");

    let mut body = fixture("order.created");
    body["payload"]["customer"] = json!("Анна");
    let (code, detail) = rejection(body.to_string().as_bytes());
    assert_eq!(code, "invalid_field");
    assert!(detail.contains("payload.customer"), "{detail}");
}

#[test]
fn other_event_types_are_not_refused() {
    let body = br#"{"event_type": "courier.assigned", "payload": {"originalOrderId": "R1"}}"#;
    assert_eq!(
        parse(body).unwrap(),
        Incoming::Other {
            event_type: "courier.assigned".into(),
            order_id: Some("R1".into())
        }
    );
}

#[test]
fn the_same_sku_twice_is_one_line() {
    let mut body = fixture("order.created");
    let first = body["payload"]["positions"][0].clone();
    body["payload"]["positions"]
        .as_array_mut()
        .unwrap()
        .push(first);
    let EventBody::Created(s) = order(&body).body else {
        panic!()
    };
    let lines = s.lines.unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].quantity, "4".parse().unwrap());
}
