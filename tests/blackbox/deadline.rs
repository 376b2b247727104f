use crate::harness::{Backend, TestApp, fixture};
use orders_hook::on_both_backends;
use sqlx::Connection;

on_both_backends!(a_stuck_database_gets_503_and_the_retry_finds_nothing_half_done);

/// Holds what an event for R246801357 must take first: SQLite's write lock, or the order's
/// advisory lock on PostgreSQL.
enum HeldLock {
    Sqlite(rusqlite::Connection),
    Postgres(sqlx::PgConnection),
}

async fn hold_order_lock(app: &TestApp) -> HeldLock {
    if app.database_url.starts_with("sqlite:") {
        let url = orders_hook::store::db::lite::LiteUrl::parse(&app.database_url).unwrap();
        let conn = rusqlite::Connection::open(url.path.unwrap()).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        HeldLock::Sqlite(conn)
    } else {
        let mut conn = sqlx::PgConnection::connect(&app.database_url)
            .await
            .unwrap();
        sqlx::raw_sql("BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('R246801357', 0))")
            .execute(&mut conn)
            .await
            .unwrap();
        HeldLock::Postgres(conn)
    }
}

async fn release(lock: HeldLock) {
    match lock {
        HeldLock::Sqlite(conn) => conn.execute_batch("ROLLBACK").unwrap(),
        HeldLock::Postgres(mut conn) => {
            sqlx::raw_sql("ROLLBACK").execute(&mut conn).await.unwrap();
        }
    }
}

async fn a_stuck_database_gets_503_and_the_retry_finds_nothing_half_done(backend: Backend) {
    let vars = [("ORDERS_HOOK_REQUEST_DEADLINE_MS", "500")];
    let Some(app) = TestApp::spawn_with(backend, &vars).await else {
        return;
    };
    let lock = hold_order_lock(&app).await;
    let (status, answer) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 503, "{answer}");
    assert!(answer.contains("\"error\":\"unavailable\""), "{answer}");
    assert_eq!(
        app.cli(&["orders", "list"]),
        serde_json::json!([]),
        "nothing committed"
    );
    assert!(app.outbox().is_empty());
    release(lock).await;

    let (status, answer) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(app.cli(&["orders", "list"]).as_array().unwrap().len(), 1);
    assert_eq!(app.outbox().len(), 2);
    app.stop().await;
}
