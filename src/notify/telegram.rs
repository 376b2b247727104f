//! A thin Bot API client: one method, `sendMessage`, and a reading of Telegram's answer that
//! tells the worker whether the message went, must wait, may be retried or was refused for
//! good. The bot token is part of every request URL, so no URL ever leaves this file: errors
//! are stripped of it, and any text that still carries the token is scrubbed.

use crate::config::Secret;
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
    /// The network, a timeout, a 5xx, or a bot token Telegram does not know: worth another try.
    Transient { error: String },
    /// Refused for good (400 chat not found, 403 bot was kicked): retrying cannot help.
    Rejected { description: String },
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
            Err(error) => return self.transport_failure(error),
        };
        let status = response.status().as_u16();
        match response.bytes().await {
            Ok(bytes) => self.scrubbed(classify(status, &bytes)),
            // Telegram said 2xx and then the answer broke off: the message went. Sending it
            // again would show the pickers the order twice.
            Err(_) if (200..300).contains(&status) => SendOutcome::Sent { message_id: None },
            Err(error) => self.transport_failure(error),
        }
    }

    fn transport_failure(&self, error: reqwest::Error) -> SendOutcome {
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
        self.scrubbed(SendOutcome::Transient { error: text })
    }

    /// Belt and braces: whatever text came back, the token is not in it.
    fn scrubbed(&self, outcome: SendOutcome) -> SendOutcome {
        let token = self.token.expose();
        let scrub = |text: String| {
            if token.is_empty() {
                text
            } else {
                text.replace(token, "***")
            }
        };
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
            SendOutcome::Rejected { description } => SendOutcome::Rejected {
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
        // A 2xx that does not say ok is no proof of delivery; a retry is the safe reading.
        200..=299 => SendOutcome::Transient {
            error: format!("Telegram answered {status} without ok: {description}"),
        },
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
            None => SendOutcome::Rejected { description },
        },
        _ => SendOutcome::Transient {
            error: format!("Telegram answered {status}: {description}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accepted_message_carries_its_id() {
        let body = br#"{"ok":true,"result":{"message_id":42,"chat":{"id":-1}}}"#;
        assert_eq!(
            classify(200, body),
            SendOutcome::Sent {
                message_id: Some(42)
            }
        );
    }

    #[test]
    fn too_many_requests_obeys_retry_after() {
        let body = br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#;
        assert_eq!(
            classify(429, body),
            SendOutcome::TooManyRequests {
                retry_after: Duration::from_secs(7),
                description: "Too Many Requests: retry after 7".into()
            }
        );
        assert!(matches!(
            classify(429, b"not json"),
            SendOutcome::TooManyRequests { retry_after, .. } if retry_after == DEFAULT_RETRY_AFTER
        ));
    }

    #[test]
    fn a_missing_chat_or_a_kicked_bot_is_final() {
        let body = br#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#;
        assert_eq!(
            classify(400, body),
            SendOutcome::Rejected {
                description: "Bad Request: chat not found".into()
            }
        );
        let body = br#"{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the group chat"}"#;
        assert!(matches!(classify(403, body), SendOutcome::Rejected { .. }));
    }

    #[test]
    fn a_group_upgraded_to_a_supergroup_names_the_new_id() {
        let body = br#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234}}"#;
        assert_eq!(
            classify(400, body),
            SendOutcome::ChatMoved {
                to: "-1001234".into(),
                description: "Bad Request: group chat was upgraded to a supergroup chat".into()
            }
        );
    }

    #[test]
    fn server_errors_and_a_bad_token_are_retried() {
        assert!(matches!(
            classify(502, b"<html>Bad Gateway</html>"),
            SendOutcome::Transient { .. }
        ));
        let body = br#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#;
        match classify(401, body) {
            SendOutcome::Transient { error } => {
                assert!(error.contains("ORDERS_HOOK_TELEGRAM_BOT_TOKEN"))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(200, br#"{"ok":false}"#),
            SendOutcome::Transient { .. }
        ));
    }
}
