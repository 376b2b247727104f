//! Retention and the database's size: what a housekeeping round deletes (old journal rows and
//! old sent notices, a batch at a time) and what it never touches (orders, their history, the
//! stock ledger, notices still owed or parked), the lease that keeps it to one instance at a
//! time, and `stats`, which names every table of the schema.

use crate::runner::{open_migrated, run, run_twins};
use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use orders_hook::housekeeping::{Housekeeper, HousekeepingSettings, Round, TASK};
use orders_hook::notify::ManualClock;
use orders_hook::on_both_backends;
use orders_hook::store::{NoticeClaim, OutboxStatus, SendLimits, Settlement, Store, TABLES};
use orders_hook::test_support::{Backend, fresh_database};
use sqlx::Connection;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

on_both_backends!(
    run => old_journal_rows_and_old_sent_notices_go_and_nothing_else,
    a_lease_is_taken_renewed_and_given_back,
);
on_both_backends!(run_twins => one_instance_prunes_at_a_time);
on_both_backends!(run_with_url => stats_count_every_table_of_the_schema);

/// Keeps the journal 10 days and sent notices 5, two rows a batch, no pause.
fn settings() -> HousekeepingSettings {
    HousekeepingSettings {
        journal_retention: Some(Duration::days(10)),
        outbox_retention: Some(Duration::days(5)),
        batch_rows: 2,
        pause: std::time::Duration::ZERO,
        ..HousekeepingSettings::default()
    }
}

fn housekeeper(store: &Arc<dyn Store>, now: DateTime<Utc>) -> (Housekeeper, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(now));
    (
        Housekeeper::new(store.clone(), clock.clone(), settings()),
        clock,
    )
}

async fn round(housekeeper: &Housekeeper) -> Round {
    housekeeper
        .run_once(&CancellationToken::new())
        .await
        .expect("a housekeeping round")
}

/// Sends every pending notice at `from`, a claim every two seconds, parking `park` as failed.
async fn deliver_all(store: &dyn Store, from: DateTime<Utc>, park: (&str, &str)) {
    let mut now = from;
    for _ in 0..20 {
        let claim = NoticeClaim {
            worker: "w".to_owned(),
            now,
            lease: std::time::Duration::from_secs(60),
            limits: SendLimits::default(),
        };
        let claimed = store.claim_due_notices(&claim).await.expect("claim");
        if claimed.is_empty() {
            return;
        }
        for notice in claimed {
            let settlement = if (notice.original_order_id.as_str(), notice.chat.as_str()) == park {
                Settlement::Failed {
                    error: "403 Forbidden: bot was kicked".to_owned(),
                    maybe_sent: false,
                }
            } else {
                Settlement::Sent {
                    message_id: Some(notice.id),
                    at: now,
                }
            };
            assert!(
                store
                    .settle_notice(notice.id, "w", &settlement)
                    .await
                    .unwrap()
            );
        }
        now += Duration::seconds(2);
    }
    panic!("the outbox never emptied");
}

/// Rows per table, from `stats`.
async fn rows(store: &dyn Store) -> BTreeMap<&'static str, i64> {
    let stats = store.stats().await.expect("stats");
    stats.tables.iter().map(|t| (t.table, t.rows)).collect()
}

async fn old_journal_rows_and_old_sent_notices_go_and_nothing_else(store: Arc<dyn Store>) {
    // Day 0: three orders, one of them shipped (a write-off in the ledger), their notices sent
    // except one parked as failed; then a fourth whose notices are never sent.
    for id in ["R-1", "R-2", "R-3"] {
        send(&*store, &about("order.created", id, None), at(0)).await;
    }
    send(&*store, &about("order.received", "R-1", None), at(1)).await;
    deliver_all(&*store, at(2), ("R-2", STORE_CHAT)).await;
    send(&*store, &about("order.created", "R-4", None), at(30)).await;
    // Forty days on: yesterday's order is within every keeping time.
    let now = at(0) + Duration::days(40);
    send(
        &*store,
        &about("order.created", "R-5", None),
        now - Duration::days(1),
    )
    .await;
    let before = rows(&*store).await;
    assert_eq!((before["journal"], before["outbox"]), (6, 10));
    let orders_before = all_orders(&*store, Default::default()).await;
    let stock_before = store.stock(None).await.unwrap();

    let (housekeeper, _clock) = housekeeper(&store, now);
    let pruned = round(&housekeeper).await;
    // Five old journal rows in batches of two: 2, 2, 1. Five sent notices: 2, 2, 1. The
    // console's two tables: one empty batch each (console_sessions.rs tells their pruning).
    assert_eq!(
        pruned,
        Round {
            held: true,
            journal_rows: 5,
            sent_notices: 5,
            console_rows: 0,
            batches: 8,
        }
    );
    let after = rows(&*store).await;
    assert_eq!(after["journal"], 1, "yesterday's request stays");
    for table in ["orders", "order_history", "order_numbers", "stock_ledger"] {
        assert_eq!(after[table], before[table], "{table} is a business record");
    }
    assert_eq!(all_orders(&*store, Default::default()).await, orders_before);
    assert_eq!(store.stock(None).await.unwrap(), stock_before);
    let left: Vec<(String, OutboxStatus)> = all_outbox(&*store)
        .await
        .into_iter()
        .map(|row| (row.original_order_id, row.status))
        .collect();
    assert_eq!(
        left,
        [
            ("R-2".to_owned(), OutboxStatus::Failed),
            ("R-4".to_owned(), OutboxStatus::Pending),
            ("R-4".to_owned(), OutboxStatus::Pending),
            ("R-5".to_owned(), OutboxStatus::Pending),
            ("R-5".to_owned(), OutboxStatus::Pending),
        ],
        "old notices still owed or parked stay, whatever their age"
    );
    let history = order(&*store, orders_hook::store::OrderKey::Id("R-1")).await;
    assert!(history.history.len() >= 2, "{:?}", history.history);

    // Nothing left to prune: one empty batch each.
    let again = round(&housekeeper).await;
    assert_eq!(
        (again.journal_rows, again.sent_notices, again.batches),
        (0, 0, 4)
    );
}

async fn a_lease_is_taken_renewed_and_given_back(store: Arc<dyn Store>) {
    let now = at(0);
    let until = now + Duration::minutes(5);
    assert!(store.take_lease(TASK, "a", now, until).await.unwrap());
    assert!(
        store.take_lease(TASK, "a", now, until).await.unwrap(),
        "renewed"
    );
    assert!(!store.take_lease(TASK, "b", now, until).await.unwrap());
    assert!(
        !store
            .take_lease(TASK, "b", until - Duration::seconds(1), until)
            .await
            .unwrap(),
        "still running"
    );
    assert!(
        store
            .take_lease(TASK, "b", until, until + Duration::minutes(5))
            .await
            .unwrap(),
        "run out: taken over"
    );
    store
        .end_lease(TASK, "a", until)
        .await
        .expect("ending a lease one no longer holds changes nothing");
    assert!(!store.take_lease(TASK, "a", until, until).await.unwrap());
    store.end_lease(TASK, "b", until).await.unwrap();
    assert!(
        store.take_lease(TASK, "a", until, until).await.unwrap(),
        "given back: free at once"
    );
    // Another task's lease is another row.
    assert!(store.take_lease("other", "b", until, until).await.unwrap());
}

async fn one_instance_prunes_at_a_time(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    send(&*first, &about("order.created", "R-1", None), at(0)).await;
    let now = at(0) + Duration::days(11);
    // An instance of another process is in the middle of a round.
    assert!(
        first
            .take_lease(TASK, "elsewhere", now, now + Duration::minutes(5))
            .await
            .unwrap()
    );
    let (on_first, first_clock) = housekeeper(&first, now);
    let (on_second, second_clock) = housekeeper(&second, now);
    assert_eq!(round(&on_first).await, Round::default());
    assert_eq!(round(&on_second).await, Round::default());
    assert_eq!(rows(&*first).await["journal"], 1, "nothing done meanwhile");

    // Its lease runs out (it died): the next round anywhere takes over.
    for clock in [&first_clock, &second_clock] {
        clock.advance(std::time::Duration::from_secs(5 * 60));
    }
    let taken = round(&on_second).await;
    assert!(taken.held);
    assert_eq!(taken.journal_rows, 1);
    // It gave the lease back: the other instance need not wait it out.
    assert!(round(&on_first).await.held);
}

/// A story that reads the schema itself, beside the store.
async fn run_with_url<F, Fut>(backend: Backend, story: F)
where
    F: FnOnce(Arc<dyn Store>, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return; // PostgreSQL is not available: fresh_database said so loudly.
    };
    story(open_migrated(&url).await, url).await;
}

async fn stats_count_every_table_of_the_schema(store: Arc<dyn Store>, url: String) {
    send(&*store, &about("order.created", "R-1", None), at(0)).await;
    let stats = store.stats().await.expect("stats");
    let mut schema: Vec<String> = if url.starts_with("sqlite:") {
        let pool = orders_hook::store::db::lite::LitePool::open_url(&url)
            .await
            .unwrap();
        orders_hook::store::db::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'
             AND tablename NOT LIKE '_sqlx%'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap()
    };
    schema.sort();
    let mut listed: Vec<&str> = TABLES.to_vec();
    listed.sort();
    assert_eq!(schema, listed, "db stats counts every table");
    let counted: BTreeMap<&str, i64> = stats.tables.iter().map(|t| (t.table, t.rows)).collect();
    assert_eq!(
        (counted["orders"], counted["journal"], counted["outbox"]),
        (1, 1, 2)
    );
    assert!(stats.size.bytes > 0);
    assert_eq!(stats.oldest_journal_at, Some(at(0)));
    assert_eq!(stats.oldest_sent_notice_at, None);
    if url.starts_with("sqlite:") {
        assert_eq!(stats.backend, "SQLite");
        assert!(stats.size.wal_bytes.is_some() && stats.size.free_bytes.is_some());
    } else {
        assert_eq!(stats.backend, "PostgreSQL");
        assert_eq!((stats.size.wal_bytes, stats.size.free_bytes), (None, None));
    }
    let gauges = store.gauges().await.expect("gauges");
    assert_eq!(gauges.journal_rows, 1);
    assert_eq!(gauges.oldest_journal_at, Some(at(0)));
    assert!(gauges.size.bytes > 0);
}
