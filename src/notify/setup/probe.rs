//! A store's test notice: one short message to each of its chats now, straight through the Bot
//! API rather than the outbox (a check must say what Telegram answers today, not join a queue
//! behind a chat's waiting notices), and what each chat's answer means.

use super::words;
use crate::domain::Routing;
use crate::notify::telegram::{BotApi, SendOutcome};

/// What Telegram answered one chat's test notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatCheck {
    Delivered {
        message_id: Option<i64>,
    },
    /// 400 "chat not found": a wrong id, or a group the bot was never added to.
    NotFound {
        description: String,
    },
    /// 400 with `migrate_to_chat_id`: the group became a supergroup with this id.
    Upgraded {
        to: String,
    },
    /// 403: the bot was kicked from the group, is not a member, or a person blocked it.
    ShutOut {
        description: String,
    },
    /// 429: too many messages; this chat may be written to again after so many seconds.
    RateLimited {
        retry_after_secs: u64,
    },
    /// Another refusal (a 4xx): Telegram's own words.
    Refused {
        description: String,
    },
    /// No answer, a 5xx or an unknown bot token: nothing was delivered.
    NoAnswer {
        error: String,
    },
    /// The request may have reached the chat without an answer saying so.
    InDoubt {
        error: String,
    },
}

impl ChatCheck {
    pub fn delivered(&self) -> bool {
        matches!(self, ChatCheck::Delivered { .. })
    }

    /// Its name for `--json`.
    pub fn kind(&self) -> &'static str {
        match self {
            ChatCheck::Delivered { .. } => "delivered",
            ChatCheck::NotFound { .. } => "not_found",
            ChatCheck::Upgraded { .. } => "upgraded",
            ChatCheck::ShutOut { .. } => "shut_out",
            ChatCheck::RateLimited { .. } => "rate_limited",
            ChatCheck::Refused { .. } => "refused",
            ChatCheck::NoAnswer { .. } => "no_answer",
            ChatCheck::InDoubt { .. } => "in_doubt",
        }
    }

    /// The outbox's reading of Telegram's answer, told apart the way an operator fixes it.
    pub fn from_outcome(outcome: SendOutcome) -> ChatCheck {
        match outcome {
            SendOutcome::Sent { message_id } => ChatCheck::Delivered { message_id },
            SendOutcome::ChatMoved { to, .. } => ChatCheck::Upgraded { to },
            SendOutcome::Rejected {
                status: 403,
                description,
            } => ChatCheck::ShutOut { description },
            SendOutcome::Rejected {
                status: 400,
                description,
            } if description.to_lowercase().contains("not found") => {
                ChatCheck::NotFound { description }
            }
            SendOutcome::Rejected { description, .. } => ChatCheck::Refused { description },
            SendOutcome::TooManyRequests { retry_after, .. } => ChatCheck::RateLimited {
                retry_after_secs: retry_after.as_secs(),
            },
            SendOutcome::Transient { error } => ChatCheck::NoAnswer { error },
            SendOutcome::InDoubt { error } => ChatCheck::InDoubt { error },
        }
    }
}

/// One of a store's chats with the keys that name it (`store_chat`, `pickers_chat`, or both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreChat {
    pub chat: String,
    pub keys: Vec<&'static str>,
}

/// A store's chats, each once, the store's chat first; `None` for a store not in `[stores]`.
pub fn store_chats(routing: &Routing, store: &str) -> Option<Vec<StoreChat>> {
    let route = routing.stores.get(store)?;
    let mut chats: Vec<StoreChat> = Vec::new();
    for (key, chat) in [
        ("store_chat", &route.store_chat),
        ("pickers_chat", &route.pickers_chat),
    ] {
        let Some(chat) = chat else { continue };
        match chats.iter_mut().find(|known| &known.chat == chat) {
            Some(known) => known.keys.push(key),
            None => chats.push(StoreChat {
                chat: chat.clone(),
                keys: vec![key],
            }),
        }
    }
    Some(chats)
}

/// A chat of the store and what its test notice met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatProbe {
    pub chat: StoreChat,
    pub check: ChatCheck,
}

/// Sends the store's test notice to each of its chats in turn; `None` for a store not in
/// `[stores]`. A store with no chats gives an empty list.
pub async fn probe_store(api: &BotApi, routing: &Routing, store: &str) -> Option<Vec<ChatProbe>> {
    let name = routing
        .stores
        .get(store)
        .and_then(|route| route.name.as_deref());
    let mut probes = Vec::new();
    for chat in store_chats(routing, store)? {
        let text = words::test_notice(store, name, &chat.keys);
        let check = ChatCheck::from_outcome(api.send_message(&chat.chat, &text).await);
        probes.push(ChatProbe { chat, check });
    }
    Some(probes)
}
