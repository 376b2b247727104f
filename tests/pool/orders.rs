//! The orders both pool tests send and what they must leave behind: each order's lifecycle as
//! the marketplace sends it, and the checks of the database and of Telegram afterwards (one
//! order per id, the numbers answered, final statuses, stock written off once, every notice).

use crate::fake_telegram::FakeTelegram;
use crate::marketplace::{Marketplace, Tally};
use orders_hook::test_support::{eventually, fixture};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

pub const STORES: usize = 50;
/// Every fifth order is cancelled after payment instead of being shipped.
pub const CANCELLED_EVERY: usize = 5;
pub const INITIAL_STOCK: i64 = 10_000;
const SKUS: [&str; 3] = ["4607001771234", "4600494000012", "4601234567890"];

pub fn store_of(order: usize) -> String {
    format!("p{}", order % STORES + 1)
}

/// The marketplace's id of order `order` of a run whose ids start with `prefix`.
pub fn order_id(prefix: &str, order: usize) -> String {
    format!("{prefix}-{order:04}")
}

pub fn event(prefix: &str, name: &str, order: usize) -> Value {
    let mut body = fixture(name);
    body["payload"]["originalOrderId"] = json!(order_id(prefix, order));
    body["payload"]["storeID"] = json!(store_of(order));
    body
}

/// Every store with both its chats.
pub fn routing() -> String {
    let mut toml = String::new();
    for store in 1..=STORES {
        toml.push_str(&format!(
            "[stores.\"p{store}\"]\nname = \"Магазин {store}\"\nstore_chat = \"-7{store:03}1\"\npickers_chat = \"-7{store:03}2\"\n"
        ));
    }
    toml
}

/// `INITIAL_STOCK` of every sku at every store, as `stock import` reads it.
pub fn stock_csv() -> String {
    (1..=STORES)
        .flat_map(|store| SKUS.map(|sku| format!("p{store},{sku},{INITIAL_STOCK}\n")))
        .collect()
}

fn cancelled(order: usize) -> bool {
    order.is_multiple_of(CANCELLED_EVERY)
}

/// created (two copies at once) → updated → paid → received → delivered, or → canceled; the
/// numbers the creations answered.
pub async fn one_order(
    marketplace: &Marketplace,
    tally: &Tally,
    prefix: &str,
    order: usize,
) -> Vec<String> {
    let created = event(prefix, "order.created", order);
    let (first, second) = tokio::join!(
        marketplace.deliver(&created, tally),
        marketplace.deliver(&created, tally)
    );
    let numbers: Vec<String> = [first, second]
        .iter()
        .filter_map(|answer| answer.as_ref())
        .filter_map(|body| serde_json::from_str::<Value>(body).ok())
        .filter_map(|answer| answer["number"].as_str().map(str::to_owned))
        .collect();
    let rest: &[&str] = if cancelled(order) {
        &["order.updated", "order.paid", "order.canceled"]
    } else {
        &[
            "order.updated",
            "order.paid",
            "order.received",
            "order.delivered",
        ]
    };
    for name in rest {
        marketplace
            .deliver(&event(prefix, name, order), tally)
            .await;
    }
    numbers
}

/// Whether a notice delivered more than once may be: never (`Never`), or only when the later
/// copies carry the possible-repeat mark (`Marked`: a worker lost its connection to the
/// database between Telegram's "ok" and writing it down).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Repeats {
    Never,
    Marked,
}

/// The database and Telegram after `orders` orders of `prefix` went through, each answered
/// with the numbers in `answers`.
pub async fn check_outcome(
    db: &sqlx::PgPool,
    prefix: &str,
    orders: usize,
    answers: &HashMap<String, Vec<String>>,
    fake: &FakeTelegram,
    repeats: Repeats,
    logs: &dyn Fn() -> String,
) {
    // One order per marketplace id, and the number every answer gave is the stored one.
    let stored: Vec<(String, Option<String>, String)> =
        sqlx::query_as("SELECT original_order_id, number, status FROM orders")
            .fetch_all(db)
            .await
            .expect("read the orders");
    assert_eq!(stored.len(), orders, "one order per marketplace id");
    let numbers: HashSet<&Option<String>> = stored.iter().map(|(_, n, _)| n).collect();
    assert_eq!(numbers.len(), orders, "partner numbers are unique");
    for (id, number, status) in &stored {
        let given = &answers[id];
        assert!(!given.is_empty(), "{id}: no creation was answered");
        assert!(
            given.iter().all(|n| Some(n) == number.as_ref()),
            "{id}: answered {given:?}, stored {number:?}"
        );
        let order: usize = id
            .trim_start_matches(&format!("{prefix}-"))
            .parse()
            .expect("an order id of this run");
        let expected = if cancelled(order) {
            "cancelled"
        } else {
            "delivered"
        };
        assert_eq!(status, expected, "{id}");
    }

    // Stock written off exactly once per shipped order: the paid composition, 3 + 1 + 1.
    let balances: Vec<(String, String, String)> =
        sqlx::query_as("SELECT store_id, sku, quantity::text FROM stock_balances")
            .fetch_all(db)
            .await
            .expect("read the balances");
    let mut shipped_per_store: HashMap<String, i64> = HashMap::new();
    for order in (0..orders).filter(|o| !cancelled(*o)) {
        *shipped_per_store.entry(store_of(order)).or_default() += 1;
    }
    for (store, sku, quantity) in &balances {
        let per_order = if sku == SKUS[0] { 3 } else { 1 };
        let expected =
            INITIAL_STOCK - per_order * shipped_per_store.get(store).copied().unwrap_or(0);
        assert_eq!(
            quantity.parse::<Decimal>().expect("a balance"),
            Decimal::from(expected),
            "{store} {sku}"
        );
    }
    let ledger: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stock_ledger")
        .fetch_one(db)
        .await
        .expect("count the ledger");
    assert_eq!(
        ledger as usize,
        3 * shipped_per_store.values().sum::<i64>() as usize
    );

    // Every notice sent: created and changed for each order, cancelled for the cancelled ones,
    // to both chats of the store.
    let expected_notices = 2 * (2 * orders + orders.div_ceil(CANCELLED_EVERY));
    let drained = eventually(Duration::from_secs(120), || async {
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            .fetch_one(db)
            .await
            .unwrap_or(i64::MAX);
        waiting == 0
    })
    .await;
    assert!(drained, "notices still waiting; {}", logs());
    let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(db)
        .await
        .expect("count the outbox");
    assert_eq!(outbox as usize, expected_notices);
    let delivered = fake.delivered();
    let unmarked = |text: &str| text.replace(orders_hook::notice::REPEAT_MARK, "");
    let distinct: HashSet<(String, String)> = delivered
        .iter()
        .map(|c| (c.chat.clone(), unmarked(&c.text).trim().to_owned()))
        .collect();
    assert_eq!(distinct.len(), expected_notices, "every notice arrived");
    match repeats {
        Repeats::Never => assert_eq!(delivered.len(), expected_notices, "no notice arrived twice"),
        Repeats::Marked => {
            let mut seen = HashSet::new();
            for call in &delivered {
                let key = (call.chat.clone(), unmarked(&call.text).trim().to_owned());
                if !seen.insert(key) {
                    assert!(
                        call.text.contains(orders_hook::notice::REPEAT_MARK),
                        "a notice arrived twice without the possible-repeat mark: {}",
                        call.text
                    );
                }
            }
        }
    }
}
