//! `telegram chats` and `telegram test STORE`: setting a store's chats up without guessing.
//! Handled before the store is opened: they talk to Telegram and read the routing, never the
//! database. The words are `notify::setup::words`', shared with the console's `/telegram`.

use super::{ExitWith, Output};
use crate::app;
use crate::config::Config;
use crate::domain::Routing;
use crate::notify::BotApi;
use crate::notify::setup::{self, ChatList, ChatProbe, words};
use anyhow::bail;
use clap::Subcommand;
use serde_json::{Value, json};

#[derive(Debug, Subcommand)]
pub enum TelegramCommand {
    /// The chats the bot has been added to or written in (Bot API getUpdates, read without
    /// acknowledging any update), with the stores routed to each, and the configured chats it
    /// has not seen. Telegram refuses this while a webhook is set on the bot.
    Chats,
    /// Send a short test notice to a store's chats now (not through the outbox) and say what
    /// Telegram answered each; exit 1 when any chat did not get it.
    Test {
        /// The store's id, as in `[stores."77-001"]`.
        store: String,
    },
}

pub async fn run(
    config: &Config,
    command: &TelegramCommand,
    json_output: bool,
) -> anyhow::Result<()> {
    let Some(api) = app::bot_api(config)? else {
        bail!(
            "no bot to ask: set ORDERS_HOOK_TELEGRAM_BOT_TOKEN (or \
             ORDERS_HOOK_TELEGRAM_BOT_TOKEN_FILE) to the bot's token"
        );
    };
    let routing = &config.rules.routing;
    let (output, failed) = match command {
        TelegramCommand::Chats => (chats(&api, routing).await?, None),
        TelegramCommand::Test { store } => {
            let probes = test(&api, routing, store).await?;
            let failed = probes.iter().filter(|p| !p.check.delivered()).count();
            let failed = (failed > 0).then_some((failed, probes.len()));
            (test_output(store, &probes), failed)
        }
    };
    if json_output {
        println!("{}", serde_json::to_string_pretty(&output.json)?);
    } else {
        println!("{}", output.text);
    }
    match failed {
        Some((failed, of)) => Err(ExitWith {
            status: 1,
            message: format!("{failed} of {of} chat(s) did not get the test notice"),
        }
        .into()),
        None => Ok(()),
    }
}

async fn chats(api: &BotApi, routing: &Routing) -> anyhow::Result<Output> {
    let seen = setup::read_updates(api)
        .await
        .map_err(|error| anyhow::anyhow!(words::updates_error_text(&error)))?;
    let list = setup::chat_list(seen, routing);
    Ok(Output {
        json: chats_json(&list),
        text: chats_text(&list),
    })
}

fn chats_json(list: &ChatList) -> Value {
    let seen: Vec<Value> = list
        .seen
        .iter()
        .map(|row| {
            json!({
                "id": row.chat.id.to_string(),
                "type": row.chat.kind,
                "title": row.chat.title,
                "username": row.chat.username,
                "upgradedFrom": row.chat.upgraded_from.map(|id| id.to_string()),
                "botStatus": row.chat.bot_status,
                "routes": row.routes,
                "notes": words::chat_notes(row),
            })
        })
        .collect();
    let unseen: Vec<Value> = list
        .unseen
        .iter()
        .map(|chat| json!({"chat": chat.chat, "routes": chat.routes, "note": words::UNSEEN}))
        .collect();
    json!({"chats": seen, "unseen": unseen})
}

fn chats_text(list: &ChatList) -> String {
    let mut text = String::new();
    if list.seen.is_empty() {
        text.push_str(words::NOTHING_SEEN);
        text.push('\n');
    }
    for row in &list.seen {
        let name = match (&row.chat.title, &row.chat.username) {
            (Some(title), Some(username)) => format!("«{title}» {username}"),
            (Some(title), None) => format!("«{title}»"),
            (None, Some(username)) => username.clone(),
            (None, None) => "-".to_owned(),
        };
        let routes = row
            .routes
            .iter()
            .map(words::route_text)
            .collect::<Vec<_>>()
            .join(", ");
        text.push_str(&format!(
            "{:<16} {:<12} {} {}\n",
            row.chat.id,
            words::kind_text(&row.chat.kind),
            name,
            if routes.is_empty() {
                "—".to_owned()
            } else {
                format!("→ {routes}")
            }
        ));
        for note in words::chat_notes(row) {
            text.push_str(&format!("{:<16} ! {note}\n", ""));
        }
    }
    for chat in &list.unseen {
        let routes = chat
            .routes
            .iter()
            .map(words::route_text)
            .collect::<Vec<_>>()
            .join(", ");
        text.push_str(&format!(
            "{:<16} ? {routes}: {}\n",
            chat.chat,
            words::UNSEEN
        ));
    }
    text.trim_end().to_owned()
}

async fn test(api: &BotApi, routing: &Routing, store: &str) -> anyhow::Result<Vec<ChatProbe>> {
    let Some(probes) = setup::probe_store(api, routing, store).await else {
        let mut stores: Vec<&str> = routing.stores.keys().map(String::as_str).collect();
        stores.sort_unstable();
        bail!(
            "store {store:?} is not in the configuration's [stores]; configured: {}",
            if stores.is_empty() {
                "none".to_owned()
            } else {
                stores.join(", ")
            }
        );
    };
    if probes.is_empty() {
        bail!("store {store:?} has neither store_chat nor pickers_chat: its notices go nowhere");
    }
    Ok(probes)
}

fn test_output(store: &str, probes: &[ChatProbe]) -> Output {
    let chats: Vec<Value> = probes
        .iter()
        .map(|probe| {
            json!({
                "chat": probe.chat.chat,
                "keys": probe.chat.keys,
                "result": probe.check.kind(),
                "delivered": probe.check.delivered(),
                "messageId": match probe.check {
                    setup::ChatCheck::Delivered { message_id } => message_id,
                    _ => None,
                },
                "newChat": match &probe.check {
                    setup::ChatCheck::Upgraded { to } => Some(to),
                    _ => None,
                },
                "words": words::check_text(&probe.check),
            })
        })
        .collect();
    let text = probes
        .iter()
        .map(|probe| {
            format!(
                "{:<16} {:<28} {}",
                probe.chat.chat,
                words::keys_text(&probe.chat.keys),
                words::check_text(&probe.check)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Output {
        json: json!({"store": store, "chats": chats}),
        text,
    }
}
