//! The runners: one story, one fresh database, migrated; or two instances on one database.
//! Without the test cluster the PostgreSQL runs return at once, after a loud message.

use orders_hook::store::{Store, StoreOptions};
use orders_hook::test_support::{Backend, fresh_database};
use std::future::Future;
use std::sync::Arc;

pub async fn run<F, Fut>(backend: Backend, story: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return; // PostgreSQL is not available: fresh_database said so loudly.
    };
    story(open_migrated(&url).await).await;
}

/// Two instances of the service on one database (two pools: two processes, as far as the
/// database can tell). The second starts once the first has migrated.
pub async fn run_twins<F, Fut>(backend: Backend, story: F)
where
    F: FnOnce(Arc<dyn Store>, Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return; // PostgreSQL is not available: fresh_database said so loudly.
    };
    let first = open_migrated(&url).await;
    story(first, open_migrated(&url).await).await;
}

pub async fn open_migrated(url: &str) -> Arc<dyn Store> {
    let store = orders_hook::store::open(
        &url.parse().expect("a database URL"),
        &StoreOptions::default(),
    )
    .await
    .expect("open the store");
    store.migrate().await.expect("migrate");
    store
}
