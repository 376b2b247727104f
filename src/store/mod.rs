//! Storage: the role traits (`roles.rs`), the generic store over either database, and the
//! records that cross the boundary.

#[macro_use]
mod sql_bounds;
pub mod action_tx;
pub mod change_bus;
mod columns;
pub mod console;
pub mod db;
pub mod delivery;
mod dialect;
mod event_tx;
pub mod operator;
pub mod postgres;
mod postgres_event;
pub mod primary;
pub mod reachability;
pub mod records;
mod roles;
mod sql;
mod sql_action;
mod sql_board;
mod sql_console;
mod sql_event;
mod sql_housekeeping;
mod sql_operations;
mod sql_operator;
mod sql_picking;
pub mod sqlite;
mod sqlite_migrate;
pub mod story;

pub use action_tx::{ActionTx, PickingSubject, RequeuedNotice};
pub use delivery::{ClaimedNotice, NoticeClaim, OutboxStatus, Requeue, SendLimits, Settlement};
pub use event_tx::{Balances, EventTx, EventWrites, Shipment, write_step_by_step};
pub use operator::{JournalSearch, OrderCount};
pub use records::*;
pub use roles::{
    ActionStore, BoardReads, ChangeFeed, ConsoleAccess, ConsoleStore, Housekeeping, IngestStore,
    NoticeQueue, Operations, OperatorReads, PickingReads, ReadSide, Store,
};
pub use sql_board::BoardOrder;
pub use sql_picking::PickingFacts;

use crate::database_url::DatabaseUrl;
use crate::domain::{Routing, Settings};
use std::sync::Arc;

pub use db::lite::Synchronous as SqliteSynchronous;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// PostgreSQL's (sqlx's) errors.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// SQLite's (rusqlite's) errors.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A statement that always gives a row gave none.
    #[error("no row where one was expected")]
    RowNotFound,
    /// SQLite's writer (the group commit's thread, or the connection's lock) is gone: the
    /// process is shutting down.
    #[error("the database writer has stopped")]
    WriterStopped,
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
    /// No host of `database_url` takes writes (each a standby, read-only or away); the text
    /// names each host and why.
    #[error("{0}")]
    NoWritableHost(String),
    /// The primary moved to another host: what was on the old one (a `LISTEN`) starts again.
    #[error("the primary moved to another host")]
    PrimaryMoved,
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(error)
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

/// Opens the backend `database_url` names.
pub async fn open(url: &DatabaseUrl, options: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    match url {
        DatabaseUrl::Sqlite(url) => Ok(Arc::new(sqlite::SqliteStore::open(url, options).await?)),
        DatabaseUrl::Postgres(url) => {
            Ok(Arc::new(postgres::PostgresStore::open(url, options).await?))
        }
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
