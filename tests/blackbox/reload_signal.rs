//! A real SIGHUP to the real binary (`served_binary.rs`), as `systemctl reload` sends it: a new
//! client token in the tokens file works, the removed one is refused, a setting that takes a
//! restart is named in the log; then a console tokens file with a bad line is refused, the log
//! says why, and the running tokens keep working. No token reaches the log.

use crate::harness::{Backend, fixture_for};
use crate::served_binary::ServedBinary;
use orders_hook::on_both_backends;
use orders_hook::test_support::{eventually, fresh_database};
use std::time::Duration;

on_both_backends!(a_sighup_reloads_the_running_binary);

fn hang_up(served: &ServedBinary) {
    let sent = std::process::Command::new("kill")
        .args(["-HUP", &served.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill -HUP");
}

async fn status_with(served: &ServedBinary, token: &str, order: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/sbermarket/orders/hook/", served.base()))
        .header("Client-token", token)
        .body(fixture_for("order.created", order).to_string())
        .send()
        .await
        .map(|response| response.status().as_u16())
        .unwrap_or(0)
}

async fn a_sighup_reloads_the_running_binary(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(database_url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let config = dir.path().join("orders-hook.toml");
    let tokens = dir.path().join("client-tokens");
    let console_tokens = dir.path().join("console-tokens");
    std::fs::write(&config, "").unwrap();
    std::fs::write(&tokens, "hup-token-first\n").unwrap();
    std::fs::write(
        &console_tokens,
        "operator hup-console-token-0123 Оператор\n",
    )
    .unwrap();
    let (config_text, tokens_text, console_text) = (
        config.display().to_string(),
        tokens.display().to_string(),
        console_tokens.display().to_string(),
    );
    let mut served = ServedBinary::start(
        dir.path(),
        &[
            ("ORDERS_HOOK_DATABASE_URL", &database_url),
            ("ORDERS_HOOK_CONFIG", &config_text),
            ("ORDERS_HOOK_CLIENT_TOKENS_FILE", &tokens_text),
            ("ORDERS_HOOK_CONSOLE_TOKENS_FILE", &console_text),
            ("RUST_LOG", "info"),
        ],
    )
    .await;
    assert_eq!(status_with(&served, "hup-token-first", "R-1").await, 200);

    std::fs::write(&tokens, "hup-token-second\n").unwrap();
    std::fs::write(&config, "number_prefix = \"ZZ-\"\n").unwrap();
    hang_up(&served);
    let reloaded = eventually(Duration::from_secs(10), || async {
        status_with(&served, "hup-token-second", "R-2").await == 200
    })
    .await;
    assert!(reloaded, "the new token works: {}", served.logs());
    assert_eq!(status_with(&served, "hup-token-first", "R-3").await, 403);
    // The reload logs its summary just after the swap that the request above saw.
    let summarized = eventually(Duration::from_secs(10), || async {
        served.logs().contains("configuration reloaded")
    })
    .await;
    let logs = served.logs();
    assert!(summarized, "{logs}");
    assert!(
        logs.contains("number_prefix (ORDERS_HOOK_NUMBER_PREFIX)"),
        "{logs}"
    );

    std::fs::write(&console_tokens, "operator short Оператор\n").unwrap();
    hang_up(&served);
    let refused = eventually(Duration::from_secs(10), || async {
        served.logs().contains("reload refused")
    })
    .await;
    let logs = served.logs();
    assert!(refused, "{logs}");
    assert!(logs.contains("ORDERS_HOOK_CONSOLE_TOKENS_FILE"), "{logs}");
    assert!(logs.contains("shorter than 16"), "{logs}");
    assert_eq!(status_with(&served, "hup-token-second", "R-4").await, 200);
    for secret in ["hup-token-first", "hup-token-second", "hup-console-token"] {
        assert!(!logs.contains(secret), "{secret} in the log: {logs}");
    }
    let stopped = served.terminate_within(Duration::from_secs(10)).await;
    assert!(
        stopped.is_some_and(|(status, _)| status.success()),
        "a clean stop after the reloads: {}",
        served.logs()
    );
}
