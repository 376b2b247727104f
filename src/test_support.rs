//! Databases for the test suites: a fresh SQLite file or a fresh database on the throw-away
//! PostgreSQL cluster that `scripts/test` starts, and the macro that runs a scenario on both.
//! Not part of the service.

use sqlx::Connection;
use std::sync::atomic::{AtomicU64, Ordering};

/// The backends every storage and black-box test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The test cluster's admin URL; `None` (with a loud message) when the tests run without one.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("ORDERS_HOOK_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "SKIPPED: ORDERS_HOOK_TEST_POSTGRES_URL is not set, this PostgreSQL test did not \
                 run. Run the suite with scripts/test, which starts a throw-away cluster."
            );
            None
        }
    }
}

fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// The same scenario, once per backend: the tests `<scenario>::sqlite` and
/// `<scenario>::postgres`.
///
/// - `on_both_backends!(a, b)` calls `a(Backend)`: the scenario opens what it needs itself.
/// - `on_both_backends!(runner => a, b)` calls `runner(Backend, a)`: the runner gives the story
///   its fresh, migrated store (the conformance suite's stories).
///
/// Both are multi-threaded, so that concurrent requests in a scenario really overlap.
#[doc(hidden)]
#[macro_export]
macro_rules! on_both_backends {
    ($runner:ident => $($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$runner($crate::test_support::Backend::Sqlite, super::$scenario).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$runner($crate::test_support::Backend::Postgres, super::$scenario).await
            }
        }
    )*};
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$scenario($crate::test_support::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$scenario($crate::test_support::Backend::Postgres).await
            }
        }
    )*};
}

/// A URL of a database nobody else uses, or `None` when PostgreSQL is not available.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(format!(
            "sqlite://{}",
            dir.join(format!("{}.db", unique_name("t"))).display()
        )),
        Backend::Postgres => {
            let admin = postgres_admin_url()?;
            let name = unique_name("t");
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to the test PostgreSQL cluster");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create a test database");
            let base = admin
                .rsplit_once('/')
                .map_or(admin.as_str(), |(base, _)| base);
            Some(format!("{base}/{name}"))
        }
    }
}

/// A marketplace body from `tests/fixtures/`.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("fixture json")
}

/// Waits (polling) until `check` holds, up to `within`; false if it never did.
pub async fn eventually<F, Fut>(within: std::time::Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The service on a free loopback port against a fresh database of `backend`, with `token` and
/// (optionally) a TOML file's `settings`, for the benchmarks: the running service and its hook
/// URL, or `None` when that backend is not available.
pub async fn serve_for_bench(
    backend: Backend,
    dir: &std::path::Path,
    token: &str,
    settings: Option<&str>,
) -> Option<(crate::app::Running, String)> {
    let url = fresh_database(backend, dir).await?;
    let config_path = dir.join("orders-hook.toml");
    std::fs::write(&config_path, settings.unwrap_or_default()).expect("write config");
    let env = std::collections::HashMap::from([
        ("ORDERS_HOOK_DATABASE_URL", url),
        ("ORDERS_HOOK_CLIENT_TOKENS", token.to_owned()),
        ("ORDERS_HOOK_CONSOLE_LISTEN", "127.0.0.1:0".to_owned()),
    ]);
    let config =
        crate::config::Config::load_with(Some(&config_path), &|name| env.get(name).cloned())
            .expect("config");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let running = crate::app::start(
        &config,
        listener,
        tokio_util::sync::CancellationToken::new(),
    )
    .await
    .expect("start");
    let hook = format!("http://{}/sbermarket/orders/hook/", running.addr);
    Some((running, hook))
}
