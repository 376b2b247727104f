//! `/healthz` (the process answers), `/readyz` (the database answers), `/metrics` (Prometheus).

use super::AppState;
use crate::telemetry::{self, names};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub async fn healthz() -> &'static str {
    "ok\n"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(state.deadline, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n").into_response(),
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "not ready: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database not answering\n").into_response(),
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    // Gauges that live in the database are read at scrape time; a slow database only leaves
    // them at their last value.
    match tokio::time::timeout(state.deadline, state.store.gauges()).await {
        Ok(Ok(gauges)) => {
            for status in ["pending", "sent", "failed"] {
                let count = gauges
                    .outbox
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!(names::OUTBOX_ROWS, "status" => status).set(count as f64);
            }
            metrics::gauge!(names::NEGATIVE_BALANCES).set(gauges.negative_balances as f64);
        }
        Ok(Err(error)) => tracing::warn!(error = %error, "metrics: database gauges not read"),
        Err(_) => tracing::warn!("metrics: database gauges not read in time"),
    }
    let handle = telemetry::metrics();
    handle.run_upkeep();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}
