//! Reloading without a restart, through `Reloader::reload` (what SIGHUP runs; the signal itself
//! is `reload_signal.rs`): new client tokens work at once and removed ones are refused, a broken
//! file keeps the running tokens, a removed console token ends its sessions, a store added to
//! `[stores]` gets its notices and its name on the console, and a setting that takes a restart
//! is named and keeps its running value.

use crate::console_client::ConsoleClient;
use crate::harness::{
    Backend, OPERATOR_TOKEN, OTHER_STORE_TOKEN, ROUTING, STORE_TOKEN, TOKEN, TestApp, fixture,
    fixture_for,
};
use orders_hook::on_both_backends;
use orders_hook::reload::Reloaded;

on_both_backends!(
    client_tokens_from_the_file_change_at_once_and_a_broken_file_keeps_them,
    a_removed_console_token_ends_its_sessions,
    a_store_added_by_reload_gets_its_notices_and_its_name,
    a_restart_only_setting_is_named_and_keeps_its_value,
);

fn applied(reloaded: &Reloaded) -> (Vec<String>, u64) {
    match reloaded {
        Reloaded::Applied {
            restart_only,
            sessions_ended,
        } => (restart_only.clone(), *sessions_ended),
        Reloaded::Refused(why) => panic!("the reload was refused: {why}"),
    }
}

async fn status_with(app: &TestApp, token: &str, order: &str) -> u16 {
    let body = fixture_for("order.created", order).to_string().into_bytes();
    app.post_raw(body, Some(token)).await.0
}

async fn client_tokens_from_the_file_change_at_once_and_a_broken_file_keeps_them(backend: Backend) {
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    let tokens = app.file("client-tokens", "file-token-one\n");
    let (restart_only, _) = applied(
        &app.reload(&[("ORDERS_HOOK_CLIENT_TOKENS_FILE", &tokens)])
            .await,
    );
    assert!(restart_only.is_empty(), "{restart_only:?}");
    assert_eq!(status_with(&app, "file-token-one", "R-1").await, 200);

    // A rotation: the new token works at once, the removed one is refused.
    std::fs::write(&tokens, "# rotated\nfile-token-two\n").unwrap();
    applied(&app.reload(&[]).await);
    assert_eq!(status_with(&app, "file-token-two", "R-2").await, 200);
    assert_eq!(status_with(&app, "file-token-one", "R-3").await, 403);

    // The file goes missing: refused, naming its variable; the running tokens stay.
    std::fs::remove_file(&tokens).unwrap();
    let Reloaded::Refused(why) = app.reload(&[]).await else {
        panic!("a missing tokens file was accepted");
    };
    assert!(why.contains("ORDERS_HOOK_CLIENT_TOKENS_FILE"), "{why}");
    assert_eq!(status_with(&app, "file-token-two", "R-4").await, 200);

    // A console tokens file with a bad line: refused without showing the line's token, and
    // both the client tokens and the console's sign-ins stay as they were.
    std::fs::write(&tokens, "file-token-three\n").unwrap();
    let console_tokens = app.file(
        "bad-console-tokens",
        &format!("operator {OPERATOR_TOKEN} Оператор\nadmin secret-of-the-bad-line X\n"),
    );
    let Reloaded::Refused(why) = app
        .reload(&[("ORDERS_HOOK_CONSOLE_TOKENS_FILE", &console_tokens)])
        .await
    else {
        panic!("a bad console tokens file was accepted");
    };
    assert!(why.contains("ORDERS_HOOK_CONSOLE_TOKENS_FILE"), "{why}");
    assert!(why.contains("line 2"), "{why}");
    assert!(!why.contains("secret-of-the-bad-line"), "{why}");
    assert_eq!(status_with(&app, "file-token-two", "R-5").await, 200);
    assert_eq!(status_with(&app, "file-token-three", "R-6").await, 403);
    ConsoleClient::sign_in(&app, STORE_TOKEN).await;

    // No client token at all is refused as at start.
    let empty = app.file("empty-tokens", "# nobody\n");
    let Reloaded::Refused(why) = app
        .reload(&[
            ("ORDERS_HOOK_CLIENT_TOKENS", ""),
            ("ORDERS_HOOK_CLIENT_TOKENS_FILE", &empty),
            ("ORDERS_HOOK_CONSOLE_TOKENS_FILE", ""),
        ])
        .await
    else {
        panic!("a reload without client tokens was accepted");
    };
    assert!(why.contains("ORDERS_HOOK_CLIENT_TOKENS"), "{why}");
    assert_eq!(status_with(&app, TOKEN, "R-7").await, 200);
    app.stop().await;
}

async fn a_removed_console_token_ends_its_sessions(backend: Backend) {
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    let store = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    assert_eq!(store.get("/stores/77-001").await.0, 200);
    // The store's line goes; the operator's and the other store's stay.
    let tokens = app.file(
        "console-tokens-2",
        &format!(
            "operator {OPERATOR_TOKEN} Дежурный оператор\n\
             store:77-002 {OTHER_STORE_TOKEN} Садовая, планшет\n"
        ),
    );
    let (_, ended) = applied(
        &app.reload(&[("ORDERS_HOOK_CONSOLE_TOKENS_FILE", &tokens)])
            .await,
    );
    assert_eq!(ended, 1);
    assert_eq!(
        store.location("/stores/77-001").await.as_deref(),
        Some("/signin"),
        "the removed token's browser is sent to sign in"
    );
    assert_eq!(store.get_fragment("/stores/77-001/table").await.0, 401);
    assert_eq!(operator.get("/stores/77-001").await.0, 200);
    // Nor can it sign in again.
    let again = ConsoleClient::anonymous(&app);
    let (_, page) = again.get("/signin").await;
    let form = crate::console_client::hidden(&page, "form").unwrap();
    let (status, _) = again
        .post_form("/signin", &[("token", STORE_TOKEN), ("form", &form)])
        .await;
    assert_eq!(status, 401);
    app.stop().await;
}

async fn a_store_added_by_reload_gets_its_notices_and_its_name(backend: Backend) {
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    assert!(!operator.get("/").await.1.contains("Полевая"));
    std::fs::write(
        &app.config_path,
        format!(
            "{ROUTING}\n[stores.\"77-003\"]\nname = \"Полевая\"\nstore_chat = \"-3001\"\n\
             pickers_chat = \"-3002\"\npickers = [\"Олег\"]\n"
        ),
    )
    .unwrap();
    let (restart_only, _) = applied(&app.reload(&[]).await);
    assert!(restart_only.is_empty(), "{restart_only:?}");

    let mut body = fixture("order.created");
    body["payload"]["originalOrderId"] = "R-NEW-STORE".into();
    body["payload"]["storeID"] = "77-003".into();
    assert_eq!(app.post(&body).await.0, 200);
    let mut chats: Vec<String> = app
        .outbox()
        .iter()
        .filter(|row| row["originalOrderId"] == "R-NEW-STORE")
        .filter_map(|row| row["chat"].as_str().map(str::to_owned))
        .collect();
    chats.sort();
    chats.dedup();
    assert_eq!(chats, ["-3001", "-3002"]);

    let (status, home) = operator.get("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Полевая"), "{home}");
    let (status, board) = operator.get("/stores/77-003").await;
    assert_eq!(status, 200);
    assert!(
        board.contains("Полевая") && board.contains("Олег"),
        "{board}"
    );
    app.stop().await;
}

async fn a_restart_only_setting_is_named_and_keeps_its_value(backend: Backend) {
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    std::fs::write(
        &app.config_path,
        format!("number_prefix = \"ZZ-\"\n{ROUTING}"),
    )
    .unwrap();
    let (restart_only, _) = applied(
        &app.reload(&[("ORDERS_HOOK_REQUEST_DEADLINE_MS", "3000")])
            .await,
    );
    assert_eq!(
        restart_only,
        [
            "request_deadline_ms (ORDERS_HOOK_REQUEST_DEADLINE_MS)",
            "number_prefix (ORDERS_HOOK_NUMBER_PREFIX)"
        ]
    );
    let (status, answer) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 200);
    assert!(
        answer.contains("SM-"),
        "the running prefix is kept: {answer}"
    );
    app.stop().await;
}
