//! The console for store staff and the on-call operator, on its own listener (never the
//! hook's): sign-in, store boards that update live, picking sheets, an order's whole story, and
//! the operator's pages. Server-rendered HTML (askama templates compiled into the binary), a few
//! lines of plain JavaScript for live updates, every asset served by the binary.
//!
//! - `grant`: the tokens file, roles, and what a role may see;
//! - `session`: the sign-in cookie, the signed-in `Viewer` extractor, CSRF;
//! - `signin`: the sign-in and sign-out pages, and one-time links;
//! - `changes`: the feed of order changes that the live boards listen to;
//! - `assets`: the stylesheet and scripts, with cache headers;
//! - `page`: the layout every page shares, and the error pages;
//! - `board`: a store's board and its table, which the board fetches again on a change;
//! - `live`: a board's event stream, fed by `changes`;
//! - `pool_changes`: the change feed across a pool's instances (PostgreSQL `LISTEN/NOTIFY`);
//! - `print`: an order's picking sheet, A4.
//! - `story`: an order's whole story (`/orders/{key}`), for the operator or the order's store;
//! - `journal`, `operator` (outbox, re-queue, stock), `dashboard` and `links`: the operator's
//!   pages; `chart` draws the dashboard's inline SVG.

pub mod assets;
mod barcode;
pub mod board;
pub mod changes;
pub mod chart;
pub mod dashboard;
pub mod grant;
pub mod journal;
pub mod links;
pub mod live;
pub mod operator;
pub mod page;
mod picking_order;
pub mod pool_changes;
pub mod print;
pub mod session;
pub mod signin;
pub mod story;

use crate::domain::Routing;
use crate::store::Store;
use axum::Router;
use axum::routing::{get, post};
use changes::Changes;
use grant::{Grant, Grants};
use std::sync::Arc;
use std::time::Duration;

/// The console's part of the configuration.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// `None`: no console, and no `/metrics`.
    pub listen: Option<String>,
    pub grants: Vec<Grant>,
    /// How long a sign-in lasts.
    pub session: Duration,
    /// Marks the session cookie `Secure` (the console is served over TLS by nginx).
    pub secure_cookie: bool,
    /// The console's address as browsers reach it, for one-time links.
    pub public_url: Option<String>,
}

/// What every console handler can reach.
#[derive(Clone)]
pub struct ConsoleState {
    pub store: Arc<dyn Store>,
    pub grants: Arc<Grants>,
    pub settings: Arc<ConsoleSettings>,
    pub routing: Arc<Routing>,
    pub changes: Changes,
    /// `/metrics` needs the request deadline for its database gauges.
    pub deadline: Duration,
    /// Ends the boards' event streams, so that a stop need not wait them out.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl ConsoleState {
    pub fn new(
        store: Arc<dyn Store>,
        settings: &ConsoleSettings,
        routing: &Routing,
        changes: Changes,
        deadline: Duration,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> Self {
        ConsoleState {
            store,
            grants: Arc::new(Grants::new(&settings.grants)),
            settings: Arc::new(settings.clone()),
            routing: Arc::new(routing.clone()),
            changes,
            deadline,
            shutdown,
        }
    }

    /// A store's name as the routing knows it, or its id.
    pub fn store_name(&self, store_id: &str) -> String {
        self.routing
            .stores
            .get(store_id)
            .and_then(|route| route.name.clone())
            .unwrap_or_else(|| store_id.to_owned())
    }

    /// Every routed store as (id, name), by id: the operator's lists.
    pub fn stores(&self) -> Vec<(String, String)> {
        let mut stores: Vec<(String, String)> = self
            .routing
            .stores
            .keys()
            .map(|id| (id.clone(), self.store_name(id)))
            .collect();
        stores.sort();
        stores
    }
}

async fn metrics(
    axum::extract::State(state): axum::extract::State<ConsoleState>,
) -> axum::response::Response {
    crate::http::health::metrics_response(&*state.store, state.deadline).await
}

/// The console's routes; every page but sign-in needs a session.
pub fn router(state: ConsoleState) -> Router {
    Router::new()
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
        .route("/orders/{number}/print", get(print::sheet))
        .route("/orders", get(story::find))
        .route("/orders/{key}", get(story::show))
        .route("/journal", get(journal::journal))
        .route("/outbox", get(operator::outbox))
        .route("/outbox/{id}/retry", post(operator::retry))
        .route("/stock", get(operator::stock))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/links", get(links::list).post(links::make))
        .route("/links/{id}/revoke", post(links::revoke))
        .route("/assets/{name}", get(assets::serve))
        .route("/metrics", get(metrics))
        .fallback(page::not_found)
        .with_state(state)
}
