//! The operator's pages over the outbox and the stock: notices still to send or parked with
//! their last error, re-queueing a parked one (a POST, journaled with the operator's name), and
//! balances per store with the negative ones marked.

use super::ConsoleState;
use super::page::{self, Nav};
use super::session::Viewer;
use super::story::path_segment;
use super::words::{self, Word};
use crate::actions::Via;
use crate::actions::requeue::requeue;
use crate::store::{OutboxFilter, OutboxRow, OutboxStatus, Requeue};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

/// A POST's form: only the CSRF token. A form without it is refused like a wrong one (403),
/// not answered 422 by the extractor.
#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub csrf: String,
}

pub fn when(tz: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz)
        .format("%d.%m.%Y %H:%M:%S")
        .to_string()
}

pub struct NoticeRow {
    pub id: i64,
    pub order: String,
    pub order_path: String,
    pub kind: Word,
    pub chat: String,
    pub status: Word,
    pub failed: bool,
    pub attempts: i64,
    pub created_at: String,
    pub next_attempt_at: String,
    pub last_error: String,
}

#[derive(Template)]
#[template(path = "console/outbox.html")]
struct OutboxPage {
    nav: Nav,
    failed: Vec<NoticeRow>,
    pending: Vec<NoticeRow>,
}

fn notice_row(tz: Tz, row: OutboxRow) -> NoticeRow {
    NoticeRow {
        id: row.id,
        order_path: path_segment(&row.original_order_id),
        order: row.original_order_id,
        kind: words::notice_kind(row.kind),
        chat: row.chat,
        status: words::outbox_status(row.status),
        failed: row.status == OutboxStatus::Failed,
        attempts: row.attempts,
        created_at: when(tz, row.created_at),
        next_attempt_at: when(tz, row.next_attempt_at),
        last_error: row.last_error.unwrap_or_default(),
    }
}

async fn outbox_in(
    state: &ConsoleState,
    status: OutboxStatus,
) -> Result<Vec<OutboxRow>, crate::store::StoreError> {
    state
        .store
        .outbox(&OutboxFilter {
            status: Some(status),
            order_id: None,
        })
        .await
}

pub async fn outbox(State(state): State<ConsoleState>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require_operator() {
        return refused.into_response();
    }
    let tz = state.routing.get().timezone;
    let (failed, pending) = match (
        outbox_in(&state, OutboxStatus::Failed).await,
        outbox_in(&state, OutboxStatus::Pending).await,
    ) {
        (Ok(failed), Ok(pending)) => (failed, pending),
        (Err(error), _) | (_, Err(error)) => return page::unavailable(&error),
    };
    page::render(&OutboxPage {
        nav: Nav::new(&viewer, "Уведомления"),
        failed: failed.into_iter().map(|r| notice_row(tz, r)).collect(),
        pending: pending.into_iter().map(|r| notice_row(tz, r)).collect(),
    })
}

/// Puts a parked notice back in the queue and journals who did it. Only a `failed` notice is
/// touched (a sent one is never sent again); anything else goes back to the list unchanged.
pub async fn retry(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Err(refused) = viewer.operator_form(&form.csrf) {
        return refused.into_response();
    }
    let back = Redirect::to("/outbox").into_response();
    let parked = match outbox_in(&state, OutboxStatus::Failed).await {
        Ok(rows) => rows.into_iter().find(|row| row.id == id),
        Err(error) => return page::unavailable(&error),
    };
    let Some(notice) = parked else {
        return back;
    };
    // What the operator saw of it, for the journal row the re-queue writes with itself.
    let note = format!(
        "{} to chat {}; last error: {}",
        notice.kind.as_str(),
        notice.chat,
        notice.last_error.as_deref().unwrap_or("-")
    );
    let requeued = requeue(
        &*state.store,
        Requeue::One(id),
        &viewer.actor(),
        Via::Console,
        Some(&note),
        Utc::now(),
    )
    .await;
    match requeued {
        Ok(notices) if !notices.is_empty() => {
            tracing::info!(operator = ?viewer.name, notice = id, "console: notice re-queued");
            back
        }
        Ok(_) => back,
        Err(error) => page::unavailable(&error),
    }
}

pub struct Balance {
    pub sku: String,
    pub quantity: String,
    pub negative: bool,
}

pub struct StoreStock {
    pub id: String,
    pub name: String,
    pub negative: usize,
    pub balances: Vec<Balance>,
}

#[derive(Template)]
#[template(path = "console/stock.html")]
struct StockPage {
    nav: Nav,
    stores: Vec<StoreStock>,
}

pub async fn stock(State(state): State<ConsoleState>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require_operator() {
        return refused.into_response();
    }
    let balances = match state.store.stock(None).await {
        Ok(balances) => balances,
        Err(error) => return page::unavailable(&error),
    };
    let mut stores: Vec<StoreStock> = Vec::new();
    for balance in balances {
        if stores.last().is_none_or(|last| last.id != balance.store) {
            stores.push(StoreStock {
                name: state.store_name(&balance.store),
                id: balance.store.clone(),
                negative: 0,
                balances: Vec::new(),
            });
        }
        if let Some(store) = stores.last_mut() {
            let negative = balance.quantity.is_sign_negative() && !balance.quantity.is_zero();
            store.negative += usize::from(negative);
            store.balances.push(Balance {
                sku: balance.sku,
                quantity: balance.quantity.normalize().to_string(),
                negative,
            });
        }
    }
    page::render(&StockPage {
        nav: Nav::new(&viewer, "Остатки"),
        stores,
    })
}
