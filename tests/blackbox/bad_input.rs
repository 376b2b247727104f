use crate::harness::{Backend, HOOK, TOKEN, TestApp, fixture};
use orders_hook::on_both_backends;
use serde_json::{Value, json};

on_both_backends!(
    bad_bodies_get_a_400_naming_the_field_and_change_nothing,
    a_body_over_a_mebibyte_is_413,
    other_methods_on_the_hook_are_405,
);

async fn bad_bodies_get_a_400_naming_the_field_and_change_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    let stored = app.order("R246801357");
    let outbox = app.outbox();

    let with = |path: &[&str], value: Value| {
        let mut body = fixture("order.updated");
        let mut target = &mut body["payload"];
        for key in &path[..path.len() - 1] {
            target = if let Ok(i) = key.parse::<usize>() {
                &mut target[i]
            } else {
                &mut target[*key]
            };
        }
        target[path[path.len() - 1]] = value;
        body.to_string().into_bytes()
    };
    let mut no_order_id = fixture("order.updated");
    no_order_id["payload"]
        .as_object_mut()
        .unwrap()
        .remove("originalOrderId");
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "malformed JSON",
            b"{\"event_type\": \"order.updated\", ".to_vec(),
            "malformed_json",
            "JSON",
        ),
        (
            "not an object",
            b"[\"order.updated\"]".to_vec(),
            "not_an_object",
            "body",
        ),
        (
            "missing event_type",
            br#"{"payload": {"originalOrderId": "R246801357"}}"#.to_vec(),
            "missing_field",
            "event_type",
        ),
        (
            "missing originalOrderId",
            no_order_id.to_string().into_bytes(),
            "missing_field",
            "payload.originalOrderId",
        ),
        (
            "price not a decimal",
            with(&["positions", "0", "price"], json!("89,99")),
            "invalid_field",
            "payload.positions[0].price",
        ),
        (
            "quantity not a decimal",
            with(&["positions", "1", "quantity"], json!("one")),
            "invalid_field",
            "payload.positions[1].quantity",
        ),
        (
            "negative quantity",
            with(&["positions", "2", "quantity"], json!(-1)),
            "invalid_field",
            "payload.positions[2].quantity",
        ),
    ];
    for (case, body, code, field) in &cases {
        let (status, answer) = app.post_raw(body.clone(), Some(TOKEN)).await;
        assert_eq!(status, 400, "{case}: {answer}");
        let error: Value =
            serde_json::from_str(&answer).unwrap_or_else(|_| panic!("{case}: JSON error body"));
        assert_eq!(error["error"], *code, "{case}");
        assert!(
            error["detail"].as_str().unwrap().contains(field),
            "{case}: {error}"
        );
    }
    assert_eq!(app.order("R246801357"), stored, "nothing stored changed");
    assert_eq!(app.outbox(), outbox);
    let invalid: Vec<Value> = app
        .journal(None)
        .into_iter()
        .filter(|j| j["outcome"] == "invalid")
        .collect();
    assert_eq!(invalid.len(), cases.len(), "every refusal is journaled");
    assert!(
        invalid
            .iter()
            .all(|j| j["statusCode"] == 400 && j["body"].is_string())
    );
    app.stop().await;
}

async fn a_body_over_a_mebibyte_is_413(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let mut body = fixture("order.created");
    body["payload"]["comment"] = Value::String("x".repeat(1024 * 1024));
    let (status, answer) = app.post(&body).await;
    assert_eq!(status, 413);
    let error: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(error["error"], "body_too_large");
    let journal = app.journal(None);
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["statusCode"], 413);
    assert_eq!(app.cli(&["orders", "list"]), json!([]));
    app.stop().await;
}

async fn other_methods_on_the_hook_are_405(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let response = app
            .client
            .request(method.clone(), format!("{}{HOOK}", app.base))
            .header("Client-token", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"], "method_not_allowed");
    }
    let journal = app.journal(None);
    assert_eq!(
        journal.len(),
        3,
        "an authenticated wrong method is journaled"
    );
    assert!(
        journal
            .iter()
            .all(|j| j["statusCode"] == 405 && j["outcome"] == "invalid")
    );
    // The form without the trailing slash is the same hook.
    let response = app
        .client
        .post(format!("{}{}", app.base, HOOK.trim_end_matches('/')))
        .header("Client-token", TOKEN)
        .body(fixture("order.created").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    app.stop().await;
}
