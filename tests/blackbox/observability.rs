use crate::harness::{Backend, TestApp, fixture};
use crate::served_binary::ServedBinary;
use orders_hook::housekeeping::{Housekeeper, HousekeepingSettings};
use orders_hook::notify::SystemClock;
use orders_hook::on_both_backends;
use orders_hook::test_support::fresh_database;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

on_both_backends!(
    health_readiness_and_metrics_answer,
    the_alerted_counters_show_zero_from_the_start,
    a_housekeeping_round_shows_when_it_finished,
);

async fn health_readiness_and_metrics_answer(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.get("/healthz").await.0, 200);
    assert_eq!(app.get("/readyz").await.0, 200);

    app.post(&fixture("order.created")).await;
    app.post(&fixture("order.created")).await;
    // No stock was imported: the write-off takes three balances below zero.
    app.post(&fixture("order.received")).await;
    app.post_raw(b"nonsense".to_vec(), Some(crate::harness::TOKEN))
        .await;

    let text = app.metrics().await;
    for expected in [
        "orders_hook_requests_total{event=\"order.created\",outcome=\"applied\"}",
        "orders_hook_requests_total{event=\"order.created\",outcome=\"duplicate\"}",
        "orders_hook_requests_total{event=\"invalid\",outcome=\"invalid\"}",
        "orders_hook_request_duration_seconds_bucket{event=\"order.created\",le=\"0.005\"}",
        "orders_hook_outbox_messages{status=\"pending\"} 2",
        "orders_hook_outbox_messages{status=\"failed\"} 0",
        "orders_hook_negative_stock_balances 3",
        "orders_hook_negative_write_offs_total",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    app.stop().await;
}

/// The alert rules watch these counters with `increase()`, which sees a first event only when
/// a sample came before it: a fresh process (the real binary, so no other test has counted)
/// shows them at 0 before any request.
async fn the_alerted_counters_show_zero_from_the_start(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(database_url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let console = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("its address");
    let mut served = ServedBinary::start(
        dir.path(),
        &[
            ("ORDERS_HOOK_DATABASE_URL", &database_url),
            ("ORDERS_HOOK_CONSOLE_LISTEN", &console.to_string()),
        ],
    )
    .await;
    let response = reqwest::get(format!("http://{console}/metrics"))
        .await
        .expect("GET /metrics");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("metrics text");
    let mut expected = vec![
        "orders_hook_request_panics_total 0\n".to_owned(),
        "orders_hook_forbidden_total 0\n".to_owned(),
        "orders_hook_notices_failed_total 0\n".to_owned(),
    ];
    for event in [
        "order.created",
        "order.changed",
        "order.paid",
        "order.received",
        "order.delivered",
        "order.cancelled",
        "other",
        "invalid",
    ] {
        for outcome in ["invalid", "unavailable"] {
            expected.push(format!(
                "orders_hook_requests_total{{event=\"{event}\",outcome=\"{outcome}\"}} 0\n"
            ));
        }
    }
    for line in &expected {
        assert!(text.contains(line.as_str()), "{line} missing from:\n{text}");
    }
    let stopped = served.terminate_within(Duration::from_secs(10)).await;
    assert!(
        stopped.is_some_and(|(status, _)| status.success()),
        "{}",
        served.logs()
    );
}

/// The alert on a stalled housekeeping reads when the last round under the lease finished.
async fn a_housekeeping_round_shows_when_it_finished(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let before = chrono::Utc::now().timestamp() as f64;
    let settings = HousekeepingSettings {
        journal_retention: Some(chrono::Duration::days(90)),
        outbox_retention: Some(chrono::Duration::days(30)),
        every: Duration::from_secs(600),
        batch_rows: 200,
        pause: Duration::ZERO,
    };
    let housekeeper = Housekeeper::new(app.store(), Arc::new(SystemClock), settings);
    let round = housekeeper
        .run_once(&CancellationToken::new())
        .await
        .expect("a housekeeping round");
    assert!(round.held, "nobody else holds the lease: {round:?}");

    let text = app.metrics().await;
    let name = "orders_hook_housekeeping_last_round_timestamp_seconds";
    let finished: f64 = text
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} missing from:\n{text}"))
        .parse()
        .expect("a timestamp");
    let after = chrono::Utc::now().timestamp() as f64 + 1.0;
    assert!(
        (before..=after).contains(&finished),
        "{finished} within {before}..={after}"
    );
    app.stop().await;
}
