//! The loading rules, as an operator meets them.

use super::*;
use std::collections::HashMap;

pub(super) fn load(vars: &[(&str, &str)], file: Option<&Path>) -> Result<Config, ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::load_with(file, &|name| vars.get(name).cloned())
}

#[test]
fn defaults_match_the_operator_contract() {
    let config = load(&[], None).unwrap();
    assert_eq!(config.listen, "127.0.0.1:8080");
    assert_eq!(config.database_url.to_string(), "sqlite://orders-hook.db");
    assert_eq!(config.telegram_api_url, "https://api.telegram.org");
    assert_eq!(config.request_deadline, Duration::from_secs(4));
    assert_eq!(config.server.read_timeout, Duration::from_secs(5));
    assert_eq!(config.server.max_connections, 1024);
    assert_eq!(config.server.shutdown_grace, Duration::from_secs(5));
    assert_eq!(config.rules.settings.number_prefix, "SM-");
    assert_eq!(config.rules.routing.timezone, chrono_tz::Europe::Moscow);
    assert!(config.notify_enabled);
    assert!(config.telegram_bot_token.is_none());
    assert_eq!(config.notify.retry.horizon, Duration::from_secs(12 * 3600));
    assert!(config.notify.lease > config.telegram_timeout);
    assert!(matches!(
        config.require_client_tokens(),
        Err(ConfigError::NoClientTokens)
    ));
    let housekeeping = &config.housekeeping;
    assert_eq!(
        housekeeping.journal_retention,
        Some(chrono::Duration::days(90))
    );
    assert_eq!(
        housekeeping.outbox_retention,
        Some(chrono::Duration::days(30))
    );
    assert_eq!(housekeeping.every, Duration::from_secs(600));
}

#[test]
fn zero_days_keeps_for_ever() {
    let config = load(
        &[
            ("ORDERS_HOOK_JOURNAL_RETENTION_DAYS", "0"),
            ("ORDERS_HOOK_OUTBOX_RETENTION_DAYS", "7"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(config.housekeeping.journal_retention, None);
    assert_eq!(
        config.housekeeping.outbox_retention,
        Some(chrono::Duration::days(7))
    );
}

#[test]
fn the_missing_token_message_names_both_variables() {
    let message = ConfigError::NoClientTokens.to_string();
    assert!(message.contains("ORDERS_HOOK_CLIENT_TOKENS"));
    assert!(message.contains("ORDERS_HOOK_CLIENT_TOKENS_FILE"));
}

#[test]
fn tokens_come_from_the_list_and_the_file_and_never_show_in_debug() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens");
    std::fs::write(&file, "# rotated 2026-11\nfrom-file\n\n").unwrap();
    let config = load(
        &[
            ("ORDERS_HOOK_CLIENT_TOKENS", " a , b ,"),
            ("ORDERS_HOOK_CLIENT_TOKENS_FILE", file.to_str().unwrap()),
        ],
        None,
    )
    .unwrap();
    let tokens: Vec<&str> = config.client_tokens.iter().map(Secret::expose).collect();
    assert_eq!(tokens, ["a", "b", "from-file"]);
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("from-file") && !debug.contains("\"a\""),
        "{debug}"
    );
}

#[test]
fn the_file_holds_the_routing_and_the_environment_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders-hook.toml");
    std::fs::write(
        &file,
        r#"
listen = "0.0.0.0:9000"
number_prefix = "K-"
default_chat = "-100"
timezone = "Asia/Novosibirsk"
[stores."77-001"]
name = "Лесная"
store_chat = "-1001"
pickers_chat = "-1002"
"#,
    )
    .unwrap();
    let config = load(&[("ORDERS_HOOK_LISTEN", "127.0.0.1:1")], Some(&file)).unwrap();
    assert_eq!(config.listen, "127.0.0.1:1");
    assert_eq!(config.rules.settings.number_prefix, "K-");
    assert_eq!(config.rules.routing.timezone, chrono_tz::Asia::Novosibirsk);
    assert_eq!(config.rules.routing.default_chat.as_deref(), Some("-100"));
    assert_eq!(
        config.rules.routing.stores["77-001"]
            .pickers_chat
            .as_deref(),
        Some("-1002")
    );
}

#[test]
fn the_bot_token_may_come_from_a_file_and_the_worker_can_be_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bot-token");
    std::fs::write(&file, "123:ABC\n").unwrap();
    let config = load(
        &[
            (
                "ORDERS_HOOK_TELEGRAM_BOT_TOKEN_FILE",
                file.to_str().unwrap(),
            ),
            ("ORDERS_HOOK_NOTIFY", "off"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(
        config.telegram_bot_token.as_ref().map(Secret::expose),
        Some("123:ABC")
    );
    assert!(!config.notify_enabled);
    assert!(!format!("{config:?}").contains("123:ABC"));
}

#[test]
fn the_listener_limits_come_from_the_file_and_the_environment_overrides_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders-hook.toml");
    std::fs::write(
        &file,
        "read_timeout_ms = 2500\nmax_connections = 64\nshutdown_grace_ms = 8000\n",
    )
    .unwrap();
    let config = load(&[], Some(&file)).unwrap();
    assert_eq!(config.server.read_timeout, Duration::from_millis(2500));
    assert_eq!(config.server.max_connections, 64);
    assert_eq!(config.server.shutdown_grace, Duration::from_secs(8));
    let config = load(
        &[
            ("ORDERS_HOOK_READ_TIMEOUT_MS", "1000"),
            ("ORDERS_HOOK_MAX_CONNECTIONS", "2"),
            ("ORDERS_HOOK_SHUTDOWN_GRACE_MS", "1500"),
        ],
        Some(&file),
    )
    .unwrap();
    assert_eq!(config.server.read_timeout, Duration::from_secs(1));
    assert_eq!(config.server.max_connections, 2);
    assert_eq!(config.server.shutdown_grace, Duration::from_millis(1500));
}

#[test]
fn bad_values_name_their_variable() {
    for (name, value) in [
        ("ORDERS_HOOK_REQUEST_DEADLINE_MS", "6000"),
        ("ORDERS_HOOK_REQUEST_DEADLINE_MS", "soon"),
        ("ORDERS_HOOK_ASSEMBLY_MINUTES", "-5"),
        ("ORDERS_HOOK_PATH", "hook"),
        ("ORDERS_HOOK_SQLITE_SYNCHRONOUS", "sometimes"),
        ("ORDERS_HOOK_NOTIFY", "maybe"),
        ("ORDERS_HOOK_TIMEZONE", "Mars/Olympus"),
        ("ORDERS_HOOK_NUMBER_PREFIX", "A-VERY-LONG-PREFIX-INDEED-"),
        ("ORDERS_HOOK_TELEGRAM_TIMEOUT_MS", "0"),
        ("ORDERS_HOOK_NOTIFY_HORIZON_MINUTES", "0"),
        ("ORDERS_HOOK_NOTIFY_SWEEP_MS", "10"),
        ("ORDERS_HOOK_READ_TIMEOUT_MS", "0"),
        ("ORDERS_HOOK_READ_TIMEOUT_MS", "5s"),
        ("ORDERS_HOOK_MAX_CONNECTIONS", "0"),
        ("ORDERS_HOOK_SHUTDOWN_GRACE_MS", "600000"),
        ("ORDERS_HOOK_JOURNAL_RETENTION_DAYS", "-1"),
        ("ORDERS_HOOK_OUTBOX_RETENTION_DAYS", "4000"),
        ("ORDERS_HOOK_HOUSEKEEPING_EVERY_MINUTES", "0"),
        ("ORDERS_HOOK_PRUNE_BATCH_ROWS", "0"),
        ("ORDERS_HOOK_PRUNE_PAUSE_MS", "a while"),
    ] {
        let err = load(&[(name, value)], None).unwrap_err().to_string();
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn a_multi_host_database_url_is_read_once_and_a_bad_one_names_its_variable() {
    let config = load(
        &[(
            "ORDERS_HOOK_DATABASE_URL",
            "postgres://hook:pw@db1:5432,db2:5433/orders?target_session_attrs=read-write",
        )],
        None,
    )
    .unwrap();
    match &config.database_url {
        crate::database_url::DatabaseUrl::Postgres(url) => {
            let hosts: Vec<String> = url.hosts().iter().map(|h| h.to_string()).collect();
            assert_eq!(hosts, ["db1:5432", "db2:5433"]);
        }
        other => panic!("read as {other:?}"),
    }
    assert!(
        !format!("{config:?}").contains(":pw@"),
        "the password in Debug"
    );
    let refused = load(
        &[(
            "ORDERS_HOOK_DATABASE_URL",
            "postgres://hook:pw@db1:5432,db2:x/orders",
        )],
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(refused.contains("ORDERS_HOOK_DATABASE_URL"), "{refused}");
    assert!(refused.contains("host 2"), "{refused}");
    assert!(!refused.contains(":pw@"), "{refused}");
}
