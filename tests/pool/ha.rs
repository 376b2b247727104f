//! The pool on highly available PostgreSQL, for real: a pg_auto_failover formation (a monitor
//! and two data nodes, `formation.rs`), two instances given its multi-host URI behind nginx, and
//! the marketplace sending order lifecycles with its own 5 s timeout and retry schedule (1, 2,
//! 4 … 64 s). Mid-load the primary is switched over (`pg_autoctl perform failover`); later the
//! new primary's node is SIGKILLed and left down while the monitor promotes the standby. No
//! instance is restarted. Then every guarantee is checked on the surviving primary, and a live
//! board opened before the failovers hears an order created after them.

use crate::fake_telegram::FakeTelegram;
use crate::formation::Formation;
use crate::marketplace::{MARKETPLACE_FIRST_PAUSE, Marketplace, Tally};
use crate::orders::{Repeats, STORES, check_outcome, one_order, order_id, routing, stock_csv};
use crate::pool::{self, Nginx, OPERATOR_TOKEN, Pool};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PREFIX: &str = "R-HA";
/// A new order this often while the load runs: about 50 events a second with retries.
const ORDER_EVERY: Duration = Duration::from_millis(100);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_pool_follows_its_primary_through_a_planned_and_an_unplanned_failover() {
    let Some(nginx_binary) = pool::nginx_binary() else {
        return;
    };
    // Heavy on two cores: the other tests of this binary wait.
    let _alone = pool::CLUSTER_IN_USE.lock().await;
    let Some(mut formation) = Formation::start().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let uri = formation.uri();
    pool::prepare(&formation.primary_url().await, &uri).await;
    let fake = FakeTelegram::start().await;
    let mut pool = Pool::start_sized(
        dir.path(),
        &uri,
        &fake.base,
        &routing(),
        &stock_csv(),
        2,
        true,
    )
    .await;
    let pids = pool.pids();
    let nginx = Nginx::start(&nginx_binary, dir.path(), &pool.ports()).await;
    let marketplace = Arc::new(Marketplace::with_first_pause(
        &nginx,
        MARKETPLACE_FIRST_PAUSE,
    ));
    let board = Board::open(&pool.console_base(0), "p1").await;
    let readiness = Readiness::watch(pool.base(0));

    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let flows = tokio::spawn(paced_orders(
        marketplace.clone(),
        tally.clone(),
        stop.clone(),
    ));

    tokio::time::sleep(Duration::from_secs(5)).await;
    let planned_at = Instant::now();
    let planned = formation.perform_failover().await;
    eprintln!("ha: planned failover, a new primary took writes after {planned:.1?}");
    tokio::time::sleep(Duration::from_secs(10)).await;

    let killed_at = Instant::now();
    let killed = formation.kill_primary().await;
    let promoted = formation
        .wait_for_new_primary(&killed, Duration::from_secs(180))
        .await;
    eprintln!("ha: {killed} killed, the standby promoted after {promoted:.1?}");
    pool.wait_ready().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    stop.store(true, Ordering::SeqCst);
    let (mut answers, mut orders) = flows.await.expect("the marketplace's flows");

    // A board opened before both failovers still hears an order made after them.
    let heard = board
        .hears(&marketplace, &tally, orders, &mut answers)
        .await;
    orders += 1;
    assert!(
        heard,
        "the live board went deaf across the failover; {}",
        pool.log_tails()
    );

    let refused = |from: Instant, to: Instant| {
        let failed = tally.failed_at.lock().expect("tally");
        let within: Vec<&Instant> = failed.iter().filter(|t| **t >= from && **t < to).collect();
        match (within.first(), within.last()) {
            (Some(first), Some(last)) => last.duration_since(**first),
            _ => Duration::ZERO,
        }
    };
    let far = killed_at + Duration::from_secs(600);
    eprintln!(
        "ha: {} events in {} attempts; the hook refused attempts for {:.1?} around the planned \
         failover and {:.1?} around the unplanned one; /readyz of instance 0 said 503 for \
         {:.1?} and {:.1?}",
        tally.events.load(Ordering::SeqCst),
        tally.attempts.load(Ordering::SeqCst),
        refused(planned_at, killed_at),
        refused(killed_at, far),
        readiness.not_ready_between(planned_at, killed_at),
        readiness.not_ready_between(killed_at, far),
    );
    assert_eq!(
        tally.unresolved.load(Ordering::SeqCst),
        0,
        "an event never got a 200 within the marketplace's retries; {}",
        pool.log_tails()
    );
    assert!(orders >= 100, "only {orders} orders were sent");

    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&formation.primary_url().await)
        .await
        .expect("a connection to the surviving primary");
    check_outcome(
        &db,
        PREFIX,
        orders,
        &answers,
        &fake,
        Repeats::Marked,
        &|| pool.log_tails(),
    )
    .await;

    // Both instances followed both switches, each on its own, and neither was restarted.
    for n in 0..2 {
        let metrics = pool.metrics(n).await;
        let switches = metric(&metrics, "orders_hook_database_primary_switches_total");
        assert!(switches >= 2.0, "instance {n} counted {switches} switches");
        assert_eq!(metric(&metrics, "orders_hook_database_writable"), 1.0);
    }
    assert_eq!(pool.pids(), pids, "an instance was restarted");
    pool.stop_all().await;
    drop(nginx);
}

/// A new order every `ORDER_EVERY` until `stop`, each sent through its whole lifecycle; the
/// numbers each creation answered, and how many orders were sent.
async fn paced_orders(
    marketplace: Arc<Marketplace>,
    tally: Arc<Tally>,
    stop: Arc<AtomicBool>,
) -> (HashMap<String, Vec<String>>, usize) {
    let mut flows = tokio::task::JoinSet::new();
    let mut order: usize = 0;
    // Stopping on a multiple of STORES: the board's order, the next, is store p1's.
    while !stop.load(Ordering::SeqCst) || !order.is_multiple_of(STORES) {
        let (marketplace, tally) = (marketplace.clone(), tally.clone());
        flows.spawn(async move {
            let numbers = one_order(&marketplace, &tally, PREFIX, order).await;
            (order_id(PREFIX, order), numbers)
        });
        order += 1;
        tokio::time::sleep(ORDER_EVERY).await;
    }
    let mut answers = HashMap::new();
    while let Some(flow) = flows.join_next().await {
        let (id, numbers) = flow.expect("an order's flow");
        answers.insert(id, numbers);
    }
    (answers, order)
}

/// A value of a metric without labels in Prometheus text.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

/// A store's live board as a browser holds it: signed in at one instance's console, its
/// event stream open, every order id it names kept.
struct Board {
    heard: Arc<Mutex<Vec<String>>>,
    _reading: tokio::task::JoinHandle<()>,
}

impl Board {
    async fn open(console: &str, store: &str) -> Board {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a console client");
        let page = client
            .get(format!("{console}/signin"))
            .send()
            .await
            .expect("the sign-in page")
            .text()
            .await
            .expect("the sign-in page's text");
        let marker = "name=\"form\" value=\"";
        let start = page.find(marker).expect("the sign-in form") + marker.len();
        let form = &page[start..start + page[start..].find('"').expect("the form's value")];
        let signed_in = client
            .post(format!("{console}/signin"))
            .form(&[("token", OPERATOR_TOKEN), ("form", form)])
            .send()
            .await
            .expect("sign in");
        assert_eq!(signed_in.status(), 303, "signed in to the console");
        let stream = client
            .get(format!("{console}/stores/{store}/events"))
            .send()
            .await
            .expect("the board's event stream");
        assert_eq!(stream.status(), 200, "the board's event stream");
        let heard = Arc::new(Mutex::new(Vec::new()));
        let keep = heard.clone();
        let reading = tokio::spawn(async move {
            let mut bytes = stream.bytes_stream();
            let mut text = String::new();
            while let Some(Ok(chunk)) = bytes.next().await {
                text.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = text.find('\n') {
                    let line: String = text.drain(..=end).collect();
                    if let Some(order) = line.trim_end().strip_prefix("data:") {
                        keep.lock().expect("heard").push(order.trim().to_owned());
                    }
                }
            }
        });
        Board {
            heard,
            _reading: reading,
        }
    }

    /// Sends order `order` (the board's store's, p1) through its lifecycle, keeping its
    /// numbers with the others, and waits for the stream to name it.
    async fn hears(
        &self,
        marketplace: &Marketplace,
        tally: &Tally,
        order: usize,
        answers: &mut HashMap<String, Vec<String>>,
    ) -> bool {
        let id = order_id(PREFIX, order);
        let numbers = one_order(marketplace, tally, PREFIX, order).await;
        answers.insert(id.clone(), numbers);
        orders_hook::test_support::eventually(Duration::from_secs(15), || async {
            self.heard.lock().expect("heard").contains(&id)
        })
        .await
    }
}

/// `/readyz` of one instance asked every 100 ms, with when it answered what.
struct Readiness {
    seen: Arc<Mutex<Vec<(Instant, bool)>>>,
}

impl Readiness {
    fn watch(base: String) -> Readiness {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = seen.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("a client");
            // Bounded: the test is over well within this.
            for _ in 0..6000 {
                let ready = matches!(
                    client.get(format!("{base}/readyz")).send().await,
                    Ok(response) if response.status() == 200
                );
                keep.lock()
                    .expect("readiness")
                    .push((Instant::now(), ready));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        Readiness { seen }
    }

    /// From the first "not ready" to the next "ready" after it, within `from..to`.
    fn not_ready_between(&self, from: Instant, to: Instant) -> Duration {
        let seen = self.seen.lock().expect("readiness");
        let within: Vec<&(Instant, bool)> =
            seen.iter().filter(|(t, _)| *t >= from && *t < to).collect();
        let Some(down) = within.iter().position(|(_, ready)| !ready) else {
            return Duration::ZERO;
        };
        let up = within[down..]
            .iter()
            .find(|(_, ready)| *ready)
            .map_or(to, |(t, _)| *t);
        up.duration_since(within[down].0)
    }
}
