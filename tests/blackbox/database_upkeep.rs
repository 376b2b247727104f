//! The database's size in plain sight and its upkeep, as the operator meets them: `db stats`,
//! the size gauges of `/metrics`, `db prune` and `db vacuum`, on both backends.

use crate::harness::{Backend, TestApp, fixture, fixture_for};
use chrono::{Duration, Utc};
use orders_hook::domain::Outcome;
use orders_hook::on_both_backends;
use orders_hook::store::JournalEntry;

on_both_backends!(
    db_stats_and_metrics_show_the_size_and_the_journal,
    db_prune_deletes_what_aged_past_its_keeping_time_and_vacuum_gives_the_room_back,
);

fn rows_of(stats: &serde_json::Value, table: &str) -> i64 {
    stats["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|row| row["table"] == table)
        .unwrap_or_else(|| panic!("{table} in {stats}"))["rows"]
        .as_i64()
        .expect("a count")
}

async fn db_stats_and_metrics_show_the_size_and_the_journal(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let stats = app.cli(&["db", "stats"]);
    assert_eq!(rows_of(&stats, "orders"), 1);
    assert_eq!(rows_of(&stats, "journal"), 1);
    assert_eq!(rows_of(&stats, "outbox"), 2);
    assert!(stats["size"]["bytes"].as_u64().unwrap() > 0, "{stats}");
    assert!(stats["oldestJournalAt"].is_string(), "{stats}");
    assert!(stats["oldestSentNoticeAt"].is_null(), "{stats}");
    match backend {
        Backend::Sqlite => assert!(stats["size"]["walBytes"].is_u64(), "{stats}"),
        Backend::Postgres => assert!(stats["size"]["walBytes"].is_null(), "{stats}"),
    }
    let text = app.cli_raw(&["db", "stats"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("journal") && text.contains("oldest journal row"),
        "{text}"
    );

    let metrics = app.metrics().await;
    for expected in [
        "orders_hook_database_bytes{part=\"file\"} ",
        "orders_hook_journal_rows 1\n",
        "orders_hook_journal_oldest_seconds ",
    ] {
        assert!(metrics.contains(expected), "{expected} in:\n{metrics}");
    }
    assert_eq!(
        metrics.contains("orders_hook_database_bytes{part=\"wal\"}"),
        backend == Backend::Sqlite,
        "{metrics}"
    );
    app.stop().await;
}

async fn db_prune_deletes_what_aged_past_its_keeping_time_and_vacuum_gives_the_room_back(
    backend: Backend,
) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for i in 0..3 {
        let created = fixture_for("order.created", &format!("R-NEW-{i}"));
        assert_eq!(app.post(&created).await.0, 200);
    }
    // Half a year of refused requests, with their bodies.
    let body = fixture("order.created").to_string();
    let store = app.store();
    for i in 0..450 {
        store
            .record(&JournalEntry {
                at: Utc::now() - Duration::days(180) + Duration::minutes(i),
                request_id: None,
                event_type: Some("order.created".to_owned()),
                order_id: None,
                outcome: Outcome::Invalid,
                status_code: 400,
                duration_ms: 1,
                detail: "old".to_owned(),
                body: Some(body.clone().into()),
                replay_of: None,
            })
            .await
            .expect("an old journal row");
    }
    let pruned = app.cli(&["db", "prune"]);
    // 450 rows at 200 a batch: 200, 200, 50; then one empty look each at the sent notices,
    // the console's sessions and its links.
    assert_eq!(pruned["held"], true, "{pruned}");
    assert_eq!(pruned["journalRows"], 450, "{pruned}");
    assert_eq!(pruned["sentNotices"], 0, "{pruned}");
    assert_eq!(pruned["consoleRows"], 0, "{pruned}");
    assert_eq!(pruned["batches"], 6, "{pruned}");
    let kept = app.journal(None);
    assert_eq!(kept.len(), 3, "this week's requests stay: {kept:?}");
    assert_eq!(rows_of(&app.cli(&["db", "stats"]), "orders"), 3);

    let vacuumed = app.cli(&["db", "vacuum"]);
    let (before, after) = (&vacuumed["before"], &vacuumed["after"]);
    assert!(after["bytes"].as_u64().unwrap() > 0, "{vacuumed}");
    if backend == Backend::Sqlite {
        assert!(
            before["freeBytes"].as_u64().unwrap() > 0,
            "the pruned rows left free pages: {vacuumed}"
        );
        assert_eq!(after["freeBytes"], 0, "{vacuumed}");
        assert!(
            after["bytes"].as_u64() < before["bytes"].as_u64(),
            "{vacuumed}"
        );
    }
    // The service goes on after it.
    let created = fixture_for("order.created", "R-AFTER");
    assert_eq!(app.post(&created).await.0, 200);
    app.stop().await;
}
