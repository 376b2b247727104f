//! The console in a real browser: a headless chromium (Debian's, driven by chromedriver over
//! WebDriver) against the service started in-process on a fresh SQLite database, as the
//! black-box suite starts it. What a store's staff and the on-call operator do, click by click:
//!
//! - the store signs in with its token, keeps its board open, and sees an order arrive and then
//!   turn red when it is cancelled, without reloading the page; it prints the picking sheet and
//!   finds every line on it; it signs out;
//! - the operator signs in, finds a notice that Telegram refused on the outbox page, and sends
//!   it again.
//!
//! Every step leaves a screenshot under `target/screenshots/` for people to look at. The pages
//! are found by the markup the console promises (`data-board`, `data-order`, `data-sku`, the
//! forms' actions), never by layout.

// Shared with the black-box suite, which uses all of it.
mod chrome;
#[allow(dead_code, unused_imports)]
#[path = "../blackbox/harness.rs"]
mod harness;
mod picking;
// The black-box suite's barcode reader, to read the sheet's bars as the browser holds them.
#[allow(dead_code)]
#[path = "../blackbox/barcode_reader.rs"]
mod barcode_reader;

use chrome::{Binaries, Browser};
use fantoccini::Locator;
use harness::{Backend, OPERATOR_TOKEN, STORE_TOKEN, TestApp, fixture};
use orders_hook::store::{NoticeClaim, OutboxStatus, SendLimits, Settlement};
use serde_json::Value;
use std::time::Duration;

const STORE: &str = "77-001";

/// The running service, the browser, and nothing to do without a browser.
async fn started() -> Option<(TestApp, Browser)> {
    let binaries = Binaries::from_env()?;
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("SQLite needs no cluster");
    assert!(!app.console_base.is_empty(), "the console is listening");
    let browser = Browser::start(&binaries).await;
    Some((app, browser))
}

/// Types a token into the sign-in form and sends it, as a person would.
async fn sign_in(browser: &Browser, app: &TestApp, token: &str, shot: &str) {
    browser
        .client
        .goto(&format!("{}/signin", app.console_base))
        .await
        .expect("open /signin");
    browser
        .expect("sign-in form", "input#token")
        .await
        .send_keys(token)
        .await
        .expect("type the token");
    browser.screenshot(shot).await;
    browser
        .expect(
            "sign-in button",
            "form[action=\"/signin\"] button[type=\"submit\"]",
        )
        .await
        .click()
        .await
        .expect("send the sign-in form");
}

/// Marks the page, so that a later check can tell it was never reloaded.
async fn mark_page(browser: &Browser) {
    browser
        .client
        .execute("window.ordersHookNotReloaded = true; return true;", vec![])
        .await
        .expect("mark the page");
}

async fn still_marked(browser: &Browser) -> bool {
    browser
        .client
        .execute("return window.ordersHookNotReloaded === true;", vec![])
        .await
        .map(|value| value == Value::Bool(true))
        .unwrap_or(false)
}

/// The text of the first element matching `css`, or empty.
async fn text_of(browser: &Browser, css: &str) -> String {
    match browser.client.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_watches_an_order_arrive_and_get_cancelled_live_and_prints_its_picking_sheet() {
    let Some((app, browser)) = started().await else {
        return;
    };

    // Signed in with its token, a store lands on its own board.
    sign_in(&browser, &app, STORE_TOKEN, "01-store-signin").await;
    let board_path = format!("/stores/{STORE}");
    browser
        .expect_that("store lands on its board", || async {
            browser.path().await == board_path
        })
        .await;
    browser.expect("the board", "[data-board]").await;
    browser.screenshot("02-board-empty").await;
    mark_page(&browser).await;

    // A new order appears on the open board by itself.
    let created = fixture("order.created");
    let order_id = created["payload"]["originalOrderId"]
        .as_str()
        .expect("the fixture's order id")
        .to_owned();
    let (status, answer) = app.post(&created).await;
    assert_eq!(status, 200, "order.created: {answer}");
    let answer: Value = serde_json::from_str(&answer).expect("the hook answers JSON");
    let number = answer["number"]
        .as_str()
        .expect("a partner number")
        .to_owned();
    let row = format!("tr[data-order=\"{order_id}\"]");
    browser.expect("the new order's row", &row).await;
    let number_cell = format!("{row} .number");
    browser
        .expect_that("the row shows the partner number", || async {
            text_of(&browser, &number_cell).await.contains(&number)
        })
        .await;
    assert!(
        still_marked(&browser).await,
        "the order appeared through a reload, not live"
    );
    browser.screenshot("03-board-new-order").await;

    // Cancelled, it stays on the board, struck out in red, telling the pickers what to do.
    let (status, answer) = app.post(&fixture("order.canceled")).await;
    assert_eq!(status, 200, "order.canceled: {answer}");
    let cancelled_row = format!("{row}.cancelled");
    browser.expect("the row turns red", &cancelled_row).await;
    browser
        .expect_that("the row says to put the goods back", || async {
            text_of(&browser, &cancelled_row)
                .await
                .contains("Остановите сборку, верните товар на полки")
        })
        .await;
    assert!(
        still_marked(&browser).await,
        "the cancellation showed through a reload, not live"
    );
    browser.screenshot("04-board-cancelled").await;

    // The picking sheet lists every line of the order.
    browser
        .client
        .goto(&format!("{}/orders/{number}/print", app.console_base))
        .await
        .expect("open the picking sheet");
    let positions = created["payload"]["positions"]
        .as_array()
        .expect("the fixture's positions");
    for position in positions {
        let sku = position["id"].as_str().expect("a sku");
        browser
            .expect(
                &format!("line {sku} on the picking sheet"),
                &format!("tr[data-sku=\"{sku}\"]"),
            )
            .await;
    }
    // The number's barcode, as the browser holds it, reads back as the number.
    let barcode = browser
        .expect(
            "the number's barcode",
            &format!("thead svg[data-barcode=\"{number}\"]"),
        )
        .await
        .html(false)
        .await
        .expect("the barcode's outerHTML");
    let scanned = barcode_reader::scan(&barcode);
    assert_eq!(
        barcode_reader::decode_code128(&scanned.modules).as_deref(),
        Some(number.as_str()),
        "{barcode}"
    );
    browser.screenshot("05-picking-sheet").await;

    // Signing out ends the session: the board asks for a sign-in again.
    browser
        .client
        .goto(&format!("{}{board_path}", app.console_base))
        .await
        .expect("back to the board");
    browser
        .expect("sign-out button", "form[action=\"/signout\"] button")
        .await
        .click()
        .await
        .expect("sign out");
    browser
        .expect_that("signed out lands on /signin", || async {
            browser.path().await == "/signin"
        })
        .await;
    browser
        .client
        .goto(&format!("{}{board_path}", app.console_base))
        .await
        .expect("the board once more");
    browser
        .expect_that("the board needs a sign-in again", || async {
            browser.path().await == "/signin"
        })
        .await;
    browser.screenshot("06-signed-out").await;

    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_sends_a_refused_notice_again_from_the_outbox_page() {
    let Some((app, browser)) = started().await else {
        return;
    };

    // An order whose notice Telegram refused for good. The service has no bot token here, so
    // its own worker is off and this test plays the worker: claim, then park one as failed.
    let (status, answer) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 200, "order.created: {answer}");
    let store = app.store();
    let claimed = store
        .claim_due_notices(&NoticeClaim {
            worker: "browser-test".to_owned(),
            now: chrono::Utc::now(),
            lease: Duration::from_secs(60),
            limits: SendLimits::default(),
        })
        .await
        .expect("claim the new order's notices");
    let parked = claimed.first().expect("the new order has notices").id;
    let settled = store
        .settle_notice(
            parked,
            "browser-test",
            &Settlement::Failed {
                maybe_sent: false,
                error: "Forbidden: bot was kicked from the group chat".to_owned(),
            },
        )
        .await
        .expect("park the notice");
    assert!(settled, "the notice was this test's to settle");
    store
        .release_notices("browser-test")
        .await
        .expect("give back the other notices");

    sign_in(&browser, &app, OPERATOR_TOKEN, "10-operator-signin").await;
    browser
        .expect_that("the operator lands on the stores' list", || async {
            browser.path().await == "/"
        })
        .await;
    browser.screenshot("11-operator-home").await;

    browser
        .client
        .goto(&format!("{}/outbox", app.console_base))
        .await
        .expect("open /outbox");
    let retry = format!("form[action=\"/outbox/{parked}/retry\"] button");
    let button = browser
        .expect("the failed notice's retry button", &retry)
        .await;
    assert!(
        button
            .text()
            .await
            .unwrap_or_default()
            .contains("Отправить снова"),
        "the retry button says «Отправить снова»"
    );
    browser.screenshot("12-outbox-failed").await;
    button.click().await.expect("send the notice again");

    browser
        .expect_that("the notice is pending again", || async {
            app.outbox_in(OutboxStatus::Pending.as_str())
                .await
                .iter()
                .any(|row| row.id == parked)
        })
        .await;
    browser
        .expect_that("the outbox page is shown again", || async {
            browser.path().await == "/outbox"
        })
        .await;
    browser.screenshot("13-outbox-requeued").await;
    pictures_draw_under_the_content_security_policy(&browser, &app).await;

    browser.close().await;
    app.stop().await;
}

/// The dashboard's chart and a fresh link's QR code are drawn under the console's
/// Content-Security-Policy, which refuses inline styles and scripts; the pages carry it.
async fn pictures_draw_under_the_content_security_policy(browser: &Browser, app: &TestApp) {
    let console = &app.console_base;
    browser
        .client
        .goto(&format!("{console}/dashboard"))
        .await
        .expect("open /dashboard");
    let chart = browser.expect("the dashboard's chart", "svg.chart").await;
    let (_, _, width, height) = chart.rectangle().await.expect("the chart's box");
    assert!(
        width > 0.0 && height > 0.0,
        "the chart drawn: {width}×{height}"
    );
    browser.screenshot("14-dashboard-charts").await;

    browser
        .client
        .goto(&format!("{console}/links"))
        .await
        .expect("open /links");
    browser
        .expect(
            "the link form",
            "form[action=\"/links\"] button[type=\"submit\"]",
        )
        .await
        .click()
        .await
        .expect("make a link");
    let qr = browser.expect("the link's QR code", "figure.qr svg").await;
    let (_, _, width, height) = qr.rectangle().await.expect("the QR code's box");
    assert!(
        width >= 100.0 && height >= 100.0,
        "the QR code drawn: {width}×{height}"
    );
    browser.screenshot("15-links-qr-code").await;

    // The headers, as any client gets them: the browser has no API for them.
    let page = reqwest::get(format!("{console}/signin"))
        .await
        .expect("GET /signin");
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        header("content-security-policy"),
        orders_hook::console::headers::CONTENT_SECURITY_POLICY
    );
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("cache-control"), "no-store");
}
