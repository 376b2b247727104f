//! Prints how long the largest legal body of every event kind takes: `MAX_LINES` positions with
//! names long enough to bring the body close to the 1 MiB limit. Each figure is the protocol
//! parse, the pure domain step, and the whole request through HTTP against SQLite (and
//! PostgreSQL when the test cluster of `scripts/test` is there). Numbers only; nothing is
//! asserted. The marketplace gives up after 5 s, and the hook answers 503 at 4 s: these must be
//! well under a second.
//!
//! `cargo bench --bench largest_bodies`; under `cargo test` it makes a smaller smoke run.

use chrono::Utc;
use orders_hook::domain::{self, Catalog, Context, OrderDocument, Routing, Settings, StoreRoute};
use orders_hook::http::BODY_LIMIT;
use orders_hook::protocol::envelope::MAX_LINES;
use orders_hook::protocol::{self, Incoming};
use orders_hook::test_support::{Backend, fixture, serve_for_bench};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token";
const ORDER: &str = "R-LARGEST";

/// The lifecycle in the order the marketplace sends it; each body carries every line.
const EVENTS: [&str; 6] = [
    "order.created",
    "order.updated",
    "order.paid",
    "order.received",
    "order.delivered",
    "order.canceled",
];

/// A body of `lines` positions whose names are padded so that the whole body nears `target`
/// bytes. `revision` changes every quantity and price, so an update differs on every line.
fn body(event: &str, lines: usize, target: usize, revision: u32) -> Vec<u8> {
    let mut body = fixture(event);
    body["payload"]["originalOrderId"] = json!(ORDER);
    body["payload"]["storeID"] = json!("77-001");
    let position = |i: usize, name: &str| {
        json!({
            "id": format!("46{i:011}"),
            "name": name,
            "originalQuantity": "1.5",
            "quantity": format!("{}.{:03}", 1 + revision, i % 1000),
            "price": format!("{}.90", 100 + revision),
            "discountPrice": "99.90",
            "totalPrice": "224.85",
            "totalDiscountPrice": "209.85",
            "weight": "1500"
        })
    };
    let bare: Vec<Value> = (0..lines).map(|i| position(i, "")).collect();
    body["payload"]["positions"] = Value::Array(bare);
    let bare_size = body.to_string().len();
    let room = target.saturating_sub(bare_size) / lines.max(1);
    let name = "я".repeat(room / 2);
    let full: Vec<Value> = (0..lines).map(|i| position(i, &name)).collect();
    body["payload"]["positions"] = Value::Array(full);
    body.to_string().into_bytes()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Parse and apply each event in turn, as the store would, with no I/O.
fn pure(lines: usize) {
    let settings = Settings::default();
    let mut routing = Routing::default();
    routing.stores.insert(
        "77-001".to_owned(),
        StoreRoute {
            name: Some("Лесная".to_owned()),
            store_chat: Some("-1001".to_owned()),
            pickers_chat: Some("-1002".to_owned()),
            timezone: None,
            pickers: Vec::new(),
        },
    );
    let catalog = Catalog::new();
    let mut current: Option<OrderDocument> = None;
    for (i, event) in EVENTS.iter().enumerate() {
        // The cancellation is measured on an unshipped order, where it tells the pickers.
        if *event == "order.canceled" {
            current = None;
            let created = body("order.created", lines, BODY_LIMIT - 4096, 0);
            let Ok(Incoming::Order(created)) = protocol::parse(&created) else {
                panic!("the creation parses")
            };
            let ctx = context(&settings, &routing, &catalog, Some(2));
            current = domain::apply(current.as_ref(), &created, &ctx).document;
        }
        let bytes = body(event, lines, BODY_LIMIT - 4096, i as u32);
        let started = Instant::now();
        let Ok(Incoming::Order(parsed)) = protocol::parse(&bytes) else {
            panic!("{event}: the largest legal body parses")
        };
        let parsed_in = started.elapsed();
        let number = domain::needs_number(current.as_ref(), &parsed).then_some(1);
        let ctx = context(&settings, &routing, &catalog, number);
        let started = Instant::now();
        let decision = domain::apply(current.as_ref(), &parsed, &ctx);
        let applied_in = started.elapsed();
        println!(
            "pure {event:<16} {lines} lines, {:>7} bytes: parse {:>6.1} ms, apply {:>6.1} ms \
             ({:?}, {} notices)",
            bytes.len(),
            ms(parsed_in),
            ms(applied_in),
            decision.outcome,
            decision.notices.len(),
        );
        if let Some(document) = decision.document {
            current = Some(document);
        }
    }
}

fn context<'a>(
    settings: &'a Settings,
    routing: &'a Routing,
    catalog: &'a Catalog,
    number_seq: Option<u64>,
) -> Context<'a> {
    Context {
        now: Utc::now(),
        settings,
        routing,
        catalog,
        number_seq,
    }
}

/// The whole request, through HTTP into a real database.
async fn through_http(backend: Backend, lines: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let routing = "[stores.\"77-001\"]\nstore_chat = \"-1001\"\npickers_chat = \"-1002\"\n";
    let Some((running, hook)) = serve_for_bench(backend, dir.path(), TOKEN, Some(routing)).await
    else {
        return;
    };
    let client = reqwest::Client::new();
    for (i, event) in EVENTS.iter().enumerate() {
        let order = if *event == "order.canceled" {
            // A second, unshipped order, so that the cancellation has pickers to tell.
            "R-LARGEST-2"
        } else {
            ORDER
        };
        let mut sends = vec![(*event, body(event, lines, BODY_LIMIT - 4096, i as u32))];
        if order != ORDER {
            sends.insert(
                0,
                (
                    "order.created",
                    body("order.created", lines, BODY_LIMIT - 4096, 0),
                ),
            );
        }
        for (sent, mut bytes) in sends {
            if order != ORDER {
                bytes = String::from_utf8(bytes)
                    .expect("utf-8")
                    .replacen(ORDER, order, 1)
                    .into_bytes();
            }
            let size = bytes.len();
            let started = Instant::now();
            let response = client
                .post(&hook)
                .header("Client-token", TOKEN)
                .body(bytes)
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            let elapsed = started.elapsed();
            if sent == *event {
                println!(
                    "{backend:?} {event:<16} {lines} lines, {size:>7} bytes: {status} in {:>6.1} ms",
                    ms(elapsed)
                );
            }
        }
    }
    running.stop().await.expect("stop");
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let lines = if full { MAX_LINES } else { 200 };
    pure(lines);
    through_http(Backend::Sqlite, lines).await;
    through_http(Backend::Postgres, lines).await;
}
