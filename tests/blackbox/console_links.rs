//! One-time sign-in links for a store's tablet, from the console's `/links` page and from
//! `orders-hook console link`: used once, refused after a revoke, and a revoke ends the
//! session the link opened.

use crate::console_client::{ConsoleClient, hidden};
use crate::harness::{Backend, OPERATOR_TOKEN, TestApp, fixture};
use orders_hook::on_both_backends;

on_both_backends!(
    console_links_sign_a_store_in_once_and_a_revoke_ends_the_session,
    console_links_from_the_terminal_are_refused_after_a_revoke,
);

/// Opens a link in a fresh browser and presses «Войти»: the status, and the browser.
async fn redeem(app: &TestApp, path: &str) -> (u16, ConsoleClient) {
    let tablet = ConsoleClient::anonymous(app);
    let (status, page) = tablet.get(path).await;
    assert_eq!(status, 200, "asking first, before the link is used: {page}");
    let form = hidden(&page, "form").expect("the link's form");
    let (status, _) = tablet.post_form(path, &[("form", &form)]).await;
    (status, tablet)
}

async fn console_links_sign_a_store_in_once_and_a_revoke_ends_the_session(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let csrf = operator.csrf("/links").await;
    let (status, page) = operator
        .post_form(
            "/links",
            &[("csrf", &csrf), ("store", "77-001"), ("hours", "2")],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<svg"), "the QR code: {page}");
    let start = page.find("/link/").expect("the link on the page");
    let path: String = page[start..]
        .chars()
        .take_while(|c| *c != '"' && *c != '<')
        .collect();
    assert_eq!(path.len(), "/link/".len() + 64, "{path}");
    let host = app.console_base.trim_start_matches("http://");
    assert!(
        page.contains(&format!("http://{host}{path}")),
        "the Host's URL: {page}"
    );
    let links = app.store().links().await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].store_id, "77-001");
    assert_eq!(links[0].created_by, "Дежурный оператор");

    let (status, tablet) = redeem(&app, &path).await;
    assert_eq!(status, 303, "signed in");
    assert_eq!(
        tablet.get("/orders/R246801357").await.0,
        200,
        "its own store's order"
    );
    assert_eq!(
        tablet.get("/journal").await.0,
        403,
        "a store, not the operator"
    );
    let (status, _) = redeem(&app, &path).await;
    assert_eq!(status, 410, "once only");
    let (_, page) = operator.get("/links").await;
    assert!(page.contains("link-used"), "{page}");

    let (status, _) = operator
        .post_form(
            &format!("/links/{}/revoke", links[0].id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        tablet.location("/orders/R246801357").await.as_deref(),
        Some("/signin"),
        "the revoke ended the tablet's session"
    );
    let (_, page) = operator.get("/links").await;
    assert!(page.contains("link-revoked"), "{page}");
    // Both the making and the revoke are journaled with the operator's name, never the code.
    let journal = app.journal(None);
    let said = |event: &str| {
        journal
            .iter()
            .find(|row| row["eventType"] == event)
            .and_then(|row| row["detail"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no {event} row in {journal:?}"))
    };
    let made = said("console.link.create");
    assert!(
        made.contains("Дежурный оператор") && made.contains("77-001"),
        "{made}"
    );
    assert!(
        !made.contains(&path[6..]),
        "the code never reaches the journal: {made}"
    );
    assert!(said("console.link.revoke").contains(&format!("#{}", links[0].id)));

    // A link revoked before it is used opens nothing.
    let (_, page) = operator
        .post_form("/links", &[("csrf", &csrf), ("store", "77-001")])
        .await;
    let start = page.find("/link/").unwrap();
    let second: String = page[start..].chars().take(6 + 64).collect();
    let id = app.store().links().await.unwrap()[0].id;
    operator
        .post_form(&format!("/links/{id}/revoke"), &[("csrf", &csrf)])
        .await;
    assert_eq!(redeem(&app, &second).await.0, 410);

    let (status, _) = operator
        .post_form("/links", &[("csrf", &csrf), ("store", "99-999")])
        .await;
    assert_eq!(status, 400, "a store not in the configuration");
    app.stop().await;
}

async fn console_links_from_the_terminal_are_refused_after_a_revoke(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let made = app.cli(&["console", "link", "77-001", "--hours", "1"]);
    let path = made["path"].as_str().unwrap().to_owned();
    assert!(path.starts_with("/link/"), "{made}");
    assert!(made["url"].is_null(), "no console_public_url: {made}");
    let text = app.cli_raw(&["console", "link", "77-001"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("console_public_url"), "{text}");
    assert!(!app.cli_raw(&["console", "link", "99-999"]).status.success());

    let id = made["id"].as_i64().unwrap().to_string();
    assert_eq!(app.cli(&["console", "revoke", &id])["revoked"], true);
    assert!(
        !app.cli_raw(&["console", "revoke", &id]).status.success(),
        "twice"
    );
    assert_eq!(redeem(&app, &path).await.0, 410);
    let journal = app.journal(None);
    for event in ["cli.link.create", "cli.link.revoke"] {
        assert!(
            journal
                .iter()
                .any(|row| row["eventType"] == event && row["outcome"] == "operator"),
            "{event} in {journal:?}"
        );
    }

    let with_url = std::process::Command::new(env!("CARGO_BIN_EXE_orders-hook"))
        .args(["console", "link", "77-001"])
        .env("ORDERS_HOOK_DATABASE_URL", &app.database_url)
        .env("ORDERS_HOOK_CONFIG", &app.config_path)
        .env("ORDERS_HOOK_CONSOLE_PUBLIC_URL", "https://console.example")
        .output()
        .unwrap();
    assert!(with_url.status.success(), "{with_url:?}");
    let text = String::from_utf8_lossy(&with_url.stdout);
    assert!(text.contains("https://console.example/link/"), "{text}");
    assert!(
        text.contains('█') || text.contains('▀'),
        "the QR code: {text}"
    );
    app.stop().await;
}
