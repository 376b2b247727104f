//! `/healthz` (the process answers) and `/readyz` (the database answers). The Prometheus text is
//! `crate::scrape`'s, served on the console's listener.

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub async fn healthz() -> &'static str {
    "ok\n"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.database.is_down() {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response();
    }
    match tokio::time::timeout(state.deadline, state.ingest.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n").into_response(),
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "not ready: database unreachable");
            state.database.observe(&error, &state.ingest);
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database not answering\n").into_response(),
    }
}
