//! Hostile input: every refusal is a clear 4xx with the field's path, journaled, and leaves what
//! was stored untouched; nothing an attacker (or a buggy sender) writes can make a request panic,
//! hang, or forge a line in the log — since the marketplace retries a failure seven times and
//! then cancels the order, any such input would drop an event for good.

use crate::flaky_store::{PANICKING_ORDER, PanickingIngest};
use crate::harness::{Backend, HOOK, TOKEN, TestApp, fixture, fixture_for};
use orders_hook::config::Secret;
use orders_hook::http::auth::TokenSet;
use orders_hook::http::{AppState, router};
use orders_hook::ingest::Ingest;
use orders_hook::live::Live;
use orders_hook::on_both_backends;
use orders_hook::protocol::envelope::MAX_LINES;
use orders_hook::store::Rules;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(
    numbers_near_the_decimal_limit_are_refused_with_their_path,
    loose_numbers_and_shapes_are_refused_with_their_path,
    ids_with_control_characters_or_too_long_are_refused,
    the_largest_legal_quantities_merge_and_write_off_exactly,
    an_order_past_the_line_cap_is_413_and_one_at_the_cap_is_taken,
    a_second_client_token_header_is_refused_in_either_order,
    a_huge_declared_length_is_refused_before_the_body_is_invited,
    order_show_never_shows_the_wrong_order,
    a_panic_is_answered_as_json_journaled_and_the_service_goes_on,
);

const HUGE: &str = "79228162514264337593543950335";

/// Sets `payload.<path>` in a copy of `body`; numeric path steps index arrays.
fn with(mut body: Value, path: &[&str], value: Value) -> Value {
    let mut target = &mut body["payload"];
    for key in &path[..path.len() - 1] {
        target = match key.parse::<usize>() {
            Ok(i) => &mut target[i],
            Err(_) => &mut target[*key],
        };
    }
    let last = path[path.len() - 1];
    match last.parse::<usize>() {
        Ok(i) => target[i] = value,
        Err(_) => target[last] = value,
    }
    body
}

/// Posts each case and checks its answer: `status`, `code`, and a detail naming `field`.
async fn expect_refusals(app: &TestApp, cases: &[(&str, Value, u16, &str, &str)]) {
    for (case, body, status, code, field) in cases {
        let (got, answer) = app.post(body).await;
        assert_eq!(got, *status, "{case}: {answer}");
        let error: Value = serde_json::from_str(&answer)
            .unwrap_or_else(|_| panic!("{case}: a JSON error body, got {answer:?}"));
        assert_eq!(error["error"], *code, "{case}: {error}");
        let detail = error["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(field), "{case}: {detail} names {field}");
    }
}

/// The journal rows of refused requests.
fn refused(app: &TestApp) -> Vec<Value> {
    app.journal(None)
        .into_iter()
        .filter(|j| j["outcome"] == "invalid")
        .collect()
}

async fn numbers_near_the_decimal_limit_are_refused_with_their_path(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let stored = app.order("R246801357");
    let twice = |field: &str| {
        let mut body = fixture_for("order.created", "R-TWICE");
        let line = body["payload"]["positions"][0].clone();
        body["payload"]["positions"] = json!([line.clone(), line]);
        for i in 0..2 {
            body["payload"]["positions"][i][field] = Value::String(HUGE.to_owned());
        }
        body
    };
    let cases = [
        (
            "the same sku twice, quantity near Decimal::MAX (the merge added and panicked)",
            twice("quantity"),
            400,
            "invalid_field",
            "payload.positions[0].quantity",
        ),
        (
            "the same sku twice, totalPrice near Decimal::MAX",
            twice("totalPrice"),
            400,
            "invalid_field",
            "payload.positions[0].totalPrice",
        ),
        (
            "the same sku twice, originalQuantity near Decimal::MAX",
            twice("originalQuantity"),
            400,
            "invalid_field",
            "payload.positions[0].originalQuantity",
        ),
        (
            "an update carrying such a line",
            with(
                fixture("order.updated"),
                &["positions", "1", "quantity"],
                json!(HUGE),
            ),
            400,
            "invalid_field",
            "payload.positions[1].quantity",
        ),
        (
            "a quantity just past a million",
            with(
                fixture("order.updated"),
                &["positions", "0", "quantity"],
                json!("1000000.001"),
            ),
            400,
            "invalid_field",
            "payload.positions[0].quantity",
        ),
        (
            "a total past ten billion",
            with(
                fixture("order.updated"),
                &["total", "totalPrice"],
                json!("10000000000.01"),
            ),
            400,
            "invalid_field",
            "payload.total.totalPrice",
        ),
        (
            "an exponent far past any bound",
            with(
                fixture("order.updated"),
                &["positions", "0", "price"],
                serde_json::from_str("1e400").unwrap(),
            ),
            400,
            "invalid_field",
            "payload.positions[0].price",
        ),
    ];
    expect_refusals(&app, &cases).await;
    assert_eq!(app.order("R246801357"), stored, "nothing stored changed");
    assert_eq!(
        app.cli(&["orders", "list"]).as_array().unwrap().len(),
        1,
        "no order made of a refused creation"
    );
    assert_eq!(
        refused(&app).len(),
        cases.len(),
        "every refusal is journaled"
    );
    // The order still takes its real events: nothing above poisoned it.
    assert_eq!(app.post(&fixture("order.received")).await.0, 200);
    assert_eq!(app.balance("4607001771234").as_deref(), Some("-2"));
    app.stop().await;
}

async fn loose_numbers_and_shapes_are_refused_with_their_path(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let stored = app.order("R246801357");
    let outbox = app.outbox();
    let update = || fixture("order.updated");
    let cases = [
        (
            "an underscore in a number",
            with(update(), &["positions", "0", "quantity"], json!("1_000")),
            400,
            "invalid_field",
            "payload.positions[0].quantity",
        ),
        (
            "a fraction of 40 digits",
            with(
                update(),
                &["positions", "0", "price"],
                json!(format!("1.{}", "3".repeat(40))),
            ),
            400,
            "invalid_field",
            "payload.positions[0].price",
        ),
        (
            "a negative price",
            with(update(), &["positions", "1", "price"], json!("-89.99")),
            400,
            "invalid_field",
            "payload.positions[1].price",
        ),
        (
            "a negative discount price",
            with(update(), &["positions", "1", "discountPrice"], json!(-1)),
            400,
            "invalid_field",
            "payload.positions[1].discountPrice",
        ),
        (
            "an array for the total",
            with(update(), &["total"], json!(["1"])),
            400,
            "invalid_field",
            "payload.total",
        ),
        (
            "an array for the customer",
            with(update(), &["customer"], json!(["<b>x</b>", "+7"])),
            400,
            "invalid_field",
            "payload.customer",
        ),
        (
            "an array for a position",
            with(update(), &["positions", "0"], json!(["4607001771234", 2])),
            400,
            "invalid_field",
            "payload.positions[0]",
        ),
        (
            "a string for the delivery",
            with(update(), &["delivery"], json!("tomorrow")),
            400,
            "invalid_field",
            "payload.delivery",
        ),
    ];
    expect_refusals(&app, &cases).await;
    assert_eq!(app.order("R246801357"), stored, "nothing stored changed");
    assert_eq!(app.outbox(), outbox, "nobody was told anything");
    assert_eq!(
        refused(&app).len(),
        cases.len(),
        "every refusal is journaled"
    );
    app.stop().await;
}

async fn ids_with_control_characters_or_too_long_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let created = || fixture_for("order.created", "R-IDS");
    let cases = [
        (
            "a newline in the store id (it forged a log line)",
            with(
                created(),
                &["storeID"],
                json!("77-001\n2026-11-30T03:00:00Z  INFO orders_hook: forged"),
            ),
            400,
            "invalid_field",
            "payload.storeID",
        ),
        (
            "an ANSI escape in the store id",
            with(created(), &["storeID"], json!("\u{1b}[31m77-001")),
            400,
            "invalid_field",
            "payload.storeID",
        ),
        (
            "a control character in the order id",
            with(created(), &["originalOrderId"], json!("R-\u{7}IDS")),
            400,
            "invalid_field",
            "payload.originalOrderId",
        ),
        (
            "a control character in the orderUUID",
            with(created(), &["orderUUID"], json!("uuid\r\nX-Forged: 1")),
            400,
            "invalid_field",
            "payload.orderUUID",
        ),
        (
            "a newline inside a sku",
            with(
                created(),
                &["positions", "2", "id"],
                json!("46004\n94000012"),
            ),
            400,
            "invalid_field",
            "payload.positions[2].id",
        ),
        (
            "an order id of 129 characters",
            with(created(), &["originalOrderId"], json!("R".repeat(129))),
            400,
            "invalid_field",
            "payload.originalOrderId",
        ),
        (
            "an orderUUID of 129 characters",
            with(created(), &["orderUUID"], json!("u".repeat(129))),
            400,
            "invalid_field",
            "payload.orderUUID",
        ),
    ];
    expect_refusals(&app, &cases).await;
    assert_eq!(app.cli(&["orders", "list"]), json!([]), "no order was made");
    assert!(app.outbox().is_empty());
    // An unknown event type is still answered 200, whatever its name holds.
    let other = json!({"event_type": "courier.assigned\n\u{1b}[31mforged", "payload": {}});
    assert_eq!(app.post(&other).await.0, 200);
    app.stop().await;
}

async fn the_largest_legal_quantities_merge_and_write_off_exactly(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let line = |quantity: &str, total: &str| {
        let mut line = fixture("order.created")["payload"]["positions"][0].clone();
        line["quantity"] = json!(quantity);
        line["originalQuantity"] = json!(quantity);
        line["price"] = json!("10000000000");
        line["totalPrice"] = json!(total);
        line
    };
    // A repeated sku whose sum would pass what one line may hold is refused, naming the
    // repeat: past it, nothing could tell a real order from an overflow.
    let mut body = fixture("order.created");
    body["payload"]["positions"] = json!([line("1000000", "10000000000.0000"), line("0.001", "0")]);
    let (status, answer) = app.post(&body).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("payload.positions[1]"), "{answer}");
    // Up to the limit, the repeat merges into one exact line and is written off exactly.
    body["payload"]["positions"] = json!([
        line("600000.250", "6000000000.5000"),
        line("399999.750", "3999999999.5000")
    ]);
    let (status, answer) = app.post(&body).await;
    assert_eq!(status, 200, "{answer}");
    let order = app.order("R246801357");
    assert_eq!(
        order["lines"].as_array().unwrap().len(),
        1,
        "one line per sku"
    );
    assert_eq!(
        crate::harness::decimal_text(&order["lines"][0]["quantity"]),
        "1000000"
    );
    assert_eq!(app.post(&fixture("order.received")).await.0, 200);
    assert_eq!(app.balance("4607001771234").as_deref(), Some("-1000000"));
    app.stop().await;
}

/// A body of `lines` distinct positions for `order_id`, small enough to stay under 1 MiB.
fn order_with_lines(event: &str, order_id: &str, lines: usize) -> Value {
    let mut body = fixture_for(event, order_id);
    let positions: Vec<Value> = (0..lines)
        .map(|i| json!({"id": format!("46{i:08}"), "quantity": "1.5", "price": "149.90"}))
        .collect();
    body["payload"]["positions"] = Value::Array(positions);
    body
}

async fn an_order_past_the_line_cap_is_413_and_one_at_the_cap_is_taken(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (status, answer) = app
        .post(&order_with_lines("order.created", "R-BIG", MAX_LINES + 1))
        .await;
    assert_eq!(status, 413, "{answer}");
    let error: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(error["error"], "too_many_lines");
    assert_eq!(refused(&app).len(), 1, "journaled");

    let (status, answer) = app
        .post(&order_with_lines("order.created", "R-BIG", MAX_LINES))
        .await;
    assert_eq!(status, 200, "{answer}");
    // Every line of a wide order changed at once, then shipped. (The timings of the largest
    // bodies are in `benches/largest_bodies.rs`; an unoptimised test build on a busy machine
    // is no clock.)
    const WIDE: usize = 1_000;
    assert_eq!(
        app.post(&order_with_lines("order.created", "R-WIDE", WIDE))
            .await
            .0,
        200
    );
    let mut update = order_with_lines("order.updated", "R-WIDE", WIDE);
    for position in update["payload"]["positions"].as_array_mut().unwrap() {
        position["quantity"] = json!("2");
    }
    update["payload"].as_object_mut().unwrap().remove("total");
    let (status, answer) = app.post(&update).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        app.post(&fixture_for("order.received", "R-WIDE")).await.0,
        200
    );
    assert_eq!(
        app.order("R-BIG")["lines"].as_array().unwrap().len(),
        MAX_LINES
    );
    let order = app.order("R-WIDE");
    assert_eq!(order["lines"].as_array().unwrap().len(), WIDE);
    assert!(
        order["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| crate::harness::decimal_text(&l["quantity"]) == "2")
    );
    assert_eq!(order["shipped"], true);
    app.stop().await;
}

async fn a_second_client_token_header_is_refused_in_either_order(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for pair in [[TOKEN, "wrong"], ["wrong", TOKEN], [TOKEN, TOKEN]] {
        let response = app
            .client
            .post(format!("{}{HOOK}", app.base))
            .header("Client-token", pair[0])
            .header("Client-token", pair[1])
            .body(fixture("order.created").to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{pair:?}");
    }
    assert_eq!(app.cli(&["orders", "list"]), json!([]));
    assert!(app.journal(None).is_empty(), "strangers are not journaled");
    app.stop().await;
}

async fn a_huge_declared_length_is_refused_before_the_body_is_invited(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST {HOOK} HTTP/1.1\r\nHost: x\r\nClient-token: {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 20000000\r\n\
         Expect: 100-continue\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    // The answer comes without a byte of the body sent; the server may then close.
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&chunk[..n]);
                    if String::from_utf8_lossy(&answer).contains("}") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "an answer came without the body being sent");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "413 at once, not 100 Continue: {answer}"
    );
    assert!(answer.contains("\"error\":\"body_too_large\""), "{answer}");
    let journal = app.journal(None);
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["statusCode"], 413);
    app.stop().await;
}

async fn order_show_never_shows_the_wrong_order(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    // A marketplace id that reads like our first number.
    assert_eq!(
        app.post(&fixture_for("order.created", "SM-000001")).await.0,
        200
    );
    let by_number = app.cli(&["order", "show", "--number", "SM-000001"]);
    assert_eq!(by_number["originalOrderId"], "R246801357");
    let by_id = app.cli(&["order", "show", "--id", "SM-000001"]);
    assert_eq!(by_id["originalOrderId"], "SM-000001");
    assert_eq!(by_id["number"], "SM-000002");

    let bare = app.cli_raw(&["order", "show", "SM-000001"]);
    assert_eq!(bare.status.code(), Some(2), "ambiguous: status 2");
    let stderr = String::from_utf8_lossy(&bare.stderr);
    assert!(
        stderr.contains("R246801357") && stderr.contains("--number"),
        "names both orders and how to choose: {stderr}"
    );
    // Unambiguous bare keys still work either way.
    assert_eq!(app.order("R246801357")["number"], "SM-000001");
    assert_eq!(app.order("SM-000002")["originalOrderId"], "SM-000001");
    let missing = app.cli_raw(&["order", "show", "--number", "SM-999999"]);
    assert_eq!(missing.status.code(), Some(1));
    app.stop().await;
}

/// No input should reach a panic (the property tests look for one); if a bug does, the
/// marketplace gets a JSON 500 at once, the journal names the event and order, and the next
/// request is served.
async fn a_panic_is_answered_as_json_journaled_and_the_service_goes_on(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let state = AppState {
        ingest: Ingest {
            store: Arc::new(PanickingIngest { inner: app.store() }),
            group: None,
            rules: Live::new(Rules::default()),
            deadline: Duration::from_secs(4),
            outbox_committed: Default::default(),
            changes: Default::default(),
            database: Default::default(),
        },
        tokens: Live::new(TokenSet::new(&[Secret::new(TOKEN)])),
        read_timeout: Duration::from_secs(5),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{HOOK}", listener.local_addr().unwrap());
    let server = tokio::spawn(axum::serve(listener, router(state, HOOK)).into_future());
    let post = |body: Value| {
        app.client
            .post(&url)
            .header("Client-token", TOKEN)
            .body(body.to_string())
            .send()
    };
    let response = post(fixture_for("order.created", PANICKING_ORDER))
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"], "internal_error");
    let journaled = crate::harness::eventually(Duration::from_secs(5), || async {
        app.journal(Some(PANICKING_ORDER))
            .iter()
            .any(|j| j["statusCode"] == 500 && j["eventType"] == "order.created")
    })
    .await;
    assert!(journaled, "{:?}", app.journal(None));
    let response = post(fixture("order.created")).await.unwrap();
    assert_eq!(response.status(), 200, "the next request is served");
    server.abort();
    app.stop().await;
}

/// The real binary at `RUST_LOG=trace`: values from requests are logged quoted and escaped, so a
/// newline or an escape code in them cannot forge a log line or recolour the operator's terminal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_values_cannot_forge_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = crate::served_binary::ServedBinary::start(dir.path(), &[]).await;
    let client = reqwest::Client::new();
    let base = served.base();
    const FORGED: &str = "2026-11-30T03:00:00.000000Z  INFO orders_hook: forged-4711";
    const BLINK: &str = "\u{1b}[5;35m";
    let bodies = [
        json!({"event_type": format!("courier.assigned\n{FORGED}{BLINK}"), "payload": {}}),
        with(
            fixture("order.created"),
            &["storeID"],
            json!(format!("77\n{FORGED}")),
        ),
        with(
            fixture("order.created"),
            &["originalOrderId"],
            json!(format!("R1\n{FORGED}")),
        ),
        with(
            fixture("order.updated"),
            &["positions", "0", "quantity"],
            json!(format!("1\n{FORGED}")),
        ),
    ];
    for body in &bodies {
        let response = client
            .post(format!("{base}{HOOK}"))
            .header("Client-token", TOKEN)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(response.status().as_u16() < 500);
    }
    let stopped = served.terminate_within(Duration::from_secs(10)).await;
    let logs = served.logs();
    assert!(
        stopped.is_some_and(|(status, _)| status.success()),
        "{logs}"
    );
    assert!(
        logs.contains("forged-4711"),
        "the values were logged, escaped: {logs}"
    );
    for line in logs.lines() {
        assert!(
            !line.trim_start().starts_with("2026-11-30T03:00:00"),
            "a forged line in the log: {line:?}"
        );
    }
    assert!(!logs.contains(BLINK), "a raw escape code reached the log");
}
