//! Partner numbers.

use crate::runner::{run, run_twins};
use crate::support::*;
use orders_hook::ingest::Applied;
use orders_hook::on_both_backends;
use orders_hook::store::{OrderFilter, OrderKey, Store};
use std::collections::BTreeSet;
use std::sync::Arc;

on_both_backends!(run => numbers_are_unique_and_sequential);
on_both_backends!(run_twins => two_instances_share_one_sequence);

async fn numbers_are_unique_and_sequential(store: Arc<dyn Store>) {
    numbers_at_once(&[store]).await;
}

async fn two_instances_share_one_sequence(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    numbers_at_once(&[first, second]).await;
}

async fn numbers_at_once(instances: &[Arc<dyn Store>]) {
    let order_ids: Vec<String> = (1..=5).map(|i| format!("R-SEQ-{i}")).collect();
    let bodies = order_ids
        .iter()
        .map(|id| (about("order.created", id, None), at(0)))
        .collect();
    let results: Vec<(String, Applied)> = order_ids
        .into_iter()
        .zip(send_at_once(instances, bodies).await)
        .collect();
    let store = &*instances[0];

    let numbers: BTreeSet<String> = results.iter().map(|(_, a)| created(a).0).collect();
    let expected: BTreeSet<String> = (1..=5).map(|i| format!("SM-{i:06}")).collect();
    assert_eq!(numbers, expected, "five distinct numbers, none skipped");
    for (id, applied) in &results {
        let number = created(applied).0;
        let record = order(store, OrderKey::Number(&number)).await;
        assert_eq!(record.document.original_order_id.as_str(), id);
        assert_eq!(record.document.number.as_deref(), Some(number.as_str()));
    }
    assert_eq!(all_orders(store, OrderFilter::default()).await.len(), 5);
    assert_eq!(all_outbox(store).await.len(), 10);
}
