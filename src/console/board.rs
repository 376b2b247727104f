//! A store's board (`/stores/{id}`): the orders the pickers have to deal with now, for a tablet
//! at the picking area. The table is also served alone (`/stores/{id}/table`): `board.js`
//! fetches it again whenever the store's event stream says an order changed, and puts it in the
//! `data-board` element as it came.

use super::ConsoleState;
use super::page::{self, Nav};
use super::session::StoreViewer;
use super::words::status_text;
use crate::domain::OrderDocument;
use crate::notice::{money_text, quantity_text, window_text};
use crate::store::BoardOrder;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
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
    store_id: String,
    store_name: String,
    /// The rendered `BoardTable`, exactly as `/stores/{id}/table` serves it.
    table: String,
}

#[derive(Template)]
#[template(path = "console/board_table.html")]
struct BoardTable {
    rows: Vec<Row>,
    stop: &'static str,
}

/// One order's row, every value already in words.
struct Row {
    order_id: String,
    number: String,
    status: &'static str,
    came_in: String,
    assembly: String,
    window: String,
    lines: usize,
    total: String,
    cancelled: bool,
    /// What changed since it came in; empty when nothing did.
    changes: Vec<String>,
    /// `cancelled`, `changed`, both or neither: the contract with `board.js` and the CSS.
    class: &'static str,
}

/// The zone the store's staff read times in: the store's own, or the chain's.
pub fn store_zone(state: &ConsoleState, store_id: Option<&str>) -> Tz {
    store_id
        .and_then(|id| state.routing.stores.get(id))
        .and_then(|route| route.timezone)
        .unwrap_or(state.routing.timezone)
}

/// A time of today as `14:05`, of another day as `23.11 14:05`.
fn clock_text(at: DateTime<Utc>, zone: Tz, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&zone);
    if local.date_naive() == now.with_timezone(&zone).date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%d.%m %H:%M").to_string()
    }
}

/// The history's change notes in the store staff's words. The notes are the domain's
/// (`describe_line_change`, `describe_header_change`); a picker needs to know what to look at
/// again, not the whole difference, which the order's page and the Telegram notice carry.
fn change_words(document: &OrderDocument, notes: &[String]) -> Vec<String> {
    let mut words: Vec<String> = document
        .lines
        .iter()
        .filter(|line| line.quantity != line.original_quantity)
        .map(|line| {
            format!(
                "{}: {} → {}",
                line.name.as_deref().unwrap_or(line.sku.as_str()),
                quantity_text(line.original_quantity),
                quantity_text(line.quantity)
            )
        })
        .collect();
    const KINDS: [(&str, &str); 8] = [
        (" added", "добавлен товар"),
        (" removed", "убран товар"),
        (" quantity ", "количество"),
        (" price ", "цена"),
        ("delivery window", "время доставки"),
        ("address", "адрес"),
        ("comment", "комментарий"),
        ("replacement policy", "замены"),
    ];
    for note in notes.iter().flat_map(|note| note.split("; ")) {
        let said = KINDS
            .iter()
            .find(|(english, _)| note.contains(english))
            .map_or("данные клиента или суммы", |(_, russian)| *russian);
        let covered = said == "количество" && !words.is_empty();
        if !covered && !words.iter().any(|word| word == said) {
            words.push(said.to_owned());
        }
    }
    words
}

fn row(order: &BoardOrder, zone: Tz, now: DateTime<Utc>) -> Row {
    let document = &order.document;
    let changes = change_words(document, &order.changes);
    let class = match (document.cancelled, changes.is_empty()) {
        (true, true) => "cancelled",
        (true, false) => "cancelled changed",
        (false, false) => "changed",
        (false, true) => "",
    };
    Row {
        order_id: document.original_order_id.as_str().to_owned(),
        number: document.number.clone().unwrap_or_else(|| "—".to_owned()),
        status: status_text(document.status()),
        came_in: clock_text(document.created_at, zone, now),
        assembly: document
            .expected_assembly_time
            .map_or_else(|| "—".to_owned(), |at| clock_text(at, zone, now)),
        window: window_text(
            document.header.delivery_from,
            document.header.delivery_to,
            zone,
        ),
        lines: document.lines.len(),
        total: document.total().map_or_else(|| "—".to_owned(), money_text),
        cancelled: document.cancelled,
        changes,
        class,
    }
}

/// The board's table (or the line saying there is nothing to pick), as both the page and
/// `/stores/{id}/table` serve it.
pub fn table_html(
    orders: &[BoardOrder],
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<String, askama::Error> {
    BoardTable {
        rows: orders
            .iter()
            // A cancellation whose creation never arrived: nobody was ever asked to pick it.
            .filter(|order| order.document.number.is_some())
            .map(|order| row(order, zone, now))
            .collect(),
        stop: STOP_TEXT,
    }
    .render()
}

/// The table of `store_id` now, or the response that says why not.
async fn current_table(state: &ConsoleState, store_id: &str) -> Result<String, Response> {
    let now = Utc::now();
    let orders = state
        .store
        .board(store_id, now - CANCELLED_STAYS)
        .await
        .map_err(|error| page::unavailable(&error))?;
    table_html(&orders, store_zone(state, Some(store_id)), now).map_err(|error| {
        tracing::error!(%error, "console board failed to render");
        page::render_failed()
    })
}

/// `GET /stores/{id}`.
pub async fn board(
    State(state): State<ConsoleState>,
    StoreViewer { viewer, store_id }: StoreViewer,
) -> Response {
    let table = match current_table(&state, &store_id).await {
        Ok(table) => table,
        Err(response) => return response,
    };
    let store_name = state.store_name(&store_id);
    let mut response = page::render(&BoardPage {
        nav: Nav::new(&viewer, format!("Заказы: {store_name}")),
        store_id,
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
    StoreViewer { store_id, .. }: StoreViewer,
) -> Response {
    match current_table(&state, &store_id).await {
        Ok(table) => ([(header::CACHE_CONTROL, "no-store")], Html(table)).into_response(),
        Err(response) => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(lines: &str) -> OrderDocument {
        serde_json::from_str(&format!(
            r#"{{"originalOrderId":"R-1","orderUuid":null,"number":"SM-000001",
            "expectedAssemblyTime":null,"storeId":"77-001","header":{{}},"lines":{lines},
            "totals":{{"totalPrice":null,"discountTotalPrice":null}},"paymentMethods":[],
            "paid":false,"shipped":false,"delivered":false,"cancelled":false,"cancellation":null,
            "createdAt":"2026-11-23T09:41:07Z","updatedAt":"2026-11-23T09:41:07Z","paidAt":null,
            "shippedAt":null,"deliveredAt":null,"cancelledAt":null,"compositionAsOf":null,
            "revision":1,"lastPayload":{{}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_board_says_what_changed_in_the_pickers_words() {
        let doc = document(
            r#"[{"sku":"1","name":"Молоко","originalQuantity":"2","quantity":"3","weight":null,
               "price":null,"discountPrice":null,"totalPrice":null,"totalDiscountPrice":null,
               "replacedBy":null}]"#,
        );
        let notes = vec![
            "line 1 quantity 2 -> 3; line 9 added: quantity 1; delivery window changed".to_owned(),
            "details updated (customer, totals or payment methods)".to_owned(),
        ];
        assert_eq!(
            change_words(&doc, &notes),
            [
                "Молоко: 2 → 3",
                "добавлен товар",
                "время доставки",
                "данные клиента или суммы"
            ]
        );
        assert!(change_words(&document("[]"), &[]).is_empty());
    }

    #[test]
    fn a_board_row_is_struck_out_when_cancelled_and_flagged_when_changed() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let zone = chrono_tz::Europe::Moscow;
        let mut order = BoardOrder {
            document: document("[]"),
            changes: vec!["comment changed".to_owned()],
        };
        let html = table_html(std::slice::from_ref(&order), zone, now).unwrap();
        assert!(
            html.contains(r#"<tr data-order="R-1" class="changed">"#),
            "{html}"
        );
        assert!(html.contains("12:41"), "came in, Moscow time: {html}");
        order.document.cancelled = true;
        let html = table_html(std::slice::from_ref(&order), zone, now).unwrap();
        assert!(html.contains(r#"class="cancelled changed""#) && html.contains(STOP_TEXT));
        order.document.number = None;
        let html = table_html(&[order], zone, now).unwrap();
        assert!(html.contains("Активных заказов нет"), "{html}");
    }
}
