//! How Telegram's answers are read, against real loopback sockets where the network matters.

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
            status: 400,
            description: "Bad Request: chat not found".into()
        }
    );
    let body = br#"{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the group chat"}"#;
    assert!(matches!(
        classify(403, body),
        SendOutcome::Rejected { status: 403, .. }
    ));
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
