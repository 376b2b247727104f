//! The chats the bot has been added to or spoken in, read from `getUpdates` without acknowledging
//! a single update: Telegram forgets an update once a call passes an `offset` beyond it, and
//! another process (a bot's own dialogue, a second operator's look) may still need it.

use crate::notify::telegram::BotApi;
use serde::Deserialize;
use serde_json::{Value, json};

/// Telegram gives at most this many updates a call: the oldest ones it still keeps.
const LIMIT: u32 = 100;

/// A chat as Telegram showed it in the updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenChat {
    pub id: i64,
    /// Telegram's `type`: `private`, `group`, `supergroup` or `channel`.
    pub kind: String,
    /// The group's or channel's title, else a person's name.
    pub title: Option<String>,
    /// `@name` of a public channel, a supergroup or a person.
    pub username: Option<String>,
    /// The group this supergroup was upgraded from: its old id no longer takes messages.
    pub upgraded_from: Option<i64>,
    /// The bot's own membership as last changed (`left`, `kicked`, `member`, `administrator`).
    pub bot_status: Option<String>,
}

/// Why the updates could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdatesError {
    /// 409: a webhook is set on the bot, or another `getUpdates` is waiting right now.
    Conflict { description: String },
    /// 401/404: Telegram does not know the bot token.
    BadToken { description: String },
    /// No answer, a 5xx, or an answer that is not Telegram's.
    Failed { error: String },
}

/// Reads the updates Telegram still keeps for the bot, acknowledging none.
pub async fn read_updates(api: &BotApi) -> Result<Vec<SeenChat>, UpdatesError> {
    // No `offset`: an offset confirms every update before it, for every reader of this bot.
    // No `allowed_updates` either: Telegram keeps a call's list as the bot's filter for later
    // calls, and another reader of the bot may want other kinds. Telegram's default already
    // brings messages, channel posts and the bot's own membership changes.
    let body = json!({"timeout": 0, "limit": LIMIT});
    let (status, answer) = api
        .call("getUpdates", &body)
        .await
        .map_err(|error| UpdatesError::Failed { error })?;
    seen_chats(status, &answer)
}

#[derive(Debug, Default, Deserialize)]
struct Answer {
    #[serde(default)]
    ok: bool,
    result: Option<Vec<Value>>,
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Update {
    message: Option<Message>,
    edited_message: Option<Message>,
    channel_post: Option<Message>,
    edited_channel_post: Option<Message>,
    my_chat_member: Option<Membership>,
    chat_member: Option<Membership>,
}

#[derive(Debug, Deserialize)]
struct Message {
    chat: Chat,
    /// In the old group: the service message saying it became this supergroup.
    migrate_to_chat_id: Option<i64>,
    /// In the new supergroup: the group it was.
    migrate_from_chat_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Membership {
    chat: Chat,
    new_chat_member: Option<Member>,
}

#[derive(Debug, Deserialize)]
struct Member {
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Chat {
    id: i64,
    #[serde(rename = "type", default)]
    kind: String,
    title: Option<String>,
    username: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

impl Chat {
    fn seen(&self) -> SeenChat {
        let name = [&self.first_name, &self.last_name]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        SeenChat {
            id: self.id,
            kind: self.kind.clone(),
            title: self.title.clone().or((!name.is_empty()).then_some(name)),
            username: self.username.as_ref().map(|name| format!("@{name}")),
            upgraded_from: None,
            bot_status: None,
        }
    }
}

/// Reads `getUpdates`' answer: every chat once, in the order first seen, a group that became a
/// supergroup shown once under its new id. An update of a kind not known here is skipped.
pub fn seen_chats(status: u16, body: &[u8]) -> Result<Vec<SeenChat>, UpdatesError> {
    let answer: Answer = serde_json::from_slice(body).unwrap_or_default();
    let description = answer
        .description
        .clone()
        .unwrap_or_else(|| format!("HTTP {status}"));
    let updates = match (status, answer.ok, answer.result) {
        (200..=299, true, Some(updates)) => updates,
        (409, _, _) => return Err(UpdatesError::Conflict { description }),
        (401 | 404, _, _) => return Err(UpdatesError::BadToken { description }),
        _ => {
            return Err(UpdatesError::Failed {
                error: format!("Telegram answered {status}: {description}"),
            });
        }
    };
    let mut chats: Vec<SeenChat> = Vec::new();
    let mut moves: Vec<(i64, i64)> = Vec::new();
    for update in updates {
        let Ok(update) = serde_json::from_value::<Update>(update) else {
            continue;
        };
        let messages = [
            update.message,
            update.edited_message,
            update.channel_post,
            update.edited_channel_post,
        ];
        for message in messages.into_iter().flatten() {
            note(&mut chats, &message.chat, None);
            if let Some(to) = message.migrate_to_chat_id {
                moves.push((message.chat.id, to));
            }
            if let Some(from) = message.migrate_from_chat_id {
                moves.push((from, message.chat.id));
            }
        }
        for membership in [update.my_chat_member].into_iter().flatten() {
            let status = membership.new_chat_member.and_then(|member| member.status);
            note(&mut chats, &membership.chat, status);
        }
        for membership in [update.chat_member].into_iter().flatten() {
            note(&mut chats, &membership.chat, None);
        }
    }
    for (from, to) in moves {
        upgrade(&mut chats, from, to);
    }
    Ok(chats)
}

/// Adds the chat, or refreshes what a later update says of it (a renamed group, the bot's
/// membership).
fn note(chats: &mut Vec<SeenChat>, chat: &Chat, bot_status: Option<String>) {
    let seen = chat.seen();
    match chats.iter_mut().find(|known| known.id == chat.id) {
        Some(known) => {
            known.kind = seen.kind;
            known.title = seen.title.or(known.title.take());
            known.username = seen.username.or(known.username.take());
            known.bot_status = bot_status.or(known.bot_status.take());
        }
        None => chats.push(SeenChat { bot_status, ..seen }),
    }
}

/// The group `from` became the supergroup `to`: one row under the new id, in the old one's place.
fn upgrade(chats: &mut Vec<SeenChat>, from: i64, to: i64) {
    let Some(at) = chats.iter().position(|chat| chat.id == from) else {
        // Only the supergroup said where it came from.
        if let Some(new) = chats.iter_mut().find(|chat| chat.id == to) {
            new.upgraded_from = Some(from);
        }
        return;
    };
    let old = chats.remove(at);
    match chats.iter_mut().find(|chat| chat.id == to) {
        Some(new) => {
            new.upgraded_from = Some(from);
            new.title = new.title.take().or(old.title);
        }
        None => chats.insert(
            at,
            SeenChat {
                id: to,
                kind: "supergroup".to_owned(),
                title: old.title,
                username: None,
                upgraded_from: Some(from),
                bot_status: old.bot_status,
            },
        ),
    }
}

#[cfg(test)]
#[path = "updates_tests.rs"]
mod tests;
