//! How `getUpdates`' answer is read into chats.

use super::*;

const UPDATES: &str = r#"{"ok":true,"result":[
  {"update_id":1,"my_chat_member":{"chat":{"id":-1001,"type":"supergroup","title":"Лесная — магазин"},
     "from":{"id":7,"is_bot":false,"first_name":"Оля"},"date":0,
     "old_chat_member":{"status":"left","user":{"id":1,"is_bot":true,"first_name":"bot"}},
     "new_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"bot"}}}},
  {"update_id":2,"message":{"message_id":5,"date":0,"chat":{"id":-1002,"type":"group","title":"Сборщики"},"text":"привет"}},
  {"update_id":3,"message":{"message_id":6,"date":0,"chat":{"id":-1002,"type":"group","title":"Сборщики"},"migrate_to_chat_id":-1002002}},
  {"update_id":4,"message":{"message_id":1,"date":0,"chat":{"id":-1002002,"type":"supergroup","title":"Сборщики"},"migrate_from_chat_id":-1002}},
  {"update_id":5,"message":{"message_id":9,"date":0,"chat":{"id":555,"type":"private","first_name":"Анна","last_name":"К","username":"anna_k"},"text":"/start"}},
  {"update_id":6,"channel_post":{"message_id":2,"date":0,"chat":{"id":-1000,"type":"channel","title":"Все заказы","username":"orders_all"}}},
  {"update_id":7,"callback_query":{"id":"x"}},
  {"update_id":8,"my_chat_member":{"chat":{"id":-1001,"type":"supergroup","title":"Лесная — магазин"},
     "new_chat_member":{"status":"kicked"}}}
]}"#;

#[test]
fn every_chat_once_in_the_order_seen_with_its_name() {
    let chats = seen_chats(200, UPDATES.as_bytes()).unwrap();
    let ids: Vec<i64> = chats.iter().map(|chat| chat.id).collect();
    assert_eq!(ids, [-1001, -1002002, 555, -1000]);
    assert_eq!(chats[2].title.as_deref(), Some("Анна К"));
    assert_eq!(chats[2].username.as_deref(), Some("@anna_k"));
    assert_eq!(chats[3].kind, "channel");
    assert_eq!(chats[3].username.as_deref(), Some("@orders_all"));
}

#[test]
fn an_upgraded_group_is_shown_once_under_its_new_id() {
    let chats = seen_chats(200, UPDATES.as_bytes()).unwrap();
    let upgraded = &chats[1];
    assert_eq!(upgraded.id, -1002002);
    assert_eq!(upgraded.kind, "supergroup");
    assert_eq!(upgraded.upgraded_from, Some(-1002));
    assert_eq!(upgraded.title.as_deref(), Some("Сборщики"));
}

#[test]
fn only_the_old_groups_service_message_is_enough() {
    let body = r#"{"ok":true,"result":[{"update_id":3,"message":{"message_id":6,"date":0,
        "chat":{"id":-1002,"type":"group","title":"Сборщики"},"migrate_to_chat_id":-1002002}}]}"#;
    let chats = seen_chats(200, body.as_bytes()).unwrap();
    assert_eq!(chats.len(), 1);
    assert_eq!(
        (chats[0].id, chats[0].upgraded_from),
        (-1002002, Some(-1002))
    );
}

#[test]
fn the_bots_last_membership_is_kept() {
    let chats = seen_chats(200, UPDATES.as_bytes()).unwrap();
    assert_eq!(chats[0].bot_status.as_deref(), Some("kicked"));
    assert_eq!(chats[1].bot_status, None);
}

#[test]
fn a_webhook_is_a_conflict_and_a_wrong_token_is_named() {
    let body = br#"{"ok":false,"error_code":409,"description":"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}"#;
    assert!(matches!(
        seen_chats(409, body),
        Err(UpdatesError::Conflict { description }) if description.contains("webhook is active")
    ));
    assert!(matches!(
        seen_chats(401, br#"{"ok":false,"description":"Unauthorized"}"#),
        Err(UpdatesError::BadToken { .. })
    ));
    assert!(matches!(
        seen_chats(502, b"<html>"),
        Err(UpdatesError::Failed { error }) if error.contains("502")
    ));
    assert_eq!(seen_chats(200, br#"{"ok":true,"result":[]}"#), Ok(vec![]));
}
