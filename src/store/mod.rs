//! Storage: the role traits (`roles.rs`), the generic store over either database, and the
//! records that cross the boundary.

#[macro_use]
mod sql_bounds;
mod columns;
pub mod console;
pub mod delivery;
mod dialect;
mod event_tx;
pub mod operator;
pub mod postgres;
pub mod reachability;
pub mod records;
mod roles;
mod sql;
mod sql_board;
mod sql_console;
mod sql_event;
mod sql_housekeeping;
mod sql_operations;
mod sql_operator;
pub mod sqlite;
pub mod story;

pub use delivery::{ClaimedNotice, NoticeClaim, OutboxStatus, Requeue, SendLimits, Settlement};
pub use event_tx::EventTx;
pub use operator::{JournalSearch, OrderCount};
pub use records::*;
pub use roles::{
    BoardReads, ConsoleAccess, Housekeeping, IngestStore, NoticeQueue, Operations, OperatorReads,
    ReadSide, Store,
};
pub use sql_board::BoardOrder;

use crate::domain::{Routing, Settings};
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
