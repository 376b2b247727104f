//! The one record of a hook request (`Request`), from its arrival to its last journal row, and
//! every journal row built from it: refused, unhandled, applied (in the event's transaction),
//! timed out or panicked alike. A replay is a request too, marked with the row it repeats.

use crate::domain::{Decision, OrderId, Outcome};
use crate::protocol::Label;
use crate::store::JournalEntry;
use crate::telemetry::names;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use std::time::Instant;

/// A journaled request put through again (`journal replay`): which row, and who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    pub of: i64,
    /// `Дежурный оператор (operator, session 1a2b3c4d5e6f)`, or the command line's user.
    pub asked_by: String,
}

/// What a request was, as far as it has been read: for the journal, the metrics and the log.
/// Cheap to clone: the body is held once, shared.
#[derive(Debug, Clone)]
pub struct Request {
    pub started: Instant,
    /// When it arrived: the time its event is applied at.
    pub now: DateTime<Utc>,
    /// The id the router (or nginx before it) gave the request.
    pub request_id: Option<String>,
    pub label: Label,
    pub body: Option<Bytes>,
    pub replay: Option<Replay>,
}

impl Request {
    pub fn new(started: Instant, request_id: Option<String>) -> Self {
        Request {
            started,
            now: Utc::now(),
            request_id,
            label: Label::default(),
            body: None,
            replay: None,
        }
    }

    /// The event's kind for metrics: `other` for a type we do not handle, `invalid` unread.
    pub fn event_label(&self) -> &'static str {
        match (self.label.kind, &self.label.event_type) {
            (Some(kind), _) => kind.as_str(),
            (None, Some(_)) => names::EVENT_OTHER,
            (None, None) => names::EVENT_UNREAD,
        }
    }

    /// The order id as read, for the log.
    pub fn order_text(&self) -> &str {
        self.label.order_id.as_deref().unwrap_or("-")
    }

    /// The row of a request that touched no order, written outside any event's transaction.
    pub fn entry(&self, outcome: Outcome, status_code: u16, detail: &str) -> JournalEntry {
        self.row(
            Utc::now(),
            self.label.order_id.clone(),
            outcome,
            status_code,
            detail,
        )
    }

    /// The row of an applied event, written in the event's own transaction.
    pub(super) fn applied(&self, order: &OrderId, decision: &Decision) -> JournalEntry {
        self.row(
            self.now,
            Some(order.to_string()),
            decision.outcome,
            decision.answer.status_code(),
            &decision.detail,
        )
    }

    /// The one place a row is made: the duration from the request's arrival to its row, and a
    /// replay's mark.
    fn row(
        &self,
        at: DateTime<Utc>,
        order_id: Option<String>,
        outcome: Outcome,
        status_code: u16,
        detail: &str,
    ) -> JournalEntry {
        let detail = match &self.replay {
            Some(replay) => format!(
                "replay of #{} asked by {}: {detail}",
                replay.of, replay.asked_by
            ),
            None => detail.to_owned(),
        };
        JournalEntry {
            at,
            request_id: self.request_id.clone(),
            event_type: self.label.event_type.clone(),
            order_id,
            outcome,
            status_code,
            duration_ms: i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX),
            detail,
            body: self.body.clone(),
            replay_of: self.replay.as_ref().map(|replay| replay.of),
        }
    }
}
