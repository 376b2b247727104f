//! Picking on the store's board, over HTTP as a browser sees it, on both backends: a device
//! says who picks on it, then taps take, finish, hand over and put back. Each tap's access rule
//! (another store's order, no CSRF token, a signed-out session), two pickers taking one order
//! at once (exactly one wins, the other is told who has it), the journal's rows with who and
//! which session, the live stream's `changed`, the countdown of an overdue order, and the
//! store's numbers on its board, the dashboard and `/metrics`.

use crate::console_board::{heard_within, open_events, until_a_change_gets_across};
use crate::console_client::ConsoleClient;
use crate::harness::{
    Backend, OPERATOR_TOKEN, OTHER_STORE_TOKEN, STORE_TOKEN, TestApp, fixture, fixture_for,
};
use futures::StreamExt;
use orders_hook::on_both_backends;
use std::time::Duration;

on_both_backends!(
    a_picker_takes_finishes_and_the_board_says_who_and_when,
    each_tap_is_refused_without_csrf_signed_out_or_on_another_stores_order,
    two_pickers_taking_one_order_at_once_exactly_one_wins,
    a_tap_reaches_the_live_stream_and_an_overdue_order_is_red,
    a_cancelled_order_in_picking_is_the_loudest_thing_on_the_board,
);

const ORDER: &str = "R246801357";
const BOARD: &str = "/stores/77-001";

fn tap_path(order: &str, action: &str) -> String {
    format!("{BOARD}/orders/{order}/{action}")
}

/// A store's tablet that has said who picks on it.
async fn picker_device(app: &TestApp, token: &str, name: &str) -> (ConsoleClient, String) {
    let device = ConsoleClient::sign_in(app, token).await;
    let csrf = device.csrf(BOARD).await;
    let (status, page) = device
        .post_form(
            &format!("{BOARD}/picker"),
            &[("csrf", &csrf), ("name", name)],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (_, board) = device.get(BOARD).await;
    assert!(
        board.contains(&format!(r#"value="{name}""#)),
        "the device remembers: {board}"
    );
    (device, csrf)
}

/// A tap as `board.js` posts it: the table, or the refusal in words.
async fn tap(device: &ConsoleClient, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = device
        .client
        .post(device.url(path))
        .header("X-Console-Fragment", "1")
        .form(form)
        .send()
        .await
        .expect("a tap");
    let status = response.status().as_u16();
    (status, response.text().await.expect("its answer"))
}

/// The row of `order` on a board: from its `<tr` to its `</tr>`.
fn row<'a>(board: &'a str, order: &str) -> &'a str {
    let start = board
        .find(&format!(r#"<tr data-order="{order}""#))
        .unwrap_or_else(|| panic!("no row for {order} in {board}"));
    let end = board[start..].find("</tr>").expect("the row's end");
    &board[start..start + end]
}

async fn a_picker_takes_finishes_and_the_board_says_who_and_when(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let device = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    let csrf = device.csrf(BOARD).await;
    let (_, board) = device.get(BOARD).await;
    assert!(
        board.contains(r#"<option value="Анна">"#),
        "the store's pickers are offered"
    );
    assert!(row(&board, ORDER).contains(r#"data-state="untaken""#));
    // Nobody said who picks on this device yet.
    let (status, said) = tap(&device, &tap_path(ORDER, "take"), &[("csrf", &csrf)]).await;
    assert_eq!(
        (status, said.as_str()),
        (409, "Сначала укажите, кто собирает на этом устройстве.")
    );

    let (device, csrf) = picker_device(&app, STORE_TOKEN, "Анна").await;
    let (status, table) = tap(&device, &tap_path(ORDER, "take"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 200, "{table}");
    let taken = row(&table, ORDER);
    assert!(taken.contains(r#"data-state="picking""#), "{taken}");
    assert!(taken.contains("Анна · в сборке с "), "{taken}");
    assert!(
        taken.contains("/finish") && !taken.contains("/take"),
        "{taken}"
    );
    // A second tap changes nothing and is answered the same.
    assert_eq!(
        tap(&device, &tap_path(ORDER, "take"), &[("csrf", &csrf)])
            .await
            .0,
        200
    );

    // Handed to Иван: the start is kept; then finished.
    let (status, table) = tap(
        &device,
        &tap_path(ORDER, "hand-over"),
        &[("csrf", &csrf), ("to", "Иван")],
    )
    .await;
    assert_eq!(status, 200, "{table}");
    assert!(row(&table, ORDER).contains("Иван · в сборке с "));
    let (status, table) = tap(&device, &tap_path(ORDER, "finish"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 200, "{table}");
    let done = row(&table, ORDER);
    assert!(
        done.contains(r#"data-state="assembled""#) && done.contains("Собран в "),
        "{done}"
    );
    assert!(done.contains("· Иван"), "the picker is kept: {done}");
    assert!(
        table.contains(r#"data-number="on-time">1 из 1 (100%)"#),
        "{table}"
    );

    // Without the script: the form's POST goes back to the board.
    let (status, _) = device
        .post_form(&tap_path(ORDER, "put-back"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    let (_, board) = device.get(BOARD).await;
    assert!(row(&board, ORDER).contains(r#"data-state="untaken""#));

    // Every tap journaled with who did it from which session.
    let journal = app.journal(Some(ORDER));
    let taps: Vec<&str> = journal
        .iter()
        .filter(|row| row["outcome"] == "operator")
        .filter_map(|row| row["eventType"].as_str())
        .collect();
    for action in ["take", "hand_over", "finish", "put_back"] {
        assert!(
            taps.contains(&format!("console.picking.{action}").as_str()),
            "{taps:?}"
        );
    }
    let take = journal
        .iter()
        .find(|row| row["eventType"] == "console.picking.take" && row["statusCode"] == 200)
        .expect("the take");
    let detail = take["detail"].as_str().unwrap();
    assert!(
        detail.contains("Лесная, планшет (store:77-001, session "),
        "{detail}"
    );
    assert!(detail.contains("Анна takes it"), "{detail}");

    // The operator may tap on any store; the numbers are on the dashboard and /metrics.
    let (operator, op_csrf) = picker_device(&app, OPERATOR_TOKEN, "Ольга").await;
    let (status, _) = tap(&operator, &tap_path(ORDER, "take"), &[("csrf", &op_csrf)]).await;
    assert_eq!(status, 200);
    let (_, dashboard) = operator.get("/dashboard").await;
    assert!(dashboard.contains("Собрано вовремя"), "{dashboard}");
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"orders_hook_picking_waiting{store="77-001"} 0"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("orders_hook_picking_actions_total"),
        "{metrics}"
    );
    app.stop().await;
}

async fn each_tap_is_refused_without_csrf_signed_out_or_on_another_stores_order(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let mut elsewhere = fixture_for("order.created", "R-ELSEWHERE");
    elsewhere["payload"]["storeID"] = "77-002".into();
    assert_eq!(app.post(&elsewhere).await.0, 200);
    let (device, csrf) = picker_device(&app, STORE_TOKEN, "Анна").await;
    let journaled = app.journal(None).len();

    // No CSRF token, or a wrong one.
    for form in [vec![], vec![("csrf", "forged")]] {
        assert_eq!(tap(&device, &tap_path(ORDER, "take"), &form).await.0, 403);
    }
    // Another store's board, and another store's order under this store's board.
    let other_board = "/stores/77-002/orders/R-ELSEWHERE/take";
    assert_eq!(tap(&device, other_board, &[("csrf", &csrf)]).await.0, 403);
    let (status, said) = tap(
        &device,
        &tap_path("R-ELSEWHERE", "take"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!((status, said.as_str()), (404, "Такого заказа нет."));
    // The other store cannot choose a picker on this board either.
    let other = ConsoleClient::sign_in(&app, OTHER_STORE_TOKEN).await;
    let other_csrf = other.csrf("/stores/77-002").await;
    let (status, _) = other
        .post_form(
            &format!("{BOARD}/picker"),
            &[("csrf", &other_csrf), ("name", "X")],
        )
        .await;
    assert_eq!(status, 403);
    // Signed out: the tap says 401, the session is no longer good.
    let (status, _) = device.post_form("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    assert_eq!(
        tap(&device, &tap_path(ORDER, "take"), &[("csrf", &csrf)])
            .await
            .0,
        401
    );
    // An unknown action, a name too long.
    let (device, csrf) = picker_device(&app, STORE_TOKEN, "Анна").await;
    assert_eq!(
        tap(&device, &tap_path(ORDER, "steal"), &[("csrf", &csrf)])
            .await
            .0,
        404
    );
    let long = "я".repeat(65);
    let (status, _) = tap(
        &device,
        &tap_path(ORDER, "hand-over"),
        &[("csrf", &csrf), ("to", &long)],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        app.journal(None).len(),
        journaled,
        "no refused access is an action"
    );
    let (_, board) = device.get(BOARD).await;
    assert!(row(&board, ORDER).contains(r#"data-state="untaken""#));
    app.stop().await;
}

async fn two_pickers_taking_one_order_at_once_exactly_one_wins(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let (anna, anna_csrf) = picker_device(&app, STORE_TOKEN, "Анна").await;
    let (ivan, ivan_csrf) = picker_device(&app, STORE_TOKEN, "Иван").await;
    let path = tap_path(ORDER, "take");
    let (anna_form, ivan_form) = (
        [("csrf", anna_csrf.as_str())],
        [("csrf", ivan_csrf.as_str())],
    );
    let (a, b) = tokio::join!(tap(&anna, &path, &anna_form), tap(&ivan, &path, &ivan_form),);
    let (winner, told) = match (a.0, b.0) {
        (200, 409) => ("Анна", b.1),
        (409, 200) => ("Иван", a.1),
        other => panic!("exactly one wins: {other:?} {a:?} {b:?}"),
    };
    assert!(
        told.starts_with(&format!("Заказ уже собирает {winner} (с ")),
        "{told}"
    );
    let (_, board) = anna.get(BOARD).await;
    assert!(row(&board, ORDER).contains(&format!(r#"data-picker="{winner}""#)));
    app.stop().await;
}

async fn a_tap_reaches_the_live_stream_and_an_overdue_order_is_red(backend: Backend) {
    // A promised assembly time of 0 minutes: overdue as soon as it comes in.
    let Some(app) = TestApp::spawn_with(backend, &[("ORDERS_HOOK_ASSEMBLY_MINUTES", "0")]).await
    else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let (device, csrf) = picker_device(&app, STORE_TOKEN, "Анна").await;
    let (_, board) = device.get(BOARD).await;
    let due = row(&board, ORDER);
    assert!(due.contains(r#"class="due overdue""#), "{due}");
    assert!(due.contains("просрочен на "), "{due}");
    let now_ms = hidden_attr(&board, "data-now").expect("the server's time on the board");
    assert!(now_ms.parse::<i64>().is_ok(), "{now_ms}");

    let watcher = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    let response = watcher
        .client
        .get(watcher.url("/stores/77-001/events"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("the event stream");
    let mut stream = response.bytes_stream();
    assert_eq!(
        tap(&device, &tap_path(ORDER, "take"), &[("csrf", &csrf)])
            .await
            .0,
        200
    );
    let mut heard = String::new();
    let said = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = stream.next().await {
            heard.push_str(&String::from_utf8_lossy(&chunk.expect("a chunk")));
            if heard.contains("event: changed") && heard.contains(ORDER) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(said, Ok(true), "heard: {heard:?}");
    let (_, table) = watcher.get_fragment("/stores/77-001/table").await;
    assert!(row(&table, ORDER).contains("Анна · в сборке с "), "{table}");
    app.stop().await;
}

async fn a_cancelled_order_in_picking_is_the_loudest_thing_on_the_board(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let (device, csrf) = picker_device(&app, STORE_TOKEN, "Анна").await;
    assert_eq!(
        tap(&device, &tap_path(ORDER, "take"), &[("csrf", &csrf)])
            .await
            .0,
        200
    );
    assert_eq!(app.post(&fixture("order.canceled")).await.0, 200);
    let (_, board) = device.get(BOARD).await;
    let banner = &board[board.find("alarm-banner").expect("the alarm")..];
    assert!(banner.contains("его собирает <b>Анна</b>"), "{banner}");
    assert!(
        board.find("alarm-banner") < board.find("<table"),
        "above the table"
    );
    assert!(row(&board, ORDER).contains(r#"data-state="alarm""#));
    let (status, said) = tap(&device, &tap_path(ORDER, "finish"), &[("csrf", &csrf)]).await;
    assert_eq!(
        (status, said.as_str()),
        (409, "Заказ отменён: собирать его не нужно.")
    );
    // The goods are back on the shelves: the alarm ends, the row stays struck out.
    let (status, table) = tap(&device, &tap_path(ORDER, "put-back"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 200);
    assert!(!table.contains("alarm-banner"), "{table}");
    assert!(row(&table, ORDER).contains(r#"class="cancelled""#));
    app.stop().await;
}

/// The value of the first `name="…"` attribute on a page.
fn hidden_attr(html: &str, name: &str) -> Option<String> {
    let marker = format!("{name}=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// Pool mode: a tap served by one instance reaches the boards the other instance serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tap_on_one_instance_reaches_a_board_on_the_other() {
    let Some(first) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let second = first.spawn_beside().await;
    let watcher = ConsoleClient::sign_in(&second, STORE_TOKEN).await;
    let mut stream = open_events(&watcher).await;
    let (device, csrf) = picker_device(&first, STORE_TOKEN, "Анна").await;
    until_a_change_gets_across(&first, &mut stream).await;
    let _ = heard_within(&mut stream, Duration::from_millis(300)).await;

    let (status, _) = tap(&device, &tap_path("R-WARM-0", "take"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 200);
    let heard = heard_within(&mut stream, Duration::from_secs(3)).await;
    assert!(
        heard.contains("event: changed") && heard.contains("R-WARM-0"),
        "{heard:?}"
    );
    let (_, table) = watcher.get_fragment("/stores/77-001/table").await;
    assert!(
        row(&table, "R-WARM-0").contains("Анна · в сборке с "),
        "{table}"
    );
    second.stop().await;
    first.stop().await;
}
