//! The console's store board, its live event stream and the picking sheet, over HTTP as a
//! browser sees them, on both backends.

use crate::console_client::ConsoleClient;
use crate::harness::{
    Backend, OPERATOR_TOKEN, OTHER_STORE_TOKEN, STORE_TOKEN, TestApp, fixture, fixture_for,
};
use futures::StreamExt;
use orders_hook::on_both_backends;
use std::time::Duration;

on_both_backends!(
    the_board_lists_orders_and_strikes_out_a_cancelled_one,
    another_store_is_refused_the_board_its_events_and_the_print_sheet,
    signed_out_the_board_sends_to_sign_in_and_its_fragments_say_401,
    the_live_stream_says_changed_when_an_order_arrives,
    the_print_sheet_lists_every_line_and_the_phone,
);

const STOP: &str = "Остановите сборку, верните товар на полки";

/// The row of `order` on a board: from its `<tr` to its `</tr>`.
fn row<'a>(board: &'a str, order: &str) -> &'a str {
    let start = board
        .find(&format!(r#"<tr data-order="{order}""#))
        .unwrap_or_else(|| panic!("no row for {order} in {board}"));
    let end = board[start..].find("</tr>").expect("the row's end");
    &board[start..start + end]
}

async fn the_board_lists_orders_and_strikes_out_a_cancelled_one(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    assert_eq!(
        app.post(&fixture_for("order.created", "R-GONE")).await.0,
        200
    );
    assert_eq!(
        app.post(&fixture_for("order.canceled", "R-GONE")).await.0,
        200
    );
    let store = ConsoleClient::sign_in(&app, STORE_TOKEN).await;

    let (status, page) = store.get("/stores/77-001").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(r#"data-events="/stores/77-001/events""#)
            && page.contains(r#"data-table="/stores/77-001/table""#),
        "{page}"
    );
    assert!(
        page.contains("<input type=\"checkbox\" data-sound>"),
        "{page}"
    );
    let active = row(&page, "R246801357");
    assert!(
        active.contains(r#"<td class="number">SM-000001<span class="came-in""#),
        "{active}"
    );
    assert!(!active.contains("cancelled"), "{active}");
    assert!(active.contains("Новый") && active.contains("3"), "{active}");
    assert!(active.contains("14:00–15:00"), "the window: {active}");
    assert!(active.contains("439.33 ₽"), "the total: {active}");
    assert!(
        active.contains(r#"href="/orders/SM-000001/print?now=1""#),
        "{active}"
    );
    let cancelled = row(&page, "R-GONE");
    assert!(cancelled.contains(r#"class="cancelled""#), "{cancelled}");
    assert!(cancelled.contains(STOP), "{cancelled}");
    assert!(cancelled.contains("SM-000002"), "{cancelled}");

    let (status, table) = store.get_fragment("/stores/77-001/table").await;
    assert_eq!(status, 200);
    assert!(
        table.starts_with(r#"<div class="board-view" data-now=""#),
        "{table}"
    );
    assert!(table.contains(r#"<table class="board">"#), "{table}");
    // The same fragment, but for the server's time it was drawn at and the waits counted
    // from it.
    let drawn_at = |html: &str| {
        let cut = |html: &str, from: &str, to: &str| {
            let start = html.find(from).expect(from) + from.len();
            let end = start + html[start..].find(to).expect(to);
            format!("{}{}", &html[..start], &html[end..])
        };
        cut(&cut(html, r#"data-now=""#, "\""), "<dl", "</dl>")
    };
    assert!(
        drawn_at(&page).contains(&format!(r#"aria-live="polite">{}</div>"#, drawn_at(&table))),
        "the page holds the very fragment that board.js fetches"
    );

    // A change since it came in is flagged with what changed.
    let mut changed = fixture("order.updated");
    changed["payload"]["originalOrderId"] = "R246801357".into();
    assert_eq!(app.post(&changed).await.0, 200);
    let (_, table) = store.get_fragment("/stores/77-001/table").await;
    let active = row(&table, "R246801357");
    assert!(active.contains(r#"class="changed""#), "{active}");
    assert!(active.contains("Изменён:"), "{active}");

    // Nothing of another store, and a board with nothing to pick says so.
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let (status, other) = operator.get_fragment("/stores/77-002/table").await;
    assert_eq!(status, 200);
    assert!(
        other.contains("<p class=\"empty\">Активных заказов нет</p>"),
        "{other}"
    );
    assert!(!other.contains("<table"), "{other}");
    app.stop().await;
}

async fn another_store_is_refused_the_board_its_events_and_the_print_sheet(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let other = ConsoleClient::sign_in(&app, OTHER_STORE_TOKEN).await;
    for path in [
        "/stores/77-001",
        "/stores/77-001/table",
        "/stores/77-001/events",
        "/orders/SM-000001/print",
    ] {
        assert_eq!(other.get(path).await.0, 403, "{path}");
    }
    assert_eq!(other.get("/stores/77-002").await.0, 200, "its own board");
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    assert_eq!(operator.get("/stores/77-001").await.0, 200);
    assert_eq!(operator.get("/orders/SM-000001/print").await.0, 200);
    assert_eq!(operator.get("/orders/SM-999999/print").await.0, 404);
    app.stop().await;
}

async fn signed_out_the_board_sends_to_sign_in_and_its_fragments_say_401(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let nobody = ConsoleClient::anonymous(&app);
    let response = nobody
        .client
        .get(nobody.url("/stores/77-001"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/signin");
    assert_eq!(
        nobody.get_fragment("/stores/77-001/table").await.0,
        401,
        "board.js reloads the page on a 401"
    );
    let events = nobody
        .client
        .get(nobody.url("/stores/77-001/events"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(events.status().as_u16(), 401);
    assert_eq!(nobody.get("/orders/SM-000001/print").await.0, 303);
    app.stop().await;
}

async fn the_live_stream_says_changed_when_an_order_arrives(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let store = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    let response = store
        .client
        .get(store.url("/stores/77-001/events"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("the event stream");
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut stream = response.bytes_stream();

    // Another store's order says nothing to this board; this store's does.
    let mut elsewhere = fixture_for("order.created", "R-ELSEWHERE");
    elsewhere["payload"]["storeID"] = "77-002".into();
    assert_eq!(app.post(&elsewhere).await.0, 200);
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let mut heard = String::new();
    let said = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = stream.next().await {
            heard.push_str(&String::from_utf8_lossy(&chunk.expect("a chunk")));
            if heard.contains("event: changed") && heard.contains("R246801357") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(said, Ok(true), "heard: {heard:?}");
    assert!(!heard.contains("R-ELSEWHERE"), "{heard}");

    // A stop does not wait for the open board: its stream ends.
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("the service stops with a board open");
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended with the service");
}

async fn the_print_sheet_lists_every_line_and_the_phone(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let store = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    let (status, sheet) = store.get("/orders/SM-000001/print").await;
    assert_eq!(status, 200, "{sheet}");
    for sku in ["4607001771234", "2000000012345", "4600494000012"] {
        assert!(sheet.contains(&format!(r#"data-sku="{sku}""#)), "{sku}");
    }
    for said in [
        "+79161234567",
        "Анна Смирнова",
        "Лесная (77-001)",
        "23.11.2026 14:00–15:00",
        "позвонить клиенту, если не ответит — убрать товар",
        "Домофон 45, позвонить за 10 минут",
        "1.5 кг",
        "2 шт",
        "data-print",
    ] {
        assert!(sheet.contains(said), "{said} in {sheet}");
    }
    let head = &sheet[sheet.find("<thead>").unwrap()..sheet.find("</thead>").unwrap()];
    assert!(
        head.contains("SM-000001") && head.contains("+79161234567"),
        "the order's header repeats on every page: {head}"
    );
    let (_, css) = store.get("/assets/console.css").await;
    assert!(css.contains("size: A4") && css.contains("table-header-group"));
    assert_eq!(store.get("/assets/print.js").await.0, 200);
    app.stop().await;
}

/// Opens `store`'s event stream of store 77-001.
pub(crate) async fn open_events(
    console: &ConsoleClient,
) -> impl futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin {
    let response = console
        .client
        .get(console.url("/stores/77-001/events"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("the event stream");
    assert_eq!(response.status().as_u16(), 200);
    response.bytes_stream()
}

/// Pool mode: the listeners connect on their own time after start, so new orders (`R-WARM-0`,
/// `R-WARM-1`, …) go to `first` until one is heard on `stream`, served by another instance.
pub(crate) async fn until_a_change_gets_across(
    first: &TestApp,
    stream: &mut (impl futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin),
) {
    for attempt in 0..30 {
        let warmup = fixture_for("order.created", &format!("R-WARM-{attempt}"));
        assert_eq!(first.post(&warmup).await.0, 200);
        if heard_within(stream, Duration::from_millis(300))
            .await
            .contains("event: changed")
        {
            return;
        }
    }
    panic!("no change reached the other instance");
}

/// What a stream says within `within`.
pub(crate) async fn heard_within(
    stream: &mut (impl futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin),
    within: Duration,
) -> String {
    let mut heard = String::new();
    let _ = tokio::time::timeout(within, async {
        while let Some(Ok(chunk)) = stream.next().await {
            heard.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    heard
}

/// Pool mode: an order taken by one instance reaches the boards that both instances serve,
/// once each (the publisher hears its own `NOTIFY` and tells its boards nothing more).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_board_on_another_instance_hears_the_live_change_once() {
    let Some(first) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let second = first.spawn_beside().await;
    let on_first = ConsoleClient::sign_in(&first, STORE_TOKEN).await;
    let on_second = ConsoleClient::sign_in(&second, STORE_TOKEN).await;
    let mut first_stream = open_events(&on_first).await;
    let mut second_stream = open_events(&on_second).await;
    until_a_change_gets_across(&first, &mut second_stream).await;
    let _ = heard_within(&mut first_stream, Duration::from_millis(300)).await;
    let _ = heard_within(&mut second_stream, Duration::from_millis(300)).await;

    assert_eq!(first.post(&fixture("order.created")).await.0, 200);
    let (heard_first, heard_second) = tokio::join!(
        heard_within(&mut first_stream, Duration::from_secs(2)),
        heard_within(&mut second_stream, Duration::from_secs(2)),
    );
    for (instance, heard) in [("first", &heard_first), ("second", &heard_second)] {
        assert_eq!(
            heard.matches("data: R246801357").count(),
            1,
            "the {instance} instance's board: {heard:?}"
        );
    }
    second.stop().await;
    first.stop().await;
}
