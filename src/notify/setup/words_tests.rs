//! The words of each answer a test notice can meet, read from Telegram's answers as the outbox
//! reads them.

use super::*;
use crate::notify::telegram::classify;

fn said(status: u16, body: &str) -> (ChatCheck, String) {
    let check = ChatCheck::from_outcome(classify(status, body.as_bytes()));
    let text = check_text(&check);
    (check, text)
}

#[test]
fn a_delivered_notice_names_its_message() {
    let (check, text) = said(200, r#"{"ok":true,"result":{"message_id":42}}"#);
    assert!(check.delivered());
    assert_eq!(text, "доставлено (сообщение 42)");
}

#[test]
fn a_missing_chat_says_the_id_is_wrong_or_the_bot_not_added() {
    let (check, text) = said(
        400,
        r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
    );
    assert_eq!(check.kind(), "not_found");
    assert!(text.starts_with("чат не найден"), "{text}");
    assert!(text.contains("бота не добавили"), "{text}");
    assert!(text.contains("Bad Request: chat not found"), "{text}");
}

#[test]
fn an_upgraded_group_names_its_new_id() {
    let (check, text) = said(
        400,
        r#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}}"#,
    );
    assert_eq!(
        check,
        ChatCheck::Upgraded {
            to: "-1001234567890".into()
        }
    );
    assert!(text.contains("супергруппой"), "{text}");
    assert!(text.contains("-1001234567890"), "{text}");
}

#[test]
fn a_kicked_or_blocked_bot_is_shut_out() {
    for description in [
        "Forbidden: bot was kicked from the group chat",
        "Forbidden: bot was blocked by the user",
        "Forbidden: bot is not a member of the supergroup chat",
    ] {
        let body = format!(r#"{{"ok":false,"error_code":403,"description":"{description}"}}"#);
        let (check, text) = said(403, &body);
        assert_eq!(check.kind(), "shut_out", "{description}");
        assert!(
            text.starts_with("бота удалили из чата или заблокировали"),
            "{text}"
        );
        assert!(text.contains(description), "{text}");
    }
}

#[test]
fn a_rate_limit_says_how_long_to_wait() {
    let (check, text) = said(
        429,
        r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#,
    );
    assert_eq!(
        check,
        ChatCheck::RateLimited {
            retry_after_secs: 7
        }
    );
    assert!(text.contains("подождать 7 с"), "{text}");
    assert!(text.contains("429"), "{text}");
}

#[test]
fn other_answers_are_failures_in_words() {
    let (check, text) = said(
        400,
        r#"{"ok":false,"description":"Bad Request: need administrator rights in the channel chat"}"#,
    );
    assert_eq!(check.kind(), "refused");
    assert!(text.contains("need administrator rights"), "{text}");
    let (check, text) = said(502, "<html>Bad Gateway</html>");
    assert_eq!(check.kind(), "no_answer");
    assert!(text.starts_with("не доставлено"), "{text}");
    let (check, _) = said(401, r#"{"ok":false,"description":"Unauthorized"}"#);
    assert!(!check.delivered());
    let (check, text) = said(200, r#"{"ok":false}"#);
    assert_eq!(check.kind(), "in_doubt");
    assert!(text.starts_with("неизвестно, дошло ли"), "{text}");
}

#[test]
fn the_test_notice_names_the_store_and_its_chat_escaped() {
    let text = test_notice(
        "77-001",
        Some("Лесная <1>"),
        &["store_chat", "pickers_chat"],
    );
    assert!(text.contains("«Лесная &lt;1&gt;» (77-001)"), "{text}");
    assert!(text.contains("чат магазина и чат сборщиков"), "{text}");
    assert!(text.chars().count() < 200);
}

#[test]
fn a_webhook_conflict_is_said_in_words() {
    let text = updates_error_text(&UpdatesError::Conflict {
        description: "Conflict: can't use getUpdates method while webhook is active".into(),
    });
    assert!(text.contains("409"), "{text}");
    assert!(text.contains("webhook"), "{text}");
}
