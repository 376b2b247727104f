//! A thin Bot API client: one method, `sendMessage`, and a reading of Telegram's answer that
//! tells the worker whether the message went, must wait, may be retried, may have gone without
//! an answer saying so, or was refused for good. The bot token is part of every request URL, so
//! no URL ever leaves this file: errors are stripped of it, and any text that still carries the
//! token is scrubbed.

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
    /// Telegram did not take the message (no connection, a 5xx, a bot token it does not know):
    /// worth another try, and that try is no repeat.
    Transient { error: String },
    /// The request may have reached Telegram and nothing says what became of it (see
    /// `Reached::may_have_delivered`): worth another try, but the chat may already show it.
    InDoubt { error: String },
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

    fn transport_failure(&self, reached: Reached, error: reqwest::Error) -> SendOutcome {
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
        self.scrubbed(reached.not_sent(text))
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
            SendOutcome::InDoubt { error } => SendOutcome::InDoubt {
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
            None => SendOutcome::Rejected { description },
        },
        _ => Reached::Status(status).not_sent(format!("Telegram answered {status}: {description}")),
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
    }

    #[test]
    fn only_a_request_that_never_left_or_a_refusing_status_proves_nothing_was_delivered() {
        assert!(!Reached::Nowhere.may_have_delivered());
        for status in [302, 400, 401, 403, 429, 500, 502, 504] {
            assert!(!Reached::Status(status).may_have_delivered(), "{status}");
        }
        assert!(Reached::NoAnswer.may_have_delivered());
        assert!(Reached::Status(200).may_have_delivered());
    }

    #[test]
    fn a_2xx_that_does_not_say_ok_may_have_been_delivered() {
        for body in [&br#"{"ok":false}"#[..], b"<html>OK</html>", b""] {
            assert!(
                matches!(classify(200, body), SendOutcome::InDoubt { .. }),
                "{:?}",
                classify(200, body)
            );
        }
    }

    /// A Bot API on loopback for one connection: it reads the whole request, writes `answer`,
    /// and keeps the connection open for `hold` before dropping it.
    async fn serve_once(answer: &'static [u8], hold: Duration) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut request = Vec::new();
            let mut chunk = [0u8; 4096];
            while !whole_request(&request) {
                match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let _ = socket.write_all(answer).await;
            tokio::time::sleep(hold).await;
        });
        base
    }

    fn whole_request(request: &[u8]) -> bool {
        let text = String::from_utf8_lossy(request);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            return false;
        };
        let length = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        body.len() >= length
    }

    async fn send_to(base: &str) -> SendOutcome {
        let api =
            BotApi::new(base, Secret::new("1:token"), Duration::from_millis(300)).expect("client");
        api.send_message("-1", "text").await
    }

    #[tokio::test]
    async fn a_request_that_never_reached_telegram_is_not_in_doubt() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let closed = format!("http://{}", listener.local_addr().expect("address"));
        drop(listener);
        match send_to(&closed).await {
            SendOutcome::Transient { error } => {
                assert!(error.contains("cannot connect"), "{error}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            send_to("http://bad host").await,
            SendOutcome::Transient { .. }
        ));
    }

    #[tokio::test]
    async fn a_send_that_timed_out_or_broke_off_after_sending_is_in_doubt() {
        let silent = serve_once(b"", Duration::from_secs(5)).await;
        match send_to(&silent).await {
            SendOutcome::InDoubt { error } => assert!(error.contains("timed out"), "{error}"),
            other => panic!("{other:?}"),
        }
        let hung_up = serve_once(b"", Duration::ZERO).await;
        assert!(matches!(
            send_to(&hung_up).await,
            SendOutcome::InDoubt { .. }
        ));
    }

    #[tokio::test]
    async fn an_error_status_whose_body_broke_off_proves_nothing_was_delivered() {
        let base = serve_once(
            b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 100\r\n\r\n<html>",
            Duration::ZERO,
        )
        .await;
        match send_to(&base).await {
            SendOutcome::Transient { error } => assert!(error.contains("body"), "{error}"),
            other => panic!("{other:?}"),
        }
    }
}
