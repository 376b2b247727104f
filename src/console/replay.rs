//! The operator puts journaled requests through the hook again (`ingest::replay`): one from an
//! order's story («Повторить» on a refused row), or every row a journal search finds — first
//! the count and what would be done, then, confirmed, oldest first, and the outcome counted.
//! Operator only, CSRF-checked; each replay's journal row names the operator and the session.

use super::ConsoleState;
use super::journal::{JournalQuery, parse_search};
use super::operator::ActionForm;
use super::page::{self, Nav};
use super::session::Viewer;
use super::story::path_segment;
use super::words::{self, Word};
use crate::domain::Outcome;
use crate::ingest::replay;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

/// At most this many requests in one console replay: the page answers within a browser's
/// patience; the command line takes the rest at a bounded rate.
pub const CONSOLE_CAP: usize = 200;

#[derive(Template)]
#[template(path = "console/replay.html")]
struct ReplayPage {
    nav: Nav,
    query: JournalQuery,
    error: Option<String>,
    matched: usize,
    to_replay: usize,
    will_replay: usize,
    cap: usize,
    skipped: Vec<(&'static str, usize)>,
    done: Vec<(Word, usize)>,
}

#[derive(Deserialize)]
pub struct ReplayForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    query: JournalQuery,
    /// Set by the confirmation: how many the operator saw before saying yes.
    #[serde(default)]
    confirm: String,
}

/// `POST /journal/replay`: the count, or, confirmed, the replay.
pub async fn found(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Form(form): Form<ReplayForm>,
) -> Response {
    if let Err(refused) = viewer.operator_form(&form.csrf) {
        return refused.into_response();
    }
    let mut page = ReplayPage {
        nav: Nav::new(&viewer, "Повтор запросов"),
        query: JournalQuery::default(),
        error: None,
        matched: 0,
        to_replay: 0,
        will_replay: 0,
        cap: CONSOLE_CAP,
        skipped: Vec::new(),
        done: Vec::new(),
    };
    let search = match parse_search(&form.query, state.routing.get().timezone) {
        Ok(search) => search,
        Err(error) => {
            page.error = Some(error);
            page.query = form.query;
            return page::render(&page);
        }
    };
    let rows = match replay::matching(&*state.store, &search).await {
        Ok(rows) => rows,
        Err(error) => return page::unavailable(&error),
    };
    let plan = replay::plan(&rows, false);
    page.matched = plan.matched;
    page.to_replay = plan.to_replay.len();
    page.will_replay = page.to_replay.min(CONSOLE_CAP);
    page.skipped = plan
        .skipped
        .iter()
        .map(|(why, count)| (why.words(), *count))
        .collect();
    page.query = form.query;
    if form.confirm.trim().is_empty() {
        return page::render(&page);
    }
    let asked_by = viewer.actor().said();
    let mut done: BTreeMap<Outcome, usize> = BTreeMap::new();
    let chosen = plan.to_replay.iter().take(CONSOLE_CAP);
    for id in chosen {
        if let Some(row) = rows.iter().find(|row| row.id == *id) {
            let received = replay::replay(&state.ingest, row, &asked_by).await;
            *done.entry(replay::outcome_of(&received)).or_default() += 1;
        }
    }
    tracing::info!(operator = ?viewer.name, replayed = done.values().sum::<usize>(), "console: journal requests replayed");
    page.done = done
        .into_iter()
        .map(|(outcome, count)| (words::outcome(outcome), count))
        .collect();
    page::render(&page)
}

/// `POST /journal/{id}/replay`: one refused row, from its order's story; back to the story.
pub async fn one(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Err(refused) = viewer.operator_form(&form.csrf) {
        return refused.into_response();
    }
    let row = match replay::journal_row(&*state.store, id).await {
        Ok(Some(row)) => row,
        Ok(None) => return page::not_found().await,
        Err(error) => return page::unavailable(&error),
    };
    let back = match &row.original_order_id {
        Some(order) => format!("/orders/{}?by=id", path_segment(order)),
        None => "/journal".to_owned(),
    };
    if replay::replayable(&row, false).is_err() {
        return Redirect::to(&back).into_response();
    }
    let received = replay::replay(&state.ingest, &row, &viewer.actor().said()).await;
    tracing::info!(
        operator = ?viewer.name,
        row = id,
        outcome = replay::outcome_of(&received).as_str(),
        "console: a journaled request replayed"
    );
    Redirect::to(&back).into_response()
}
