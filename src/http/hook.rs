//! `POST /sbermarket/orders/hook/`: authenticate, parse, apply in one transaction, answer —
//! all within the deadline, or `503` with nothing committed.

use super::AppState;
use super::auth::CLIENT_TOKEN_HEADER;
use super::error::ApiError;
use crate::domain::{Answer, EventKind, Outcome};
use crate::protocol::{self, Incoming, Label};
use crate::store::{Applied, EventRequest, JournalEntry};
use crate::telemetry::names;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use serde_json::json;
use std::time::Instant;

/// What a request was, for the journal, the metrics and the log.
struct Seen {
    started: Instant,
    request_id: Option<String>,
    label: Label,
    body: Option<String>,
}

impl Seen {
    fn event_label(&self) -> &'static str {
        match self.label.event_type.as_deref() {
            Some(name) => protocol::event_kind(name).map_or("other", EventKind::as_str),
            None => "invalid",
        }
    }

    fn journal(&self, outcome: Outcome, status: StatusCode, detail: &str) -> JournalEntry {
        JournalEntry {
            at: Utc::now(),
            request_id: self.request_id.clone(),
            event_type: self.label.event_type.clone(),
            order_id: self.label.order_id.clone(),
            outcome,
            status_code: status.as_u16(),
            duration_ms: i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX),
            detail: detail.to_owned(),
            body: self.body.clone(),
        }
    }

    fn count(&self, outcome: Outcome) {
        let event = self.event_label();
        metrics::counter!(names::REQUESTS, "event" => event, "outcome" => outcome.as_str())
            .increment(1);
        metrics::histogram!(names::REQUEST_DURATION, "event" => event)
            .record(self.started.elapsed().as_secs_f64());
    }
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
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    if !state.tokens.admits(&headers) {
        // Nothing else is done for a stranger: no journal row, no parsing.
        metrics::counter!(names::FORBIDDEN).increment(1);
        tracing::warn!(
            has_token = headers.contains_key(CLIENT_TOKEN_HEADER),
            "hook request refused: missing or wrong Client-token"
        );
        return ApiError::forbidden().into_response();
    }
    let mut seen = Seen {
        started,
        request_id: request_id(&headers),
        label: Label::default(),
        body: None,
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let error = if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(status, "body_too_large", "the body is larger than 1 MiB")
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unreadable_body",
                    rejection.body_text(),
                )
            };
            return refuse(&state, &seen, error).await;
        }
    };
    seen.body = Some(String::from_utf8_lossy(&body).into_owned());
    if state.database.is_down() {
        // Waiting out the deadline against a dead server helps nobody: the marketplace retries.
        seen.count(Outcome::Unavailable);
        return ApiError::unavailable("the database is unreachable; retry later").into_response();
    }

    match tokio::time::timeout(state.deadline, handle(&state, &mut seen, &body)).await {
        Ok(response) => response,
        Err(_) => {
            // The transaction future was dropped, so it rolled back: nothing half-done remains.
            tracing::error!(
                event = seen.event_label(),
                order = seen.label.order_id.as_deref().unwrap_or("-"),
                deadline_ms = state.deadline.as_millis() as u64,
                "hook request passed its deadline: answered 503, nothing committed"
            );
            unavailable(
                &state,
                &seen,
                "the request did not finish within its deadline",
            )
        }
    }
}

async fn handle(state: &AppState, seen: &mut Seen, body: &[u8]) -> Response {
    let event = match protocol::parse(body) {
        Ok(Incoming::Order(event)) => event,
        Ok(Incoming::Other {
            event_type,
            order_id,
        }) => {
            seen.label = Label {
                event_type: Some(event_type.clone()),
                order_id,
            };
            let detail = format!("event type {event_type} is not handled: journaled only");
            if let Err(error) = state
                .store
                .record(&seen.journal(Outcome::Ignored, StatusCode::OK, &detail))
                .await
            {
                tracing::error!(error = %error, "journal write failed");
                state.database.observe(&error, &state.store);
                return unavailable(state, seen, "the journal could not be written");
            }
            seen.count(Outcome::Ignored);
            tracing::info!(event_type, "unhandled event type journaled");
            return StatusCode::OK.into_response();
        }
        Err((rejection, label)) => {
            seen.label = label;
            let error = ApiError::new(StatusCode::BAD_REQUEST, rejection.code, rejection.detail);
            return refuse(state, seen, error).await;
        }
    };
    seen.label = Label {
        event_type: seen_event_type(body),
        order_id: Some(event.order_id.to_string()),
    };
    let request = EventRequest {
        now: Utc::now(),
        request_id: seen.request_id.clone(),
        event_type: seen.label.event_type.clone().unwrap_or_default(),
        body: seen.body.clone().unwrap_or_default(),
        started: seen.started,
    };
    match state
        .store
        .apply_event(&event, &state.rules, &request)
        .await
    {
        Ok(applied) => answer(state, seen, applied),
        Err(error) => {
            tracing::error!(error = %error, order = %event.order_id, "event not applied: database failure");
            state.database.observe(&error, &state.store);
            unavailable(state, seen, "the database is unavailable; retry later")
        }
    }
}

/// The journal keeps the marketplace's own spelling of the event.
fn seen_event_type(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()?
        .get("event_type")?
        .as_str()
        .map(str::to_owned)
}

fn answer(state: &AppState, seen: &Seen, applied: Applied) -> Response {
    let decision = applied.decision;
    seen.count(decision.outcome);
    let order = seen.label.order_id.as_deref().unwrap_or("-");
    for warning in &decision.warnings {
        tracing::warn!(order, "{warning}");
    }
    if decision.outcome == Outcome::Ignored && seen.event_label() == EventKind::Changed.as_str() {
        metrics::counter!(names::LOCKED_CHANGES).increment(1);
    }
    for (movement, balance) in &applied.negative_balances {
        metrics::counter!(names::NEGATIVE_WRITE_OFFS).increment(1);
        tracing::warn!(
            order,
            store = %movement.store_id,
            sku = %movement.sku,
            balance = %balance,
            "stock balance went negative: the goods left the store all the same"
        );
    }
    if !decision.notices.is_empty() {
        state.outbox_committed.notify_one();
    }
    tracing::info!(
        event = seen.event_label(),
        order,
        outcome = decision.outcome.as_str(),
        "{}",
        decision.detail
    );
    match decision.answer {
        Answer::Created {
            number,
            expected_assembly_time,
        } => Json(json!({
            "status": "created",
            "number": number,
            "expectedAssemblyTime": expected_assembly_time.to_rfc3339_opts(SecondsFormat::Secs, true),
        }))
        .into_response(),
        Answer::Ok => StatusCode::OK.into_response(),
        Answer::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "order_not_found",
            format!("order {order} is not known yet"),
        )
        .into_response(),
        Answer::Retry => ApiError::unavailable(decision.detail).into_response(),
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
    if !state.tokens.admits(&headers) {
        return error.into_response();
    }
    let seen = Seen {
        started: Instant::now(),
        request_id: request_id(&headers),
        label: Label::default(),
        body: None,
    };
    refuse(&state, &seen, error).await
}

/// A 4xx for a request we will not apply: journaled (as far as the database lets us), answered.
async fn refuse(state: &AppState, seen: &Seen, error: ApiError) -> Response {
    tracing::warn!(
        code = error.code,
        event = seen.label.event_type.as_deref().unwrap_or("-"),
        "hook request refused: {}",
        error.detail
    );
    let entry = seen.journal(
        Outcome::Invalid,
        error.status,
        &format!("{}: {}", error.code, error.detail),
    );
    if let Err(journal_error) = state.store.record(&entry).await {
        tracing::error!(error = %journal_error, "journal write failed for a refused request");
    }
    seen.count(Outcome::Invalid);
    error.into_response()
}

/// A 503. The journal entry is written in the background, bounded in time, so that a stuck
/// database cannot hold the answer past the marketplace's patience.
fn unavailable(state: &AppState, seen: &Seen, detail: &str) -> Response {
    seen.count(Outcome::Unavailable);
    let entry = seen.journal(
        Outcome::Unavailable,
        StatusCode::SERVICE_UNAVAILABLE,
        detail,
    );
    let store = state.store.clone();
    let deadline = state.deadline;
    tokio::spawn(async move {
        match tokio::time::timeout(deadline, store.record(&entry)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(error = %error, "could not journal a 503"),
            Err(_) => tracing::warn!("could not journal a 503 in time"),
        }
    });
    ApiError::unavailable(detail).into_response()
}
