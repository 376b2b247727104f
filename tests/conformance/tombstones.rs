//! Cancellations: before the creation arrived, and after the goods left.

use crate::runner::run;
use crate::support::*;
use orders_hook::domain::{ACTOR, Answer, Outcome, Status};
use orders_hook::on_both_backends;
use orders_hook::store::{OrderKey, Store};
use std::sync::Arc;

on_both_backends!(run => cancellation_before_creation_and_after_shipment);

async fn cancellation_before_creation_and_after_shipment(store: Arc<dyn Store>) {
    let store = &*store;
    ten_of_each(store).await;

    // The cancellation overtook the creation: a tombstone.
    let cancelled = send(store, &fixture_text("order.canceled"), at(0)).await;
    assert_eq!(cancelled.decision.answer, Answer::Ok);
    assert_eq!(cancelled.decision.outcome, Outcome::Applied);
    let tomb = order(store, OrderKey::Id(ORDER)).await;
    assert_eq!(tomb.document.status(), Status::Cancelled);
    assert_eq!(tomb.document.number, None);
    assert!(outbox_of(store, ORDER).await.is_empty());

    // The late creation is answered positively and numbered, but stays cancelled, quietly.
    let late = send(store, &fixture_text("order.created"), at(3)).await;
    assert_eq!(created(&late), ("SM-000001".to_owned(), at(33)));
    assert_eq!(late.decision.outcome, Outcome::Applied);
    assert_eq!(status(store, OrderKey::Id(ORDER)).await, Status::Cancelled);
    assert_eq!(
        status(store, OrderKey::Number("SM-000001")).await,
        Status::Cancelled
    );
    assert!(
        outbox_of(store, ORDER).await.is_empty(),
        "nobody is told to pick"
    );
    let again = send(store, &fixture_text("order.created"), at(4)).await;
    assert_eq!(again.decision.answer, late.decision.answer);
    assert_eq!(again.decision.outcome, Outcome::Duplicate);

    // Nothing of a cancelled order leaves the store.
    let received = send(store, &fixture_text("order.received"), at(60)).await;
    assert_eq!(received.decision.outcome, Outcome::Ignored);
    assert_eq!(status(store, OrderKey::Id(ORDER)).await, Status::Cancelled);
    let record = order(store, OrderKey::Id(ORDER)).await;
    assert!(record.history.iter().all(|h| h.actor == ACTOR));
    assert_eq!(record.history.len(), 2, "{:?}", record.history);
    assert!(!record.document.shipped);

    // A cancellation after shipment: the write-off stands, nobody has anything to put back.
    const SHIPPED: &str = "R-SHIPPED";
    send(store, &about("order.created", SHIPPED, None), at(10)).await;
    send(store, &about("order.received", SHIPPED, None), at(40)).await;
    let after_shipment =
        expect_balances(&[(APPLES, "8.5"), (BREAD, "9"), (CHEESE, "10"), (MILK, "8")]);
    assert_eq!(balances(store, STORE).await, after_shipment);
    let late_cancel = send(store, &about("order.canceled", SHIPPED, None), at(50)).await;
    assert_eq!(late_cancel.decision.outcome, Outcome::Applied);
    assert!(late_cancel.decision.notices.is_empty());
    let record = order(store, OrderKey::Id(SHIPPED)).await;
    assert_eq!(record.document.status(), Status::Cancelled);
    assert!(record.document.shipped);
    assert_eq!(
        record.history.last().map(|h| h.event.as_str()),
        Some("order.cancelled")
    );
    assert_eq!(
        balances(store, STORE).await,
        after_shipment,
        "the write-off is kept"
    );
    assert_eq!(
        kinds(&outbox_of(store, SHIPPED).await),
        both_chats("created")
    );

    // A cancellation while picking tells both chats, once.
    const PICKING: &str = "R-PICKING";
    send(store, &about("order.created", PICKING, None), at(20)).await;
    send(store, &about("order.canceled", PICKING, None), at(25)).await;
    send(store, &about("order.canceled", PICKING, None), at(26)).await;
    let outbox = outbox_of(store, PICKING).await;
    let mut expected = both_chats("created");
    expected.extend(both_chats("cancelled"));
    assert_eq!(kinds(&outbox), expected);
    assert!(
        outbox[2].text.contains("Клиент передумал"),
        "{}",
        outbox[2].text
    );
    assert_eq!(balances(store, STORE).await, after_shipment);
}
