//! The console's routes: every page but sign-in needs a session (the extractors say so).

use super::state::ConsoleState;
use super::{
    assets, board, dashboard, journal, links, live, numbers, operator, page, picking, print,
    replay, signin, story, telegram,
};
use axum::Router;
use axum::routing::{get, post};

async fn metrics(
    axum::extract::State(state): axum::extract::State<ConsoleState>,
) -> axum::response::Response {
    // The stores' picking numbers live in the database: counted now, within the deadline, and
    // left as they were when the database is slow.
    let now = chrono::Utc::now();
    let counted = tokio::time::timeout(
        state.deadline,
        numbers::store_numbers(&state, &*state.store, None, now),
    )
    .await;
    match counted {
        Ok(Ok(counted)) => numbers::record(&state.stores(), &counted),
        Ok(Err(error)) => tracing::warn!(%error, "metrics: picking numbers not read"),
        Err(_) => tracing::warn!("metrics: picking numbers not read in time"),
    }
    crate::scrape::metrics_response(&*state.store, state.deadline).await
}

/// The console's routes; every page but sign-in needs a session. Every answer carries the
/// admin-site headers (`headers`).
pub fn router(state: ConsoleState) -> Router {
    let routes = Router::new()
        .route("/", get(signin::home))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signout", post(signin::sign_out))
        .route(
            "/link/{code}",
            get(signin::redeem_form).post(signin::redeem),
        )
        .route("/stores/{id}", get(board::board))
        .route("/stores/{id}/table", get(board::table))
        .route("/stores/{id}/events", get(live::events))
        .route("/stores/{id}/picker", post(picking::choose))
        .route("/stores/{id}/orders/{order}/{action}", post(picking::act))
        .route("/orders/{number}/print", get(print::sheet))
        .route("/orders", get(story::find))
        .route("/orders/{key}", get(story::show))
        .route("/journal", get(journal::journal))
        .route("/journal/replay", post(replay::found))
        .route("/journal/{id}/replay", post(replay::one))
        .route("/outbox", get(operator::outbox))
        .route("/outbox/{id}/retry", post(operator::retry))
        .route("/stock", get(operator::stock))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/links", get(links::list).post(links::make))
        .route("/links/{id}/revoke", post(links::revoke))
        .route("/telegram", get(telegram::page))
        .route("/telegram/{store}/test", post(telegram::test))
        .route("/assets/{name}", get(assets::serve))
        .route("/metrics", get(metrics))
        .fallback(page::not_found)
        .with_state(state);
    super::headers::admin_site(routes)
}
