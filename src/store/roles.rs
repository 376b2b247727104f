//! The storage contract, one trait per caller. Every method is one whole transaction; the
//! backend decides how it holds its guarantees (SQLite: one writer at a time; PostgreSQL: a
//! per-order advisory lock), and the database's unique keys do the deduplication. A caller takes
//! the role it uses, so a test double fakes that role alone.

use super::action_tx::ActionTx;
use super::change_bus::ChangeBus;
use super::console::{Link, NewSession, Session};
use super::delivery::{ClaimedNotice, NoticeClaim, Settlement};
use super::event_tx::EventTx;
use super::operator::{JournalSearch, OrderCount};
use super::records::*;
use super::sql_board::BoardOrder;
use super::sql_picking::PickingFacts;
use super::{OrderKey, StoreError};
use crate::domain::{Catalog, OrderId, Sku};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// What the hook needs: one event's transaction, the journal of requests that touched no
/// order, and whether the database answers (readiness, and the 503 gate's probe).
#[async_trait]
pub trait IngestStore: Send + Sync {
    /// Opens the transaction of one event for this order: `ingest` runs the sequence (lock,
    /// load, decide, write, journal) on it and commits; dropped uncommitted, it rolls back.
    async fn begin_event(&self, order: &OrderId) -> Result<Box<dyn EventTx>, StoreError>;

    /// Opens the group commit's transaction, in which each event of a batch runs in its own
    /// savepoint (`EventTx::savepoint`) and which commits them all with one flush.
    async fn begin_batch(&self) -> Result<Box<dyn EventTx>, StoreError>;

    /// Journals a request that touched no order (refused, unknown event type, timed out).
    async fn record(&self, entry: &JournalEntry) -> Result<(), StoreError>;

    /// Answers when the database can be reached.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// What the notice worker needs: leases on the notices due, and the outcome of each attempt.
#[async_trait]
pub trait NoticeQueue: Send + Sync {
    /// Leases the notices a worker may send now: per chat only the oldest pending one, and only
    /// as many as Telegram's limits allow across every worker on this database.
    async fn claim_due_notices(
        &self,
        claim: &NoticeClaim,
    ) -> Result<Vec<ClaimedNotice>, StoreError>;

    /// Records how an attempt ended; false when the worker no longer held the row (its lease
    /// ran out and another worker took it over, or it was settled already).
    async fn settle_notice(
        &self,
        id: i64,
        worker: &str,
        settlement: &Settlement,
    ) -> Result<bool, StoreError>;

    /// Gives back a stopping worker's leases, so that another worker need not wait them out.
    async fn release_notices(&self, worker: &str) -> Result<u64, StoreError>;
}

/// What people read: the CLI, `/metrics`, and the console.
#[async_trait]
pub trait ReadSide: Send + Sync {
    /// An order by the marketplace's id or by the partner's number, with its history.
    async fn order(&self, key: OrderKey<'_>) -> Result<Option<OrderRecord>, StoreError>;

    async fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderSummary>, StoreError>;

    async fn stock(&self, store_id: Option<&str>) -> Result<Vec<StockBalance>, StoreError>;

    async fn outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxRow>, StoreError>;

    async fn journal(&self, filter: &JournalFilter) -> Result<Vec<JournalRow>, StoreError>;

    /// Numbers for `/metrics` that live in the database.
    async fn gauges(&self) -> Result<Gauges, StoreError>;

    /// The size and the rows of every table (`db stats`); counts whole tables, so not for
    /// every scrape.
    async fn stats(&self) -> Result<DatabaseStats, StoreError>;
}

/// What the operator does, and what every command does first (the actions people take on
/// orders and notices, journaled, are `ActionStore`'s).
#[async_trait]
pub trait Operations: Send + Sync {
    /// Brings the schema up to date; safe when several instances start at once.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Sets balances to counted quantities (an inventory import).
    async fn import_stock(&self, rows: &[StockBalance]) -> Result<usize, StoreError>;

    async fn import_catalog(&self, rows: &[CatalogRow]) -> Result<usize, StoreError>;
}

/// What the housekeeping task needs: a lease, so that one instance at a time does it, pruning
/// in small batches, and the database's own upkeep.
#[async_trait]
pub trait Housekeeping: Send + Sync {
    /// Takes `task`'s lease for `holder` until `until`, or renews it; false while another
    /// holder's lease runs (it has not run out by `now`).
    async fn take_lease(
        &self,
        task: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Gives the lease back, so the next round on any instance need not wait it out.
    async fn end_lease(
        &self,
        task: &str,
        holder: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Deletes, in one short transaction, at most `limit` of the oldest rows of `what` from
    /// before `before`. Returns how many went.
    async fn prune(
        &self,
        what: Prunable,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<u64, StoreError>;

    /// SQLite: a checkpoint that never waits (the WAL is then reused from its start and cut
    /// back to `journal_size_limit`) and `PRAGMA optimize`. PostgreSQL: nothing; autovacuum
    /// and the operator's checkpoints do this there.
    async fn tidy(&self) -> Result<(), StoreError>;

    /// `VACUUM`: SQLite rewrites the file without its free pages and holds the write lock
    /// meanwhile (`db vacuum`, with the service stopped); PostgreSQL marks dead rows' room for
    /// reuse. Returns the size before and after.
    async fn compact(&self) -> Result<(DatabaseSize, DatabaseSize), StoreError>;
}

/// What the console's sign-in needs: sessions, and redeeming and listing the operator's one-time
/// links for a store (making and revoking one is an action: `ActionStore`).
/// Secrets come and go as digests.
#[async_trait]
pub trait ConsoleAccess: Send + Sync {
    async fn open_session(&self, session: &NewSession) -> Result<(), StoreError>;

    /// The session, if it has not ended or run out by `now`.
    async fn session(
        &self,
        id_digest: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, StoreError>;

    async fn end_session(&self, id_digest: &str, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Ends, in one transaction, every open session whose grant (token digest and role) is not
    /// among `kept`: a reload removed its line. Sessions of one-time links have no grant and
    /// stay. Returns how many ended.
    async fn end_sessions_of_removed_grants(
        &self,
        kept: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Uses a link up: the link, if it was unused, unrevoked and unexpired at `now`.
    async fn redeem_link(
        &self,
        code_digest: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Link>, StoreError>;

    /// Every link, newest first.
    async fn links(&self) -> Result<Vec<Link>, StoreError>;
}

/// Where the boards' change feed travels between the instances of a pool (PostgreSQL's
/// `NOTIFY`/`LISTEN`, on connections that follow the primary); `None` with one instance.
pub trait ChangeFeed: Send + Sync {
    fn change_bus(&self) -> Option<Arc<dyn ChangeBus>>;
}

/// What the console reaches, and nothing more: the reads of its pages, its sign-ins, and the
/// actions people take (each with its journal row). Not the hook's transactions, the notice
/// queue, housekeeping or migrations: a console handler cannot write an order or a journal row
/// of the marketplace's.
pub trait ConsoleStore:
    ReadSide + ConsoleAccess + BoardReads + OperatorReads + PickingReads + ActionStore + 'static
{
}

impl<T> ConsoleStore for T where
    T: ReadSide + ConsoleAccess + BoardReads + OperatorReads + PickingReads + ActionStore + 'static
{
}

/// A whole database, as `open` returns it: the wiring hands each caller its role.
pub trait Store:
    IngestStore + NoticeQueue + ConsoleStore + Operations + Housekeeping + ChangeFeed + 'static
{
}

impl<T> Store for T where
    T: IngestStore + NoticeQueue + ConsoleStore + Operations + Housekeeping + ChangeFeed + 'static
{
}

/// What the console's store board and picking sheet read: a store's orders still in play, and
/// the catalog's names and units for an order's lines.
#[async_trait]
pub trait BoardReads: Send + Sync {
    /// The store's active orders (neither delivered nor cancelled) and those cancelled since
    /// `cancelled_since`, oldest first, each with the changes applied to it since it came in.
    async fn board(
        &self,
        store_id: &str,
        cancelled_since: DateTime<Utc>,
    ) -> Result<Vec<BoardOrder>, StoreError>;

    /// The catalog rows of these skus (a missing sku is simply absent).
    async fn catalog(&self, skus: &[Sku]) -> Result<Catalog, StoreError>;
}

/// What the operator's console pages read beyond `ReadSide`: the journal searched, and the
/// dashboard's raw numbers (the console draws them; the store only counts and lists).
#[async_trait]
pub trait OperatorReads: Send + Sync {
    /// Journal rows by outcome, event type, order and time; problems first when asked.
    async fn search_journal(&self, search: &JournalSearch) -> Result<Vec<JournalRow>, StoreError>;

    /// Orders that came in since `since`, counted per store and status.
    async fn orders_since(&self, since: DateTime<Utc>) -> Result<Vec<OrderCount>, StoreError>;

    /// When each hook request since `since` arrived and how long it took (operator actions
    /// left out), at most `limit` of the newest.
    async fn hook_timings(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(DateTime<Utc>, i64)>, StoreError>;

    /// When each notice still waiting to be sent was queued, oldest first.
    async fn backlog(&self) -> Result<Vec<DateTime<Utc>>, StoreError>;
}

/// What the store's numbers are counted from: the orders assembled since a time and the orders
/// waiting untaken now (the console's pages and `/metrics` alike).
#[async_trait]
pub trait PickingReads: Send + Sync {
    /// `store`'s facts alone, or every store's.
    async fn picking_facts(
        &self,
        store: Option<&str>,
        assembled_since: DateTime<Utc>,
    ) -> Result<PickingFacts, StoreError>;
}

/// What an operator's or a store's action needs: one transaction that holds the action and its
/// journal row (`actions` runs the sequence on it).
#[async_trait]
pub trait ActionStore: Send + Sync {
    async fn begin_action(&self) -> Result<Box<dyn ActionTx>, StoreError>;
}
