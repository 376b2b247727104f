use crate::harness::{Backend, TestApp, fixture, fixture_for};
use futures::future::join_all;
use orders_hook::on_both_backends;
use std::collections::HashSet;

on_both_backends!(
    thirty_two_copies_of_a_creation_make_one_order,
    sixteen_shipment_events_write_stock_off_once,
    numbers_of_concurrent_orders_are_unique,
);

async fn thirty_two_copies_of_a_creation_make_one_order(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let body = fixture("order.created");
    let answers = join_all((0..32).map(|_| app.post(&body))).await;
    let distinct: HashSet<_> = answers.iter().collect();
    assert_eq!(
        distinct.len(),
        1,
        "all 32 got the same answer: {distinct:?}"
    );
    let (status, answer) = &answers[0];
    assert_eq!(*status, 200);
    assert!(answer.contains("\"number\":\"SM-000001\""), "{answer}");
    assert_eq!(app.cli(&["orders", "list"]).as_array().unwrap().len(), 1);
    let created: Vec<_> = app
        .outbox()
        .into_iter()
        .filter(|r| r["kind"] == "created")
        .collect();
    assert_eq!(created.len(), 2, "exactly the store and pickers notices");
    let journal = app.journal(Some("R246801357"));
    assert_eq!(journal.len(), 32);
    assert_eq!(
        journal.iter().filter(|j| j["outcome"] == "applied").count(),
        1
    );
    app.stop().await;
}

async fn sixteen_shipment_events_write_stock_off_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let stock = app.file(
        "stock.csv",
        "77-001,4607001771234,100\n77-001,2000000012345,50.5\n77-001,4600494000012,10\n",
    );
    app.cli(&["stock", "import", &stock]);
    app.post(&fixture("order.created")).await;
    let received = fixture("order.received");
    let delivered = fixture("order.delivered");
    let answers =
        join_all((0..16).map(|i| app.post(if i % 2 == 0 { &received } else { &delivered }))).await;
    assert!(
        answers.iter().all(|(status, _)| *status == 200),
        "{answers:?}"
    );
    assert_eq!(app.balance("4607001771234").as_deref(), Some("98"));
    assert_eq!(app.balance("2000000012345").as_deref(), Some("49"));
    assert_eq!(app.balance("4600494000012").as_deref(), Some("9"));
    assert_eq!(app.order("R246801357")["status"], "delivered");
    app.stop().await;
}

async fn numbers_of_concurrent_orders_are_unique(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let bodies: Vec<_> = (0..10)
        .map(|i| fixture_for("order.created", &format!("R-{i}")))
        .collect();
    let answers = join_all(bodies.iter().map(|b| app.post(b))).await;
    let numbers: HashSet<String> = answers
        .iter()
        .map(|(_, body)| {
            serde_json::from_str::<serde_json::Value>(body).unwrap()["number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(numbers.len(), 10, "{numbers:?}");
    app.stop().await;
}
