//! The pool, for real: three instances of the built binary on one PostgreSQL database,
//! connecting as the least-privilege role of `deploy/postgres/roles.sql`, behind a real nginx
//! running the site file of `deploy/nginx/` over TLS, with a fake Telegram. The marketplace is
//! played as it behaves (a 5 s timeout, 7 retries with growing pauses, scaled down), with two
//! simultaneous copies of every creation. Mid-run one instance is SIGKILLed and restarted, and
//! PostgreSQL is stopped and started again. Then every guarantee is checked in the database and
//! at the fake Telegram.
//!
//! This is its own test binary: cargo runs test binaries one after another, so restarting the
//! shared test cluster disturbs no other test.

// Shared with the black-box suite, which uses all of it.
#[allow(dead_code)]
#[path = "../blackbox/fake_telegram.rs"]
mod fake_telegram;
mod marketplace;
mod pool;
mod privileges;

use fake_telegram::{FakeTelegram, Reply};
use marketplace::{Marketplace, Tally};
use orders_hook::test_support::{eventually, fixture};
use pool::{Cluster, Nginx, Pool};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const ORDERS: usize = 200;
const STORES: usize = 50;
/// Every fifth order is cancelled after payment instead of being shipped.
const CANCELLED_EVERY: usize = 5;
const INITIAL_STOCK: i64 = 10_000;

fn store_of(order: usize) -> String {
    format!("p{}", order % STORES + 1)
}

fn order_id(order: usize) -> String {
    format!("R-POOL-{order:04}")
}

fn event(name: &str, order: usize) -> Value {
    let mut body = fixture(name);
    body["payload"]["originalOrderId"] = json!(order_id(order));
    body["payload"]["storeID"] = json!(store_of(order));
    body
}

fn routing() -> String {
    let mut toml = String::new();
    for store in 1..=STORES {
        toml.push_str(&format!(
            "[stores.\"p{store}\"]\nname = \"Магазин {store}\"\nstore_chat = \"-7{store:03}1\"\npickers_chat = \"-7{store:03}2\"\n"
        ));
    }
    toml
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pool_behind_nginx_keeps_every_guarantee_through_a_kill_and_a_database_restart() {
    let Some(cluster) = Cluster::from_env() else {
        return;
    };
    let Some(nginx_binary) = pool::nginx_binary() else {
        return;
    };
    // It stops and starts the cluster: the other tests of this binary wait.
    let _alone = pool::CLUSTER_IN_USE.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let database = cluster.prepare_database().await;
    let fake = FakeTelegram::start().await;
    // Telegram misbehaves a little too: a 429 and a 502 on the first notices of two chats.
    fake.script("-70011", [Reply::TooManyRequests { retry_after: 1 }]);
    fake.script("-70021", [Reply::ServerError]);
    let stock: String = (1..=STORES)
        .flat_map(|store| {
            ["4607001771234", "4600494000012", "4601234567890"]
                .map(|sku| format!("p{store},{sku},{INITIAL_STOCK}\n"))
        })
        .collect();
    let mut pool = Pool::start(dir.path(), &database, &fake.base, &routing(), &stock).await;
    let nginx = Nginx::start(&nginx_binary, dir.path(), &pool.ports()).await;

    let marketplace = Arc::new(Marketplace::new(&nginx));
    // Only the hook is public.
    for path in ["/metrics", "/healthz", "/readyz", "/"] {
        assert_eq!(
            marketplace.status_of(path).await,
            404,
            "{path} through nginx"
        );
    }
    assert_eq!(marketplace.status_of("/sbermarket/orders/hook/").await, 405);
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let flows = tokio::spawn(run_all_orders(marketplace.clone(), tally.clone()));

    // An instance dies mid-run and comes back.
    wait_for_events(&tally, 350).await;
    pool.kill(2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    pool.restart(2).await;
    // The database goes away: every instance answers 503 at once and is not ready; then it is
    // back and so are they.
    wait_for_events(&tally, 700).await;
    cluster.stop();
    let down = pool.probe_while_database_is_down().await;
    cluster.start();
    pool.wait_ready().await;

    let answers = flows.await.expect("marketplace flows");
    let took = started.elapsed();
    eprintln!(
        "pool: {} events, {} attempts, {} answers 5xx or no answer, all retried to success, in {:.1} s",
        tally.events.load(Ordering::SeqCst),
        tally.attempts.load(Ordering::SeqCst),
        tally.failures.load(Ordering::SeqCst),
        took.as_secs_f64()
    );
    eprintln!("pool: with the database down, {down}");
    assert!(tally.events.load(Ordering::SeqCst) >= 1000);
    assert_eq!(
        tally.unresolved.load(Ordering::SeqCst),
        0,
        "an event never got a success"
    );

    // One order per marketplace id, and the number every answer gave is the stored one.
    let db = cluster.admin(&database).await;
    let stored: Vec<(String, Option<String>, String)> =
        sqlx::query_as("SELECT original_order_id, number, status FROM orders")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(stored.len(), ORDERS);
    let numbers: HashSet<&Option<String>> = stored.iter().map(|(_, n, _)| n).collect();
    assert_eq!(numbers.len(), ORDERS, "partner numbers are unique");
    for (id, number, status) in &stored {
        let given = &answers[id];
        assert!(!given.is_empty());
        assert!(
            given.iter().all(|n| Some(n) == number.as_ref()),
            "{id}: answered {given:?}, stored {number:?}"
        );
        let order: usize = id.trim_start_matches("R-POOL-").parse().unwrap();
        let expected = if order.is_multiple_of(CANCELLED_EVERY) {
            "cancelled"
        } else {
            "delivered"
        };
        assert_eq!(status, expected, "{id}");
    }

    // Stock written off exactly once per shipped order: the paid composition, 3 + 1 + 1.
    let balances: Vec<(String, String, String)> =
        sqlx::query_as("SELECT store_id, sku, quantity::text FROM stock_balances")
            .fetch_all(&db)
            .await
            .unwrap();
    let mut shipped_per_store: HashMap<String, i64> = HashMap::new();
    for order in (0..ORDERS).filter(|o| !o.is_multiple_of(CANCELLED_EVERY)) {
        *shipped_per_store.entry(store_of(order)).or_default() += 1;
    }
    for (store, sku, quantity) in &balances {
        let per_order = if sku == "4607001771234" { 3 } else { 1 };
        let expected =
            INITIAL_STOCK - per_order * shipped_per_store.get(store).copied().unwrap_or(0);
        assert_eq!(
            quantity.parse::<Decimal>().unwrap(),
            Decimal::from(expected),
            "{store} {sku}"
        );
    }
    let ledger: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stock_ledger")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(
        ledger as usize,
        3 * shipped_per_store.values().sum::<i64>() as usize
    );

    // Every notice sent exactly once: created and changed for each order, cancelled for the
    // cancelled ones, to both chats of the store.
    let expected_notices = 2 * (2 * ORDERS + ORDERS / CANCELLED_EVERY);
    let drained = eventually(Duration::from_secs(120), || async {
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            .fetch_one(&db)
            .await
            .unwrap_or(i64::MAX);
        waiting == 0
    })
    .await;
    let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(drained, "notices still waiting; {}", pool.log_tails());
    assert_eq!(outbox as usize, expected_notices);
    let delivered = fake.delivered();
    let distinct: HashSet<(String, String)> = delivered
        .iter()
        .map(|c| (c.chat.clone(), c.text.clone()))
        .collect();
    assert_eq!(distinct.len(), expected_notices, "every notice arrived");
    assert_eq!(delivered.len(), expected_notices, "no notice arrived twice");

    pool.stop_all().await;
    drop(nginx);
}

/// Every order's flow through nginx, 24 orders at a time; the numbers the creations answered.
async fn run_all_orders(
    marketplace: Arc<Marketplace>,
    tally: Arc<Tally>,
) -> HashMap<String, Vec<String>> {
    let gate = Arc::new(tokio::sync::Semaphore::new(24));
    let mut flows = tokio::task::JoinSet::new();
    for order in 0..ORDERS {
        let (marketplace, tally, gate) = (marketplace.clone(), tally.clone(), gate.clone());
        flows.spawn(async move {
            let _slot = gate.acquire_owned().await.expect("semaphore");
            let numbers = one_order(&marketplace, &tally, order).await;
            (order_id(order), numbers)
        });
    }
    let mut answers = HashMap::new();
    while let Some(flow) = flows.join_next().await {
        let (id, numbers) = flow.expect("order flow");
        answers.insert(id, numbers);
    }
    answers
}

/// created (two copies at once) → updated → paid → received → delivered, or → canceled.
async fn one_order(marketplace: &Marketplace, tally: &Tally, order: usize) -> Vec<String> {
    let created = event("order.created", order);
    let (first, second) = tokio::join!(
        marketplace.deliver(&created, tally),
        marketplace.deliver(&created, tally)
    );
    let numbers: Vec<String> = [first, second]
        .iter()
        .filter_map(|answer| answer.as_ref())
        .filter_map(|body| serde_json::from_str::<Value>(body).ok())
        .filter_map(|answer| answer["number"].as_str().map(str::to_owned))
        .collect();
    let rest: &[&str] = if order.is_multiple_of(CANCELLED_EVERY) {
        &["order.updated", "order.paid", "order.canceled"]
    } else {
        &[
            "order.updated",
            "order.paid",
            "order.received",
            "order.delivered",
        ]
    };
    for name in rest {
        marketplace.deliver(&event(name, order), tally).await;
    }
    numbers
}

async fn wait_for_events(tally: &Tally, count: usize) {
    while tally.events.load(Ordering::SeqCst) < count {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
