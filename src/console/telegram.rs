//! `/telegram`, the operator's check of the stores' chats: every configured store with its
//! chats, and «Проверить», which sends the store's test notice now (`notify::setup`, past the
//! outbox) and shows what Telegram answered each chat, in the words `telegram test` prints.

use super::ConsoleState;
use super::operator::ActionForm;
use super::page::{self, Nav};
use super::session::Viewer;
use super::story::path_segment;
use crate::notify::setup::{self, ChatProbe, StoreChat, words};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub struct ChatLine {
    pub chat: String,
    pub keys: String,
    /// What the last check said; empty before one.
    pub result: String,
    pub failed: bool,
}

pub struct StoreLine {
    pub id: String,
    pub path: String,
    pub name: String,
    pub chats: Vec<ChatLine>,
    /// The store whose check these results are.
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "console/telegram.html")]
struct TelegramPage {
    nav: Nav,
    /// False without a bot token: nothing can be sent.
    can_send: bool,
    default_chat: Option<String>,
    stores: Vec<StoreLine>,
}

fn chat_line(chat: StoreChat) -> ChatLine {
    ChatLine {
        keys: words::keys_text(&chat.keys),
        chat: chat.chat,
        result: String::new(),
        failed: false,
    }
}

fn checked_line(probe: ChatProbe) -> ChatLine {
    ChatLine {
        result: words::check_text(&probe.check),
        failed: !probe.check.delivered(),
        ..chat_line(probe.chat)
    }
}

/// Every routed store with its chats; `checked` gives one store's results in place of its bare
/// chats.
fn page_of(
    state: &ConsoleState,
    viewer: &Viewer,
    checked: Option<(&str, Vec<ChatProbe>)>,
) -> Response {
    let mut checked = checked;
    let stores = state
        .stores()
        .into_iter()
        .map(|(id, name)| {
            let probes = checked
                .take_if(|(store, _)| *store == id)
                .map(|(_, probes)| probes);
            let chats = match &probes {
                Some(probes) => probes.iter().cloned().map(checked_line).collect(),
                None => setup::store_chats(&state.routing.get(), &id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(chat_line)
                    .collect(),
            };
            StoreLine {
                path: path_segment(&id),
                checked: probes.is_some(),
                id,
                name,
                chats,
            }
        })
        .collect();
    page::render(&TelegramPage {
        nav: Nav::new(viewer, "Чаты Telegram"),
        can_send: state.telegram.is_some(),
        default_chat: state.routing.get().default_chat.clone(),
        stores,
    })
}

pub async fn page(State(state): State<ConsoleState>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require_operator() {
        return refused.into_response();
    }
    page_of(&state, &viewer, None)
}

/// Sends the store's test notice to each of its chats and shows the answers. Answered with the
/// page itself rather than a redirect: the results are this press's, kept nowhere.
pub async fn test(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(store): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Err(refused) = viewer.operator_form(&form.csrf) {
        return refused.into_response();
    }
    let Some(api) = state.telegram.clone() else {
        return page::message_back(
            StatusCode::SERVICE_UNAVAILABLE,
            "Бот не настроен",
            "Токен бота не задан (ORDERS_HOOK_TELEGRAM_BOT_TOKEN): проверить чаты нечем.",
            Some("/telegram"),
        );
    };
    let Some(probes) = setup::probe_store(&api, &state.routing.get(), &store).await else {
        return page::not_found().await;
    };
    let failed = probes.iter().filter(|p| !p.check.delivered()).count();
    tracing::info!(
        operator = ?viewer.name,
        store,
        chats = probes.len(),
        failed,
        "console: Telegram test notice sent"
    );
    page_of(&state, &viewer, Some((&store, probes)))
}
