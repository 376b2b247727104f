use crate::harness::{Backend, TestApp, decimal_text, fixture, fixture_for};
use orders_hook::on_both_backends;
use serde_json::Value;

on_both_backends!(
    an_order_lives_through_all_six_events,
    every_event_repeated_changes_nothing,
    a_change_after_payment_is_only_journaled,
    a_stale_change_is_not_applied,
    events_for_an_unknown_order_are_404_and_journaled,
    other_event_types_are_answered_200_and_journaled,
    prefix_and_assembly_time_are_configurable,
);

const MILK: &str = "4607001771234";
const APPLES: &str = "2000000012345";
const BREAD: &str = "4600494000012";
const CHEESE: &str = "4601234567890";

async fn an_order_lives_through_all_six_events(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let stock = app.file(
        "stock.csv",
        &format!("store,sku,quantity\n77-001,{MILK},10\n77-001,{APPLES},7.25\n77-001,{BREAD},4\n77-001,{CHEESE},2\n"),
    );
    assert_eq!(app.cli(&["stock", "import", &stock])["imported"], 4);

    let (status, body) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["status"], "created");
    assert_eq!(answer["number"], "SM-000001");
    let promised = answer["expectedAssemblyTime"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(promised).expect("RFC 3339 assembly time");

    let order = app.order("R246801357");
    assert_eq!(order["status"], "new");
    assert_eq!(order["storeId"], "77-001");
    assert_eq!(order["lines"].as_array().unwrap().len(), 3);
    assert_eq!(decimal_text(&order["lines"][1]["quantity"]), "1.5");
    assert_eq!(decimal_text(&order["lines"][1]["price"]), "149.9");
    assert_eq!(app.order("SM-000001")["originalOrderId"], "R246801357");

    let (status, body) = app.post(&fixture("order.updated")).await;
    assert_eq!((status, body.as_str()), (200, ""));
    let order = app.order("R246801357");
    let skus: Vec<&str> = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, [MILK, BREAD, CHEESE]);
    assert_eq!(decimal_text(&order["lines"][0]["quantity"]), "3");
    assert_eq!(decimal_text(&order["lines"][0]["originalQuantity"]), "2");

    assert_eq!(app.post(&fixture("order.paid")).await.0, 200);
    let order = app.order("R246801357");
    assert_eq!(
        (
            order["status"].as_str(),
            order["paid"].as_bool(),
            order["locked"].as_bool()
        ),
        (Some("paid"), Some(true), Some(true))
    );
    assert_eq!(decimal_text(&order["total"]), "468.47");
    assert_eq!(decimal_text(&order["lines"][2]["discountPrice"]), "189");

    assert_eq!(app.post(&fixture("order.received")).await.0, 200);
    assert_eq!(app.order("R246801357")["status"], "shipped");
    // The paid composition left the store: 3 milk, 1 bread, 1 cheese; the removed apples stay.
    assert_eq!(app.balance(MILK).as_deref(), Some("7"));
    assert_eq!(app.balance(BREAD).as_deref(), Some("3"));
    assert_eq!(app.balance(CHEESE).as_deref(), Some("1"));
    assert_eq!(app.balance(APPLES).as_deref(), Some("7.25"));

    assert_eq!(app.post(&fixture("order.delivered")).await.0, 200);
    let order = app.order("R246801357");
    assert_eq!(order["status"], "delivered");
    assert_eq!(order["delivered"], true);
    assert_eq!(
        app.balance(MILK).as_deref(),
        Some("7"),
        "delivery writes nothing off again"
    );

    let history = order["history"].as_array().unwrap();
    assert!(history.len() >= 5);
    assert!(history.iter().all(|h| h["actor"] == "SberMarketOrdersHook"));
    let events: Vec<&str> = history
        .iter()
        .map(|h| h["event"].as_str().unwrap())
        .collect();
    for event in [
        "order.created",
        "order.changed",
        "order.paid",
        "order.received",
        "order.delivered",
    ] {
        assert!(events.contains(&event), "{event} in {events:?}");
    }

    let outbox = app.outbox();
    let kinds: Vec<(&str, &str)> = outbox
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["chat"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("created", "-1001"),
            ("created", "-1002"),
            ("changed", "-1001"),
            ("changed", "-1002")
        ]
    );
    for row in &outbox {
        let text = row["text"].as_str().unwrap();
        assert!(
            text.contains("SM-000001") && text.contains("R246801357"),
            "{text}"
        );
        assert_eq!(row["status"], "pending");
        assert_eq!(row["originalOrderId"], "R246801357");
    }
    let changed = outbox[2]["text"].as_str().unwrap();
    assert!(
        changed.contains("Сыр Российский") && changed.contains("Яблоки"),
        "{changed}"
    );
    assert!(
        !changed.contains("Хлеб"),
        "an unchanged line is not listed: {changed}"
    );

    let journal = app.journal(Some("R246801357"));
    assert_eq!(journal.len(), 5, "one journal row per request");
    assert!(
        journal
            .iter()
            .all(|j| j["outcome"] == "applied" && j["statusCode"] == 200)
    );
    assert!(
        journal.iter().any(|j| j["eventType"] == "order.updated"),
        "the marketplace's spelling is kept"
    );
    assert!(
        journal
            .iter()
            .all(|j| j["body"].as_str().is_some_and(|b| b.contains("R246801357")))
    );
    app.stop().await;
}

async fn every_event_repeated_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let stock = app.file("stock.csv", &format!("77-001,{MILK},10\n"));
    app.cli(&["stock", "import", &stock]);
    for name in [
        "order.created",
        "order.updated",
        "order.paid",
        "order.received",
        "order.delivered",
    ] {
        let first = app.post(&fixture(name)).await;
        let order_before = app.order("R246801357");
        let outbox_before = app.outbox().len();
        let balance_before = app.balance(MILK);
        let second = app.post(&fixture(name)).await;
        assert_eq!(first, second, "{name}: the repeat gets the same answer");
        assert_eq!(
            app.order("R246801357"),
            order_before,
            "{name}: document and history unchanged"
        );
        assert_eq!(
            app.outbox().len(),
            outbox_before,
            "{name}: no second notice"
        );
        assert_eq!(
            app.balance(MILK),
            balance_before,
            "{name}: no second write-off"
        );
        assert_eq!(
            app.journal(Some("R246801357"))[0]["outcome"],
            "duplicate",
            "{name}"
        );
    }
    assert_eq!(app.balance(MILK).as_deref(), Some("7"));
    app.stop().await;
}

async fn a_change_after_payment_is_only_journaled(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    app.post(&fixture("order.paid")).await;
    let before = app.order("R246801357");
    let outbox_before = app.outbox().len();
    let (status, body) = app.post(&fixture("order.updated")).await;
    assert_eq!((status, body.as_str()), (200, ""));
    assert_eq!(app.order("R246801357"), before);
    assert_eq!(app.outbox().len(), outbox_before);
    let last = &app.journal(Some("R246801357"))[0];
    assert_eq!(last["outcome"], "ignored");
    assert!(last["detail"].as_str().unwrap().contains("locked"));
    app.stop().await;
}

async fn a_stale_change_is_not_applied(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    app.post(&fixture("order.updated")).await;
    let before = app.order("R246801357");
    let mut older = fixture("order.updated");
    older["timestamp"] = "2026-11-23T12:50:00+03:00".into();
    older["payload"]["comment"] = "старый комментарий".into();
    assert_eq!(app.post(&older).await.0, 200);
    assert_eq!(app.order("R246801357"), before);
    assert_eq!(app.journal(Some("R246801357"))[0]["outcome"], "stale");

    // A newer change with the same content as the stale one is applied.
    older["timestamp"] = serde_json::json!(1_795_430_000);
    assert_eq!(app.post(&older).await.0, 200);
    assert_eq!(
        app.order("R246801357")["header"]["comment"],
        "старый комментарий"
    );
    app.stop().await;
}

async fn events_for_an_unknown_order_are_404_and_journaled(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for name in [
        "order.updated",
        "order.paid",
        "order.received",
        "order.delivered",
    ] {
        let (status, body) = app.post(&fixture_for(name, "R-UNKNOWN")).await;
        assert_eq!(status, 404, "{name}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["error"], "order_not_found");
    }
    let journal = app.journal(Some("R-UNKNOWN"));
    assert_eq!(journal.len(), 4);
    assert!(
        journal
            .iter()
            .all(|j| j["outcome"] == "not_found" && j["statusCode"] == 404)
    );
    assert_eq!(app.cli(&["orders", "list"]), serde_json::json!([]));
    let missing = app.cli_raw(&["order", "show", "R-UNKNOWN"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not found"));
    app.stop().await;
}

async fn other_event_types_are_answered_200_and_journaled(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for event in [
        "courier.assigned",
        "courier.arrived",
        "order.delivering",
        "order.assembled",
    ] {
        let body =
            serde_json::json!({"event_type": event, "payload": {"originalOrderId": "R246801357"}});
        assert_eq!(app.post(&body).await, (200, String::new()), "{event}");
    }
    let journal = app.journal(Some("R246801357"));
    assert_eq!(journal.len(), 4);
    assert!(journal.iter().all(|j| j["outcome"] == "ignored"));
    assert_eq!(app.cli(&["orders", "list"]), serde_json::json!([]));
    app.stop().await;
}

async fn prefix_and_assembly_time_are_configurable(backend: Backend) {
    let vars = [
        ("ORDERS_HOOK_NUMBER_PREFIX", "K-"),
        ("ORDERS_HOOK_ASSEMBLY_MINUTES", "45"),
    ];
    let Some(app) = TestApp::spawn_with(backend, &vars).await else {
        return;
    };
    let (_, body) = app.post(&fixture("order.created")).await;
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["number"], "K-000001");
    let order = app.order("K-000001");
    let created =
        chrono::DateTime::parse_from_rfc3339(order["createdAt"].as_str().unwrap()).unwrap();
    let promised =
        chrono::DateTime::parse_from_rfc3339(order["expectedAssemblyTime"].as_str().unwrap())
            .unwrap();
    assert_eq!(promised - created, chrono::Duration::minutes(45));
    app.stop().await;
}
