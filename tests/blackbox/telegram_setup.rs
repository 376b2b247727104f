//! Setting up a store's Telegram against the fake Bot API: `telegram chats` (the chats the bot
//! has seen with the stores routed to them, a typo'd chat, an upgraded group's new id, nothing
//! acknowledged), `telegram test STORE` (each chat's answer in words, the exit status), and the
//! console's `/telegram` (operator only, CSRF, the same words).

use crate::console_client::ConsoleClient;
use crate::fake_telegram::{BOT_TOKEN, FakeTelegram, Reply};
use crate::harness::{Backend, OPERATOR_TOKEN, STORE_TOKEN, TestApp};
use orders_hook::on_both_backends;
use serde_json::{Value, json};

const ROUTING: &str = r#"
default_chat = "@orders_all"

[stores."77-001"]
name = "Лесная"
store_chat = "-1001"
pickers_chat = "-1002"

[stores."77-002"]
name = "Садовая"
store_chat = "-1003"
pickers_chat = "-1004"
"#;

/// The new supergroup of 77-001's pickers' group `-1002`.
const UPGRADED: &str = "-1002002";

on_both_backends!(
    telegram_chats_lists_the_chats_with_their_stores_and_acknowledges_nothing,
    telegram_chats_says_in_words_that_a_webhook_is_set,
    telegram_test_reports_each_chat_and_fails_when_one_did_not_get_it,
    telegram_test_of_an_unknown_store_lists_the_configured_ones,
    console_telegram_page_tests_a_store_for_the_operator_only,
);

fn vars(fake: &FakeTelegram) -> Vec<(&'static str, String)> {
    vec![
        ("ORDERS_HOOK_TELEGRAM_API_URL", fake.base.clone()),
        ("ORDERS_HOOK_TELEGRAM_BOT_TOKEN", BOT_TOKEN.to_owned()),
        ("ORDERS_HOOK_NOTIFY", "false".to_owned()),
    ]
}

async fn spawn(backend: Backend, fake: &FakeTelegram) -> Option<TestApp> {
    let vars = vars(fake);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_routed(backend, &vars, ROUTING).await
}

/// The binary with the bot's token and the fake's address: (exit code, stdout, stderr). The
/// token is never in what it prints.
fn telegram(app: &TestApp, fake: &FakeTelegram, args: &[&str]) -> (i32, String, String) {
    let vars = vars(fake);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = app.cli_raw_with(&[&["telegram"], args].concat(), &vars);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stdout.contains(BOT_TOKEN) && !stderr.contains(BOT_TOKEN));
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

fn chat(id: i64, kind: &str, title: &str) -> Value {
    json!({"id": id, "type": kind, "title": title})
}

/// What a bot added to the chain's groups finds: 77-001's two groups (the pickers' one since
/// upgraded), 77-002's store chat, the chain's channel, and a picker writing to the bot.
fn updates() -> Vec<Value> {
    let member =
        json!({"status": "member", "user": {"id": 1, "is_bot": true, "first_name": "bot"}});
    vec![
        json!({"update_id": 10, "my_chat_member": {"chat": chat(-1001, "supergroup", "Лесная — магазин"),
            "date": 0, "new_chat_member": member}}),
        json!({"update_id": 11, "message": {"message_id": 1, "date": 0,
            "chat": chat(-1002, "group", "Лесная — сборщики"), "text": "бот, привет"}}),
        json!({"update_id": 12, "message": {"message_id": 2, "date": 0,
            "chat": chat(-1002, "group", "Лесная — сборщики"), "migrate_to_chat_id": -1002002}}),
        json!({"update_id": 13, "message": {"message_id": 1, "date": 0,
            "chat": chat(-1002002, "supergroup", "Лесная — сборщики"), "migrate_from_chat_id": -1002}}),
        json!({"update_id": 14, "message": {"message_id": 3, "date": 0,
            "chat": chat(-1003, "supergroup", "Садовая — магазин"), "text": "/start"}}),
        json!({"update_id": 15, "channel_post": {"message_id": 4, "date": 0,
            "chat": {"id": -1000, "type": "channel", "title": "Все заказы", "username": "orders_all"}}}),
        json!({"update_id": 16, "message": {"message_id": 5, "date": 0,
            "chat": {"id": 555, "type": "private", "first_name": "Анна", "username": "anna_picker"}}}),
    ]
}

fn routes(chat: &Value) -> Vec<String> {
    chat["routes"]
        .as_array()
        .map(|routes| {
            routes
                .iter()
                .map(|r| {
                    let store = r["store"].as_str().unwrap_or("-");
                    format!("{store} {}", r["key"].as_str().unwrap_or("?"))
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn telegram_chats_lists_the_chats_with_their_stores_and_acknowledges_nothing(
    backend: Backend,
) {
    let fake = FakeTelegram::start().await;
    let Some(app) = spawn(backend, &fake).await else {
        return;
    };
    fake.set_updates(updates());
    let (code, stdout, stderr) = telegram(&app, &fake, &["chats", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let list: Value = serde_json::from_str(&stdout).expect("one JSON document");
    let chats = list["chats"].as_array().expect("chats");
    let ids: Vec<&str> = chats.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(
        ids,
        ["-1001", UPGRADED, "-1003", "-1000", "555"],
        "{list:#}"
    );
    assert_eq!(routes(&chats[0]), ["77-001 store_chat"]);
    assert_eq!(chats[0]["title"], "Лесная — магазин");
    assert_eq!(chats[0]["type"], "supergroup");
    // The upgraded group under its new id, still answering to the route that names the old one.
    assert_eq!(chats[1]["upgradedFrom"], "-1002");
    assert_eq!(routes(&chats[1]), ["77-001 pickers_chat"]);
    assert_eq!(chats[1]["routes"][0]["configuredAs"], "-1002");
    let notes = chats[1]["notes"].to_string();
    assert!(
        notes.contains("супергруппой") && notes.contains(UPGRADED),
        "{notes}"
    );
    assert_eq!(routes(&chats[2]), ["77-002 store_chat"]);
    assert_eq!(routes(&chats[3]), ["- default_chat"]);
    assert_eq!(chats[4]["title"], "Анна");
    assert_eq!(chats[4]["username"], "@anna_picker");
    assert!(routes(&chats[4]).is_empty());
    // 77-002's pickers' chat is one the bot never saw: a typo, or a group it is not in.
    assert_eq!(list["unseen"].as_array().map(Vec::len), Some(1), "{list:#}");
    assert_eq!(list["unseen"][0]["chat"], "-1004");
    assert_eq!(routes(&list["unseen"][0]), ["77-002 pickers_chat"]);

    // Nothing was acknowledged: a second look finds the same, and no call named an offset.
    let (code, text, _) = telegram(&app, &fake, &["chats"]);
    assert_eq!(code, 0);
    for expected in [
        UPGRADED,
        "77-001 pickers_chat",
        "-1004",
        "Лесная — магазин",
        "@anna_picker",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    let (_, again, _) = telegram(&app, &fake, &["chats", "--json"]);
    assert_eq!(serde_json::from_str::<Value>(&again).unwrap(), list);
    let calls = fake.update_calls();
    assert_eq!(calls.len(), 3);
    for call in &calls {
        assert!(call.get("offset").is_none(), "no offset: {call}");
        assert_eq!(call["timeout"], 0, "{call}");
        assert!(
            call.get("allowed_updates").is_none(),
            "the bot's own filter is left alone: {call}"
        );
    }
    app.stop().await;
}

async fn telegram_chats_says_in_words_that_a_webhook_is_set(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let Some(app) = spawn(backend, &fake).await else {
        return;
    };
    fake.set_webhook();
    let (code, stdout, stderr) = telegram(&app, &fake, &["chats"]);
    assert_ne!(code, 0, "{stdout}");
    assert!(stderr.contains("409 Conflict"), "{stderr}");
    assert!(stderr.contains("задан webhook"), "{stderr}");
    app.stop().await;
}

async fn telegram_test_reports_each_chat_and_fails_when_one_did_not_get_it(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let Some(app) = spawn(backend, &fake).await else {
        return;
    };
    fake.script("-1002", [Reply::Migrated { to: -1002002 }]);
    let (code, stdout, stderr) = telegram(&app, &fake, &["test", "77-001", "--json"]);
    assert_eq!(code, 1, "one chat failed: {stdout}");
    assert!(stderr.contains("1 of 2"), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("the report, even on failure");
    assert_eq!(report["store"], "77-001");
    let chats = &report["chats"];
    assert_eq!(chats[0]["chat"], "-1001");
    assert_eq!(chats[0]["result"], "delivered");
    assert!(chats[0]["messageId"].as_i64().is_some(), "{report:#}");
    assert_eq!(chats[1]["chat"], "-1002");
    assert_eq!(chats[1]["result"], "upgraded");
    assert_eq!(chats[1]["newChat"], UPGRADED);
    assert!(
        chats[1]["words"]
            .as_str()
            .unwrap_or_default()
            .contains(UPGRADED)
    );

    fake.script("-1003", [Reply::kicked()]);
    fake.script("-1004", [Reply::chat_not_found()]);
    let (code, text, _) = telegram(&app, &fake, &["test", "77-002"]);
    assert_eq!(code, 1, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("-1003") && lines[0].contains("бота удалили из чата"),
        "{text}"
    );
    assert!(lines[0].contains("bot was kicked"), "{text}");
    assert!(
        lines[1].starts_with("-1004") && lines[1].contains("чат не найден"),
        "{text}"
    );

    // Both of 77-001's chats answer now: exit 0, the words say delivered.
    let (code, text, stderr) = telegram(&app, &fake, &["test", "77-001"]);
    assert_eq!(code, 0, "{text} {stderr}");
    assert_eq!(text.matches("доставлено (сообщение").count(), 2, "{text}");
    // Straight to Telegram, never through the outbox; each text names the store and the chat.
    assert!(app.outbox().is_empty());
    let to_store = fake.calls_to("-1001");
    assert_eq!(to_store.len(), 2);
    assert!(
        to_store[0].text.contains("Проверка связи"),
        "{}",
        to_store[0].text
    );
    assert!(
        to_store[0].text.contains("«Лесная» (77-001)"),
        "{}",
        to_store[0].text
    );
    assert!(
        to_store[0].text.contains("чат магазина"),
        "{}",
        to_store[0].text
    );
    app.stop().await;
}

async fn telegram_test_of_an_unknown_store_lists_the_configured_ones(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let Some(app) = spawn(backend, &fake).await else {
        return;
    };
    let (code, _, stderr) = telegram(&app, &fake, &["test", "99-999"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("\"99-999\" is not in"), "{stderr}");
    assert!(stderr.contains("configured: 77-001, 77-002"), "{stderr}");
    assert!(fake.calls().is_empty());
    app.stop().await;
}

async fn console_telegram_page_tests_a_store_for_the_operator_only(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let Some(app) = spawn(backend, &fake).await else {
        return;
    };
    let store = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    let store_csrf = store.csrf("/stores/77-001").await;
    assert_eq!(store.get("/telegram").await.0, 403);
    let (status, _) = store
        .post_form("/telegram/77-001/test", &[("csrf", &store_csrf)])
        .await;
    assert_eq!(status, 403, "a store may not send");

    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let (status, page) = operator.get("/telegram").await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "Чаты Telegram",
        "Лесная",
        "Садовая",
        "-1001",
        "-1004",
        "чат сборщиков",
        "action=\"/telegram/77-001/test\"",
        "Проверить",
        "@orders_all",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    assert!(!page.contains("style="), "the CSP refuses style attributes");
    for form in [
        vec![],
        vec![("csrf", "")],
        vec![("csrf", store_csrf.as_str())],
    ] {
        let (status, _) = operator.post_form("/telegram/77-001/test", &form).await;
        assert_eq!(status, 403, "{form:?}");
    }
    assert!(
        fake.calls().is_empty(),
        "nothing sent without the session's CSRF token"
    );

    let csrf = operator.csrf("/telegram").await;
    fake.script("-1002", [Reply::Migrated { to: -1002002 }]);
    let (status, page) = operator
        .post_form("/telegram/77-001/test", &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("доставлено (сообщение"), "{page}");
    assert!(
        page.contains("группа стала супергруппой, её новый id -1002002"),
        "{page}"
    );
    assert_eq!(fake.calls().len(), 2);
    let (status, _) = operator
        .post_form("/telegram/99-999/test", &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 404);
    app.stop().await;
}
