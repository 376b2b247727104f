//! What the store hands out and takes in besides domain values: rows for the CLI and metrics.

use super::db::from_row;
use super::delivery::OutboxStatus;
use crate::domain::{NoticeKind, OrderDocument, Outcome, Status};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

/// An order document with its history, as `order show` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRecord {
    pub document: OrderDocument,
    pub history: Vec<HistoryRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRow {
    pub at: DateTime<Utc>,
    pub event: String,
    pub outcome: Outcome,
    pub detail: String,
    pub actor: String,
}

from_row!(HistoryRow {
    at,
    event,
    outcome,
    detail,
    actor
});

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<Status>,
    pub store_id: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSummary {
    pub original_order_id: String,
    pub number: Option<String>,
    pub status: Status,
    pub store_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

from_row!(OrderSummary {
    original_order_id,
    number,
    status,
    store_id,
    created_at,
    updated_at
});

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockBalance {
    pub store: String,
    pub sku: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogRow {
    pub sku: String,
    pub name: String,
    pub unit: Option<String>,
    /// The aisle or zone the goods stand in (`A3`, `Молочка`), for the picking sheet's order.
    pub zone: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub status: Option<OutboxStatus>,
    pub order_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxRow {
    pub id: i64,
    pub original_order_id: String,
    pub kind: NoticeKind,
    pub chat: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// When the worker tries it next (back-off or Telegram's `retry_after`), while pending.
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub telegram_message_id: Option<i64>,
    /// Telegram's description or the network error of the last failed attempt.
    pub last_error: Option<String>,
}

from_row!(OutboxRow {
    id,
    original_order_id,
    kind,
    chat,
    status,
    attempts,
    text,
    created_at,
    next_attempt_at,
    sent_at,
    telegram_message_id,
    last_error
});

/// One authenticated request, as the journal keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    pub at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub event_type: Option<String>,
    pub order_id: Option<String>,
    pub outcome: Outcome,
    pub status_code: u16,
    pub duration_ms: i64,
    pub detail: String,
    /// The request's body as it came, shared with the request (never copied for the row).
    pub body: Option<bytes::Bytes>,
    /// A replay's row: the journal row it repeats.
    pub replay_of: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    pub order_id: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub event_type: Option<String>,
    pub original_order_id: Option<String>,
    pub outcome: Outcome,
    pub status_code: i64,
    pub duration_ms: i64,
    pub detail: String,
    pub body: Option<String>,
    /// A replay's row: the row it repeats.
    pub replay_of: Option<i64>,
}

from_row!(JournalRow {
    id,
    at,
    request_id,
    event_type,
    original_order_id,
    outcome,
    status_code,
    duration_ms,
    detail,
    body,
    replay_of
});

/// Database-held numbers for `/metrics`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    /// Outbox rows per status.
    pub outbox: Vec<(String, i64)>,
    /// When the oldest notice still waiting to be sent was queued.
    pub oldest_pending_at: Option<DateTime<Utc>>,
    pub negative_balances: i64,
    pub size: DatabaseSize,
    pub journal_rows: i64,
    /// The oldest journal row: retention keeps it within `journal_retention_days`.
    pub oldest_journal_at: Option<DateTime<Utc>>,
}

/// How much disk the database takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseSize {
    /// SQLite: the database file; PostgreSQL: `pg_database_size`.
    pub bytes: u64,
    /// SQLite's write-ahead log beside the file (none on PostgreSQL).
    pub wal_bytes: Option<u64>,
    /// SQLite's free pages inside the file: room that new rows reuse, and that only a `VACUUM`
    /// (or a backup, which is compacted) gives back to the disk.
    pub free_bytes: Option<u64>,
}

/// `orders-hook db stats`: the size, the rows of each table, and how old the prunable rows get.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseStats {
    pub backend: &'static str,
    pub size: DatabaseSize,
    pub tables: Vec<TableRows>,
    pub oldest_journal_at: Option<DateTime<Utc>>,
    pub oldest_sent_notice_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRows {
    pub table: &'static str,
    pub rows: i64,
}

/// Every table of the schema, for `db stats`. The test that compares it with the schema keeps
/// it whole.
pub const TABLES: [&str; 12] = [
    "orders",
    "order_history",
    "order_numbers",
    "stock_balances",
    "stock_ledger",
    "catalog",
    "outbox",
    "journal",
    "maintenance_leases",
    "console_links",
    "console_sessions",
    "picking",
];

/// What retention deletes: request logs, delivered notices, and the console's ended sessions
/// and spent one-time links; never business records (orders, their history, the stock ledger)
/// and never a notice still to send or parked as failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prunable {
    Journal,
    SentNotices,
    /// Sessions run out or ended before the cut-off.
    ConsoleSessions,
    /// Links expired, used or revoked before the cut-off, whose sessions are gone by then too
    /// (a link stays while it can still be revoked to end a session).
    ConsoleLinks,
}

impl Prunable {
    pub const ALL: [Prunable; 4] = [
        Prunable::Journal,
        Prunable::SentNotices,
        Prunable::ConsoleSessions,
        Prunable::ConsoleLinks,
    ];

    /// The table, as the metrics label it.
    pub fn table(self) -> &'static str {
        match self {
            Prunable::Journal => "journal",
            Prunable::SentNotices => "outbox",
            Prunable::ConsoleSessions => "console_sessions",
            Prunable::ConsoleLinks => "console_links",
        }
    }
}
