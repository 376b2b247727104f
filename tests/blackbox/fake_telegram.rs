//! A fake Telegram Bot API on loopback: it records every `sendMessage` and answers as scripted
//! per chat (429 with `retry_after`, 5xx, a hang past the client's timeout, a refusal), else ok;
//! `getUpdates` serves canned updates (or 409 as with a webhook set) and records each call's
//! parameters, so a test can tell whether anything was acknowledged.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const BOT_TOKEN: &str = "7012345678:AAH-fake-bot-token-never-logged";

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Ok,
    TooManyRequests {
        retry_after: u64,
    },
    ServerError,
    /// Answers only after this long: past the client's timeout.
    Hang(Duration),
    Refuse {
        code: u16,
        description: &'static str,
    },
    /// 400: the group was upgraded to a supergroup with this id.
    Migrated {
        to: i64,
    },
}

impl Reply {
    /// 403: the bot was removed from the group.
    pub fn kicked() -> Reply {
        Reply::Refuse {
            code: 403,
            description: "Forbidden: bot was kicked from the group chat",
        }
    }

    /// 400: a wrong id, or a group the bot is not in.
    pub fn chat_not_found() -> Reply {
        Reply::Refuse {
            code: 400,
            description: "Bad Request: chat not found",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Call {
    pub chat: String,
    pub text: String,
    pub parse_mode: Option<String>,
    pub reply: Reply,
}

#[derive(Default)]
struct Recorded {
    calls: Vec<Call>,
    scripts: HashMap<String, VecDeque<Reply>>,
    next_message_id: i64,
    /// What `getUpdates` returns in `result`, every time (nothing here is ever acknowledged).
    updates: Vec<Value>,
    /// Answer `getUpdates` 409, as Telegram does while a webhook is set.
    webhook_set: bool,
    /// The parameters of every `getUpdates` call.
    update_calls: Vec<Value>,
}

#[derive(Clone)]
pub struct FakeTelegram {
    pub base: String,
    recorded: Arc<Mutex<Recorded>>,
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let recorded = Arc::new(Mutex::new(Recorded::default()));
        let router = axum::Router::new()
            .route("/{bot}/sendMessage", axum::routing::post(send_message))
            .route("/{bot}/getUpdates", axum::routing::post(get_updates))
            .with_state(recorded.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake Telegram");
        let base = format!("http://{}", listener.local_addr().expect("fake address"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        FakeTelegram { base, recorded }
    }

    /// The next answers for `chat`, in order; after them, ok.
    pub fn script(&self, chat: &str, replies: impl IntoIterator<Item = Reply>) {
        let mut recorded = self.recorded.lock().expect("fake state");
        recorded
            .scripts
            .entry(chat.to_owned())
            .or_default()
            .extend(replies);
    }

    /// The updates every `getUpdates` returns.
    pub fn set_updates(&self, updates: Vec<Value>) {
        self.recorded.lock().expect("fake state").updates = updates;
    }

    /// From now on `getUpdates` answers 409, as with a webhook set on the bot.
    pub fn set_webhook(&self) {
        self.recorded.lock().expect("fake state").webhook_set = true;
    }

    /// The parameters each `getUpdates` call sent.
    pub fn update_calls(&self) -> Vec<Value> {
        self.recorded
            .lock()
            .expect("fake state")
            .update_calls
            .clone()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.recorded.lock().expect("fake state").calls.clone()
    }

    pub fn calls_to(&self, chat: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.chat == chat)
            .collect()
    }

    /// The texts Telegram accepted for `chat`, in order.
    pub fn delivered_to(&self, chat: &str) -> Vec<String> {
        self.calls_to(chat)
            .into_iter()
            .filter(|c| c.reply == Reply::Ok)
            .map(|c| c.text)
            .collect()
    }

    pub fn delivered(&self) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.reply == Reply::Ok)
            .collect()
    }
}

async fn send_message(
    State(recorded): State<Arc<Mutex<Recorded>>>,
    Path(bot): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if bot != format!("bot{BOT_TOKEN}") {
        let answer = json!({"ok": false, "error_code": 404, "description": "Not Found"});
        return (StatusCode::NOT_FOUND, Json(answer)).into_response();
    }
    let chat = match &body["chat_id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let (reply, message_id) = {
        let mut recorded = recorded.lock().expect("fake state");
        let reply = recorded
            .scripts
            .get_mut(&chat)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Reply::Ok);
        recorded.next_message_id += 1;
        let message_id = recorded.next_message_id;
        recorded.calls.push(Call {
            chat: chat.clone(),
            text: body["text"].as_str().unwrap_or_default().to_owned(),
            parse_mode: body["parse_mode"].as_str().map(str::to_owned),
            reply: reply.clone(),
        });
        (reply, message_id)
    };
    match reply {
        Reply::Ok => ok(message_id, &chat),
        Reply::TooManyRequests { retry_after } => (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({
                "ok": false, "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after}"),
                "parameters": {"retry_after": retry_after}
            })),
        )
            .into_response(),
        Reply::ServerError => (
            StatusCode::BAD_GATEWAY,
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response(),
        Reply::Hang(pause) => {
            tokio::time::sleep(pause).await;
            ok(message_id, &chat)
        }
        Reply::Migrated { to } => (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "ok": false, "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": to}
            })),
        )
            .into_response(),
        Reply::Refuse { code, description } => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
            Json(json!({"ok": false, "error_code": code, "description": description})),
        )
            .into_response(),
    }
}

async fn get_updates(
    State(recorded): State<Arc<Mutex<Recorded>>>,
    Path(bot): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if bot != format!("bot{BOT_TOKEN}") {
        let answer = json!({"ok": false, "error_code": 404, "description": "Not Found"});
        return (StatusCode::NOT_FOUND, Json(answer)).into_response();
    }
    let mut recorded = recorded.lock().expect("fake state");
    recorded.update_calls.push(body);
    if recorded.webhook_set {
        let answer = json!({
            "ok": false, "error_code": 409,
            "description": "Conflict: can't use getUpdates method while webhook is active; \
                            use deleteWebhook to delete the webhook first"
        });
        return (StatusCode::CONFLICT, Json(answer)).into_response();
    }
    Json(json!({"ok": true, "result": recorded.updates})).into_response()
}

fn ok(message_id: i64, chat: &str) -> Response {
    Json(json!({
        "ok": true,
        "result": {"message_id": message_id, "chat": {"id": chat}, "date": 0}
    }))
    .into_response()
}
