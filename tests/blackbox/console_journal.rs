//! The operator's journal search and dashboard numbers, read back after real hook requests on
//! both databases: problems first, each filter, the time range, and the hour's counts.

use crate::console_client::ConsoleClient;
use crate::harness::{Backend, OPERATOR_TOKEN, TestApp, fixture, fixture_for};
use chrono::{Duration, Utc};
use orders_hook::domain::Outcome;
use orders_hook::on_both_backends;
use orders_hook::store::JournalSearch;

on_both_backends!(
    operator_pages_journal_search_puts_problems_first_and_filters,
    dashboard_counts_the_hours_requests_and_todays_orders,
);

/// An applied order, a change to an unknown order, and a body that is not JSON.
async fn three_requests(app: &TestApp) {
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let (status, _) = app.post(&fixture_for("order.updated", "R-UNKNOWN")).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_raw(b"{not json".to_vec(), Some(crate::harness::TOKEN))
        .await;
    assert_eq!(status, 400);
}

async fn operator_pages_journal_search_puts_problems_first_and_filters(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    three_requests(&app).await;
    let store = app.store();
    let all = store
        .search_journal(&JournalSearch::default())
        .await
        .unwrap();
    let outcomes: Vec<Outcome> = all.iter().map(|row| row.outcome).collect();
    assert_eq!(
        outcomes,
        vec![Outcome::Invalid, Outcome::NotFound, Outcome::Applied],
        "problems first, newest first within"
    );
    let by_time = JournalSearch {
        problems_first: false,
        ..JournalSearch::default()
    };
    let ids: Vec<i64> = store
        .search_journal(&by_time)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert!(ids.windows(2).all(|pair| pair[0] > pair[1]), "{ids:?}");

    for (search, expected) in [
        (
            JournalSearch {
                outcome: Some(Outcome::Applied),
                ..JournalSearch::default()
            },
            1,
        ),
        (
            JournalSearch {
                event_type: Some("order.updated".into()),
                ..JournalSearch::default()
            },
            1,
        ),
        (
            JournalSearch {
                order_id: Some("R246801357".into()),
                ..JournalSearch::default()
            },
            1,
        ),
        (
            JournalSearch {
                from: Utc::now() - Duration::minutes(5),
                until: Utc::now() + Duration::minutes(5),
                ..JournalSearch::default()
            },
            3,
        ),
        (
            JournalSearch {
                from: Utc::now() + Duration::minutes(5),
                ..JournalSearch::default()
            },
            0,
        ),
        (
            JournalSearch {
                until: Utc::now() - Duration::minutes(5),
                ..JournalSearch::default()
            },
            0,
        ),
        (
            JournalSearch {
                limit: 2,
                ..JournalSearch::default()
            },
            2,
        ),
    ] {
        let rows = store.search_journal(&search).await.unwrap();
        assert_eq!(rows.len(), expected, "{search:?}: {rows:?}");
    }

    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let (status, page) = operator.get("/journal").await;
    assert_eq!(status, 200);
    let invalid = page.find("outcome-invalid").expect("the invalid row");
    let applied = page.find("outcome-applied").expect("the applied row");
    assert!(invalid < applied, "problems first on the page");
    let (_, page) = operator.get("/journal?outcome=not_found").await;
    assert!(
        page.contains("R-UNKNOWN") && !page.contains("outcome-applied"),
        "{page}"
    );
    app.stop().await;
}

async fn dashboard_counts_the_hours_requests_and_todays_orders(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    three_requests(&app).await;
    let store = app.store();
    let timings = store
        .hook_timings(Utc::now() - Duration::hours(1), 1000)
        .await
        .unwrap();
    assert_eq!(timings.len(), 3);
    let today = store
        .orders_since(Utc::now() - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(today.len(), 1);
    assert_eq!(today[0].store_id.as_deref(), Some("77-001"));
    assert_eq!(today[0].count, 1);
    assert_eq!(
        store.backlog().await.unwrap().len(),
        app.outbox_in("pending").await.len()
    );

    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let (status, page) = operator.get("/dashboard").await;
    assert_eq!(status, 200);
    assert!(page.contains("Запросов: <strong>3</strong>"), "{page}");
    assert!(page.contains("Лесная"), "the store's name: {page}");
    assert!(!page.contains("<script"), "no script: {page}");
    app.stop().await;
}
