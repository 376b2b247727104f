//! The HTTP shell of the hook's listener: the hook and health. No order rule lives here (the
//! console has its own listener, `crate::console`).

pub mod auth;
pub mod error;
pub mod health;
pub mod hook;
pub mod server;

use crate::live::Live;
use auth::TokenSet;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, Request, StatusCode, Uri};
use axum::routing::{get, post};
use error::ApiError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

/// The marketplace's bodies are a few kilobytes; a megabyte is already absurd.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    /// A request's whole life once it is authenticated (`ingest`): the hook only answers.
    pub ingest: crate::ingest::Ingest,
    /// Replaced whole by a reload (`crate::reload`): the client tokens.
    pub tokens: Live<TokenSet>,
    /// How long a client may take to send the body (the listener bounds the head).
    pub read_timeout: Duration,
}

/// Gives each request an id (unless nginx already did), for the journal and the log.
#[derive(Clone)]
struct SequentialRequestId {
    prefix: String,
    next: Arc<AtomicU64>,
}

impl MakeRequestId for SequentialRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

pub fn router(state: AppState, hook_path: &str) -> Router {
    let trimmed = hook_path.trim_end_matches('/');
    let hook = post(hook::receive).fallback(hook::wrong_method);
    let mut router = Router::new().route(trimmed, hook.clone());
    if trimmed != hook_path {
        router = router.route(hook_path, hook);
    }
    let request_ids = SequentialRequestId {
        prefix: format!(
            "oh-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp()
        ),
        next: Arc::new(AtomicU64::new(1)),
    };
    router
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // After every route: it reaches only the routes added before it.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // The hook catches its own panics with the event and order in hand; this is for any
        // other: a JSON 500 rather than a dropped connection.
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(request_ids))
        .with_state(state)
}

/// The span every request's log lines carry. The path, never the whole URI: a token pasted into
/// the query string would otherwise be logged.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        %request_id,
    )
}

/// An unknown path gets the same JSON refusal as every other one.
async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("nothing is served at {}", uri.path()),
    )
}

/// A known path asked with a method it does not take (the hook has its own, which journals).
async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} does not accept {method}", uri.path()),
    )
}
