//! Picking on the board in a real browser, two tablets of one store side by side: each says
//! once who picks on it, Анна takes an order on hers and Иван's board shows it taken without a
//! reload; she finishes it and both boards show it assembled; an order nobody takes counts down
//! to its promised assembly time (one minute here) in amber and turns red by itself, from the
//! server's clock, with no redraw of the table.

use super::{STORE, mark_page, sign_in, still_marked, text_of};
use crate::chrome::{Binaries, Browser};
use crate::harness::{Backend, STORE_TOKEN, TestApp, fixture_for};
use fantoccini::Locator;
use std::time::{Duration, Instant};

/// Says on the open board who picks on this tablet.
async fn i_am(browser: &Browser, name: &str, shot: &str) {
    let input = browser
        .expect("the picker's name", "input#picker-name")
        .await;
    input.clear().await.expect("clear the name");
    input.send_keys(name).await.expect("type the name");
    browser
        .expect("«Это я»", "form[data-picker-choice] button")
        .await
        .click()
        .await
        .expect("say who picks here");
    browser
        .expect_that("the tablet remembers its picker", || async {
            browser
                .client
                .find(Locator::Css("input#picker-name"))
                .await
                .ok()
                .is_some()
                && browser
                    .client
                    .find(Locator::Css("[data-no-picker]"))
                    .await
                    .is_err()
        })
        .await;
    browser.screenshot(shot).await;
}

async fn attribute(browser: &Browser, css: &str, name: &str) -> Option<String> {
    let element = browser.client.find(Locator::Css(css)).await.ok()?;
    element.attr(name).await.ok().flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tablets_see_an_order_taken_and_assembled_live_and_an_untaken_one_turn_red() {
    let Some(binaries) = Binaries::from_env() else {
        return;
    };
    // The promise is one minute: an untaken order runs out while the test watches.
    let app = TestApp::spawn_with(Backend::Sqlite, &[("ORDERS_HOOK_ASSEMBLY_MINUTES", "1")])
        .await
        .expect("SQLite needs no cluster");
    let anna = Browser::start(&binaries).await;
    let ivan = Browser::start(&binaries).await;
    let board = format!("/stores/{STORE}");
    for (browser, name, shot) in [(&anna, "Анна", "20-anna"), (&ivan, "Иван", "21-ivan")] {
        sign_in(browser, &app, STORE_TOKEN, &format!("{shot}-signin")).await;
        browser
            .expect_that("the tablet lands on its board", || async {
                browser.path().await == board
            })
            .await;
        i_am(browser, name, &format!("{shot}-picker")).await;
        mark_page(browser).await;
    }

    let (taken, waiting) = ("R-PICKED", "R-WAITING");
    for id in [taken, waiting] {
        let (status, answer) = app.post(&fixture_for("order.created", id)).await;
        assert_eq!(status, 200, "{answer}");
    }
    let row = |id: &str| format!("tr[data-order=\"{id}\"]");
    for browser in [&anna, &ivan] {
        browser.expect("both orders arrive", &row(waiting)).await;
        browser.expect("both orders arrive", &row(taken)).await;
    }
    let due_soon = format!("{} td.due.due-soon", row(waiting));
    ivan.expect("a minute left: amber", &due_soon).await;

    // Анна takes one on her tablet; Иван's board shows it taken, by her, live.
    anna.expect("«Взять в сборку»", &format!("{} button.take", row(taken)))
        .await
        .click()
        .await
        .expect("take the order");
    let picking = format!("{}[data-state=\"picking\"]", row(taken));
    anna.expect("taken on her board", &picking).await;
    ivan.expect("taken on the other board, live", &picking)
        .await;
    ivan.expect_that("the other board names her", || async {
        text_of(&ivan, &format!("{picking} td.picking"))
            .await
            .contains("Анна · в сборке с")
    })
    .await;
    assert!(
        ivan.client
            .find(Locator::Css(&format!("{picking} button.take")))
            .await
            .is_err(),
        "a taken order is not offered to take"
    );
    anna.screenshot("22-anna-picking").await;
    ivan.screenshot("23-ivan-sees-it-taken").await;

    // She finishes it: assembled on both boards, with her name and the time.
    anna.expect("«Собран»", &format!("{picking} button.finish"))
        .await
        .click()
        .await
        .expect("finish the order");
    let assembled = format!("{}[data-state=\"assembled\"]", row(taken));
    anna.expect("assembled on her board", &assembled).await;
    ivan.expect("assembled on the other board, live", &assembled)
        .await;
    ivan.expect_that("the board says who assembled it", || async {
        text_of(&ivan, &format!("{assembled} td.picking"))
            .await
            .contains("Собран в")
    })
    .await;
    ivan.expect_that("the store's numbers count it", || async {
        text_of(&ivan, "[data-number=\"on-time\"]")
            .await
            .contains("1 из 1")
    })
    .await;
    for browser in [&anna, &ivan] {
        assert!(still_marked(browser).await, "all of it live, no reload");
    }
    ivan.screenshot("24-ivan-sees-it-assembled").await;

    // Nobody takes the other: its minute runs out and the countdown turns red by itself.
    let refreshed = attribute(&ivan, "[data-board]", "data-refreshed").await;
    let overdue = format!("{} td.due.overdue", row(waiting));
    let started = Instant::now();
    while ivan.client.find(Locator::Css(&overdue)).await.is_err() {
        if started.elapsed() > Duration::from_secs(90) {
            ivan.screenshot("failed-overdue").await;
            panic!("the untaken order never turned red");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        text_of(&ivan, &format!("{overdue} [data-left]"))
            .await
            .starts_with("просрочен на"),
        "the countdown's words"
    );
    assert_eq!(
        attribute(&ivan, "[data-board]", "data-refreshed").await,
        refreshed,
        "the countdown turned red without the table being drawn again"
    );
    ivan.screenshot("25-overdue-red").await;

    anna.close().await;
    ivan.close().await;
    app.stop().await;
}
