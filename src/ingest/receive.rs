//! A request's whole life, for the hook's handler and for `journal replay` alike: the database
//! gate, the deadline, the last line of defence against a panic, parsing, the event's
//! transaction, every journal row, the metrics and the log, and what follows a commit (the
//! notice worker woken, the boards told). The callers only turn a `Received` into their answer.

use super::group::GroupCommit;
use super::journal::Request;
use super::{Applied, apply};
use crate::console::changes::{Changes, OrderChange};
use crate::domain::{EventKind, Outcome};
use crate::live::Live;
use crate::protocol::reply::Refusal;
use crate::protocol::{self, Incoming, Label};
use crate::store::reachability::Reachability;
use crate::store::{IngestStore, JournalEntry, Rules, StoreError};
use crate::telemetry::names;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Everything a request's life reaches; every request holds a clone.
#[derive(Clone)]
pub struct Ingest {
    /// The hook's role: one event's transaction, the journal, readiness.
    pub store: Arc<dyn IngestStore>,
    /// The store's group commit writer, when events are batched (SQLite, `group_commit`).
    pub group: Option<GroupCommit>,
    /// Replaced whole by a reload (`crate::reload`): the stores' routing and pickers.
    pub rules: Live<Rules>,
    pub deadline: Duration,
    /// Woken after a commit that queued notices, so the sender need not poll.
    pub outbox_committed: Arc<Notify>,
    /// Told of every committed change of an order document, for the console's live boards.
    pub changes: Changes,
    /// Closed while the database is known to be unreachable: 503 at once.
    pub database: Arc<Reachability>,
}

/// How a request ended, journaled and counted already; the caller only answers.
#[derive(Debug)]
pub enum Received {
    /// The event's transaction committed: answer from its decision.
    Applied(Box<Applied>),
    /// An event type the hook does not handle, journaled `ignored`: 200.
    Ignored,
    /// Refused (4xx), journaled `invalid`.
    Refused(Refusal),
    /// Not done (503): the database, or the deadline. Journaled in the background.
    Unavailable(String),
    /// The last line of defence: 500, journaled.
    Panicked(String),
}

impl Received {
    /// The status the marketplace was (or would have been) answered.
    pub fn status_code(&self) -> u16 {
        match self {
            Received::Applied(applied) => applied.decision.answer.status_code(),
            Received::Ignored => 200,
            Received::Refused(refusal) => refusal.status.as_u16(),
            Received::Unavailable(_) => 503,
            Received::Panicked(_) => 500,
        }
    }
}

/// The request's metrics: one count per outcome, and the time it took.
fn count(seen: &Request, outcome: Outcome) {
    let event = seen.event_label();
    metrics::counter!(names::REQUESTS, "event" => event, "outcome" => outcome.as_str())
        .increment(1);
    metrics::histogram!(names::REQUEST_DURATION, "event" => event)
        .record(seen.started.elapsed().as_secs_f64());
}

impl Ingest {
    /// The whole life of an authenticated request whose body was read: within the deadline,
    /// with nothing half-done when it passes; a panic is answered 500 and journaled.
    /// `request.label` is kept current as the body is read, for the caller's answer.
    pub async fn receive(&self, request: &mut Request) -> Received {
        if self.database.is_down() {
            // Waiting out the deadline against a dead server helps nobody: the marketplace
            // retries.
            count(request, Outcome::Unavailable);
            return Received::Unavailable("the database is unreachable; retry later".to_owned());
        }
        let handled = AssertUnwindSafe(tokio::time::timeout(self.deadline, self.handle(request)))
            .catch_unwind()
            .await;
        match handled {
            Ok(Ok(received)) => received,
            Ok(Err(_)) => {
                // The transaction future was dropped, so it rolled back.
                tracing::error!(
                    event = request.event_label(),
                    order = ?request.order_text(),
                    deadline_ms = self.deadline.as_millis() as u64,
                    "hook request passed its deadline: answered 503, nothing committed"
                );
                self.unavailable(request, "the request did not finish within its deadline")
            }
            Err(panic) => self.panicked(request, panic.as_ref()),
        }
    }

    async fn handle(&self, request: &mut Request) -> Received {
        let body = request.body.clone().unwrap_or_default();
        // Taken once: a reload during the request does not change its rules halfway.
        let rules = self.rules.get();
        let (event, label) = match protocol::parse_labelled(&body, rules.settings.max_lines) {
            Ok((Incoming::Order(event), label)) => (event, label),
            Ok((Incoming::Other { event_type, .. }, label)) => {
                request.label = label;
                return self.ignored(request, &event_type).await;
            }
            Err((rejection, label)) => {
                request.label = label;
                return self.refuse(request, Refusal::rejected(rejection)).await;
            }
        };
        // The journal keeps the marketplace's own spelling of the event, and the order id as
        // read; the kind travels as its enum.
        request.label = Label {
            order_id: Some(event.order_id.to_string()),
            ..label
        };
        let applied = match &self.group {
            Some(group) => group.apply(*event, &rules, request).await,
            None => apply(&*self.store, &event, &rules, request).await,
        };
        match applied {
            Ok(applied) => self.committed(request, applied),
            Err(StoreError::Arithmetic(why)) => {
                // Unreachable within the protocol's bounds; said plainly if stored data ever
                // gets there (a balance imported near the decimal limit), never rounded.
                tracing::error!(why = ?why, order = ?request.order_text(), "event not applied: arithmetic out of range");
                self.unavailable(
                    request,
                    &format!("the event cannot be applied: arithmetic out of range: {why}"),
                )
            }
            Err(error) => {
                tracing::error!(error = %error, order = ?request.order_text(), "event not applied: database failure");
                self.database.observe(&error, &self.store);
                self.unavailable(request, "the database is unavailable; retry later")
            }
        }
    }

    /// An event type the hook does not handle: journaled only, and answered 200, since the
    /// marketplace retries anything else, to no end.
    async fn ignored(&self, request: &Request, event_type: &str) -> Received {
        let detail = format!("event type {event_type} is not handled: journaled only");
        let entry = request.entry(Outcome::Ignored, 200, &detail);
        match self.store.record(&entry).await {
            Ok(()) => {
                count(request, Outcome::Ignored);
                tracing::info!(event_type = ?event_type, "unhandled event type journaled");
                Received::Ignored
            }
            Err(error) => {
                tracing::error!(error = %error, "journal write failed");
                self.database.observe(&error, &self.store);
                self.unavailable(request, "the journal could not be written")
            }
        }
    }

    /// What follows a commit: the metrics, the log, the notice worker, the boards.
    fn committed(&self, request: &Request, applied: Applied) -> Received {
        let decision = &applied.decision;
        count(request, decision.outcome);
        let order = request.order_text();
        // Request values are logged as quoted fields (`?`): a newline or an escape code in
        // them cannot forge a log line (ids with control characters are refused before this).
        for warning in &decision.warnings {
            tracing::warn!(order = ?order, warning = ?warning, "order event warning");
        }
        if decision.outcome == Outcome::Ignored && request.label.kind == Some(EventKind::Changed) {
            metrics::counter!(names::LOCKED_CHANGES).increment(1);
        }
        for (movement, balance) in &applied.negative_balances {
            metrics::counter!(names::NEGATIVE_WRITE_OFFS).increment(1);
            tracing::warn!(
                order = ?order,
                store = ?movement.store_id.as_str(),
                sku = ?movement.sku.as_str(),
                balance = %balance,
                "stock balance went negative: the goods left the store all the same"
            );
        }
        if !decision.notices.is_empty() {
            self.outbox_committed.notify_one();
        }
        if let Some(document) = &decision.document {
            self.changes.publish(OrderChange {
                store_id: document.store_id.as_ref().map(|id| id.as_str().to_owned()),
                order_id: document.original_order_id.as_str().to_owned(),
            });
        }
        tracing::info!(
            event = request.event_label(),
            order = ?order,
            outcome = decision.outcome.as_str(),
            detail = ?decision.detail,
            replay_of = ?request.replay.as_ref().map(|replay| replay.of),
            "order event applied"
        );
        Received::Applied(Box::new(applied))
    }

    /// A 4xx for a request that will not be applied (refused before or after its body was
    /// read): journaled as far as the database lets us, and counted.
    pub async fn refuse(&self, request: &Request, refusal: Refusal) -> Received {
        tracing::warn!(
            code = refusal.code,
            event = ?request.label.event_type.as_deref().unwrap_or("-"),
            detail = ?refusal.detail,
            "hook request refused"
        );
        let entry = request.entry(
            Outcome::Invalid,
            refusal.status.as_u16(),
            &format!("{}: {}", refusal.code, refusal.detail),
        );
        if let Err(journal_error) = self.store.record(&entry).await {
            tracing::error!(error = %journal_error, "journal write failed for a refused request");
        }
        count(request, Outcome::Invalid);
        Received::Refused(refusal)
    }

    /// A 503, journaled in the background.
    fn unavailable(&self, request: &Request, detail: &str) -> Received {
        count(request, Outcome::Unavailable);
        let entry = request.entry(Outcome::Unavailable, 503, detail);
        self.journal_in_background(entry);
        Received::Unavailable(detail.to_owned())
    }

    /// The last line of defence: no input should get here (the property tests look for one
    /// that does), but if one does, the marketplace gets a JSON error and the operator a
    /// journal row naming the event and the order, instead of a dropped connection.
    fn panicked(&self, request: &Request, panic: &(dyn std::any::Any + Send)) -> Received {
        let message = panic_message(panic);
        metrics::counter!(names::PANICS).increment(1);
        tracing::error!(
            event = ?request.label.event_type.as_deref().unwrap_or("-"),
            order = ?request.order_text(),
            panic = ?message,
            "hook request panicked: answered 500, nothing committed"
        );
        count(request, Outcome::Invalid);
        let entry = request.entry(Outcome::Invalid, 500, &format!("panic: {message}"));
        self.journal_in_background(entry);
        Received::Panicked(message)
    }

    /// Writes a journal row after the answer has gone, bounded by the deadline: the database
    /// may be what failed, and it must not hold the answer past the marketplace's patience.
    fn journal_in_background(&self, entry: JournalEntry) {
        let store = self.store.clone();
        let deadline = self.deadline;
        tokio::spawn(async move {
            let status = entry.status_code;
            match tokio::time::timeout(deadline, store.record(&entry)).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::warn!(error = %error, status, "could not journal a refusal")
                }
                Err(_) => tracing::warn!(status, "could not journal a refusal in time"),
            }
        });
    }
}

/// A panic's message, if it has one.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
