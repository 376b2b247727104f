//! Prints what housekeeping costs the hook on SQLite, the backend where pruning shares the one
//! writer with the hook. Numbers only; nothing is asserted.
//!
//! - **prune**: a journal of old rows (the raw bodies of `order.created`), then hook requests
//!   at a steady rate, first alone and then while a housekeeping round with the default batch
//!   and pause prunes all of it: the requests' latency both ways and the batches' duration.
//! - **wal**: hook requests (whole lifecycles) at a fixed rate for a while, the write-ahead
//!   log's size sampled every 100 ms: its largest size, with the checkpoint policy as shipped.
//!
//! `cargo bench --bench housekeeping` runs both in full: 200,000 journal rows, and the log at
//! 200 req/s for 10 minutes (`HOUSEKEEPING_WAL_SECONDS` to change it). Under `cargo test` it
//! makes a short smoke run so that it keeps compiling and working.

use orders_hook::housekeeping::{Housekeeper, HousekeepingSettings};
use orders_hook::notify::SystemClock;
use orders_hook::store::db::lite::time_text;
use orders_hook::test_support::{Backend, serve_for_bench};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "bench-token";

fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn body(name: &str, order_id: &str) -> String {
    let mut body = fixture(name);
    body["payload"]["originalOrderId"] = order_id.into();
    body.to_string()
}

/// The SQLite file `serve_for_bench` made in `dir`.
fn database_file(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .expect("the bench directory")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "db"))
        .expect("the database file")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn summary(latencies: &mut [Duration]) -> String {
    latencies.sort();
    format!(
        "{} requests, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        percentile(latencies, 0.50).as_secs_f64() * 1e3,
        percentile(latencies, 0.99).as_secs_f64() * 1e3,
        percentile(latencies, 1.0).as_secs_f64() * 1e3,
    )
}

/// Sends `order.created` for fresh orders every `every` until `until` says stop; the latency of
/// each, measured from when it was due (so a stall shows, rather than delaying the next).
async fn steady(
    hook: &str,
    prefix: &str,
    every: Duration,
    until: impl Fn() -> bool,
) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let mut latencies = Vec::new();
    let start = Instant::now();
    let mut n = 0u32;
    while !until() {
        let due = start + every * n;
        tokio::time::sleep_until(due.into()).await;
        let status = client
            .post(hook)
            .header("Client-token", TOKEN)
            .body(body("order.created", &format!("{prefix}-{n}")))
            .send()
            .await
            .expect("request")
            .status();
        assert_eq!(status, 200, "the hook answered");
        latencies.push(due.elapsed());
        n += 1;
    }
    latencies
}

async fn prune(rows: u32, alone: Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((running, hook)) = serve_for_bench(Backend::Sqlite, dir.path(), TOKEN, None).await
    else {
        return;
    };
    // A hundred days of requests, as the journal holds them: each with its raw body.
    let mut conn = rusqlite::Connection::open(database_file(dir.path())).expect("open");
    let old = chrono::Utc::now() - chrono::Duration::days(100);
    let raw = body("order.created", "R-OLD");
    let filled = Instant::now();
    for chunk in 0..rows.div_ceil(10_000) {
        let tx = conn.transaction().expect("begin");
        for i in chunk * 10_000..((chunk + 1) * 10_000).min(rows) {
            let at = old + chrono::Duration::seconds(i64::from(i));
            tx.execute(
                "INSERT INTO journal (at, request_id, event_type, original_order_id, outcome,
                                      status_code, duration_ms, detail, body)
                 VALUES (?1, NULL, 'order.created', ?2, 'created', 200, 2, 'created', ?3)",
                rusqlite::params![time_text(&at), format!("R-OLD-{i}"), raw],
            )
            .expect("insert");
        }
        tx.commit().expect("commit");
    }
    drop(conn);
    println!(
        "prune: {rows} journal rows of {} bytes each, 100 days old (filled in {:.1} s)",
        raw.len(),
        filled.elapsed().as_secs_f64()
    );

    let every = Duration::from_millis(20);
    let started = Instant::now();
    let mut baseline = steady(&hook, "A", every, || started.elapsed() > alone).await;
    println!(
        "prune: the hook alone at 50 req/s: {}",
        summary(&mut baseline)
    );

    let settings = HousekeepingSettings::default();
    let housekeeper = Housekeeper::new(
        running.store.clone(),
        Arc::new(SystemClock),
        settings.clone(),
    );
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let round = {
        let done = done.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let round = housekeeper.run_once(&CancellationToken::new()).await;
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            (round.expect("round"), started.elapsed())
        })
    };
    let mut during = steady(&hook, "B", every, || {
        done.load(std::sync::atomic::Ordering::SeqCst)
    })
    .await;
    let (round, took) = round.await.expect("round task");
    println!(
        "prune: the hook at 50 req/s while {} rows went in {} batches of {} with {} ms pauses \
         ({:.1} s, {:.0} rows/s): {}",
        round.journal_rows,
        round.batches,
        settings.batch_rows,
        settings.pause.as_millis(),
        took.as_secs_f64(),
        round.journal_rows as f64 / took.as_secs_f64(),
        summary(&mut during)
    );
    let metrics = orders_hook::telemetry::metrics().render();
    let batch = |name: &str| {
        metrics
            .lines()
            .find(|line| line.starts_with(&format!("orders_hook_prune_batch_seconds_{name}")))
            .and_then(|line| line.split_whitespace().last())
            .and_then(|value| value.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    println!(
        "prune: one batch held the database {:.2} ms on average; batches by duration:",
        batch("sum") / batch("count").max(1.0) * 1e3
    );
    for line in metrics.lines().filter(|line| {
        line.starts_with("orders_hook_prune_batch_seconds")
            && !line.contains("_sum")
            && !line.contains("_count")
    }) {
        println!("  {line}");
    }
    running.stop().await.expect("stop");
}

async fn wal(rate: u32, seconds: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((running, hook)) = serve_for_bench(Backend::Sqlite, dir.path(), TOKEN, None).await
    else {
        return;
    };
    let wal_path = database_file(dir.path()).with_extension("db-wal");
    let stop = CancellationToken::new();
    let sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut largest = 0u64;
            while !stop.is_cancelled() {
                let size = std::fs::metadata(&wal_path).map_or(0, |meta| meta.len());
                largest = largest.max(size);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            largest
        })
    };
    // Whole lifecycles, open loop: each request leaves when it is due, whatever the others do.
    let client = reqwest::Client::new();
    let every = Duration::from_secs(1) / rate;
    let total = rate as u64 * seconds;
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let due = start + every * u32::try_from(n).expect("fits");
        tokio::time::sleep_until(due.into()).await;
        let event = [
            "order.created",
            "order.paid",
            "order.received",
            "order.delivered",
        ][(n % 4) as usize];
        let request = client
            .post(&hook)
            .header("Client-token", TOKEN)
            .body(body(event, &format!("W-{}", n / 4)));
        tasks.push(tokio::spawn(async move {
            let status = request.send().await.expect("request").status();
            (status.as_u16(), due.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for task in tasks {
        let (status, latency) = task.await.expect("request task");
        *statuses.entry(status).or_default() += 1;
        latencies.push(latency);
    }
    // A later event can overtake its order's creation (they leave 1/rate apart): a 404 then,
    // which the marketplace would retry.
    statuses.remove(&200);
    stop.cancel();
    let largest = sampler.await.expect("sampler");
    let stats = running.store.stats().await.expect("stats");
    println!(
        "wal: {rate} req/s for {seconds} s: {}, other than 200: {statuses:?}; the log's largest \
         size {:.1} MiB, {:.1} MiB at the end; the database {:.1} MiB",
        summary(&mut latencies),
        largest as f64 / 1048576.0,
        stats.size.wal_bytes.unwrap_or(0) as f64 / 1048576.0,
        stats.size.bytes as f64 / 1048576.0,
    );
    running.stop().await.expect("stop");
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let wal_seconds = std::env::var("HOUSEKEEPING_WAL_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok());
    if full {
        prune(200_000, Duration::from_secs(10)).await;
        wal(200, wal_seconds.unwrap_or(600)).await;
    } else {
        prune(2_000, Duration::from_secs(1)).await;
        wal(50, wal_seconds.unwrap_or(2)).await;
    }
}
