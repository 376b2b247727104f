//! Durability (issue 13): the real binary is killed (SIGKILL) in the middle of a stream of new
//! orders, 16 in flight, which SQLite's group commit batches; restarted on the same database,
//! it holds every order that was answered `created`, with the number it was answered.

use crate::harness::{Backend, HOOK, TOKEN, eventually, fixture_for};
use crate::served_binary::ServedBinary;
use futures::StreamExt;
use orders_hook::on_both_backends;
use orders_hook::store::{OrderKey, StoreOptions};
use orders_hook::test_support::fresh_database;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(every_order_answered_created_survives_a_kill);

const ORDERS: usize = 3000;
const IN_FLIGHT: usize = 16;
/// The kill comes once this many orders have been answered, well before the stream ends.
const KILL_AFTER: usize = 200;

/// (order id, the number it was answered), as the marketplace saw them.
type Answered = Arc<Mutex<Vec<(String, String)>>>;

async fn stream_orders(hook: String, answered: Answered) {
    let client = reqwest::Client::new();
    futures::stream::iter(0..ORDERS)
        .for_each_concurrent(IN_FLIGHT, |i| {
            let (client, hook, answered) = (client.clone(), hook.clone(), answered.clone());
            async move {
                let id = format!("K-{i}");
                let body = fixture_for("order.created", &id).to_string();
                let sent = client
                    .post(&hook)
                    .header("Client-token", TOKEN)
                    .body(body)
                    .send()
                    .await;
                // After the kill every request fails: only a whole answer counts.
                let Ok(response) = sent else { return };
                if response.status() != 200 {
                    return;
                }
                let Ok(answer) = response.json::<serde_json::Value>().await else {
                    return;
                };
                if let Some(number) = answer["number"].as_str() {
                    answered.lock().unwrap().push((id, number.to_owned()));
                }
            }
        })
        .await;
}

async fn every_order_answered_created_survives_a_kill(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return; // PostgreSQL is not available: fresh_database said so loudly.
    };
    let vars = [
        ("ORDERS_HOOK_DATABASE_URL", url.as_str()),
        ("ORDERS_HOOK_GROUP_COMMIT", "true"),
        ("ORDERS_HOOK_NOTIFY", "false"),
    ];
    let mut served = ServedBinary::start(dir.path(), &vars).await;
    let answered = Answered::default();
    let stream = tokio::spawn(stream_orders(
        format!("{}{HOOK}", served.base()),
        answered.clone(),
    ));
    let midway = eventually(Duration::from_secs(60), || async {
        answered.lock().unwrap().len() >= KILL_AFTER
    })
    .await;
    assert!(midway, "orders were answered: {}", served.logs());
    served.child.kill().expect("SIGKILL");
    served.child.wait().expect("the killed process");
    stream.await.unwrap();
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() < ORDERS,
        "the kill came mid-stream ({} answered)",
        answered.len()
    );

    let mut restarted = ServedBinary::start(dir.path(), &vars).await;
    let store = orders_hook::store::open(
        &url.parse().expect("a database URL"),
        &StoreOptions::default(),
    )
    .await
    .expect("open the database");
    let mut numbers = BTreeSet::new();
    for (id, number) in &answered {
        let stored = store
            .order(OrderKey::Id(id))
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("{id} was answered {number} but is not stored"));
        assert_eq!(
            stored.document.number.as_deref(),
            Some(number.as_str()),
            "{id}"
        );
        assert!(numbers.insert(number.clone()), "{number} answered twice");
    }
    // The restarted service goes on serving, past the numbers it gave before the kill.
    let response = reqwest::Client::new()
        .post(format!("{}{HOOK}", restarted.base()))
        .header("Client-token", TOKEN)
        .body(fixture_for("order.created", "K-AFTER").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: serde_json::Value = response.json().await.unwrap();
    let after = answer["number"].as_str().unwrap().to_owned();
    assert!(
        !numbers.contains(&after),
        "{after} was given before the kill"
    );
    restarted
        .terminate_within(Duration::from_secs(10))
        .await
        .expect("a clean stop");
}
