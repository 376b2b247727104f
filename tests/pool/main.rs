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
#[allow(dead_code)]
mod formation;
mod ha;
mod marketplace;
mod orders;
mod pool;
mod privileges;
mod reload;

use fake_telegram::{FakeTelegram, Reply};
use marketplace::{Marketplace, Tally};
use orders::{Repeats, check_outcome, one_order, order_id, routing, stock_csv};
use pool::{Cluster, Nginx, Pool};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const ORDERS: usize = 200;
const PREFIX: &str = "R-POOL";

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
    let mut pool = Pool::start(dir.path(), &database, &fake.base, &routing(), &stock_csv()).await;
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

    let db = cluster.admin(&database).await;
    check_outcome(
        &db,
        PREFIX,
        ORDERS,
        &answers,
        &fake,
        Repeats::Never,
        &|| pool.log_tails(),
    )
    .await;

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
            let numbers = one_order(&marketplace, &tally, PREFIX, order).await;
            (order_id(PREFIX, order), numbers)
        });
    }
    let mut answers = HashMap::new();
    while let Some(flow) = flows.join_next().await {
        let (id, numbers) = flow.expect("order flow");
        answers.insert(id, numbers);
    }
    answers
}

async fn wait_for_events(tally: &Tally, count: usize) {
    while tally.events.load(Ordering::SeqCst) < count {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
