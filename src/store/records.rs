//! What the store hands out and takes in besides domain values: rows for the CLI and metrics.

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

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct HistoryRow {
    pub at: DateTime<Utc>,
    pub event: String,
    pub outcome: Outcome,
    pub detail: String,
    pub actor: String,
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<Status>,
    pub store_id: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct OrderSummary {
    pub original_order_id: String,
    pub number: Option<String>,
    pub status: Status,
    pub store_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

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
}

#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub status: Option<OutboxStatus>,
    pub order_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
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
    pub body: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    pub order_id: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
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
}

/// Database-held numbers for `/metrics`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    /// Outbox rows per status.
    pub outbox: Vec<(String, i64)>,
    /// When the oldest notice still waiting to be sent was queued.
    pub oldest_pending_at: Option<DateTime<Utc>>,
    pub negative_balances: i64,
}
