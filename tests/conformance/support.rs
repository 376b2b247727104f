//! The stories' vocabulary: the fixture order and its skus, the routing, the bodies as the
//! hook hands them to the store, and helpers that read the store back.

use chrono::{DateTime, Duration, TimeZone, Utc};
use orders_hook::domain::{Answer, OrderEvent, Routing, Settings, Status, StoreRoute};
use orders_hook::ingest::group::GroupCommit;
use orders_hook::ingest::{self, Applied, Request};
use orders_hook::protocol::{self, Incoming};
use orders_hook::store::{
    JournalFilter, OrderFilter, OrderKey, OrderRecord, OrderSummary, OutboxFilter, OutboxRow,
    Rules, StockBalance, Store, StoreError,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

pub const ORDER: &str = "R246801357";
pub const STORE: &str = "77-001";
pub const OTHER_STORE: &str = "77-002";
pub const STORE_CHAT: &str = "-1001";
pub const PICKERS_CHAT: &str = "-1002";

pub const MILK: &str = "4607001771234";
pub const APPLES: &str = "2000000012345";
pub const BREAD: &str = "4600494000012";
pub const CHEESE: &str = "4601234567890";

pub fn fixture_text(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).expect("a fixture is JSON")
}

/// The fixture's body about another order (and, when given, another store).
pub fn about(name: &str, order_id: &str, store: Option<&str>) -> String {
    let mut body = fixture(name);
    body["payload"]["originalOrderId"] = json!(order_id);
    if let Some(store) = store {
        body["payload"]["storeID"] = json!(store);
    }
    body.to_string()
}

/// Store 77-001 is routed to its store chat and its pickers' chat; 77-002 is not routed and
/// there is no default chat, so its orders queue no notices.
pub fn rules() -> Rules {
    let mut routing = Routing::default();
    routing.stores.insert(
        STORE.to_owned(),
        StoreRoute {
            name: Some("Лесная".to_owned()),
            store_chat: Some(STORE_CHAT.to_owned()),
            pickers_chat: Some(PICKERS_CHAT.to_owned()),
            timezone: None,
            pickers: Vec::new(),
        },
    );
    Rules {
        settings: Settings::default(),
        routing,
    }
}

/// Whole seconds: both databases keep them exactly (PostgreSQL keeps microseconds).
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 41, 8).unwrap() + Duration::minutes(minutes)
}

pub fn d(raw: &str) -> Decimal {
    raw.parse().expect("a decimal")
}

/// A body as the hook hands it to the store once it is authenticated and parsed.
pub struct Prepared {
    event: OrderEvent,
    request: Request,
}

pub fn prepare(body: &str, now: DateTime<Utc>) -> Prepared {
    let Incoming::Order(event) = protocol::parse(body.as_bytes())
        .unwrap_or_else(|(rejection, _)| panic!("fixture refused: {rejection}"))
    else {
        panic!("not an order event: {body}");
    };
    let event_type = serde_json::from_str::<Value>(body).expect("JSON")["event_type"]
        .as_str()
        .expect("event_type")
        .to_owned();
    let mut request = Request::new(Instant::now(), None);
    request.now = now;
    request.label.kind = protocol::event_kind(&event_type);
    request.label.event_type = Some(event_type);
    request.label.order_id = Some(event.order_id.to_string());
    request.body = Some(body.to_owned().into());
    Prepared {
        event: *event,
        request,
    }
}

pub async fn apply(store: &dyn Store, prepared: &Prepared) -> Applied {
    ingest::apply(
        store,
        &prepared.event,
        &std::sync::Arc::new(rules()),
        &prepared.request,
    )
    .await
    .expect("apply_event")
}

/// One body through a group commit's writer, as the hook hands it over when batching.
pub async fn apply_grouped(
    group: &GroupCommit,
    prepared: &Prepared,
) -> Result<Applied, StoreError> {
    group
        .apply(
            prepared.event.clone(),
            &std::sync::Arc::new(rules()),
            &prepared.request,
        )
        .await
}

/// Sends one body: parse, then one store transaction.
pub async fn send(store: &dyn Store, body: &str, now: DateTime<Utc>) -> Applied {
    apply(store, &prepare(body, now)).await
}

/// Sends the bodies at the same instant, as instances behind nginx would, the i-th to the
/// (i mod n)-th instance: every copy is parsed first, then all are let go together.
pub async fn send_at_once(
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
pub fn created(applied: &Applied) -> (String, DateTime<Utc>) {
    match &applied.decision.answer {
        Answer::Created {
            number,
            expected_assembly_time,
        } => (number.clone(), *expected_assembly_time),
        other => panic!("expected a Created answer, got {other:?}"),
    }
}

pub async fn order(store: &dyn Store, key: OrderKey<'_>) -> OrderRecord {
    store
        .order(key)
        .await
        .expect("order")
        .unwrap_or_else(|| panic!("order {key:?} is not in the store"))
}

pub async fn status(store: &dyn Store, key: OrderKey<'_>) -> Status {
    order(store, key).await.document.status()
}

pub fn stock_row(store: &str, sku: &str, quantity: &str) -> StockBalance {
    StockBalance {
        store: store.to_owned(),
        sku: sku.to_owned(),
        quantity: d(quantity),
    }
}

/// 10 of every sku of the fixture order at store 77-001.
pub async fn ten_of_each(store: &dyn Store) {
    let rows: Vec<StockBalance> = [MILK, APPLES, BREAD, CHEESE]
        .iter()
        .map(|sku| stock_row(STORE, sku, "10"))
        .collect();
    assert_eq!(store.import_stock(&rows).await.expect("import_stock"), 4);
}

/// sku → balance at one store.
pub async fn balances(store: &dyn Store, store_id: &str) -> BTreeMap<String, Decimal> {
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

pub fn expect_balances(pairs: &[(&str, &str)]) -> BTreeMap<String, Decimal> {
    pairs
        .iter()
        .map(|(sku, quantity)| ((*sku).to_owned(), d(quantity)))
        .collect()
}

pub async fn outbox_of(store: &dyn Store, order_id: &str) -> Vec<OutboxRow> {
    store
        .outbox(&OutboxFilter {
            order_id: Some(order_id.to_owned()),
            ..OutboxFilter::default()
        })
        .await
        .expect("outbox")
}

pub async fn all_outbox(store: &dyn Store) -> Vec<OutboxRow> {
    store
        .outbox(&OutboxFilter::default())
        .await
        .expect("outbox")
}

/// (kind, chat) of each row, in queue order.
pub fn kinds(rows: &[OutboxRow]) -> Vec<(String, String)> {
    rows.iter()
        .map(|row| (row.kind.as_str().to_owned(), row.chat.clone()))
        .collect()
}

pub fn both_chats(kind: &str) -> Vec<(String, String)> {
    vec![
        (kind.to_owned(), STORE_CHAT.to_owned()),
        (kind.to_owned(), PICKERS_CHAT.to_owned()),
    ]
}

pub async fn all_orders(store: &dyn Store, filter: OrderFilter) -> Vec<OrderSummary> {
    store.orders(&filter).await.expect("orders")
}

pub fn ids(orders: &[OrderSummary]) -> Vec<&str> {
    orders
        .iter()
        .map(|o| o.original_order_id.as_str())
        .collect()
}

/// Everything an event may touch except the journal, which records every request.
#[derive(Debug, PartialEq)]
pub struct Footprint {
    orders: Vec<Option<OrderRecord>>,
    summaries: Vec<OrderSummary>,
    outbox: Vec<OutboxRow>,
    stock: Vec<StockBalance>,
}

pub async fn footprint(store: &dyn Store, order_ids: &[&str]) -> Footprint {
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

pub async fn journal_len(store: &dyn Store) -> usize {
    store
        .journal(&JournalFilter::default())
        .await
        .expect("journal")
        .len()
}
