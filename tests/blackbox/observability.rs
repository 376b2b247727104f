use crate::harness::{Backend, TestApp, fixture};
use orders_hook::on_both_backends;

on_both_backends!(health_readiness_and_metrics_answer);

async fn health_readiness_and_metrics_answer(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.get("/healthz").await.0, 200);
    assert_eq!(app.get("/readyz").await.0, 200);

    app.post(&fixture("order.created")).await;
    app.post(&fixture("order.created")).await;
    // No stock was imported: the write-off takes three balances below zero.
    app.post(&fixture("order.received")).await;
    app.post_raw(b"nonsense".to_vec(), Some(crate::harness::TOKEN))
        .await;

    let text = app.metrics().await;
    for expected in [
        "orders_hook_requests_total{event=\"order.created\",outcome=\"applied\"}",
        "orders_hook_requests_total{event=\"order.created\",outcome=\"duplicate\"}",
        "orders_hook_requests_total{event=\"invalid\",outcome=\"invalid\"}",
        "orders_hook_request_duration_seconds_bucket{event=\"order.created\",le=\"0.005\"}",
        "orders_hook_outbox_messages{status=\"pending\"} 2",
        "orders_hook_outbox_messages{status=\"failed\"} 0",
        "orders_hook_negative_stock_balances 3",
        "orders_hook_negative_write_offs_total",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    app.stop().await;
}
