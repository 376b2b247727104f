//! An order's life, with the fixtures.

use crate::runner::run;
use crate::support::*;
use orders_hook::domain::{ACTOR, Answer, Outcome, Status};
use orders_hook::on_both_backends;
use orders_hook::store::{JournalFilter, OrderFilter, OrderKey, Store};
use rust_decimal::Decimal;
use std::sync::Arc;

on_both_backends!(run => lifecycle);

async fn lifecycle(store: Arc<dyn Store>) {
    let store = &*store;
    ten_of_each(store).await;
    let steps = [
        ("order.created", 0, Status::New),
        ("order.updated", 15, Status::New),
        ("order.paid", 60, Status::Paid),
        ("order.received", 85, Status::Shipped),
        ("order.delivered", 131, Status::Delivered),
    ];
    for (name, minute, expected) in steps {
        let applied = send(store, &fixture_text(name), at(minute)).await;
        assert_eq!(applied.decision.outcome, Outcome::Applied, "{name}");
        assert!(applied.negative_balances.is_empty(), "{name}");
        let record = order(store, OrderKey::Id(ORDER)).await;
        assert_eq!(record.document.status(), expected, "status after {name}");
        assert_eq!(
            order(store, OrderKey::Number("SM-000001")).await,
            record,
            "the order by its number after {name}"
        );
        match name {
            "order.created" => {
                assert_eq!(created(&applied), ("SM-000001".to_owned(), at(30)));
                assert_eq!(kinds(&outbox_of(store, ORDER).await), both_chats("created"));
                let lines: Vec<(&str, Decimal)> = record
                    .document
                    .lines
                    .iter()
                    .map(|l| (l.sku.as_str(), l.quantity))
                    .collect();
                assert_eq!(lines, [(MILK, d("2")), (APPLES, d("1.5")), (BREAD, d("1"))]);
                assert!(!record.document.locked());
            }
            "order.updated" => {
                assert_eq!(applied.decision.answer, Answer::Ok);
                assert_eq!(outbox_of(store, ORDER).await.len(), 4);
            }
            "order.paid" => {
                assert!(record.document.paid && record.document.locked());
                let paid: Vec<(&str, Decimal)> = record
                    .document
                    .lines
                    .iter()
                    .map(|l| (l.sku.as_str(), l.quantity))
                    .collect();
                assert_eq!(paid, [(MILK, d("3")), (BREAD, d("1")), (CHEESE, d("1"))]);
                assert_eq!(record.document.total(), Some(d("468.47")));
                assert_eq!(
                    balances(store, STORE).await,
                    expect_balances(&[(APPLES, "10"), (BREAD, "10"), (CHEESE, "10"), (MILK, "10")]),
                    "payment writes nothing off"
                );
            }
            "order.received" => assert_eq!(applied.decision.stock_moves.len(), 3),
            _ => assert!(applied.decision.stock_moves.is_empty()),
        }
    }

    // The paid composition left the store exactly once; the apples were dropped before payment.
    assert_eq!(
        balances(store, STORE).await,
        expect_balances(&[(APPLES, "10"), (BREAD, "9"), (CHEESE, "9"), (MILK, "7")])
    );

    let record = order(store, OrderKey::Id(ORDER)).await;
    let doc = &record.document;
    assert_eq!(doc.number.as_deref(), Some("SM-000001"));
    assert_eq!(doc.expected_assembly_time, Some(at(30)));
    assert_eq!(doc.store_id.as_ref().map(|s| s.as_str()), Some(STORE));
    assert!(doc.locked() && doc.paid && doc.shipped && doc.delivered && !doc.cancelled);
    assert_eq!(doc.shipped_at, Some(at(85)));
    assert_eq!(doc.delivered_at, Some(at(131)));

    assert!(
        record.history.iter().all(|h| h.actor == ACTOR),
        "{:?}",
        record.history
    );
    assert!(record.history.iter().all(|h| h.outcome == "applied"));
    let mut events: Vec<&str> = record.history.iter().map(|h| h.event.as_str()).collect();
    events.dedup();
    assert_eq!(
        events,
        [
            "order.created",
            "order.changed",
            "order.paid",
            "order.received",
            "order.delivered"
        ]
    );
    assert_eq!(record.history.first().map(|h| h.at), Some(at(0)));
    assert_eq!(record.history.last().map(|h| h.at), Some(at(131)));

    let outbox = outbox_of(store, ORDER).await;
    let mut expected = both_chats("created");
    expected.extend(both_chats("changed"));
    assert_eq!(kinds(&outbox), expected);
    for row in &outbox {
        assert_eq!(row.original_order_id, ORDER);
        assert_eq!((row.status.as_str(), row.attempts), ("pending", 0));
        assert!(row.text.contains("SM-000001"), "{}", row.text);
        assert!(row.sent_at.is_none() && row.last_error.is_none());
    }
    assert_eq!(outbox[0].created_at, at(0));
    assert_eq!(outbox[2].created_at, at(15));

    let journal = store
        .journal(&JournalFilter {
            order_id: Some(ORDER.to_owned()),
            limit: None,
        })
        .await
        .expect("journal");
    let newest_first: Vec<&str> = journal
        .iter()
        .map(|row| row.event_type.as_deref().unwrap_or("?"))
        .collect();
    assert_eq!(
        newest_first,
        [
            "order.delivered",
            "order.received",
            "order.paid",
            "order.updated",
            "order.created"
        ]
    );
    for (row, (name, minute, _)) in journal.iter().zip(steps.iter().rev()) {
        assert_eq!(row.outcome, "applied");
        assert_eq!(row.status_code, 200);
        assert_eq!(row.at, at(*minute));
        assert_eq!(row.original_order_id.as_deref(), Some(ORDER));
        assert_eq!(row.body.as_deref(), Some(fixture_text(name).as_str()));
        assert!(row.duration_ms >= 0);
    }

    let summaries = all_orders(store, OrderFilter::default()).await;
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].number.as_deref(), Some("SM-000001"));
    assert_eq!(summaries[0].status, "delivered");
    assert_eq!(summaries[0].store_id.as_deref(), Some(STORE));
}
