//! The console's operator pages and an order's story, over HTTP with a signed-in browser: who
//! may see what, CSRF on every POST, the journaled re-queue, and `order story` in the terminal.

use crate::console_client::ConsoleClient;
use crate::harness::{
    Backend, OPERATOR_TOKEN, OTHER_STORE_TOKEN, STORE_TOKEN, TestApp, fixture, fixture_for,
};
use chrono::Utc;
use orders_hook::notify::NotifySettings;
use orders_hook::on_both_backends;
use orders_hook::store::{NoticeClaim, Settlement};
use std::time::{Duration, Instant};

const OPERATOR_PAGES: [&str; 6] = [
    "/journal",
    "/outbox",
    "/stock",
    "/dashboard",
    "/links",
    "/journal?outcome=applied&event=order.created&order=R246801357&from=2020-01-01T00:00&sort=time",
];

on_both_backends!(
    operator_pages_answer_the_operator_and_refuse_a_store,
    operator_pages_refuse_a_post_without_the_sessions_csrf_token,
    operator_pages_send_a_signed_out_browser_to_sign_in,
    operator_pages_answer_a_refused_sign_in_late_without_the_token,
    operator_pages_requeue_a_failed_notice_and_journal_the_operator,
    story_shows_bodies_and_notices_to_its_store_only,
    story_in_the_terminal_has_the_four_parts,
    story_of_a_key_naming_two_orders_offers_both,
);

/// Parks the order's first notice as `failed`, as the worker does when Telegram refuses for good.
async fn park_one(app: &TestApp) -> i64 {
    let settings = NotifySettings::default();
    let claim = NoticeClaim {
        worker: "test-worker".into(),
        now: Utc::now(),
        lease: settings.lease,
        limits: settings.limits,
    };
    let claimed = app.store().claim_due_notices(&claim).await.unwrap();
    let id = claimed.first().expect("a notice to claim").id;
    let failed = Settlement::Failed {
        error: "Bad Request: chat not found".into(),
        maybe_sent: false,
    };
    assert!(
        app.store()
            .settle_notice(id, "test-worker", &failed)
            .await
            .unwrap()
    );
    app.store().release_notices("test-worker").await.unwrap();
    id
}

async fn operator_pages_answer_the_operator_and_refuse_a_store(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    app.post(&fixture_for("order.created", "R-OTHER")).await;
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    for page in OPERATOR_PAGES {
        let (status, html) = operator.get(page).await;
        assert_eq!(status, 200, "{page}: {html}");
        assert!(html.contains("Дежурный оператор"), "{page}: {html}");
    }
    let (_, dashboard) = operator.get("/dashboard").await;
    assert!(dashboard.matches("<svg").count() >= 4, "{dashboard}");
    assert!(dashboard.contains("77-001"), "{dashboard}");
    let (_, journal) = operator.get("/journal").await;
    assert!(journal.contains("R246801357"), "{journal}");
    let (status, _) = operator.get("/journal?from=yesterday").await;
    assert_eq!(status, 400, "a bad time is named, not ignored");

    let store = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    let csrf = store.csrf("/orders/R246801357").await;
    for page in OPERATOR_PAGES {
        assert_eq!(store.get(page).await.0, 403, "{page}");
    }
    let id = park_one(&app).await;
    let (status, _) = store
        .post_form(&format!("/outbox/{id}/retry"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 403, "a store may not act");
    let (status, _) = store
        .post_form("/links", &[("csrf", &csrf), ("store", "77-001")])
        .await;
    assert_eq!(status, 403);
    assert_eq!(app.outbox_in("failed").await.len(), 1, "nothing re-queued");
    assert!(
        app.store().links().await.unwrap().is_empty(),
        "no link made"
    );
    app.stop().await;
}

async fn operator_pages_refuse_a_post_without_the_sessions_csrf_token(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    let id = park_one(&app).await;
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let other = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let others_csrf = other.csrf("/outbox").await;
    let retry = format!("/outbox/{id}/retry");
    for form in [
        vec![],
        vec![("csrf", "")],
        vec![("csrf", others_csrf.as_str())],
    ] {
        let (status, _) = operator.post_form(&retry, &form).await;
        assert_eq!(status, 403, "{form:?}");
        let (status, _) = operator
            .post_form(
                "/links",
                &[form.clone(), vec![("store", "77-001")]].concat(),
            )
            .await;
        assert_eq!(status, 403, "{form:?}");
    }
    assert_eq!(app.outbox_in("failed").await.len(), 1, "still parked");
    assert!(app.store().links().await.unwrap().is_empty());
    let operator_rows = app
        .journal(None)
        .into_iter()
        .filter(|row| row["outcome"] == "operator")
        .count();
    assert_eq!(operator_rows, 0);
    app.stop().await;
}

async fn operator_pages_send_a_signed_out_browser_to_sign_in(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let nobody = ConsoleClient::anonymous(&app);
    for page in ["/journal", "/outbox", "/dashboard", "/orders/R246801357"] {
        assert_eq!(
            nobody.location(page).await.as_deref(),
            Some("/signin"),
            "{page}"
        );
    }
    let (status, _) = nobody.post_form("/outbox/1/retry", &[("csrf", "x")]).await;
    assert_eq!(status, 303);

    // Signed out: the old cookie, sent again by hand, opens nothing.
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let cookie = operator.cookie_header();
    assert!(cookie.contains("oh_console="), "{cookie}");
    let csrf = operator.csrf("/journal").await;
    let (status, _) = operator.post_form("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let replay = nobody
        .client
        .get(format!("{}/journal", app.console_base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303);
    assert_eq!(replay.headers()["location"], "/signin");

    // Expired: a session that ran out a second ago.
    let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let now = Utc::now();
    app.store()
        .open_session(&orders_hook::store::console::NewSession {
            id_digest: orders_hook::console::grant::digest_hex(id.as_bytes()),
            role: "operator".into(),
            name: "Дежурный оператор".into(),
            csrf: "c".repeat(64),
            link_id: None,
            grant_digest: None,
            created_at: now - chrono::Duration::hours(13),
            expires_at: now - chrono::Duration::seconds(1),
        })
        .await
        .unwrap();
    let expired = nobody
        .client
        .get(format!("{}/outbox", app.console_base))
        .header("cookie", format!("oh_console={id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 303);
    assert_eq!(expired.headers()["location"], "/signin");
    app.stop().await;
}

async fn operator_pages_answer_a_refused_sign_in_late_without_the_token(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let browser = ConsoleClient::anonymous(&app);
    let (_, page) = browser.get("/signin").await;
    let form = crate::console_client::hidden(&page, "form").unwrap();
    let wrong = "wrong-token-SECRET-0123456789";
    let started = Instant::now();
    let (status, page) = browser
        .post_form("/signin", &[("token", wrong), ("form", &form)])
        .await;
    assert_eq!(status, 401);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert!(!page.contains(wrong), "{page}");
    assert!(!page.contains("SECRET"), "{page}");
    assert!(
        browser.cookie_header().contains("oh_signin="),
        "a fresh form"
    );
    assert!(
        !browser.cookie_header().contains("oh_console="),
        "no session"
    );
    app.stop().await;
}

async fn operator_pages_requeue_a_failed_notice_and_journal_the_operator(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    let id = park_one(&app).await;
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let (status, page) = operator.get("/outbox").await;
    assert_eq!(status, 200);
    assert!(page.contains("Bad Request: chat not found"), "{page}");
    assert!(
        page.contains(&format!("action=\"/outbox/{id}/retry\"")),
        "{page}"
    );
    assert!(page.contains("Отправить снова"), "{page}");
    let csrf = crate::console_client::hidden(&page, "csrf").unwrap();

    let response = operator
        .client
        .post(format!("{}/outbox/{id}/retry", app.console_base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/outbox");
    assert!(app.outbox_in("failed").await.is_empty());
    assert!(
        app.outbox_in("pending")
            .await
            .iter()
            .any(|row| row.id == id)
    );

    let journal = app.journal(Some("R246801357"));
    let row = journal
        .iter()
        .find(|row| row["outcome"] == "operator")
        .expect("an operator row");
    assert_eq!(row["eventType"], "console.outbox.retry");
    let detail = row["detail"].as_str().unwrap();
    assert!(detail.contains("Дежурный оператор"), "{detail}");
    assert!(detail.contains(&format!("#{id}")), "{detail}");

    // A second press finds nothing parked: nothing more is journaled.
    operator
        .post_form(&format!("/outbox/{id}/retry"), &[("csrf", &csrf)])
        .await;
    let rows = app.journal(Some("R246801357"));
    assert_eq!(
        rows.iter().filter(|r| r["outcome"] == "operator").count(),
        1
    );
    // The problems-first journal still lists it, and the story tells it.
    let (_, story) = operator.get("/orders/R246801357").await;
    assert!(story.contains("Уведомление отправлено снова"), "{story}");
    assert!(story.contains("title=\"console.outbox.retry\""), "{story}");
    app.stop().await;
}

async fn story_shows_bodies_and_notices_to_its_store_only(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    let number = app.order("R246801357")["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let (status, page) = operator.get("/orders/R246801357").await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        number.as_str(),
        "Анна Смирнова",
        "Домофон 45, позвонить за 10 минут",
        "<details>",
        "originalOrderId",
        "-1001",
        "Ждёт отправки",
        // Quantities worded as the notices and the picking sheet word them.
        r#"<td class="num">1.5 кг</td>"#,
        r#"<td class="num">2 шт</td>"#,
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    let search = format!("/orders?key={number}");
    assert_eq!(
        operator.location(&search).await.as_deref(),
        Some(format!("/orders/{number}").as_str())
    );
    assert_eq!(operator.get(&format!("/orders/{number}")).await.0, 200);
    assert_eq!(operator.get("/orders/NO-SUCH").await.0, 404);

    let own = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    assert_eq!(own.get("/orders/R246801357").await.0, 200);
    let other = ConsoleClient::sign_in(&app, OTHER_STORE_TOKEN).await;
    let (status, page) = other.get(&format!("/orders/{number}")).await;
    assert_eq!(status, 403);
    assert!(!page.contains("Анна Смирнова"), "{page}");
    assert_eq!(other.get("/orders/R246801357").await.0, 403);
    app.stop().await;
}

async fn story_in_the_terminal_has_the_four_parts(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    app.post(&fixture("order.paid")).await;
    let story = app.cli(&["order", "story", "R246801357"]);
    assert_eq!(story["order"]["originalOrderId"], "R246801357");
    assert!(!story["history"].as_array().unwrap().is_empty(), "{story}");
    let journal = story["journal"].as_array().unwrap();
    assert!(journal.len() >= 2, "{story}");
    assert_eq!(journal[0]["eventType"], "order.created", "oldest first");
    assert!(journal[0]["body"].as_str().unwrap().contains("R246801357"));
    assert!(!story["notices"].as_array().unwrap().is_empty(), "{story}");

    let text = app.cli_raw(&["order", "story", "R246801357"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("journal (") && text.contains("notices ("),
        "{text}"
    );
    assert!(
        text.contains("\"originalOrderId\": \"R246801357\""),
        "pretty body: {text}"
    );
    let unknown = app.cli_raw(&["order", "story", "NO-SUCH"]);
    assert_eq!(unknown.status.code(), Some(1));
    app.stop().await;
}

async fn story_of_a_key_naming_two_orders_offers_both(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    // A marketplace id that reads like the first order's number.
    app.post(&fixture_for("order.created", "SM-000001")).await;
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let (status, page) = operator.get("/orders/SM-000001").await;
    assert_eq!(status, 200);
    assert!(page.contains("/orders/SM-000001?by=id"), "{page}");
    assert!(page.contains("/orders/SM-000001?by=number"), "{page}");
    let (_, by_number) = operator.get("/orders/SM-000001?by=number").await;
    assert!(by_number.contains("R246801357"), "{by_number}");
    let (_, by_id) = operator.get("/orders/SM-000001?by=id").await;
    assert!(by_id.contains("SM-000002"), "{by_id}");
    app.stop().await;
}
