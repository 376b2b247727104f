//! A store's board (`/stores/{id}`): the orders the pickers have to deal with now, for a tablet
//! at the picking area. The table is also served alone (`/stores/{id}/table`): `board.js`
//! fetches it again whenever the store's event stream says an order changed, and puts it in the
//! `data-board` element as it came. The rows and their order are `board_rows`'; the taps on
//! them are `picking`'s.

use super::ConsoleState;
use super::board_rows::{Row, sorted_rows};
use super::numbers::{NumbersText, store_numbers, words};
use super::page::{self, Nav};
use super::picker_cookie::device_picker;
use super::session::StoreViewer;
use super::story::path_segment;

use crate::domain::{Catalog, Sku};
use crate::store::BoardOrder;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// How long a cancelled order stays on the board, struck out: long enough for the picker who
/// has half of it in a basket to see it, short enough that the board does not fill up.
pub const CANCELLED_STAYS: chrono::Duration = chrono::Duration::hours(3);

/// What a cancelled order's row tells the pickers.
pub const STOP_TEXT: &str = "Остановите сборку, верните товар на полки";

#[derive(Template)]
#[template(path = "console/board.html")]
struct BoardPage {
    nav: Nav,
    store_path: String,
    store_name: String,
    csrf: String,
    /// Who picks on this device, as it said once («Кто собирает»).
    device_picker: Option<String>,
    /// The store's pickers from the configuration, offered first.
    pickers: Vec<String>,
    /// The rendered `BoardTable`, exactly as `/stores/{id}/table` serves it.
    table: String,
}

#[derive(Template)]
#[template(path = "console/board_table.html")]
struct BoardTable {
    store_path: String,
    csrf: String,
    /// The server's time in milliseconds since 1970: the page counts down from it, never from
    /// the device's own clock.
    now_ms: i64,
    rows: Vec<Row>,
    stop: &'static str,
    numbers: Option<NumbersText>,
    /// The store's pickers, offered when an order is handed over.
    pickers: Vec<String>,
}

impl BoardTable {
    /// The cancelled orders someone is picking: named above the table, loudest first.
    fn alarms(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|row| row.stage == super::board_rows::Stage::Alarm)
            .collect()
    }
}

/// What the table is drawn for, besides the orders.
pub struct TableView<'a> {
    pub store_id: &'a str,
    /// The catalog of the changed lines, so that their quantities are worded in their units.
    pub catalog: &'a Catalog,
    pub csrf: &'a str,
    pub pickers: &'a [String],
    pub numbers: Option<NumbersText>,
}

/// The board's table (or the line saying there is nothing to pick), with the store's numbers
/// above it, as both the page and `/stores/{id}/table` serve it.
pub fn table_html(
    orders: &[BoardOrder],
    view: TableView<'_>,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<String, askama::Error> {
    BoardTable {
        store_path: path_segment(view.store_id),
        csrf: view.csrf.to_owned(),
        now_ms: now.timestamp_millis(),
        rows: sorted_rows(orders, view.catalog, zone, now),
        stop: STOP_TEXT,
        numbers: view.numbers,
        pickers: view.pickers.to_vec(),
    }
    .render()
}

/// The store's pickers from the configuration.
pub fn configured_pickers(state: &ConsoleState, store_id: &str) -> Vec<String> {
    state
        .routing
        .get()
        .stores
        .get(store_id)
        .map(|route| route.pickers.clone())
        .unwrap_or_default()
}

/// The table of `store_id` now, drawn for `csrf`'s forms, or the response that says why not.
pub async fn current_table(
    state: &ConsoleState,
    store_id: &str,
    csrf: &str,
) -> Result<String, Response> {
    let now = Utc::now();
    let orders = state
        .store
        .board(store_id, now - CANCELLED_STAYS)
        .await
        .map_err(|error| page::unavailable(&error))?;
    // Only the lines whose quantity changed are worded with a unit on the board.
    let skus: Vec<Sku> = orders
        .iter()
        .flat_map(|order| &order.document.lines)
        .filter(|line| line.quantity != line.original_quantity)
        .map(|line| line.sku.clone())
        .collect();
    let catalog = if skus.is_empty() {
        Catalog::new()
    } else {
        state
            .store
            .catalog(&skus)
            .await
            .map_err(|error| page::unavailable(&error))?
    };
    let numbers = store_numbers(state, &*state.store, Some(store_id), now)
        .await
        .map_err(|error| page::unavailable(&error))?;
    let view = TableView {
        store_id,
        catalog: &catalog,
        csrf,
        pickers: &configured_pickers(state, store_id),
        numbers: Some(words(&numbers.get(store_id).cloned().unwrap_or_default())),
    };
    table_html(&orders, view, state.zone(Some(store_id)), now).map_err(|error| {
        tracing::error!(%error, "console board failed to render");
        page::render_failed()
    })
}

/// `GET /stores/{id}`.
pub async fn board(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    StoreViewer { viewer, store_id }: StoreViewer,
) -> Response {
    let table = match current_table(&state, &store_id, &viewer.csrf).await {
        Ok(table) => table,
        Err(response) => return response,
    };
    let store_name = state.store_name(&store_id);
    let mut response = page::render(&BoardPage {
        nav: Nav::new(&viewer, format!("Заказы: {store_name}")),
        store_path: path_segment(&store_id),
        device_picker: device_picker(&jar).map(|name| name.as_str().to_owned()),
        pickers: configured_pickers(&state, &store_id),
        csrf: viewer.csrf.clone(),
        store_name,
        table,
    });
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("a header"));
    response
}

/// `GET /stores/{id}/table`: the fragment `board.js` puts in place.
pub async fn table(
    State(state): State<ConsoleState>,
    StoreViewer { viewer, store_id }: StoreViewer,
) -> Response {
    match current_table(&state, &store_id, &viewer.csrf).await {
        Ok(table) => ([(header::CACHE_CONTROL, "no-store")], Html(table)).into_response(),
        Err(response) => response,
    }
}
