//! Every word the Telegram setup says to a person, in Russian, for the command line and the
//! console alike: the test notice itself, what Telegram's answer to it means, and the notes on
//! the chats the bot has seen. Telegram's own description (English) follows in brackets, so the
//! operator can search for it.

use super::chats::{ChatRow, RouteMark};
use super::probe::ChatCheck;
use super::updates::UpdatesError;
use crate::notice::escape_html;

/// A configuration key in words.
pub fn key_text(key: &str) -> &'static str {
    match key {
        "store_chat" => "чат магазина",
        "pickers_chat" => "чат сборщиков",
        "default_chat" => "чат по умолчанию",
        _ => "чат",
    }
}

/// The keys that name one chat, in words: «чат магазина и чат сборщиков».
pub fn keys_text(keys: &[&str]) -> String {
    keys.iter()
        .map(|key| key_text(key))
        .collect::<Vec<_>>()
        .join(" и ")
}

/// Telegram's chat type in words.
pub fn kind_text(kind: &str) -> &'static str {
    match kind {
        "private" => "личный чат",
        "group" => "группа",
        "supergroup" => "супергруппа",
        "channel" => "канал",
        _ => "чат",
    }
}

/// A route in a line: `77-001 store_chat`, or `default_chat` for the stores not in `[stores]`.
pub fn route_text(mark: &RouteMark) -> String {
    match &mark.store {
        Some(store) => format!("{store} {}", mark.key),
        None => format!("{} (магазины не из [stores])", mark.key),
    }
}

/// The test notice (Telegram HTML): who it is from, which store's notices will come here, and
/// that nobody need answer.
pub fn test_notice(store: &str, name: Option<&str>, keys: &[&str]) -> String {
    let store = match name {
        Some(name) => format!("«{}» ({})", escape_html(name), escape_html(store)),
        None => escape_html(store),
    };
    format!(
        "🔔 <b>Проверка связи</b>\nСюда будут приходить заказы магазина {store}: {}.\nОтвечать \
         не нужно.",
        keys_text(keys)
    )
}

/// What Telegram's answer to a test notice means, and what to do about it.
pub fn check_text(check: &ChatCheck) -> String {
    match check {
        ChatCheck::Delivered {
            message_id: Some(id),
        } => format!("доставлено (сообщение {id})"),
        ChatCheck::Delivered { message_id: None } => "доставлено".to_owned(),
        ChatCheck::NotFound { description } => {
            format!("чат не найден: неверный id, или бота не добавили в эту группу ({description})")
        }
        ChatCheck::Upgraded { to } => format!(
            "группа стала супергруппой, её новый id {to}: укажите его в [stores] вместо старого"
        ),
        ChatCheck::ShutOut { description } => {
            format!("бота удалили из чата или заблокировали: добавьте его снова ({description})")
        }
        ChatCheck::RateLimited { retry_after_secs } => {
            format!("Telegram просит подождать {retry_after_secs} с: слишком много сообщений (429)")
        }
        ChatCheck::Refused { description } => format!("Telegram отказал ({description})"),
        ChatCheck::NoAnswer { error } => {
            format!("не доставлено: Telegram недоступен или не принял токен бота ({error})")
        }
        ChatCheck::InDoubt { error } => {
            format!("неизвестно, дошло ли: ответа не было, загляните в чат ({error})")
        }
    }
}

/// What to know of a seen chat beside its routes: an upgrade, a route naming the old group, a
/// bot that was removed.
pub fn chat_notes(row: &ChatRow) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(old) = row.chat.upgraded_from {
        notes.push(format!(
            "группа стала супергруппой: старый id {old} больше не принимает сообщения"
        ));
    }
    for mark in &row.routes {
        if mark.configured_as.trim() != row.chat.id.to_string()
            && mark.configured_as.trim().parse::<i64>().is_ok()
        {
            notes.push(format!(
                "{} указан старым id {}: замените на \"{}\"",
                route_text(mark),
                mark.configured_as,
                row.chat.id
            ));
        }
    }
    if matches!(row.chat.bot_status.as_deref(), Some("left" | "kicked")) {
        notes.push("бота удалили из этого чата: добавьте его снова".to_owned());
    }
    notes
}

/// A configured chat the bot has not seen.
pub const UNSEEN: &str = "бот этот чат не видел: проверьте id; добавьте бота в группу и \
                          напишите в ней что-нибудь, затем повторите";

/// When Telegram returned no updates at all.
pub const NOTHING_SEEN: &str = "Telegram не вернул ни одного обновления (он хранит их сутки): \
                                добавьте бота в группу (или удалите и добавьте снова) либо \
                                напишите в группе /start@имя_бота, затем повторите";

/// Why the chats could not be read.
pub fn updates_error_text(error: &UpdatesError) -> String {
    match error {
        UpdatesError::Conflict { description } => format!(
            "Telegram ответил 409 Conflict: у бота задан webhook, а при нём getUpdates не \
             работает (или getUpdates сейчас читает другой процесс). Список чатов можно \
             получить, только пока webhook не задан ({description})"
        ),
        UpdatesError::BadToken { description } => format!(
            "Telegram не знает такого токена бота: проверьте ORDERS_HOOK_TELEGRAM_BOT_TOKEN \
             ({description})"
        ),
        UpdatesError::Failed { error } => {
            format!("не удалось прочитать обновления бота ({error})")
        }
    }
}

#[cfg(test)]
#[path = "words_tests.rs"]
mod tests;
