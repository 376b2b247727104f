//! `POST /sbermarket/orders/hook/`: authenticate, parse, apply in one transaction, answer —
//! all within the deadline, or `503` with nothing committed.

use super::auth::CLIENT_TOKEN_HEADER;
use super::error::ApiError;
use super::{AppState, BODY_LIMIT};
use crate::console::changes::OrderChange;
use crate::domain::{EventKind, Outcome};
use crate::ingest::journal::Request;
use crate::ingest::{self, Applied, Ingested};
use crate::protocol::reply;
use crate::store::{JournalEntry, StoreError};
use crate::telemetry::names;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use http_body_util::BodyExt;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

/// The request's metrics: one count per outcome, and the time it took.
fn count(seen: &Request, outcome: Outcome) {
    let event = seen.event_label();
    metrics::counter!(names::REQUESTS, "event" => event, "outcome" => outcome.as_str())
        .increment(1);
    metrics::histogram!(names::REQUEST_DURATION, "event" => event)
        .record(seen.started.elapsed().as_secs_f64());
}

/// The id the router (or nginx before it) gave the request, for the journal.
fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let started = Instant::now();
    if !state.tokens.get().admits(&headers) {
        // Nothing else is done for a stranger: no journal row, no parsing.
        metrics::counter!(names::FORBIDDEN).increment(1);
        tracing::warn!(
            tokens_sent = headers.get_all(CLIENT_TOKEN_HEADER).iter().count(),
            "hook request refused: missing, wrong or repeated Client-token"
        );
        return ApiError::forbidden().into_response();
    }
    let mut seen = Request::new(started, request_id(&headers));
    // Refused from the declared length before a byte is read, so that a client that asked
    // `Expect: 100-continue` is not invited to send its 20 MB first.
    if declared_length(&headers).is_some_and(|length| length > BODY_LIMIT as u64) {
        return refuse(&state, &seen, ApiError::body_too_large()).await;
    }
    let body = match read_body(body, state.read_timeout).await {
        Ok(body) => body,
        Err(error) => return refuse(&state, &seen, error).await,
    };
    seen.body = Some(String::from_utf8_lossy(&body).into_owned());
    if state.database.is_down() {
        // Waiting out the deadline against a dead server helps nobody: the marketplace retries.
        count(&seen, Outcome::Unavailable);
        return ApiError::unavailable("the database is unreachable; retry later").into_response();
    }

    let handled = AssertUnwindSafe(tokio::time::timeout(
        state.deadline,
        handle(&state, &mut seen, &body),
    ))
    .catch_unwind()
    .await;
    match handled {
        Ok(Ok(response)) => response,
        Ok(Err(_)) => {
            // The transaction future was dropped, so it rolled back: nothing half-done remains.
            tracing::error!(
                event = seen.event_label(),
                order = ?seen.label.order_id.as_deref().unwrap_or("-"),
                deadline_ms = state.deadline.as_millis() as u64,
                "hook request passed its deadline: answered 503, nothing committed"
            );
            unavailable(
                &state,
                &seen,
                "the request did not finish within its deadline",
            )
        }
        Err(panic) => panicked(&state, &seen, panic.as_ref()),
    }
}

/// The `Content-Length` the client declared, if it declared one we can read.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads the body, at most `BODY_LIMIT` bytes and within `timeout`: the marketplace never takes
/// longer to send, and a client that trickles its body must not hold a connection forever.
async fn read_body(body: axum::body::Body, timeout: Duration) -> Result<Bytes, ApiError> {
    let limited = http_body_util::Limited::new(body, BODY_LIMIT);
    match tokio::time::timeout(timeout, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
            Err(ApiError::body_too_large())
        }
        Ok(Err(error)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unreadable_body",
            format!("the body could not be read: {error}"),
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!("the body did not arrive within {} ms", timeout.as_millis()),
        )),
    }
}

/// The last line of defence: no input should get here (the property tests look for one that
/// does), but if one does, the marketplace gets a JSON error and the operator a journal row
/// naming the event and the order, instead of a dropped connection.
fn panicked(state: &AppState, seen: &Request, panic: &(dyn std::any::Any + Send)) -> Response {
    let message = super::error::panic_message(panic);
    metrics::counter!(names::PANICS).increment(1);
    tracing::error!(
        event = ?seen.label.event_type.as_deref().unwrap_or("-"),
        order = ?seen.label.order_id.as_deref().unwrap_or("-"),
        panic = ?message,
        "hook request panicked: answered 500, nothing committed"
    );
    count(seen, Outcome::Invalid);
    let error = ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "the event could not be processed; it was journaled for the operator",
    );
    let entry = seen.entry(
        Outcome::Invalid,
        error.status.as_u16(),
        &format!("panic: {message}"),
    );
    journal_in_background(state, entry);
    error.into_response()
}

async fn handle(state: &AppState, seen: &mut Request, body: &[u8]) -> Response {
    // Taken once: a reload during the request does not change its routing halfway.
    let rules = state.rules.get();
    match ingest::event(&*state.ingest, state.group.as_ref(), &rules, seen, body).await {
        Ingested::Applied(applied) => answer(state, seen, *applied),
        Ingested::Journaled => {
            count(seen, Outcome::Ignored);
            tracing::info!(event_type = ?seen.label.event_type.as_deref().unwrap_or("-"), "unhandled event type journaled");
            StatusCode::OK.into_response()
        }
        Ingested::Rejected(rejection) => refuse(state, seen, ApiError::rejected(rejection)).await,
        Ingested::NotJournaled(error) => {
            tracing::error!(error = %error, "journal write failed");
            state.database.observe(&error, &state.ingest);
            unavailable(state, seen, "the journal could not be written")
        }
        Ingested::NotApplied(StoreError::Arithmetic(why)) => {
            // Unreachable within the protocol's bounds; said plainly if stored data ever gets
            // there (a balance imported near the decimal limit), never rounded.
            tracing::error!(why = ?why, order = ?seen.label.order_id.as_deref().unwrap_or("-"), "event not applied: arithmetic out of range");
            unavailable(
                state,
                seen,
                &format!("the event cannot be applied: arithmetic out of range: {why}"),
            )
        }
        Ingested::NotApplied(error) => {
            tracing::error!(error = %error, order = ?seen.label.order_id.as_deref().unwrap_or("-"), "event not applied: database failure");
            state.database.observe(&error, &state.ingest);
            unavailable(state, seen, "the database is unavailable; retry later")
        }
    }
}

fn answer(state: &AppState, seen: &Request, applied: Applied) -> Response {
    let decision = applied.decision;
    count(seen, decision.outcome);
    let order = seen.label.order_id.as_deref().unwrap_or("-");
    // Request values are logged as quoted fields (`?`): a newline or an escape code in them
    // cannot forge a log line (ids with control characters are refused before this anyway).
    for warning in &decision.warnings {
        tracing::warn!(order = ?order, warning = ?warning, "order event warning");
    }
    if decision.outcome == Outcome::Ignored && seen.event_label() == EventKind::Changed.as_str() {
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
        state.outbox_committed.notify_one();
    }
    if let Some(document) = &decision.document {
        state.changes.publish(OrderChange {
            store_id: document.store_id.as_ref().map(|id| id.as_str().to_owned()),
            order_id: document.original_order_id.as_str().to_owned(),
        });
    }
    tracing::info!(
        event = seen.event_label(),
        order = ?order,
        outcome = decision.outcome.as_str(),
        detail = ?decision.detail,
        "order event applied"
    );
    match reply::decided(&decision.answer, order, &decision.detail) {
        Ok(Some(body)) => (reply::status_of(&decision.answer), Json(body)).into_response(),
        Ok(None) => reply::status_of(&decision.answer).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// Anything but POST on the hook path: `405`, journaled when the caller is authenticated.
pub async fn wrong_method(
    State(state): State<AppState>,
    method: axum::http::Method,
    headers: HeaderMap,
) -> Response {
    let error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("the hook accepts POST only, not {method}"),
    );
    if !state.tokens.get().admits(&headers) {
        return error.into_response();
    }
    let seen = Request::new(Instant::now(), request_id(&headers));
    refuse(&state, &seen, error).await
}

/// A 4xx for a request we will not apply: journaled (as far as the database lets us), answered.
async fn refuse(state: &AppState, seen: &Request, error: ApiError) -> Response {
    tracing::warn!(
        code = error.code,
        event = ?seen.label.event_type.as_deref().unwrap_or("-"),
        detail = ?error.detail,
        "hook request refused"
    );
    let entry = seen.entry(
        Outcome::Invalid,
        error.status.as_u16(),
        &format!("{}: {}", error.code, error.detail),
    );
    if let Err(journal_error) = state.ingest.record(&entry).await {
        tracing::error!(error = %journal_error, "journal write failed for a refused request");
    }
    count(seen, Outcome::Invalid);
    error.into_response()
}

/// A 503, journaled in the background.
fn unavailable(state: &AppState, seen: &Request, detail: &str) -> Response {
    count(seen, Outcome::Unavailable);
    let entry = seen.entry(
        Outcome::Unavailable,
        StatusCode::SERVICE_UNAVAILABLE.as_u16(),
        detail,
    );
    journal_in_background(state, entry);
    ApiError::unavailable(detail).into_response()
}

/// Writes a journal row after the answer has gone, bounded by the deadline: the database may be
/// what failed, and it must not hold the answer past the marketplace's patience.
fn journal_in_background(state: &AppState, entry: JournalEntry) {
    let store = state.ingest.clone();
    let deadline = state.deadline;
    tokio::spawn(async move {
        let status = entry.status_code;
        match tokio::time::timeout(deadline, store.record(&entry)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(error = %error, status, "could not journal a refusal"),
            Err(_) => tracing::warn!(status, "could not journal a refusal in time"),
        }
    });
}
