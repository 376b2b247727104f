use crate::harness::{Backend, TestApp, fixture};
use orders_hook::on_both_backends;
use serde_json::Value;

on_both_backends!(
    a_cancellation_before_creation_is_remembered,
    cancelling_a_new_order_tells_the_pickers_to_stop,
    cancelling_a_shipped_order_keeps_the_write_off,
);

async fn a_cancellation_before_creation_is_remembered(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(
        app.post(&fixture("order.canceled")).await,
        (200, String::new())
    );
    assert_eq!(app.order("R246801357")["status"], "cancelled");

    let (status, body) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["status"], "created");
    assert_eq!(answer["number"], "SM-000001");
    assert_eq!(
        app.post(&fixture("order.created")).await,
        (status, body),
        "the repeat answers the same"
    );

    let order = app.order("R246801357");
    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["cancelled"], true);
    assert!(
        app.outbox().is_empty(),
        "nobody is told to pick a cancelled order"
    );
    app.stop().await;
}

async fn cancelling_a_new_order_tells_the_pickers_to_stop(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    assert_eq!(app.post(&fixture("order.canceled")).await.0, 200);
    assert_eq!(app.post(&fixture("order.canceled")).await.0, 200);
    let cancelled: Vec<Value> = app
        .outbox()
        .into_iter()
        .filter(|r| r["kind"] == "cancelled")
        .collect();
    assert_eq!(cancelled.len(), 2);
    for row in &cancelled {
        let text = row["text"].as_str().unwrap();
        assert!(text.contains("Прекратите сборку"), "{text}");
        assert!(text.contains("Клиент передумал"), "{text}");
        assert!(text.contains("SM-000001") && text.contains("R246801357"));
    }
    let order = app.order("R246801357");
    assert_eq!(
        (order["status"].as_str(), order["locked"].as_bool()),
        (Some("cancelled"), Some(true))
    );
    app.stop().await;
}

async fn cancelling_a_shipped_order_keeps_the_write_off(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let stock = app.file("stock.csv", "77-001,4607001771234,5\n");
    app.cli(&["stock", "import", &stock]);
    app.post(&fixture("order.created")).await;
    app.post(&fixture("order.received")).await;
    assert_eq!(app.post(&fixture("order.canceled")).await.0, 200);
    assert_eq!(app.balance("4607001771234").as_deref(), Some("3"));
    assert!(app.outbox().iter().all(|r| r["kind"] != "cancelled"));
    let order = app.order("R246801357");
    assert_eq!(
        (order["status"].as_str(), order["shipped"].as_bool()),
        (Some("cancelled"), Some(true))
    );
    let last = order["history"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["detail"].as_str().unwrap().contains("write-off kept"),
        "{last}"
    );
    app.stop().await;
}
