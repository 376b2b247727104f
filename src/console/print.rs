//! The picking sheet (`/orders/{number}/print`): what the picker takes along on paper, A4, with
//! the order's header and the table's head repeated on every page, and a box per line to tick.
//! The number's barcode heads it and a line whose sku is an EAN carries its own (`barcode`);
//! the lines come zone by zone (`picking_order`). Quantities and units are worded as in the
//! Telegram notices (`notice::quantity_text`, `notice::unit_text`), and a weighed line leaves
//! room to write what the scales said.

use super::ConsoleState;
use super::barcode::{ean_svg, number_svg};
use super::board::STOP_TEXT;
use super::page;
use super::picking_order::in_picking_order;
use super::session::Viewer;
use crate::domain::{Catalog, OrderLine, ReplacementPolicy, Sku, measure};
use crate::notice::{money_text, quantity_text, replacement_policy_text, unit_text, window_text};
use crate::store::OrderKey;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "console/print.html")]
struct Sheet {
    assets: &'static str,
    number: String,
    /// The number in Code 128, inline SVG; none for a number it cannot carry.
    number_barcode: Option<String>,
    order_id: String,
    store: String,
    window: String,
    customer: String,
    phone: String,
    policy: String,
    comment: String,
    total: String,
    /// A cancelled order is still printable, and says so on every page.
    stop: Option<&'static str>,
    lines: Vec<SheetLine>,
    /// The store's board, to go back to.
    board: Option<String>,
}

struct SheetLine {
    name: String,
    sku: String,
    /// The line's EAN, inline SVG, when its sku is one.
    barcode: Option<String>,
    zone: String,
    quantity: String,
    /// Weighed: the picker writes down what the scales said.
    weighed: bool,
}

fn or_dash(value: Option<&str>) -> String {
    match value.map(str::trim) {
        Some(text) if !text.is_empty() => text.to_owned(),
        _ => "—".to_owned(),
    }
}

/// The policy in the pickers' words; one the marketplace spelled anew is shown as it came
/// (the template escapes it).
fn policy_text(policy: Option<&ReplacementPolicy>) -> String {
    match policy {
        None => "не указано".to_owned(),
        Some(ReplacementPolicy::Other(raw)) => raw.clone(),
        Some(known) => replacement_policy_text(known),
    }
}

/// `1.5 кг`, `2 шт`: the quantity worded by the domain's one rule (`domain::measure`).
fn amount(line: &OrderLine, catalog: &Catalog) -> String {
    format!(
        "{} {}",
        quantity_text(line.quantity),
        unit_text(line, catalog)
    )
}

/// `GET /orders/{number}/print`, by the partner's number.
pub async fn sheet(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(number): Path<String>,
) -> Response {
    let record = match state.store.order(OrderKey::Number(&number)).await {
        Ok(Some(record)) => record,
        Ok(None) => return page::not_found().await,
        Err(error) => return page::unavailable(&error),
    };
    let document = record.document;
    let store_id = document.store_id.as_ref().map(|id| id.as_str());
    if let Err(refused) = viewer.require_store(store_id) {
        return refused.into_response();
    }
    let skus: Vec<Sku> = document.lines.iter().map(|line| line.sku.clone()).collect();
    let catalog = match state.store.catalog(&skus).await {
        Ok(catalog) => catalog,
        Err(error) => return page::unavailable(&error),
    };
    let header = &document.header;
    let store = match store_id {
        Some(id) => format!("{} ({id})", state.store_name(id)),
        None => "—".to_owned(),
    };
    let number = document.number.clone().unwrap_or(number);
    page::render(&Sheet {
        assets: super::assets::VERSION,
        number_barcode: number_svg(&number),
        number,
        order_id: document.original_order_id.as_str().to_owned(),
        store,
        window: window_text(
            header.delivery_from,
            header.delivery_to,
            state.zone(store_id),
        ),
        customer: or_dash(header.customer_name.as_deref()),
        phone: or_dash(header.customer_phone.as_deref()),
        policy: policy_text(header.replacement_policy.as_ref()),
        comment: or_dash(header.comment.as_deref()),
        total: document.total().map_or_else(|| "—".to_owned(), money_text),
        stop: document.cancelled.then_some(STOP_TEXT),
        board: store_id.map(|id| format!("/stores/{id}")),
        lines: in_picking_order(&document.lines, &catalog)
            .into_iter()
            .map(|(line, zone)| SheetLine {
                name: catalog
                    .get(&line.sku)
                    .map(|item| item.name.clone())
                    .or_else(|| line.name.clone())
                    .unwrap_or_else(|| line.sku.to_string()),
                sku: line.sku.to_string(),
                barcode: ean_svg(line.sku.as_str()),
                zone: zone.unwrap_or("—").to_owned(),
                quantity: amount(line, &catalog),
                weighed: measure(line, &catalog).is_weighed(),
            })
            .collect(),
    })
}
