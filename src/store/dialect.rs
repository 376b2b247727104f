//! What really differs between the two databases; everything else is one `$n` statement text in
//! `sql.rs` and `delivery.rs`, which both take (SQLite reads `$1` as parameter 1 too), run
//! through `db`. `sqlite.rs` and `postgres.rs` each implement this.

use super::StoreError;
use super::change_bus::ChangeBus;
use super::db::{Arg, Query};
use super::event_tx::{Balances, EventWrites};
use super::records::DatabaseSize;
use crate::domain::{Catalog, HistoryNote, OrderId, Sku, StoreId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::sync::Arc;

/// One order's write-off at one store (see `EventTx::write_off`).
pub struct WriteOff<'a> {
    pub order: &'a OrderId,
    pub store: &'a StoreId,
    pub moves: &'a [(Sku, Decimal)],
    pub at: DateTime<Utc>,
}

/// What keeps a store's connections on a server that takes writes: nothing for SQLite's one
/// file; for PostgreSQL the `Primary` that follows a failover between hosts, with the change
/// feed's connections that follow it too.
pub trait ServerWatch: Send + Sync {
    /// Whether a server that takes writes is in use (before anything is asked of it).
    fn ready(&self) -> Result<(), StoreError>;

    /// The transport of the boards' change feed between instances; `None` with one instance.
    fn change_bus(&self) -> Option<Arc<dyn ChangeBus>>;
}

impl ServerWatch for () {
    fn ready(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn change_bus(&self) -> Option<Arc<dyn ChangeBus>> {
        None
    }
}

#[async_trait]
pub trait Dialect: Send + Sync + 'static {
    /// The backend's name, as `db stats` prints it.
    const NAME: &'static str;

    /// Its connections: `&Pool` runs a statement outside any transaction (see
    /// `on_either_database!`).
    type Pool: Send + Sync + 'static;

    /// Its connection for one write outside any transaction: `&Writer` runs it (PostgreSQL's
    /// pool; SQLite's writer, where `&Pool` is a read-only connection).
    type Writer: Send + Sync + 'static;

    /// A writing transaction: `&mut Tx` runs its statements.
    type Tx: Send + 'static;

    /// See `ServerWatch`.
    type Server: ServerWatch;

    /// The type bound to `orders.revision` (PostgreSQL's is a 32-bit `INTEGER`).
    type Revision: for<'a> Into<Arg<'a>> + TryFrom<u32> + Send;

    /// A list of skus bound as one parameter, so that a big order costs one statement, not one
    /// a line: SQLite's a JSON array for `json_each`, PostgreSQL's a text array.
    type SkuList: for<'a> Into<Arg<'a>> + Send;
    /// The catalog rows (sku, name, unit, zone) of the skus in $1, a `SkuList`.
    const CATALOG_FOR: &'static str;

    /// Appended to a parameter that a `jsonb` column takes (PostgreSQL's document).
    const AS_JSON: &'static str;
    /// Appended to a parameter that a balance column takes: PostgreSQL's are `numeric`, SQLite's
    /// exact text.
    const AS_DECIMAL: &'static str;
    /// Appended to the claim's statement: PostgreSQL locks the rows it hands out, skipping rows
    /// another worker is settling; SQLite's claim is already the only writer.
    const CLAIM_LOCKING: &'static str;
    /// Counts the balances below zero.
    const NEGATIVE_BALANCES: &'static str;

    /// Inserts one event's notes, in order, in one statement: $1 order id, $2 at, $3 actor, then
    /// the notes as `bind_notes` binds them (SQLite: one JSON array for `json_each`; PostgreSQL:
    /// a text array a column for `UNNEST`).
    const ADD_HISTORY: &'static str;

    fn bind_notes<'q>(query: Query<'q>, notes: &[HistoryNote]) -> Result<Query<'q>, StoreError>;

    fn sku_list(skus: &[Sku]) -> Result<Self::SkuList, StoreError>;

    /// Brings the schema up to date; safe when several instances start at once.
    fn writer(pool: &Self::Pool) -> &Self::Writer;

    async fn migrate(pool: &Self::Pool) -> Result<(), StoreError>;

    /// Begins a transaction that writes. SQLite's starts `IMMEDIATE`, so it holds the write lock
    /// from its first read.
    async fn begin_write(pool: &Self::Pool) -> Result<Self::Tx, StoreError>;

    /// Begins the group commit's transaction, on the group commit's own thread, which may
    /// block: SQLite runs the batch's statements on it in place, with no hand-off.
    async fn begin_batch(pool: &Self::Pool) -> Result<Self::Tx, StoreError>;

    async fn commit(tx: Self::Tx) -> Result<(), StoreError>;

    /// Makes concurrent events for the same order wait for each other.
    async fn lock_order(tx: &mut Self::Tx, id: &OrderId) -> Result<(), StoreError>;

    /// Makes concurrent claims wait for each other, so that the counts of recent attempts that
    /// keep Telegram's limits are exact across workers.
    async fn lock_claims(tx: &mut Self::Tx) -> Result<(), StoreError>;

    /// See `EventTx::write_off`: the balances are numbers in PostgreSQL and exact text in SQLite.
    async fn write_off(
        tx: &mut Self::Tx,
        off: WriteOff<'_>,
    ) -> Result<Vec<(Sku, Decimal)>, StoreError>;

    /// `EventTx::catalog_and_number` as one statement where the database has one for it
    /// (PostgreSQL: one round trip); `None` where statements cost no round trip (SQLite), which
    /// then runs them one by one.
    async fn catalog_and_number(
        tx: &mut Self::Tx,
        skus: &[Sku],
        number_for: Option<&OrderId>,
    ) -> Option<Result<(Catalog, Option<u64>), StoreError>>;

    /// `EventTx::write` as one statement, likewise (PostgreSQL's data-modifying CTEs).
    async fn write_event(
        tx: &mut Self::Tx,
        writes: &EventWrites<'_>,
    ) -> Option<Result<Balances, StoreError>>;

    /// How much disk the database takes (see `DatabaseSize`).
    async fn size(pool: &Self::Pool) -> Result<DatabaseSize, StoreError>;

    /// See `Housekeeping::tidy`.
    async fn tidy(pool: &Self::Pool) -> Result<(), StoreError>;

    /// See `Housekeeping::compact`.
    async fn compact(pool: &Self::Pool) -> Result<(), StoreError>;
}
