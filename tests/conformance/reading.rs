//! What the CLI and the metrics read, and what they import.

use crate::runner::run;
use crate::support::*;
use orders_hook::domain::{Answer, Outcome, Status};
use orders_hook::on_both_backends;
use orders_hook::store::{
    CatalogRow, JournalEntry, JournalFilter, OrderFilter, OrderKey, OutboxFilter, OutboxStatus,
    Store,
};
use rust_decimal::Decimal;
use std::sync::Arc;

on_both_backends!(run => reading_and_importing);

async fn reading_and_importing(store: Arc<dyn Store>) {
    let store = &*store;
    store.ping().await.expect("ping");
    assert_eq!(
        store.order(OrderKey::Id("R-UNKNOWN")).await.expect("order"),
        None
    );
    assert_eq!(
        store
            .order(OrderKey::Number("SM-000001"))
            .await
            .expect("order"),
        None
    );
    let gauges = store.gauges().await.expect("gauges");
    assert!(gauges.outbox.is_empty());
    assert_eq!(gauges.negative_balances, 0);

    // Stock: an import sets counted balances, it does not add to them.
    let imported = store
        .import_stock(&[
            stock_row(STORE, MILK, "1"),
            stock_row(STORE, APPLES, "1.5"),
            stock_row(STORE, BREAD, "5"),
            stock_row(OTHER_STORE, MILK, "4.25"),
        ])
        .await
        .expect("import_stock");
    assert_eq!(imported, 4);
    assert_eq!(
        store
            .import_stock(&[stock_row(STORE, BREAD, "6")])
            .await
            .expect("import_stock"),
        1
    );
    assert_eq!(
        store.stock(Some(STORE)).await.expect("stock"),
        [
            stock_row(STORE, APPLES, "1.5"),
            stock_row(STORE, BREAD, "6"),
            stock_row(STORE, MILK, "1"),
        ]
    );
    assert_eq!(store.stock(None).await.expect("stock").len(), 4);
    assert!(store.stock(Some("77-999")).await.expect("stock").is_empty());

    // The catalog: an import of a known sku replaces its name (the notices are story 7's).
    let catalog = [
        CatalogRow {
            sku: MILK.to_owned(),
            name: "Молоко".to_owned(),
            unit: None,
            zone: None,
        },
        CatalogRow {
            sku: APPLES.to_owned(),
            name: "Яблоки".to_owned(),
            unit: Some("кг".to_owned()),
            zone: None,
        },
    ];
    assert_eq!(store.import_catalog(&catalog).await.expect("catalog"), 2);
    assert_eq!(
        store.import_catalog(&catalog[..1]).await.expect("catalog"),
        1
    );

    // Orders: A new at 77-001, B paid at 77-002 (unrouted: no notices), C cancelled at 77-001.
    send(store, &about("order.created", "R-A", None), at(1)).await;
    send(
        store,
        &about("order.created", "R-B", Some(OTHER_STORE)),
        at(2),
    )
    .await;
    send(store, &about("order.paid", "R-B", Some(OTHER_STORE)), at(3)).await;
    send(store, &about("order.created", "R-C", None), at(4)).await;
    send(store, &about("order.canceled", "R-C", None), at(5)).await;
    let filter = |status: Option<&str>, store_id: Option<&str>, limit: Option<u32>| OrderFilter {
        status: status.map(|status| Status::parse(status).expect("an order status")),
        store_id: store_id.map(str::to_owned),
        limit,
    };
    let everything = all_orders(store, filter(None, None, None)).await;
    assert_eq!(ids(&everything), ["R-C", "R-B", "R-A"], "newest first");
    let b = &everything[1];
    assert_eq!(b.number.as_deref(), Some("SM-000002"));
    assert_eq!(b.status, "paid");
    assert_eq!(b.store_id.as_deref(), Some(OTHER_STORE));
    assert_eq!((b.created_at, b.updated_at), (at(2), at(3)));
    assert_eq!(
        ids(&all_orders(store, filter(Some("new"), None, None)).await),
        ["R-A"]
    );
    assert_eq!(
        ids(&all_orders(store, filter(Some("paid"), None, None)).await),
        ["R-B"]
    );
    assert_eq!(
        ids(&all_orders(store, filter(Some("cancelled"), Some(STORE), None)).await),
        ["R-C"]
    );
    assert_eq!(
        ids(&all_orders(store, filter(None, Some(STORE), None)).await),
        ["R-C", "R-A"]
    );
    assert!(
        all_orders(store, filter(Some("new"), Some(OTHER_STORE), None))
            .await
            .is_empty()
    );
    assert_eq!(
        ids(&all_orders(store, filter(None, None, Some(2))).await),
        ["R-C", "R-B"]
    );

    // The outbox, oldest first, filtered by status and by order.
    let outbox = all_outbox(store).await;
    assert_eq!(outbox.len(), 6);
    assert!(outbox.windows(2).all(|w| w[0].id < w[1].id));
    let by_status = |status: &str| OutboxFilter {
        status: Some(OutboxStatus::parse(status).expect("an outbox status")),
        order_id: None,
    };
    assert_eq!(
        store.outbox(&by_status("pending")).await.expect("outbox"),
        outbox
    );
    assert!(
        store
            .outbox(&by_status("sent"))
            .await
            .expect("outbox")
            .is_empty()
    );
    assert!(
        store
            .outbox(&by_status("failed"))
            .await
            .expect("outbox")
            .is_empty()
    );
    let mut expected = both_chats("created");
    expected.extend(both_chats("cancelled"));
    assert_eq!(kinds(&outbox_of(store, "R-C").await), expected);
    assert!(outbox_of(store, "R-B").await.is_empty());
    assert_eq!(
        store.gauges().await.expect("gauges").outbox,
        [("pending".to_owned(), 6)]
    );

    // A write-off may take a balance below zero (the goods did leave); exactly zero is not below.
    let shipped = send(store, &about("order.received", "R-A", None), at(6)).await;
    let negative: Vec<(&str, Decimal)> = shipped
        .negative_balances
        .iter()
        .map(|(movement, balance)| (movement.sku.as_str(), *balance))
        .collect();
    assert_eq!(negative, [(MILK, d("-1"))]);
    assert_eq!(
        balances(store, STORE).await,
        expect_balances(&[(APPLES, "0"), (BREAD, "5"), (MILK, "-1")])
    );
    assert_eq!(store.gauges().await.expect("gauges").negative_balances, 1);
    // 77-002 counted only milk: bread and cheese had no balance at all and go below zero.
    send(
        store,
        &about("order.delivered", "R-B", Some(OTHER_STORE)),
        at(7),
    )
    .await;
    assert_eq!(
        balances(store, OTHER_STORE).await,
        expect_balances(&[(BREAD, "-1"), (CHEESE, "-1"), (MILK, "1.25")])
    );
    assert_eq!(store.gauges().await.expect("gauges").negative_balances, 3);

    // An event for an unknown order is journaled but creates nothing.
    let unknown = send(store, &about("order.paid", "R-LATER", None), at(8)).await;
    assert_eq!(unknown.decision.answer, Answer::NotFound);
    assert_eq!(
        store.order(OrderKey::Id("R-LATER")).await.expect("order"),
        None
    );

    // A request that touched no order.
    let entry = JournalEntry {
        at: at(9),
        request_id: Some("req-42".to_owned()),
        event_type: Some("courier.assigned".to_owned()),
        order_id: None,
        outcome: Outcome::Ignored,
        status_code: 200,
        duration_ms: 3,
        detail: "event type only journaled".to_owned(),
        body: Some(r#"{"event_type":"courier.assigned","payload":{}}"#.into()),
        replay_of: None,
    };
    store.record(&entry).await.expect("record");

    let journal = store
        .journal(&JournalFilter::default())
        .await
        .expect("journal");
    assert_eq!(
        journal.len(),
        9,
        "seven events, one unknown order, one record"
    );
    assert!(
        journal.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    let newest = &journal[0];
    assert_eq!(newest.at, entry.at);
    assert_eq!(newest.request_id.as_deref(), Some("req-42"));
    assert_eq!(newest.event_type.as_deref(), Some("courier.assigned"));
    assert_eq!(newest.original_order_id, None);
    assert_eq!(
        (newest.outcome.as_str(), newest.status_code),
        ("ignored", 200)
    );
    assert_eq!(
        (newest.duration_ms, newest.detail.as_str()),
        (3, entry.detail.as_str())
    );
    assert_eq!(
        newest.body.as_deref().map(str::as_bytes),
        entry.body.as_deref()
    );
    let not_found = &journal[1];
    assert_eq!(not_found.original_order_id.as_deref(), Some("R-LATER"));
    assert_eq!(
        (not_found.outcome.as_str(), not_found.status_code),
        ("not_found", 404)
    );

    let of_c = |limit| JournalFilter {
        order_id: Some("R-C".to_owned()),
        limit,
    };
    let c = store.journal(&of_c(None)).await.expect("journal");
    let types: Vec<_> = c.iter().map(|row| row.event_type.as_deref()).collect();
    assert_eq!(types, [Some("order.canceled"), Some("order.created")]);
    assert_eq!(
        store.journal(&of_c(Some(1))).await.expect("journal"),
        c[..1]
    );
    let limited = store
        .journal(&JournalFilter {
            order_id: None,
            limit: Some(3),
        })
        .await
        .expect("journal");
    assert_eq!(limited, journal[..3]);
}
