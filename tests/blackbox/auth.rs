use crate::harness::{Backend, ROTATED_TOKEN, TestApp, fixture};
use orders_hook::on_both_backends;

on_both_backends!(only_a_configured_client_token_is_admitted);

async fn only_a_configured_client_token_is_admitted(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let body = fixture("order.created").to_string().into_bytes();
    for token in [
        None,
        Some("wrong"),
        Some(""),
        Some("test-toke"),
        Some("TEST-TOKEN"),
    ] {
        let (status, answer) = app.post_raw(body.clone(), token).await;
        assert_eq!(status, 403, "{token:?}");
        assert!(answer.contains("\"error\":\"forbidden\""), "{answer}");
    }
    assert!(app.journal(None).is_empty(), "strangers are not journaled");
    assert_eq!(app.cli(&["orders", "list"]), serde_json::json!([]));

    // During a rotation the old and the new token both work.
    let (status, _) = app.post_raw(body, Some(ROTATED_TOKEN)).await;
    assert_eq!(status, 200);
    app.stop().await;
}
