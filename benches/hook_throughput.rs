//! Prints how fast the hook takes orders: distinct `order.created` events and 32-way duplicate
//! bursts, through HTTP on loopback, against SQLite (`synchronous=FULL`) with one commit per
//! event and with group commit, and PostgreSQL when the test cluster of `scripts/test` is there.
//! Numbers only; nothing is asserted.
//!
//! `cargo bench --bench hook_throughput` for the full run; under `cargo test` it makes a short
//! smoke run so that it keeps compiling and working.

use futures::StreamExt;
use orders_hook::test_support::{Backend, serve_for_bench};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token";

fn body(order_id: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/order.created.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut body: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    body["payload"]["originalOrderId"] = order_id.into();
    body.to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn run(backend: Backend, settings: &str, orders: usize, concurrency: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((running, hook)) = serve_for_bench(backend, dir.path(), TOKEN, Some(settings)).await
    else {
        return;
    };
    let client = reqwest::Client::new();

    let send = |order_id: String| {
        let client = client.clone();
        let hook = hook.clone();
        async move {
            let started = Instant::now();
            let response = client
                .post(&hook)
                .header("Client-token", TOKEN)
                .body(body(&order_id))
                .send()
                .await
                .expect("request");
            (response.status().as_u16(), started.elapsed())
        }
    };

    for (label, ids) in [
        (
            "distinct orders",
            (0..orders).map(|i| format!("B-{i}")).collect::<Vec<_>>(),
        ),
        (
            "32-way duplicates",
            (0..orders)
                .map(|i| format!("D-{}", i / 32))
                .collect::<Vec<_>>(),
        ),
    ] {
        let started = Instant::now();
        let mut results: Vec<(u16, Duration)> = futures::stream::iter(ids.into_iter().map(&send))
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let wall = started.elapsed();
        let failures = results.iter().filter(|(status, _)| *status != 200).count();
        results.sort_by_key(|(_, latency)| *latency);
        let latencies: Vec<Duration> = results.iter().map(|(_, l)| *l).collect();
        println!(
            "{backend:?} ({settings}) {label}: {} requests, {concurrency} in flight: {:.0} req/s, \
             p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms, non-200: {failures}",
            latencies.len(),
            latencies.len() as f64 / wall.as_secs_f64(),
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.95).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            percentile(&latencies, 1.0).as_secs_f64() * 1e3,
        );
    }
    running.stop().await.expect("stop");
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let (orders, concurrency) = if full { (2048, 16) } else { (64, 8) };
    run(Backend::Sqlite, "group_commit = false", orders, concurrency).await;
    run(Backend::Sqlite, "group_commit = true", orders, concurrency).await;
    // PostgreSQL never batches (see `app::group_commit`): the key changes nothing there.
    run(
        Backend::Postgres,
        "group_commit = false",
        orders,
        concurrency,
    )
    .await;
}
