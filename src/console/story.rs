//! `/orders/{key}`: an order's whole story for the on-call operator (or its own store): the
//! document, each line as ordered and as it stands, the history, every journal row with its raw
//! body, and every notice. The key is the marketplace's id or the partner's number, as in
//! `order show`; a key that is one order's id and another's number asks which.

use super::ConsoleState;
use super::page::{self, Nav};
use super::session::Viewer;
use super::words::{self, Word};
use crate::domain::{Catalog, OrderLine, Sku};
use crate::notice::{quantity_text, unit_text};
use crate::store::story::{self, Lookup, Story};
use crate::store::{OrderKey, OrderRecord};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Find {
    #[serde(default)]
    key: String,
}

#[derive(Deserialize)]
pub struct By {
    /// `id` or `number`, after a choice between two orders.
    by: Option<String>,
}

/// A key as one path segment.
pub fn path_segment(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The home page's search form.
pub async fn find(Query(find): Query<Find>, _viewer: Viewer) -> Response {
    let key = find.key.trim();
    if key.is_empty() {
        return Redirect::to("/").into_response();
    }
    Redirect::to(&format!("/orders/{}", path_segment(key))).into_response()
}

pub struct LineView {
    pub sku: String,
    pub name: String,
    pub original_quantity: String,
    pub quantity: String,
    pub changed: bool,
    pub price: String,
    pub discount_price: String,
}

pub struct JournalView {
    pub id: i64,
    /// The operator may put it through again (`/journal/{id}/replay`): refused, with its body.
    pub replayable: bool,
    pub at: String,
    pub event: Word,
    pub outcome: Word,
    pub status_code: i64,
    pub duration_ms: i64,
    pub detail: String,
    /// The raw body, pretty-printed when it is JSON.
    pub body: Option<String>,
}

pub struct NoticeView {
    pub id: i64,
    pub kind: Word,
    pub chat: String,
    pub status: Word,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: String,
    pub sent_at: String,
}

#[derive(Template)]
#[template(path = "console/story.html")]
struct StoryPage {
    nav: Nav,
    number: String,
    id: String,
    status: Word,
    store: String,
    window: String,
    customer: String,
    phone: String,
    address: String,
    policy: Option<Word>,
    comment: String,
    total: String,
    lines: Vec<LineView>,
    history: Vec<(String, Word, Word, String, String)>,
    journal: Vec<JournalView>,
    notices: Vec<NoticeView>,
}

#[derive(Template)]
#[template(path = "console/choose.html")]
struct Choose {
    nav: Nav,
    key: String,
    key_path: String,
    by_id: String,
    by_number: String,
}

fn when(tz: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz)
        .format("%d.%m.%Y %H:%M:%S")
        .to_string()
}

/// A JSON body indented for reading; anything else as it came.
pub fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| body.to_owned())
}

/// `1.5 кг`, `2 шт`, as the notices and the picking sheet word it.
fn amount(line: &OrderLine, quantity: Decimal, catalog: &Catalog) -> String {
    format!("{} {}", quantity_text(quantity), unit_text(line, catalog))
}

fn money(value: Option<rust_decimal::Decimal>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

pub async fn show(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(by): Query<By>,
) -> Response {
    let found = match by.by.as_deref() {
        Some("id") => state.store.order(OrderKey::Id(&key)).await,
        Some("number") => state.store.order(OrderKey::Number(&key)).await,
        _ => match story::lookup(&*state.store, &key).await {
            Ok(Lookup::None) => Ok(None),
            Ok(Lookup::One(record)) => Ok(Some(*record)),
            Ok(Lookup::Two { by_id, by_number }) => {
                return choose(&viewer, &key, &by_id, &by_number);
            }
            Err(error) => Err(error),
        },
    };
    let record = match found {
        Ok(Some(record)) => record,
        Ok(None) => return page::not_found().await,
        Err(error) => return page::unavailable(&error),
    };
    if let Err(refused) = viewer.require_store(store_of(&record)) {
        return refused.into_response();
    }
    let skus: Vec<Sku> = record
        .document
        .lines
        .iter()
        .map(|line| line.sku.clone())
        .collect();
    let catalog = match state.store.catalog(&skus).await {
        Ok(catalog) => catalog,
        Err(error) => return page::unavailable(&error),
    };
    match story::story(&*state.store, record).await {
        Ok(story) => page::render(&story_page(&state, &viewer, story, &catalog)),
        Err(error) => page::unavailable(&error),
    }
}

fn store_of(record: &OrderRecord) -> Option<&str> {
    record.document.store_id.as_ref().map(|id| id.as_str())
}

/// Two orders answer to the key: a store sees only its own, the operator chooses.
fn choose(viewer: &Viewer, key: &str, by_id: &OrderRecord, by_number: &OrderRecord) -> Response {
    let id_visible = viewer.require_store(store_of(by_id)).is_ok();
    let number_visible = viewer.require_store(store_of(by_number)).is_ok();
    let key_path = path_segment(key);
    match (id_visible, number_visible) {
        (true, true) => page::render(&Choose {
            nav: Nav::new(viewer, format!("Заказ {key}")),
            key: key.to_owned(),
            key_path,
            by_id: by_id.document.original_order_id.as_str().to_owned(),
            by_number: by_number.document.number.clone().unwrap_or_default(),
        }),
        (true, false) => Redirect::to(&format!("/orders/{key_path}?by=id")).into_response(),
        (false, true) => Redirect::to(&format!("/orders/{key_path}?by=number")).into_response(),
        (false, false) => super::session::Refused::NotYours.into_response(),
    }
}

fn story_page(state: &ConsoleState, viewer: &Viewer, story: Story, catalog: &Catalog) -> StoryPage {
    let doc = &story.record.document;
    let store_id = doc.store_id.as_ref().map(|id| id.as_str().to_owned());
    let tz = state.zone(store_id.as_deref());
    let header = &doc.header;
    let window = match (header.delivery_from, header.delivery_to) {
        (Some(from), Some(to)) => format!(
            "{} – {}",
            from.with_timezone(&tz).format("%d.%m.%Y %H:%M"),
            to.with_timezone(&tz).format("%H:%M")
        ),
        (Some(from), None) => from
            .with_timezone(&tz)
            .format("с %d.%m.%Y %H:%M")
            .to_string(),
        _ => String::new(),
    };
    let number = doc
        .number
        .clone()
        .unwrap_or_else(|| "без номера".to_owned());
    StoryPage {
        nav: Nav::new(viewer, format!("Заказ {number}")),
        number,
        id: doc.original_order_id.as_str().to_owned(),
        status: words::status(doc.status()),
        store: store_id
            .as_deref()
            .map_or_else(String::new, |id| format!("{} ({id})", state.store_name(id))),
        window,
        customer: header.customer_name.clone().unwrap_or_default(),
        phone: header.customer_phone.clone().unwrap_or_default(),
        address: header.address.clone().unwrap_or_default(),
        policy: header.replacement_policy.as_ref().map(words::policy),
        comment: header.comment.clone().unwrap_or_default(),
        total: money(doc.total()),
        lines: doc
            .lines
            .iter()
            .map(|line| LineView {
                sku: line.sku.as_str().to_owned(),
                name: line.name.clone().unwrap_or_default(),
                original_quantity: amount(line, line.original_quantity, catalog),
                quantity: amount(line, line.quantity, catalog),
                changed: line.original_quantity != line.quantity,
                price: money(line.price),
                discount_price: money(line.discount_price),
            })
            .collect(),
        history: story
            .record
            .history
            .iter()
            .map(|h| {
                (
                    when(tz, h.at),
                    words::event(&h.event),
                    words::outcome(h.outcome),
                    h.detail.clone(),
                    h.actor.clone(),
                )
            })
            .collect(),
        journal: story
            .journal
            .iter()
            .map(|row| JournalView {
                id: row.id,
                replayable: viewer.role.is_operator()
                    && row.status_code >= 400
                    && crate::ingest::replay::replayable(row, false).is_ok(),
                at: when(tz, row.at),
                event: words::event(row.event_type.as_deref().unwrap_or_default()),
                outcome: words::outcome(row.outcome),
                status_code: row.status_code,
                duration_ms: row.duration_ms,
                detail: row.detail.clone(),
                body: row.body.as_deref().map(pretty),
            })
            .collect(),
        notices: story
            .notices
            .iter()
            .map(|n| NoticeView {
                id: n.id,
                kind: words::notice_kind(n.kind),
                chat: n.chat.clone(),
                status: words::outbox_status(n.status),
                attempts: n.attempts,
                last_error: n.last_error.clone().unwrap_or_default(),
                created_at: when(tz, n.created_at),
                sent_at: n.sent_at.map(|at| when(tz, at)).unwrap_or_default(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_one_path_segment() {
        assert_eq!(path_segment("SM-000123"), "SM-000123");
        assert_eq!(path_segment("a/b c?"), "a%2Fb%20c%3F");
        assert_eq!(path_segment("ё"), "%D1%91");
    }

    #[test]
    fn a_json_body_is_indented_and_anything_else_kept() {
        assert_eq!(pretty("{\"a\":1}"), "{\n  \"a\": 1\n}");
        assert_eq!(pretty("not json {"), "not json {");
    }
}
