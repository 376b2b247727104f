//! What `apply` decides: everything one event does, for the store to commit in one transaction.

use super::event::OrderEvent;
use super::ids::{OrderId, Sku, StoreId};
use super::notice_draft::NoticeDraft;
use super::order::OrderDocument;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The document to save, when the event changed it.
    pub document: Option<OrderDocument>,
    pub answer: Answer,
    pub outcome: Outcome,
    /// Said in the journal (and the log) about what happened.
    pub detail: String,
    pub stock_moves: Vec<StockMove>,
    /// What to tell the store's chats; `crate::notice` words it when the store queues it.
    pub notices: Vec<NoticeDraft>,
    pub history: Vec<HistoryNote>,
    /// Worth an operator's attention in the log (a change of a locked order, an unrouted store).
    pub warnings: Vec<String>,
}

impl Decision {
    pub(super) fn unchanged(
        answer: Answer,
        outcome: Outcome,
        detail: impl Into<String>,
    ) -> Decision {
        Decision {
            document: None,
            answer,
            outcome,
            detail: detail.into(),
            stock_moves: Vec::new(),
            notices: Vec::new(),
            history: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub(super) fn saved(doc: OrderDocument, answer: Answer, detail: impl Into<String>) -> Decision {
        Decision {
            document: Some(doc),
            ..Decision::unchanged(answer, Outcome::Applied, detail)
        }
    }

    pub(super) fn note(mut self, event: &OrderEvent, detail: impl Into<String>) -> Decision {
        self.history.push(HistoryNote {
            event: event.kind().as_str().to_owned(),
            outcome: self.outcome,
            detail: detail.into(),
        });
        self
    }
}

/// What the marketplace is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `200 {"status":"created","number":..,"expectedAssemblyTime":..}`
    Created {
        number: String,
        expected_assembly_time: DateTime<Utc>,
    },
    /// `200` with an empty body.
    Ok,
    /// `404`: the order is unknown yet; the marketplace retries, by then the creation landed.
    NotFound,
    /// `503`: nothing was done; the marketplace's retry will find the work done once or not at all.
    Retry,
}

impl Answer {
    pub fn status_code(&self) -> u16 {
        match self {
            Answer::Created { .. } | Answer::Ok => 200,
            Answer::NotFound => 404,
            Answer::Retry => 503,
        }
    }
}

/// How the journal classifies a request: applied, duplicate, ignored, stale, not found, invalid
/// or unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    Duplicate,
    Ignored,
    Stale,
    NotFound,
    Invalid,
    /// The request could not be finished in time or the database failed: answered 503.
    Unavailable,
    /// Not a hook request: an action an operator took in the console (a re-queued notice),
    /// journaled with the operator's name so that the story of an order tells it too.
    Operator,
}

impl Outcome {
    pub const ALL: [Outcome; 8] = [
        Outcome::Applied,
        Outcome::Duplicate,
        Outcome::Ignored,
        Outcome::Stale,
        Outcome::NotFound,
        Outcome::Invalid,
        Outcome::Unavailable,
        Outcome::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Duplicate => "duplicate",
            Outcome::Ignored => "ignored",
            Outcome::Stale => "stale",
            Outcome::NotFound => "not_found",
            Outcome::Invalid => "invalid",
            Outcome::Unavailable => "unavailable",
            Outcome::Operator => "operator",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == raw)
    }
}

/// Goods leaving a store's stock because the courier took them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockMove {
    pub order_id: OrderId,
    pub store_id: StoreId,
    pub sku: Sku,
    /// Taken off the balance (positive).
    pub quantity: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeKind {
    Created,
    Changed,
    Cancelled,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 3] = [
        NoticeKind::Created,
        NoticeKind::Changed,
        NoticeKind::Cancelled,
    ];

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Created => "created",
            NoticeKind::Changed => "changed",
            NoticeKind::Cancelled => "cancelled",
        }
    }
}

/// A Telegram message as the outbox queues it: a whole notice, or one part of a long one, as
/// `crate::notice::render` wrote it from a [`NoticeDraft`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub order_id: OrderId,
    pub kind: NoticeKind,
    pub chat: String,
    /// Unique per order and chat: the database refuses a second copy of the same notice. A
    /// notice long enough to come in parts has one per part (`created#2/3`).
    pub dedup_key: String,
    /// Telegram HTML, customer text escaped.
    pub text: String,
}

/// One line of the order's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryNote {
    pub event: String,
    pub outcome: Outcome,
    pub detail: String,
}
