//! `/journal` for the operator: the hook's requests filtered by outcome, event type, order and
//! time (a GET form, so a filtered view is a link to share).
//!
//! What comes first: unless the form asks for plain time order, problems come first —
//! invalid bodies, orders not found, stale changes, 503s and any answer of 400 and above —
//! newest first within each group. At 3 a.m. the operator is looking for what went wrong, and a
//! busy hour of `applied` rows would otherwise push it off the page.

use super::ConsoleState;
use super::page::{self, Nav};
use super::session::Viewer;
use super::story::pretty;
use super::words::{self, Word};
use crate::domain::Outcome;
use crate::store::JournalSearch;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

/// The form as it arrives; every field may be empty.
#[derive(Debug, Default, Deserialize)]
pub struct JournalQuery {
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub order: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    /// `time` for plain newest-first; anything else puts problems first.
    #[serde(default)]
    pub sort: String,
}

fn filled(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A moment from the form: RFC 3339, or a browser's `datetime-local` (`2026-11-30T09:15`,
/// seconds optional) read on the chain's clock.
pub fn parse_time(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .and_then(|naive| tz.from_local_datetime(&naive).earliest())
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| format!("«{text}» — не время (ожидается 2026-11-30T09:15)"))
}

/// The store's search from the form, or what is wrong with the form.
pub fn parse_search(query: &JournalQuery, tz: Tz) -> Result<JournalSearch, String> {
    let mut search = JournalSearch::default();
    if let Some(outcome) = filled(&query.outcome) {
        search.outcome = Some(
            Outcome::parse(&outcome).ok_or_else(|| format!("«{outcome}» — нет такого итога"))?,
        );
    }
    search.event_type = filled(&query.event);
    search.order_id = filled(&query.order);
    if let Some(from) = filled(&query.from) {
        search.from = parse_time(&from, tz)?;
    }
    if let Some(until) = filled(&query.until) {
        search.until = parse_time(&until, tz)?;
    }
    search.problems_first = query.sort.trim() != "time";
    Ok(search)
}

pub struct Row {
    pub at: String,
    pub order: String,
    /// The order's story, by its marketplace id.
    pub order_path: String,
    pub event: Word,
    pub outcome: Word,
    pub status_code: i64,
    pub duration_ms: i64,
    pub detail: String,
    pub body: Option<String>,
}

#[derive(Template)]
#[template(path = "console/journal.html")]
struct JournalPage {
    nav: Nav,
    query: JournalQuery,
    outcomes: Vec<Word>,
    error: Option<String>,
    rows: Vec<Row>,
    limit: u32,
}

pub async fn journal(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Query(query): Query<JournalQuery>,
) -> Response {
    if let Err(refused) = viewer.require_operator() {
        return refused.into_response();
    }
    let tz = state.routing.get().timezone;
    let (search, error) = match parse_search(&query, tz) {
        Ok(search) => (Some(search), None),
        Err(error) => (None, Some(error)),
    };
    let rows = match &search {
        Some(search) => match state.store.search_journal(search).await {
            Ok(rows) => rows,
            Err(error) => return page::unavailable(&error),
        },
        None => Vec::new(),
    };
    let mut response = page::render(&JournalPage {
        nav: Nav::new(&viewer, "Журнал"),
        outcomes: Outcome::ALL.map(words::outcome).to_vec(),
        error: error.clone(),
        limit: search.as_ref().map_or(0, |s| s.limit),
        query,
        rows: rows
            .into_iter()
            .map(|row| Row {
                at: row
                    .at
                    .with_timezone(&tz)
                    .format("%d.%m.%Y %H:%M:%S")
                    .to_string(),
                order_path: row
                    .original_order_id
                    .as_deref()
                    .map(super::story::path_segment)
                    .unwrap_or_default(),
                order: row.original_order_id.unwrap_or_default(),
                event: words::event(row.event_type.as_deref().unwrap_or_default()),
                outcome: words::outcome(row.outcome),
                status_code: row.status_code,
                duration_ms: row.duration_ms,
                detail: row.detail,
                body: row.body.as_deref().map(pretty),
            })
            .collect(),
    });
    if error.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> JournalQuery {
        let mut query = JournalQuery::default();
        for (key, value) in pairs {
            let value = (*value).to_owned();
            match *key {
                "outcome" => query.outcome = value,
                "event" => query.event = value,
                "order" => query.order = value,
                "from" => query.from = value,
                "until" => query.until = value,
                "sort" => query.sort = value,
                _ => unreachable!(),
            }
        }
        query
    }

    #[test]
    fn an_empty_form_is_everything_problems_first() {
        let search = parse_search(&query(&[]), Tz::UTC).unwrap();
        assert_eq!(search, JournalSearch::default());
        assert!(search.problems_first);
        let search = parse_search(&query(&[("order", "  "), ("sort", "time")]), Tz::UTC).unwrap();
        assert_eq!(search.order_id, None);
        assert!(!search.problems_first);
    }

    #[test]
    fn the_fields_become_the_search() {
        let search = parse_search(
            &query(&[
                ("outcome", "not_found"),
                ("event", "order.updated"),
                ("order", " 123 "),
                ("from", "2026-11-30T09:15"),
                ("until", "2026-11-30T10:00:00+03:00"),
            ]),
            Tz::Europe__Moscow,
        )
        .unwrap();
        assert_eq!(search.outcome, Some(Outcome::NotFound));
        assert_eq!(search.event_type.as_deref(), Some("order.updated"));
        assert_eq!(search.order_id.as_deref(), Some("123"));
        // The browser's local time is the chain's (Moscow, UTC+3).
        assert_eq!(search.from.to_rfc3339(), "2026-11-30T06:15:00+00:00");
        assert_eq!(search.until.to_rfc3339(), "2026-11-30T07:00:00+00:00");
    }

    #[test]
    fn a_bad_field_is_named() {
        let error = parse_search(&query(&[("outcome", "boom")]), Tz::UTC).unwrap_err();
        assert!(error.contains("boom"), "{error}");
        let error = parse_search(&query(&[("from", "вчера")]), Tz::UTC).unwrap_err();
        assert!(error.contains("вчера"), "{error}");
    }
}
