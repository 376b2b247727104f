//! `POST /sbermarket/orders/hook/`: authenticate and read the body here; the rest of the
//! request's life (parse, apply in one transaction, journal, what follows the commit, all
//! within the deadline or `503` with nothing committed) is `ingest`'s; this shell only answers.

use super::auth::CLIENT_TOKEN_HEADER;
use super::error::ApiError;
use super::{AppState, BODY_LIMIT};
use crate::ingest::{Received, Request};
use crate::protocol::reply;
use crate::telemetry::names;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::time::{Duration, Instant};

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
    let mut request = Request::new(started, request_id(&headers));
    // Refused from the declared length before a byte is read, so that a client that asked
    // `Expect: 100-continue` is not invited to send its 20 MB first.
    if declared_length(&headers).is_some_and(|length| length > BODY_LIMIT as u64) {
        let refused = state
            .ingest
            .refuse(&request, ApiError::body_too_large())
            .await;
        return answer(refused, &request);
    }
    match read_body(body, state.read_timeout).await {
        Ok(body) => request.body = Some(body),
        Err(error) => return answer(state.ingest.refuse(&request, error).await, &request),
    }
    let received = state.ingest.receive(&mut request).await;
    answer(received, &request)
}

/// The marketplace's answer to a request's end.
fn answer(received: Received, request: &Request) -> Response {
    match received {
        Received::Applied(applied) => {
            let decision = &applied.decision;
            match reply::decided(&decision.answer, request.order_text(), &decision.detail) {
                Ok(Some(body)) => (reply::status_of(&decision.answer), Json(body)).into_response(),
                Ok(None) => reply::status_of(&decision.answer).into_response(),
                Err(refusal) => refusal.into_response(),
            }
        }
        Received::Ignored => StatusCode::OK.into_response(),
        Received::Refused(refusal) => refusal.into_response(),
        Received::Unavailable(detail) => ApiError::unavailable(detail).into_response(),
        Received::Panicked(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the event could not be processed; it was journaled for the operator",
        )
        .into_response(),
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
    let request = Request::new(Instant::now(), request_id(&headers));
    answer(state.ingest.refuse(&request, error).await, &request)
}
