//! The storage contract. Every method is one whole transaction; the backend decides how it holds
//! its guarantees (SQLite: one writer at a time; PostgreSQL: a per-order advisory lock), and the
//! database's unique keys do the deduplication.

mod columns;
pub mod delivery;
mod dialect;
mod event_tx;
pub mod postgres;
pub mod reachability;
pub mod records;
mod sql;
mod sql_event;
pub mod sqlite;

pub use delivery::{ClaimedNotice, NoticeClaim, OutboxStatus, Requeue, SendLimits, Settlement};
pub use event_tx::EventTx;
pub use records::*;

use crate::domain::{OrderId, Routing, Settings};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub use sqlx::sqlite::SqliteSynchronous;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    /// The database role lacks a privilege the step needs (pool mode's least-privilege role
    /// meeting a schema that needs migrating): the operator must act, retrying will not help.
    #[error("not permitted: {0}")]
    Permission(String),
    /// A sum or difference that a decimal cannot hold exactly: never expected with the
    /// protocol's bounds, refused rather than rounded or panicking.
    #[error("arithmetic out of range: {0}")]
    Arithmetic(String),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
}

impl From<sqlx::Error> for StoreError {
    /// A status, kind or outcome column holding a value outside its list is corrupt data, not
    /// a database failure: retrying will not help.
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::ColumnDecode { index, source }
                if source.downcast_ref::<columns::UnknownValue>().is_some() =>
            {
                StoreError::Corrupt(format!("column {index}: {source}"))
            }
            error => StoreError::Database(error),
        }
    }
}

/// How an operator names an order. The two never mix: a marketplace id may look like one of
/// our numbers (`SM-000001`), and showing the wrong order is worse than asking which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKey<'a> {
    /// The marketplace's `originalOrderId`.
    Id(&'a str),
    /// The partner's number, e.g. `SM-000123`.
    Number(&'a str),
}

impl<'a> OrderKey<'a> {
    /// `(original_order_id, number)` to match, one of them `None`.
    pub(crate) fn columns(self) -> (Option<&'a str>, Option<&'a str>) {
        match self {
            OrderKey::Id(id) => (Some(id), None),
            OrderKey::Number(number) => (None, Some(number)),
        }
    }
}

/// The partner's rules and routing, fixed for the life of the process.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub settings: Settings,
    pub routing: Routing,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Brings the schema up to date; safe when several instances start at once.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Answers when the database can be reached.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Opens the transaction of one event for this order: `ingest` runs the sequence (lock,
    /// load, decide, write, journal) on it and commits; dropped uncommitted, it rolls back.
    async fn begin_event(&self, order: &OrderId) -> Result<Box<dyn EventTx>, StoreError>;

    /// Journals a request that touched no order (refused, unknown event type, timed out).
    async fn record(&self, entry: &JournalEntry) -> Result<(), StoreError>;

    /// An order by the marketplace's id or by the partner's number, with its history.
    async fn order(&self, key: OrderKey<'_>) -> Result<Option<OrderRecord>, StoreError>;

    async fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderSummary>, StoreError>;

    /// Sets balances to counted quantities (an inventory import).
    async fn import_stock(&self, rows: &[StockBalance]) -> Result<usize, StoreError>;

    async fn stock(&self, store_id: Option<&str>) -> Result<Vec<StockBalance>, StoreError>;

    async fn import_catalog(&self, rows: &[CatalogRow]) -> Result<usize, StoreError>;

    async fn outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxRow>, StoreError>;

    async fn journal(&self, filter: &JournalFilter) -> Result<Vec<JournalRow>, StoreError>;

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

    /// Puts parked (`failed`) notices back in the queue with a fresh retry horizon; sent and
    /// pending notices are left alone. Returns how many were requeued.
    async fn requeue_notices(&self, which: Requeue, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Numbers for `/metrics` that live in the database.
    async fn gauges(&self) -> Result<Gauges, StoreError>;
}

/// Opens the backend named by the URL's scheme.
pub async fn open(url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url, options).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresStore::open(url, options).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// How long to wait for the database before giving up, and SQLite's durability. `Default` is
/// the operator's default (`config.default.toml`, see `config/defaults.rs`).
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The request deadline: the database must answer within it, or the request is answered 503.
    pub acquire_timeout: std::time::Duration,
    /// `FULL` by default: an order answered "created" must survive a power cut.
    pub sqlite_synchronous: SqliteSynchronous,
    /// PostgreSQL connections per instance; SQLite always has one.
    pub max_connections: u32,
}

/// PostgreSQL connections per instance (not an operator setting).
pub const POOL_SIZE: u32 = 8;

/// A database URL fit for a log line: the password is replaced.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_a_log_line() {
        assert_eq!(
            super::redact_url("postgres://hook:s3cret@db:5432/orders"),
            "postgres://hook:***@db:5432/orders"
        );
        assert_eq!(
            super::redact_url("sqlite://orders.db"),
            "sqlite://orders.db"
        );
    }
}
