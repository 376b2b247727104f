//! The storage contract as stories (DESIGN sections 3-7), each run against SQLite and PostgreSQL.
//! A story only speaks the `Store` trait: the fixture bodies go through `protocol::parse`, as
//! the hook would send them, and every guarantee is checked by reading the store back.
//! The PostgreSQL variants need the throw-away cluster of `scripts/test`; without it they skip
//! with a loud message.

use super::{
    Applied, CatalogRow, EventRequest, JournalEntry, JournalFilter, OrderFilter, OrderKey,
    OrderRecord, OrderSummary, OutboxFilter, OutboxRow, Rules, StockBalance, Store, StoreOptions,
};
use crate::domain::{ACTOR, Answer, OrderEvent, Outcome, Routing, Settings, Status, StoreRoute};
use crate::protocol::{self, Incoming};
use crate::test_support::{Backend, fresh_database};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

const ORDER: &str = "R246801357";
const STORE: &str = "77-001";
const OTHER_STORE: &str = "77-002";
const STORE_CHAT: &str = "-1001";
const PICKERS_CHAT: &str = "-1002";

const MILK: &str = "4607001771234";
const APPLES: &str = "2000000012345";
const BREAD: &str = "4600494000012";
const CHEESE: &str = "4601234567890";

// ---------------------------------------------------------------------------------------------
// The runner: one story, one fresh database.
// ---------------------------------------------------------------------------------------------

async fn run<F, Fut>(backend: Backend, story: F)
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
async fn run_twins<F, Fut>(backend: Backend, story: F)
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

async fn open_migrated(url: &str) -> Arc<dyn Store> {
    let store = super::open(url, &StoreOptions::default())
        .await
        .expect("open the store");
    store.migrate().await.expect("migrate");
    store
}

/// `runner: story => sqlite_test, postgres_test;` makes the pair of tests that run one story.
macro_rules! conformance {
    ($($(#[$attr:meta])* $runner:ident: $story:ident => $sqlite:ident, $postgres:ident;)*) => {
        $(
            $(#[$attr])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $sqlite() {
                $runner(Backend::Sqlite, $story).await;
            }

            $(#[$attr])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $postgres() {
                $runner(Backend::Postgres, $story).await;
            }
        )*
    };
}

conformance! {
    run: lifecycle => lifecycle_sqlite, lifecycle_postgres;
    run: repeats_change_nothing => repeats_change_nothing_sqlite, repeats_change_nothing_postgres;
    run: concurrent_creations_make_one_order =>
        concurrent_creations_make_one_order_sqlite, concurrent_creations_make_one_order_postgres;
    run: concurrent_shipments_write_off_once =>
        concurrent_shipments_write_off_once_sqlite, concurrent_shipments_write_off_once_postgres;
    run: numbers_are_unique_and_sequential =>
        numbers_are_unique_and_sequential_sqlite, numbers_are_unique_and_sequential_postgres;
    run: cancellation_before_creation_and_after_shipment =>
        cancellation_before_creation_and_after_shipment_sqlite,
        cancellation_before_creation_and_after_shipment_postgres;
    run: reading_and_importing => reading_and_importing_sqlite, reading_and_importing_postgres;
    run: catalog_names_reach_the_notices =>
        catalog_names_reach_the_notices_sqlite, catalog_names_reach_the_notices_postgres;
    run_twins: two_instances_make_one_order =>
        two_instances_make_one_order_sqlite, two_instances_make_one_order_postgres;
    run_twins: two_instances_write_off_once =>
        two_instances_write_off_once_sqlite, two_instances_write_off_once_postgres;
    run_twins: two_instances_share_one_sequence =>
        two_instances_share_one_sequence_sqlite, two_instances_share_one_sequence_postgres;
}

/// Instances starting together migrate the schema once between them, and then share it. The
/// CLI migrates before every command too, so `orders-hook stock import` run while `serve`
/// starts is the SQLite case of this story.
async fn instances_start_together(backend: Backend) {
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return; // PostgreSQL is not available: fresh_database said so loudly.
    };
    let options = StoreOptions::default();
    let instances: Vec<Arc<dyn Store>> =
        futures::future::join_all((0..4).map(|_| super::open(&url, &options)))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_start_together_sqlite() {
    instances_start_together(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_start_together_postgres() {
    instances_start_together(Backend::Postgres).await;
}

// ---------------------------------------------------------------------------------------------
// Fixtures, events and reading helpers
// ---------------------------------------------------------------------------------------------

fn fixture_text(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).expect("a fixture is JSON")
}

/// The fixture's body about another order (and, when given, another store).
fn about(name: &str, order_id: &str, store: Option<&str>) -> String {
    let mut body = fixture(name);
    body["payload"]["originalOrderId"] = json!(order_id);
    if let Some(store) = store {
        body["payload"]["storeID"] = json!(store);
    }
    body.to_string()
}

/// Store 77-001 is routed to its store chat and its pickers' chat; 77-002 is not routed and
/// there is no default chat, so its orders queue no notices.
fn rules() -> Rules {
    let mut routing = Routing::default();
    routing.stores.insert(
        STORE.to_owned(),
        StoreRoute {
            name: Some("Лесная".to_owned()),
            store_chat: Some(STORE_CHAT.to_owned()),
            pickers_chat: Some(PICKERS_CHAT.to_owned()),
            timezone: None,
        },
    );
    Rules {
        settings: Settings::default(),
        routing,
    }
}

/// Whole seconds: both databases keep them exactly (PostgreSQL keeps microseconds).
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 41, 8).unwrap() + Duration::minutes(minutes)
}

fn d(raw: &str) -> Decimal {
    raw.parse().expect("a decimal")
}

/// A body as the hook hands it to the store once it is authenticated and parsed.
struct Prepared {
    event: OrderEvent,
    request: EventRequest,
}

fn prepare(body: &str, now: DateTime<Utc>) -> Prepared {
    let Incoming::Order(event) = protocol::parse(body.as_bytes())
        .unwrap_or_else(|(rejection, _)| panic!("fixture refused: {rejection}"))
    else {
        panic!("not an order event: {body}");
    };
    let event_type = serde_json::from_str::<Value>(body).expect("JSON")["event_type"]
        .as_str()
        .expect("event_type")
        .to_owned();
    let request = EventRequest {
        now,
        request_id: None,
        event_type,
        body: body.to_owned(),
        started: Instant::now(),
    };
    Prepared {
        event: *event,
        request,
    }
}

async fn apply(store: &dyn Store, prepared: &Prepared) -> Applied {
    store
        .apply_event(
            &prepared.event,
            &std::sync::Arc::new(rules()),
            &prepared.request,
        )
        .await
        .expect("apply_event")
}

/// Sends one body: parse, then one store transaction.
async fn send(store: &dyn Store, body: &str, now: DateTime<Utc>) -> Applied {
    apply(store, &prepare(body, now)).await
}

/// Sends the bodies at the same instant, as instances behind nginx would, the i-th to the
/// (i mod n)-th instance: every copy is parsed first, then all are let go together.
async fn send_at_once(
    instances: &[Arc<dyn Store>],
    bodies: Vec<(String, DateTime<Utc>)>,
) -> Vec<Applied> {
    let copies: Vec<(Arc<dyn Store>, Prepared)> = bodies
        .iter()
        .enumerate()
        .map(|(i, (body, now))| (instances[i % instances.len()].clone(), prepare(body, *now)))
        .collect();
    // Open the pools' connections beforehand, so that no copy gets a head start.
    futures::future::join_all(copies.iter().map(|(store, _)| store.ping()))
        .await
        .into_iter()
        .for_each(|pinged| pinged.expect("ping"));
    let barrier = Arc::new(tokio::sync::Barrier::new(copies.len()));
    let tasks: Vec<_> = copies
        .into_iter()
        .map(|(store, prepared)| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                apply(&*store, &prepared).await
            })
        })
        .collect();
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.expect("a task panicked"))
        .collect()
}

/// The number and promised assembly time of a `Created` answer.
fn created(applied: &Applied) -> (String, DateTime<Utc>) {
    match &applied.decision.answer {
        Answer::Created {
            number,
            expected_assembly_time,
        } => (number.clone(), *expected_assembly_time),
        other => panic!("expected a Created answer, got {other:?}"),
    }
}

async fn order(store: &dyn Store, key: OrderKey<'_>) -> OrderRecord {
    store
        .order(key)
        .await
        .expect("order")
        .unwrap_or_else(|| panic!("order {key:?} is not in the store"))
}

async fn status(store: &dyn Store, key: OrderKey<'_>) -> Status {
    order(store, key).await.document.status()
}

fn stock_row(store: &str, sku: &str, quantity: &str) -> StockBalance {
    StockBalance {
        store: store.to_owned(),
        sku: sku.to_owned(),
        quantity: d(quantity),
    }
}

/// 10 of every sku of the fixture order at store 77-001.
async fn ten_of_each(store: &dyn Store) {
    let rows: Vec<StockBalance> = [MILK, APPLES, BREAD, CHEESE]
        .iter()
        .map(|sku| stock_row(STORE, sku, "10"))
        .collect();
    assert_eq!(store.import_stock(&rows).await.expect("import_stock"), 4);
}

/// sku → balance at one store.
async fn balances(store: &dyn Store, store_id: &str) -> BTreeMap<String, Decimal> {
    store
        .stock(Some(store_id))
        .await
        .expect("stock")
        .into_iter()
        .map(|row| {
            assert_eq!(row.store, store_id);
            (row.sku, row.quantity)
        })
        .collect()
}

fn expect_balances(pairs: &[(&str, &str)]) -> BTreeMap<String, Decimal> {
    pairs
        .iter()
        .map(|(sku, quantity)| ((*sku).to_owned(), d(quantity)))
        .collect()
}

async fn outbox_of(store: &dyn Store, order_id: &str) -> Vec<OutboxRow> {
    store
        .outbox(&OutboxFilter {
            order_id: Some(order_id.to_owned()),
            ..OutboxFilter::default()
        })
        .await
        .expect("outbox")
}

async fn all_outbox(store: &dyn Store) -> Vec<OutboxRow> {
    store
        .outbox(&OutboxFilter::default())
        .await
        .expect("outbox")
}

/// (kind, chat) of each row, in queue order.
fn kinds(rows: &[OutboxRow]) -> Vec<(String, String)> {
    rows.iter()
        .map(|row| (row.kind.clone(), row.chat.clone()))
        .collect()
}

fn both_chats(kind: &str) -> Vec<(String, String)> {
    vec![
        (kind.to_owned(), STORE_CHAT.to_owned()),
        (kind.to_owned(), PICKERS_CHAT.to_owned()),
    ]
}

async fn all_orders(store: &dyn Store, filter: OrderFilter) -> Vec<OrderSummary> {
    store.orders(&filter).await.expect("orders")
}

fn ids(orders: &[OrderSummary]) -> Vec<&str> {
    orders
        .iter()
        .map(|o| o.original_order_id.as_str())
        .collect()
}

/// Everything an event may touch except the journal, which records every request.
#[derive(Debug, PartialEq)]
struct Footprint {
    orders: Vec<Option<OrderRecord>>,
    summaries: Vec<OrderSummary>,
    outbox: Vec<OutboxRow>,
    stock: Vec<StockBalance>,
}

async fn footprint(store: &dyn Store, order_ids: &[&str]) -> Footprint {
    let mut orders = Vec::new();
    for id in order_ids {
        orders.push(store.order(OrderKey::Id(id)).await.expect("order"));
    }
    Footprint {
        orders,
        summaries: all_orders(store, OrderFilter::default()).await,
        outbox: all_outbox(store).await,
        stock: store.stock(None).await.expect("stock"),
    }
}

async fn journal_len(store: &dyn Store) -> usize {
    store
        .journal(&JournalFilter::default())
        .await
        .expect("journal")
        .len()
}

// ---------------------------------------------------------------------------------------------
// 1. An order's life, with the fixtures
// ---------------------------------------------------------------------------------------------

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
                assert!(!record.document.locked);
            }
            "order.updated" => {
                assert_eq!(applied.decision.answer, Answer::Ok);
                assert_eq!(outbox_of(store, ORDER).await.len(), 4);
            }
            "order.paid" => {
                assert!(record.document.paid && record.document.locked);
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
    assert!(doc.locked && doc.paid && doc.shipped && doc.delivered && !doc.cancelled);
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

// ---------------------------------------------------------------------------------------------
// 2. The marketplace repeats every event; a repeat changes nothing
// ---------------------------------------------------------------------------------------------

async fn repeats_change_nothing(store: Arc<dyn Store>) {
    let store = &*store;
    ten_of_each(store).await;
    const CANCELLED: &str = "R-CANCELLED";
    let bodies = [
        fixture_text("order.created"),
        fixture_text("order.updated"),
        fixture_text("order.paid"),
        fixture_text("order.received"),
        fixture_text("order.delivered"),
        about("order.created", CANCELLED, None),
        about("order.canceled", CANCELLED, None),
    ];
    let watched = [ORDER, CANCELLED];
    for (i, body) in bodies.iter().enumerate() {
        let minute = i64::try_from(i).unwrap() * 10;
        let first = send(store, body, at(minute)).await;
        assert_eq!(first.decision.outcome, Outcome::Applied, "first {body}");
        let before = footprint(store, &watched).await;
        let journaled = journal_len(store).await;

        // The retry comes later: the answer must be the stored one, not a new one.
        let again = send(store, body, at(minute + 1)).await;
        assert_eq!(
            again.decision.answer, first.decision.answer,
            "answer to {body}"
        );
        assert_eq!(
            again.decision.outcome,
            Outcome::Duplicate,
            "repeat of {body}"
        );
        assert!(again.decision.stock_moves.is_empty() && again.decision.notices.is_empty());
        assert_eq!(
            footprint(store, &watched).await,
            before,
            "a repeat changed something: {body}"
        );
        let journal = store
            .journal(&JournalFilter {
                order_id: None,
                limit: Some(1),
            })
            .await
            .expect("journal");
        assert_eq!(
            journal_len(store).await,
            journaled + 1,
            "a repeat is journaled"
        );
        assert_eq!(journal[0].outcome, "duplicate");
        assert_eq!(journal[0].status_code, 200);
    }

    let (number, promised) = created(&send(store, &bodies[0], at(300)).await);
    assert_eq!((number.as_str(), promised), ("SM-000001", at(30)));
    assert_eq!(
        balances(store, STORE).await,
        expect_balances(&[(APPLES, "10"), (BREAD, "9"), (CHEESE, "9"), (MILK, "7")])
    );
    let mut expected = both_chats("created");
    expected.extend(both_chats("changed"));
    assert_eq!(kinds(&outbox_of(store, ORDER).await), expected);
    let mut expected = both_chats("created");
    expected.extend(both_chats("cancelled"));
    assert_eq!(kinds(&outbox_of(store, CANCELLED).await), expected);
    assert_eq!(
        order(store, OrderKey::Id(CANCELLED))
            .await
            .document
            .number
            .as_deref(),
        Some("SM-000002")
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Copies of one event arriving at once (two instances behind nginx)
// ---------------------------------------------------------------------------------------------

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
    assert!(doc.shipped && doc.locked);
    assert_eq!(journal_len(store).await, 17);
}

// ---------------------------------------------------------------------------------------------
// 4. Partner numbers
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 5. Cancellations: before the creation arrived, and after the goods left
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 6. What the CLI and the metrics read, and what they import
// ---------------------------------------------------------------------------------------------

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
        },
        CatalogRow {
            sku: APPLES.to_owned(),
            name: "Яблоки".to_owned(),
            unit: Some("кг".to_owned()),
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
        status: status.map(str::to_owned),
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
        status: Some(status.to_owned()),
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
        body: Some(r#"{"event_type":"courier.assigned","payload":{}}"#.to_owned()),
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
    assert_eq!(newest.body, entry.body);
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

// ---------------------------------------------------------------------------------------------
// 7. The catalog's names are what the pickers read
// ---------------------------------------------------------------------------------------------

async fn catalog_names_reach_the_notices(store: Arc<dyn Store>) {
    let store = &*store;
    let catalog = [
        CatalogRow {
            sku: MILK.to_owned(),
            name: "Молоко «Домик в деревне» 3,2%".to_owned(),
            unit: None,
        },
        CatalogRow {
            sku: APPLES.to_owned(),
            name: "Яблоки Гала <весовые>".to_owned(),
            unit: Some("кг".to_owned()),
        },
        CatalogRow {
            sku: CHEESE.to_owned(),
            name: "Сыр Российский Домино".to_owned(),
            unit: None,
        },
    ];
    store
        .import_catalog(&catalog)
        .await
        .expect("import_catalog");

    send(store, &fixture_text("order.created"), at(0)).await;
    let outbox = outbox_of(store, ORDER).await;
    assert_eq!(outbox.len(), 2);
    for row in &outbox {
        let text = &row.text;
        assert!(text.contains("Молоко «Домик в деревне» 3,2%"), "{text}");
        assert!(!text.contains("Молоко 3,2% 930 мл"), "{text}");
        assert!(
            text.contains("Яблоки Гала &lt;весовые&gt; — 1.5 кг"),
            "{text}"
        );
        assert!(!text.contains("Яблоки Гала, весовые"), "{text}");
        // Without a catalog entry the marketplace's name is shown.
        assert!(text.contains("Хлеб Бородинский 400 г"), "{text}");
    }

    send(store, &fixture_text("order.updated"), at(15)).await;
    let changed: Vec<OutboxRow> = outbox_of(store, ORDER)
        .await
        .into_iter()
        .filter(|row| row.kind == "changed")
        .collect();
    assert_eq!(changed.len(), 2);
    for row in &changed {
        let text = &row.text;
        assert!(text.contains("Сыр Российский Домино"), "added line: {text}");
        assert!(!text.contains("Сыр Российский 200 г"), "{text}");
        assert!(text.contains("Молоко «Домик в деревне» 3,2%"), "{text}");
        assert!(
            text.contains("Яблоки Гала &lt;весовые&gt;"),
            "removed line: {text}"
        );
    }
}
