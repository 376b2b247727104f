//! A thin Bot API client: one method, `sendMessage`, and a reading of Telegram's answer that
//! tells the worker whether the message went, must wait, may be retried, may have gone without
//! an answer saying so, or was refused for good. The bot token is part of every request URL, so
//! no URL ever leaves this file: errors are stripped of it, and any text that still carries the
//! token is scrubbed.

use crate::access::Secret;
use serde::Deserialize;
use std::time::Duration;

/// How one `sendMessage` call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Telegram accepted the message.
    Sent { message_id: Option<i64> },
    /// 429: this chat must wait `retry_after` before its next message.
    TooManyRequests {
        retry_after: Duration,
        description: String,
    },
    /// Telegram did not take the message (no connection, a 5xx, a bot token it does not know):
    /// worth another try, and that try is no repeat.
    Transient { error: String },
    /// The request may have reached Telegram and nothing says what became of it (see
    /// `Reached::may_have_delivered`): worth another try, but the chat may already show it.
    InDoubt { error: String },
    /// Refused for good (400 chat not found, 403 bot was kicked): retrying cannot help. The
    /// status tells a missing chat (400) from a bot shut out of it (403).
    Rejected { status: u16, description: String },
    /// The group became a supergroup with a new id; the message belongs there now.
    ChatMoved { to: String, description: String },
}

pub struct BotApi {
    http: reqwest::Client,
    base: String,
    token: Secret,
}

impl BotApi {
    /// `base` is the Bot API's address (`https://api.telegram.org`, or a fake one in tests).
    pub fn new(base: &str, token: Secret, timeout: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| format!("cannot build the Telegram client: {}", e.without_url()))?;
        Ok(BotApi {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// Sends `text` (Telegram HTML) to `chat`, a numeric chat id or an `@channel` name.
    pub async fn send_message(&self, chat: &str, text: &str) -> SendOutcome {
        let url = format!("{}/bot{}/sendMessage", self.base, self.token.expose());
        let body = serde_json::json!({
            "chat_id": chat,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": true},
        });
        let response = match self.http.post(url).json(&body).send().await {
            Ok(response) => response,
            Err(error) => return self.transport_failure(Reached::before_any_answer(&error), error),
        };
        let status = response.status().as_u16();
        match response.bytes().await {
            Ok(bytes) => self.scrubbed(classify(status, &bytes)),
            // Telegram said 2xx and then the answer broke off: the message went. Sending it
            // again would show the pickers the order twice.
            Err(_) if (200..300).contains(&status) => SendOutcome::Sent { message_id: None },
            Err(error) => self.transport_failure(Reached::Status(status), error),
        }
    }

    /// Calls another Bot API `method` (the setup commands' reads): Telegram's status and body,
    /// or why no answer came, without the token.
    pub(super) async fn call(
        &self,
        method: &str,
        body: &serde_json::Value,
    ) -> Result<(u16, Vec<u8>), String> {
        let url = format!("{}/bot{}/{method}", self.base, self.token.expose());
        let failed = |error: reqwest::Error| self.scrub(failure_text(error));
        let response = self
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(failed)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(failed)?;
        Ok((status, bytes.to_vec()))
    }

    fn transport_failure(&self, reached: Reached, error: reqwest::Error) -> SendOutcome {
        self.scrubbed(reached.not_sent(failure_text(error)))
    }

    /// Belt and braces: whatever text came back, the token is not in it.
    fn scrub(&self, text: String) -> String {
        let token = self.token.expose();
        if token.is_empty() {
            text
        } else {
            text.replace(token, "***")
        }
    }

    fn scrubbed(&self, outcome: SendOutcome) -> SendOutcome {
        let scrub = |text: String| self.scrub(text);
        match outcome {
            SendOutcome::TooManyRequests {
                retry_after,
                description,
            } => SendOutcome::TooManyRequests {
                retry_after,
                description: scrub(description),
            },
            SendOutcome::Transient { error } => SendOutcome::Transient {
                error: scrub(error),
            },
            SendOutcome::InDoubt { error } => SendOutcome::InDoubt {
                error: scrub(error),
            },
            SendOutcome::Rejected {
                status,
                description,
            } => SendOutcome::Rejected {
                status,
                description: scrub(description),
            },
            SendOutcome::ChatMoved { to, description } => SendOutcome::ChatMoved {
                to,
                description: scrub(description),
            },
            sent @ SendOutcome::Sent { .. } => sent,
        }
    }
}

/// A failed request in words: what kind of failure and its causes, without the URL.
fn failure_text(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let error = error.without_url();
    let mut text = format!("Telegram {kind}: {error}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// How far a `sendMessage` that did not end in "ok" got. This alone tells whether the chat may
/// show the message anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    /// The request never left: no connection was made (refused, DNS, TLS, the connect timeout)
    /// or no request could be built.
    Nowhere,
    /// The connection was made and no status came back: the timeout ran out, or the
    /// connection broke, after the request may have been written.
    NoAnswer,
    /// Telegram answered with this status, not "ok".
    Status(u16),
}

impl Reached {
    /// Only a failed connect proves the request never left; every other failure before a status
    /// (the whole-send timeout, a connection closed before the answer) may follow it. When that
    /// timeout runs out while still connecting (a timeout under 5 s leaves no room for the
    /// connect timeout), it is read as in doubt too: a needless mark costs a picker a look, a
    /// missing one an order picked twice.
    fn before_any_answer(error: &reqwest::Error) -> Reached {
        if error.is_connect() || error.is_builder() {
            Reached::Nowhere
        } else {
            Reached::NoAnswer
        }
    }

    /// Whether a message whose `sendMessage` failed may be in the chat. Telegram has no
    /// idempotency key, so a failed send counts as possibly delivered unless something proves
    /// it was not: a request that never left, or a status other than 2xx (a 429, a 5xx, a
    /// 400/403 — Telegram, or the proxy in front of it, did not take the message). A timeout
    /// or a broken connection after sending, or a 2xx that does not say ok, may have come
    /// after Telegram showed the message, so its next attempt says it may be a repeat.
    fn may_have_delivered(self) -> bool {
        match self {
            Reached::Nowhere => false,
            Reached::NoAnswer => true,
            Reached::Status(status) => (200..300).contains(&status),
        }
    }

    fn not_sent(self, error: String) -> SendOutcome {
        if self.may_have_delivered() {
            SendOutcome::InDoubt { error }
        } else {
            SendOutcome::Transient { error }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Answer {
    #[serde(default)]
    ok: bool,
    result: Option<SentMessage>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Debug, Deserialize)]
struct SentMessage {
    message_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
    migrate_to_chat_id: Option<i64>,
}

/// When a 429 names no `retry_after`, wait this long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Reads Telegram's answer to `sendMessage`.
pub fn classify(status: u16, body: &[u8]) -> SendOutcome {
    let answer: Answer = serde_json::from_slice(body).unwrap_or_default();
    let description = answer
        .description
        .clone()
        .unwrap_or_else(|| format!("HTTP {status}"));
    match status {
        200..=299 if answer.ok => SendOutcome::Sent {
            message_id: answer.result.and_then(|r| r.message_id),
        },
        // A 2xx that does not say ok proves neither delivery nor its absence: retried, marked.
        200..=299 => Reached::Status(status).not_sent(format!(
            "Telegram answered {status} without ok: {description}"
        )),
        429 => SendOutcome::TooManyRequests {
            retry_after: answer
                .parameters
                .and_then(|p| p.retry_after)
                .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs),
            description,
        },
        // An unknown or revoked bot token: every message fails the same way until the operator
        // fixes the configuration, so the notices wait rather than being parked one by one.
        401 | 404 => SendOutcome::Transient {
            error: format!(
                "Telegram refused the bot token ({description}): check ORDERS_HOOK_TELEGRAM_BOT_TOKEN"
            ),
        },
        400..=499 => match answer.parameters.and_then(|p| p.migrate_to_chat_id) {
            Some(new_chat) => SendOutcome::ChatMoved {
                to: new_chat.to_string(),
                description,
            },
            None => SendOutcome::Rejected {
                status,
                description,
            },
        },
        _ => Reached::Status(status).not_sent(format!("Telegram answered {status}: {description}")),
    }
}

#[cfg(test)]
#[path = "telegram_tests.rs"]
mod tests;
