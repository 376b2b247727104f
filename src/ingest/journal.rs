//! Every journal row of a hook request is built here, from one record of the request: refused,
//! unhandled, applied (in the event's transaction), timed out or panicked alike.

use super::EventRequest;
use crate::domain::{Decision, EventKind, OrderId, Outcome};
use crate::protocol::{self, Label};
use crate::store::JournalEntry;
use chrono::{DateTime, Utc};
use std::time::Instant;

/// What a request was, as far as it has been read: for the journal, the metrics and the log.
#[derive(Debug, Clone)]
pub struct Request {
    pub started: Instant,
    /// The id the router (or nginx before it) gave the request.
    pub request_id: Option<String>,
    pub label: Label,
    pub body: Option<String>,
}

impl Request {
    pub fn new(started: Instant, request_id: Option<String>) -> Self {
        Request {
            started,
            request_id,
            label: Label::default(),
            body: None,
        }
    }

    /// The event's kind for metrics: `other` for a type we do not handle, `invalid` unread.
    pub fn event_label(&self) -> &'static str {
        match self.label.event_type.as_deref() {
            Some(name) => protocol::event_kind(name).map_or("other", EventKind::as_str),
            None => "invalid",
        }
    }

    /// The row of a request that touched no order, written outside any event's transaction.
    pub fn entry(&self, outcome: Outcome, status_code: u16, detail: &str) -> JournalEntry {
        row(Row {
            at: Utc::now(),
            started: self.started,
            request_id: self.request_id.clone(),
            event_type: self.label.event_type.clone(),
            order_id: self.label.order_id.clone(),
            body: self.body.clone(),
            outcome,
            status_code,
            detail: detail.to_owned(),
        })
    }
}

impl EventRequest {
    /// The row of an applied event, written in the event's own transaction.
    pub(super) fn entry(&self, order: &OrderId, decision: &Decision) -> JournalEntry {
        row(Row {
            at: self.now,
            started: self.started,
            request_id: self.request_id.clone(),
            event_type: Some(self.event_type.clone()),
            order_id: Some(order.to_string()),
            body: Some(self.body.clone()),
            outcome: decision.outcome,
            status_code: decision.answer.status_code(),
            detail: decision.detail.clone(),
        })
    }
}

struct Row {
    at: DateTime<Utc>,
    started: Instant,
    request_id: Option<String>,
    event_type: Option<String>,
    order_id: Option<String>,
    body: Option<String>,
    outcome: Outcome,
    status_code: u16,
    detail: String,
}

/// The one place the duration is measured: from the request's arrival to its row.
fn row(row: Row) -> JournalEntry {
    JournalEntry {
        at: row.at,
        request_id: row.request_id,
        event_type: row.event_type,
        order_id: row.order_id,
        outcome: row.outcome,
        status_code: row.status_code,
        duration_ms: i64::try_from(row.started.elapsed().as_millis()).unwrap_or(i64::MAX),
        detail: row.detail,
        body: row.body,
    }
}
