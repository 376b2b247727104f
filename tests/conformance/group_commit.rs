//! Group commit (docs/development.md, "Group commit"): the events of a batch commit together, each in a
//! savepoint of its own. A batch of 32 makes 32 orders with distinct numbers, each answered
//! once; an event that fails is undone alone; one order's events apply in the order they came;
//! a request gone before its turn is never applied. Told through `GroupCommit` over the public
//! store on both databases: the service batches on SQLite only, but the writer is generic.

use crate::runner::run;
use crate::support::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orders_hook::domain::{
    Answer, Catalog, HistoryNote, Notice, OrderDocument, OrderId, Sku, Status, StoreId,
};
use orders_hook::ingest::Applied;
use orders_hook::ingest::group::GroupCommit;
use orders_hook::on_both_backends;
use orders_hook::store::{EventTx, IngestStore, JournalEntry, OrderKey, Store, StoreError};
use orders_hook::test_support::eventually;
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedRwLockWriteGuard, RwLock};
use tokio::task::JoinHandle;

on_both_backends!(
    run => a_batch_of_32_commits_them_all_with_distinct_numbers,
    an_event_that_fails_is_undone_alone,
    one_orders_events_apply_in_the_order_they_came,
    a_request_gone_while_queued_is_never_applied
);

/// Any event of this order fails inside its savepoint with a real database error.
const FAILING: &str = "R-FAILS";

/// The store behind a gate that the test holds, so that the events it sends meanwhile queue up
/// and make one batch; it counts the batches that began.
struct Gated {
    inner: Arc<dyn Store>,
    gate: Arc<RwLock<()>>,
    arrived: AtomicUsize,
    batches: AtomicUsize,
}

#[async_trait]
impl IngestStore for Gated {
    async fn begin_event(&self, order: &OrderId) -> Result<Box<dyn EventTx>, StoreError> {
        self.inner.begin_event(order).await
    }
    async fn begin_batch(&self) -> Result<Box<dyn EventTx>, StoreError> {
        self.arrived.fetch_add(1, Ordering::SeqCst);
        drop(self.gate.read().await);
        self.batches.fetch_add(1, Ordering::SeqCst);
        Ok(Box::new(Faulty(self.inner.begin_batch().await?)))
    }
    async fn record(&self, entry: &JournalEntry) -> Result<(), StoreError> {
        self.inner.record(entry).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}

/// The batch's statements, except that `FAILING` draws its order number twice: the unique key
/// of `order_numbers` refuses the second (on PostgreSQL that aborts the transaction until the
/// savepoint is rolled back), after the first has written a row that must not stay.
struct Faulty(Box<dyn EventTx>);

#[async_trait]
impl EventTx for Faulty {
    async fn lock_order(&mut self, id: &OrderId) -> Result<(), StoreError> {
        self.0.lock_order(id).await
    }
    async fn load_order(&mut self, id: &OrderId) -> Result<Option<OrderDocument>, StoreError> {
        self.0.load_order(id).await
    }
    async fn catalog_for(&mut self, skus: &[Sku]) -> Result<Catalog, StoreError> {
        self.0.catalog_for(skus).await
    }
    async fn next_number_seq(&mut self, id: &OrderId) -> Result<u64, StoreError> {
        let seq = self.0.next_number_seq(id).await?;
        if id.as_str() == FAILING {
            self.0.next_number_seq(id).await?;
        }
        Ok(seq)
    }
    async fn save_order(&mut self, doc: &OrderDocument) -> Result<(), StoreError> {
        self.0.save_order(doc).await
    }
    async fn add_history(
        &mut self,
        id: &OrderId,
        at: DateTime<Utc>,
        notes: &[HistoryNote],
    ) -> Result<(), StoreError> {
        self.0.add_history(id, at, notes).await
    }
    async fn write_off(
        &mut self,
        order: &OrderId,
        store: &StoreId,
        moves: &[(Sku, Decimal)],
        at: DateTime<Utc>,
    ) -> Result<Vec<(Sku, Decimal)>, StoreError> {
        self.0.write_off(order, store, moves, at).await
    }
    async fn enqueue(&mut self, notice: &Notice, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.0.enqueue(notice, at).await
    }
    async fn journal(&mut self, entry: &JournalEntry) -> Result<(), StoreError> {
        self.0.journal(entry).await
    }
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.0.commit().await
    }
    async fn savepoint(&mut self) -> Result<(), StoreError> {
        self.0.savepoint().await
    }
    async fn release(&mut self) -> Result<(), StoreError> {
        self.0.release().await
    }
    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.0.rollback_to_savepoint().await
    }
}

/// A writer over the gated store, its first batch (order `R-FIRST`) held at the gate: whatever
/// is sent until `open` waits, and makes the second batch.
struct Held {
    gated: Arc<Gated>,
    group: GroupCommit,
    gate: Option<OwnedRwLockWriteGuard<()>>,
    first: JoinHandle<Result<Applied, StoreError>>,
}

impl Held {
    async fn new(store: &Arc<dyn Store>) -> Held {
        let gate = Arc::new(RwLock::new(()));
        let guard = gate.clone().write_owned().await;
        let gated = Arc::new(Gated {
            inner: store.clone(),
            gate,
            arrived: AtomicUsize::new(0),
            batches: AtomicUsize::new(0),
        });
        let group = GroupCommit::start(gated.clone(), 32);
        let first = submit(&group, about("order.created", "R-FIRST", None), 0);
        let at_gate = eventually(Duration::from_secs(10), || async {
            gated.arrived.load(Ordering::SeqCst) == 1
        })
        .await;
        assert!(at_gate, "the first batch reached the gate");
        Held {
            gated,
            group,
            gate: Some(guard),
            first,
        }
    }

    /// Sends a body and waits until it is queued, so that the batch holds them in this order.
    async fn send(&self, body: String, minutes: i64) -> JoinHandle<Result<Applied, StoreError>> {
        let before = self.group.waiting();
        let sent = submit(&self.group, body, minutes);
        self.queued(before + 1).await;
        sent
    }

    async fn queued(&self, events: usize) {
        let queued = eventually(Duration::from_secs(10), || async {
            self.group.waiting() == events
        })
        .await;
        assert!(
            queued,
            "{events} events queued, {} seen",
            self.group.waiting()
        );
    }

    /// Lets the first batch go, and answers its event.
    async fn open(&mut self) {
        self.gate.take();
        (&mut self.first).await.unwrap().expect("the first batch");
    }

    fn batches(&self) -> usize {
        self.gated.batches.load(Ordering::SeqCst)
    }
}

fn submit(
    group: &GroupCommit,
    body: String,
    minutes: i64,
) -> JoinHandle<Result<Applied, StoreError>> {
    let group = group.clone();
    tokio::spawn(async move { apply_grouped(&group, &prepare(&body, at(minutes))).await })
}

async fn a_batch_of_32_commits_them_all_with_distinct_numbers(store: Arc<dyn Store>) {
    let mut held = Held::new(&store).await;
    let sent: Vec<_> = (0..32)
        .map(|i| {
            submit(
                &held.group,
                about("order.created", &format!("R-{i}"), None),
                0,
            )
        })
        .collect();
    held.queued(32).await;
    held.open().await;
    let mut numbers = BTreeSet::new();
    for (i, answer) in sent.into_iter().enumerate() {
        let applied = answer.await.unwrap().expect("created");
        let (number, _) = created(&applied);
        let stored = order(&*store, OrderKey::Id(&format!("R-{i}"))).await;
        assert_eq!(stored.document.number.as_deref(), Some(number.as_str()));
        assert!(numbers.insert(number), "numbers are distinct");
    }
    assert_eq!(
        held.batches(),
        2,
        "the first event alone, then the 32 in one batch"
    );
    assert_eq!(all_orders(&*store, Default::default()).await.len(), 33);
}

async fn an_event_that_fails_is_undone_alone(store: Arc<dyn Store>) {
    let mut held = Held::new(&store).await;
    let before = held.send(about("order.created", "R-BEFORE", None), 0).await;
    let failing = held.send(about("order.created", FAILING, None), 0).await;
    let after = held.send(about("order.created", "R-AFTER", None), 0).await;
    held.open().await;
    let failed = failing.await.unwrap();
    assert!(
        matches!(failed, Err(StoreError::Database(_) | StoreError::Sqlite(_))),
        "{failed:?}"
    );
    before.await.unwrap().expect("the event before it commits");
    after.await.unwrap().expect("the event after it commits");
    assert_eq!(held.batches(), 2, "the three made one batch");
    assert!(store.order(OrderKey::Id(FAILING)).await.unwrap().is_none());
    assert_eq!(all_orders(&*store, Default::default()).await.len(), 3);
    // Its number row went with its savepoint: the same event, applied alone, is created.
    let again = apply(
        &*store,
        &prepare(&about("order.created", FAILING, None), at(0)),
    )
    .await;
    created(&again);
}

async fn one_orders_events_apply_in_the_order_they_came(store: Arc<dyn Store>) {
    let mut held = Held::new(&store).await;
    let creation = held.send(fixture_text("order.created"), 0).await;
    let payment = held.send(fixture_text("order.paid"), 60).await;
    held.open().await;
    created(&creation.await.unwrap().expect("created"));
    let paid = payment.await.unwrap().expect("paid");
    assert_eq!(
        paid.decision.answer,
        Answer::Ok,
        "the payment found its order"
    );
    assert_eq!(held.batches(), 2, "both in one batch");
    assert_eq!(status(&*store, OrderKey::Id(ORDER)).await, Status::Paid);
}

async fn a_request_gone_while_queued_is_never_applied(store: Arc<dyn Store>) {
    let mut held = Held::new(&store).await;
    let gone = held.send(about("order.created", "R-GONE", None), 0).await;
    let kept = held.send(about("order.created", "R-KEPT", None), 0).await;
    // As the hook's deadline drops the request's future.
    gone.abort();
    assert!(gone.await.unwrap_err().is_cancelled());
    held.open().await;
    kept.await.unwrap().expect("created");
    assert!(store.order(OrderKey::Id("R-GONE")).await.unwrap().is_none());
    assert!(store.order(OrderKey::Id("R-KEPT")).await.unwrap().is_some());
}
