//! Copies of one event arriving at once (two instances behind nginx).

use crate::runner::{run, run_twins};
use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use orders_hook::domain::{Answer, Outcome, Status};
use orders_hook::on_both_backends;
use orders_hook::store::{OrderFilter, OrderKey, Store};
use std::collections::BTreeSet;
use std::sync::Arc;

on_both_backends!(
    run => concurrent_creations_make_one_order, concurrent_shipments_write_off_once
);
on_both_backends!(run_twins => two_instances_make_one_order, two_instances_write_off_once);

async fn concurrent_creations_make_one_order(store: Arc<dyn Store>) {
    creations_at_once(&[store]).await;
}

async fn two_instances_make_one_order(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    creations_at_once(&[first, second]).await;
}

async fn creations_at_once(instances: &[Arc<dyn Store>]) {
    // Each copy arrives a second later than the one before, all within one instant.
    let body = fixture_text("order.created");
    let copies = (0..32)
        .map(|i| (body.clone(), at(0) + Duration::seconds(i)))
        .collect();
    let results = send_at_once(instances, copies).await;
    let store = &*instances[0];

    let answers: BTreeSet<(String, DateTime<Utc>)> = results.iter().map(created).collect();
    assert_eq!(
        answers.len(),
        1,
        "all 32 copies get the same answer: {answers:?}"
    );
    let (number, _) = answers.first().cloned().unwrap();
    assert_eq!(number, "SM-000001");
    let applied = results
        .iter()
        .filter(|r| r.decision.outcome == Outcome::Applied)
        .count();
    assert_eq!(applied, 1, "exactly one copy creates the order");
    assert!(
        results
            .iter()
            .filter(|r| r.decision.outcome != Outcome::Applied)
            .all(|r| r.decision.outcome == Outcome::Duplicate)
    );

    assert_eq!(
        ids(&all_orders(store, OrderFilter::default()).await),
        [ORDER]
    );
    assert_eq!(kinds(&all_outbox(store).await), both_chats("created"));
    let record = order(store, OrderKey::Id(ORDER)).await;
    assert_eq!(record.history.len(), 1, "{:?}", record.history);
    assert_eq!(journal_len(store).await, 32);

    // The losers drew no number: the next order gets the next one.
    let next = send(store, &about("order.created", "R-NEXT", None), at(5)).await;
    assert_eq!(created(&next).0, "SM-000002");
}

async fn concurrent_shipments_write_off_once(store: Arc<dyn Store>) {
    shipments_at_once(&[store]).await;
}

async fn two_instances_write_off_once(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    shipments_at_once(&[first, second]).await;
}

async fn shipments_at_once(instances: &[Arc<dyn Store>]) {
    let store = &*instances[0];
    let rows = [
        stock_row(STORE, MILK, "10"),
        stock_row(STORE, APPLES, "2.3"),
        stock_row(STORE, BREAD, "10"),
    ];
    store.import_stock(&rows).await.expect("import_stock");
    send(store, &fixture_text("order.created"), at(0)).await;

    let copies = (0..16)
        .map(|i| {
            let name = if i % 2 == 0 {
                "order.received"
            } else {
                "order.delivered"
            };
            (fixture_text(name), at(60) + Duration::seconds(i))
        })
        .collect();
    let results = send_at_once(instances, copies).await;

    let moved: usize = results.iter().map(|r| r.decision.stock_moves.len()).sum();
    assert_eq!(moved, 3, "three lines written off once, in one transaction");
    assert_eq!(
        results
            .iter()
            .filter(|r| !r.decision.stock_moves.is_empty())
            .count(),
        1
    );
    assert!(results.iter().all(|r| r.decision.answer == Answer::Ok));
    assert!(results.iter().all(|r| r.negative_balances.is_empty()));

    // The created composition (no payment came) left the store, exactly: in binary floating
    // point 2.3 - 1.5 is 0.7999999999999998.
    assert_eq!(
        balances(store, STORE).await,
        expect_balances(&[(APPLES, "0.8"), (BREAD, "9"), (MILK, "8")])
    );
    let doc = order(store, OrderKey::Id(ORDER)).await.document;
    assert_eq!(doc.status(), Status::Delivered);
    assert!(doc.shipped && doc.locked());
    assert_eq!(journal_len(store).await, 17);
}
