//! Refusals as HTTP responses: every 4xx/5xx carries `{"error": ..., "detail": ...}` (built in
//! `protocol::reply`); causes are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The HTTP shell's name for the protocol's refusal: one type, one JSON shape.
pub use crate::protocol::Refusal as ApiError;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// The answer of `CatchPanicLayer`: the same JSON shape as every other failure.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic_message(panic.as_ref());
    tracing::error!(panic = ?message, "request panicked: answered 500");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "the request could not be processed",
    )
    .into_response()
}

/// What a panic said, for the log and the journal.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
