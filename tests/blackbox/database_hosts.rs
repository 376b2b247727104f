//! `database_url` with several hosts, on the test cluster alone (the real failover between two
//! servers is `tests/ha`): a host that is away is passed over, hosts that all refuse writes are
//! named in the refusal, and a database that turns read-only under a running service (what a
//! demoted primary looks like to it) is answered 503 until it takes writes again, without a
//! restart.

use crate::harness::{Backend, TestApp, eventually, fixture_for};
use sqlx::Connection;
use std::time::{Duration, Instant};

/// The same database, listed as several hosts: `port` for each of `hosts`.
fn listed(url: &str, hosts: &[String]) -> String {
    let (_, after) = url.split_once('@').expect("user@host in the test URL");
    let (_, path) = after.split_once('/').expect("a database in the test URL");
    // A password the trusting test cluster ignores: it must not be printed anywhere.
    format!("postgres://postgres:s3cret-pw@{}/{path}", hosts.join(","))
}

fn server_port(url: &str) -> u16 {
    let (_, after) = url.split_once('@').expect("user@host");
    let (authority, _) = after.split_once('/').expect("a database");
    let (_, port) = authority.rsplit_once(':').expect("a port");
    port.parse().expect("a port number")
}

fn closed_port() -> u16 {
    // Bound and dropped: nothing listens there now.
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

async fn admin(url: &str) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(url)
        .await
        .expect("an admin connection to the test database")
}

/// Makes the database refuse writes for new sessions, and ends the service's sessions: a
/// demotion, as the service sees it (its connections break, the server comes back read-only).
/// Done from the cluster's own database, which stays writable.
async fn turn_read_only(url: &str, read_only: bool) {
    let admin_url = orders_hook::test_support::postgres_admin_url().expect("the test cluster");
    let mut conn = admin(&admin_url).await;
    let (_, database) = url.rsplit_once('/').expect("a database in the URL");
    let setting = if read_only { "on" } else { "off" };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {database} SET default_transaction_read_only = {setting}"
    )))
    .execute(&mut conn)
    .await
    .expect("alter the database");
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(database)
        .execute(&mut conn)
        .await
        .expect("end the service's sessions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_host_that_is_away_is_passed_over_for_the_next() {
    let Some(mut app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let (port, away) = (server_port(&app.database_url), closed_port());
    // `localhost`: the other tests of this process name the cluster 127.0.0.1, and the metrics
    // are the process's.
    let url = listed(
        &app.database_url,
        &[format!("127.0.0.1:{away}"), format!("localhost:{port}")],
    );
    app.restart_with(&[("ORDERS_HOOK_DATABASE_URL", &url)])
        .await;
    let (status, answer) = app.post(&fixture_for("order.created", "R-HOSTS-1")).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"created\""), "{answer}");
    let metrics = app.metrics().await;
    for (host, in_use) in [
        (format!("localhost:{port}"), 1),
        (format!("127.0.0.1:{away}"), 0),
    ] {
        assert!(
            metrics.contains(&format!(
                "orders_hook_database_primary{{host=\"{host}\"}} {in_use}"
            )),
            "{host} shown as {in_use}: {metrics}"
        );
    }
    assert!(!metrics.contains("s3cret-pw"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hosts_that_all_refuse_writes_are_named_and_nothing_starts() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let port = server_port(&app.database_url);
    turn_read_only(&app.database_url, true).await;
    let url = listed(
        &app.database_url,
        &[format!("127.0.0.1:{port}"), format!("localhost:{port}")],
    );
    let migrated = std::process::Command::new(env!("CARGO_BIN_EXE_orders-hook"))
        .arg("migrate")
        .env("ORDERS_HOOK_DATABASE_URL", &url)
        .env("RUST_LOG", "info")
        .output()
        .expect("run orders-hook migrate");
    let said = String::from_utf8_lossy(&migrated.stderr);
    assert!(!migrated.status.success(), "{said}");
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        assert!(
            said.contains(&format!("{host}: does not take writes")),
            "{host} named: {said}"
        );
    }
    assert!(
        !said.contains("s3cret-pw"),
        "the password was printed: {said}"
    );
    assert!(said.contains("postgres:***@"), "the URL, masked: {said}");
    turn_read_only(&app.database_url, false).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_turned_read_only_is_answered_503_until_it_takes_writes_again() {
    let Some(mut app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let port = server_port(&app.database_url);
    let url = listed(&app.database_url, &[format!("127.0.0.1:{port}")]);
    app.restart_with(&[("ORDERS_HOOK_DATABASE_URL", &url)])
        .await;
    let (status, first) = app.post(&fixture_for("order.created", "R-RO-1")).await;
    assert_eq!(status, 200, "{first}");

    turn_read_only(&app.database_url, true).await;
    // Every attempt meanwhile is answered 503 within the deadline, never 200 and never 500:
    // nothing is written to a server that refuses writes.
    let second = fixture_for("order.created", "R-RO-2");
    let not_ready = eventually(Duration::from_secs(10), || async {
        app.get("/readyz").await.0 == 503
    })
    .await;
    assert!(
        not_ready,
        "/readyz says not ready while no host takes writes"
    );
    for _ in 0..3 {
        let started = Instant::now();
        let (status, answer) = app.post(&second).await;
        assert_eq!(status, 503, "while read-only: {answer}");
        assert!(started.elapsed() < Duration::from_millis(4500));
    }

    turn_read_only(&app.database_url, false).await;
    let taken = eventually(Duration::from_secs(15), || async {
        app.post(&second).await.0 == 200
    })
    .await;
    assert!(
        taken,
        "the hook takes orders again once the database takes writes"
    );
    assert_eq!(app.get("/readyz").await.0, 200);
    // The first order is answered as it was: nothing was done twice.
    let (_, again) = app.post(&fixture_for("order.created", "R-RO-1")).await;
    assert_eq!(again, first);
    let orders = app.cli(&["orders", "list"]);
    assert_eq!(orders.as_array().map(Vec::len), Some(2), "{orders}");
    app.stop().await;
}
