//! Instances starting together, each migrating on its own.

use crate::support::*;
use orders_hook::domain::Outcome;
use orders_hook::on_both_backends;
use orders_hook::store::{Store, StoreOptions};
use orders_hook::test_support::{Backend, fresh_database};
use std::sync::Arc;

on_both_backends!(instances_start_together);

/// Instances starting together migrate the schema once between them, and then share it. The
/// CLI migrates before every command too, so `orders-hook stock import` run while `serve`
/// starts is the SQLite case of this story.
async fn instances_start_together(backend: Backend) {
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return; // PostgreSQL is not available: fresh_database said so loudly.
    };
    let options = StoreOptions::default();
    let url = url.parse().expect("a database URL");
    let instances: Vec<Arc<dyn Store>> =
        futures::future::join_all((0..4).map(|_| orders_hook::store::open(&url, &options)))
            .await
            .into_iter()
            .map(|opened| opened.expect("open the store"))
            .collect();
    for migrated in futures::future::join_all(instances.iter().map(|s| s.migrate())).await {
        migrated.expect("migrate while other instances migrate");
    }
    let first = send(&*instances[0], &fixture_text("order.created"), at(0)).await;
    assert_eq!(created(&first).0, "SM-000001");
    for (i, instance) in instances.iter().enumerate() {
        let again = send(&**instance, &fixture_text("order.created"), at(1)).await;
        assert_eq!(again.decision.answer, first.decision.answer, "instance {i}");
        assert_eq!(again.decision.outcome, Outcome::Duplicate, "instance {i}");
    }
}
