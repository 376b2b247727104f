//! The layers key by key: defaults < file < environment, each key's variable, and the errors
//! of each kind.

use super::tests::load;
use super::*;
use crate::domain::{Routing, Settings};

/// What DESIGN section 8 and docs/configuration.md promise: scripts outside the project set these names.
const CONTRACT: &[(&str, &str)] = &[
    ("listen", "ORDERS_HOOK_LISTEN"),
    ("database_url", "ORDERS_HOOK_DATABASE_URL"),
    ("client_tokens_file", "ORDERS_HOOK_CLIENT_TOKENS_FILE"),
    ("hook_path", "ORDERS_HOOK_PATH"),
    ("request_deadline_ms", "ORDERS_HOOK_REQUEST_DEADLINE_MS"),
    ("read_timeout_ms", "ORDERS_HOOK_READ_TIMEOUT_MS"),
    ("max_connections", "ORDERS_HOOK_MAX_CONNECTIONS"),
    ("shutdown_grace_ms", "ORDERS_HOOK_SHUTDOWN_GRACE_MS"),
    ("number_prefix", "ORDERS_HOOK_NUMBER_PREFIX"),
    ("timezone", "ORDERS_HOOK_TIMEZONE"),
    ("assembly_minutes", "ORDERS_HOOK_ASSEMBLY_MINUTES"),
    ("max_lines", "ORDERS_HOOK_MAX_LINES"),
    ("sqlite_synchronous", "ORDERS_HOOK_SQLITE_SYNCHRONOUS"),
    ("group_commit", "ORDERS_HOOK_GROUP_COMMIT"),
    (
        "group_commit_max_events",
        "ORDERS_HOOK_GROUP_COMMIT_MAX_EVENTS",
    ),
    ("log_format", "ORDERS_HOOK_LOG_FORMAT"),
    ("default_chat", "ORDERS_HOOK_DEFAULT_CHAT"),
    ("telegram_api_url", "ORDERS_HOOK_TELEGRAM_API_URL"),
    (
        "telegram_bot_token_file",
        "ORDERS_HOOK_TELEGRAM_BOT_TOKEN_FILE",
    ),
    ("telegram_timeout_ms", "ORDERS_HOOK_TELEGRAM_TIMEOUT_MS"),
    ("notify", "ORDERS_HOOK_NOTIFY"),
    (
        "notify_horizon_minutes",
        "ORDERS_HOOK_NOTIFY_HORIZON_MINUTES",
    ),
    ("notify_sweep_ms", "ORDERS_HOOK_NOTIFY_SWEEP_MS"),
    (
        "journal_retention_days",
        "ORDERS_HOOK_JOURNAL_RETENTION_DAYS",
    ),
    ("outbox_retention_days", "ORDERS_HOOK_OUTBOX_RETENTION_DAYS"),
    (
        "housekeeping_every_minutes",
        "ORDERS_HOOK_HOUSEKEEPING_EVERY_MINUTES",
    ),
    ("prune_batch_rows", "ORDERS_HOOK_PRUNE_BATCH_ROWS"),
    ("prune_pause_ms", "ORDERS_HOOK_PRUNE_PAUSE_MS"),
    ("console_listen", "ORDERS_HOOK_CONSOLE_LISTEN"),
    ("console_tokens_file", "ORDERS_HOOK_CONSOLE_TOKENS_FILE"),
    ("console_session_hours", "ORDERS_HOOK_CONSOLE_SESSION_HOURS"),
    ("console_secure_cookie", "ORDERS_HOOK_CONSOLE_SECURE_COOKIE"),
    ("console_public_url", "ORDERS_HOOK_CONSOLE_PUBLIC_URL"),
];

#[test]
fn every_key_has_its_documented_variable() {
    let keys: Vec<&str> = CONTRACT.iter().map(|(key, _)| *key).collect();
    assert_eq!(keys, keys::KEYS);
    for (key, name) in CONTRACT {
        assert_eq!(keys::variable(key), *name);
    }
    // The variables without a key: the file to read and the secrets themselves.
    assert_eq!(keys::variable("config"), "ORDERS_HOOK_CONFIG");
    assert_eq!(keys::variable("client_tokens"), "ORDERS_HOOK_CLIENT_TOKENS");
    assert_eq!(
        keys::variable("telegram_bot_token"),
        "ORDERS_HOOK_TELEGRAM_BOT_TOKEN"
    );
}

#[test]
fn the_embedded_defaults_are_complete_and_valid() {
    let config = Config::defaults();
    assert!(config.client_tokens.is_empty());
    // Every key is in the defaults file, set or shown commented out, under a line saying why.
    let lines: Vec<&str> = keys::DEFAULTS.lines().collect();
    for key in keys::KEYS {
        let at = lines
            .iter()
            .position(|line| {
                let line = line.trim_start_matches("# ");
                line.starts_with(&format!("{key} = "))
            })
            .unwrap_or_else(|| panic!("{key} is missing from config.default.toml"));
        assert!(
            at > 0 && lines[at - 1].starts_with("# "),
            "{key} has no comment in config.default.toml"
        );
    }
    // The types built without a configuration get the same values.
    assert_eq!(Settings::default(), config.rules.settings);
    assert_eq!(
        Settings::default().assembly_time,
        chrono::Duration::minutes(30)
    );
    assert_eq!(Routing::default(), config.rules.routing);
    assert_eq!(
        StoreOptions::default().acquire_timeout,
        config.request_deadline
    );
    assert_eq!(
        StoreOptions::default().sqlite_synchronous,
        crate::store::SqliteSynchronous::Full
    );
}

#[test]
fn a_batch_holds_at_least_one_event_and_at_most_a_thousand() {
    for bad in ["0", "1001"] {
        let error = load(&[("ORDERS_HOOK_GROUP_COMMIT_MAX_EVENTS", bad)], None).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("ORDERS_HOOK_GROUP_COMMIT_MAX_EVENTS"),
            "{error}"
        );
    }
    let config = load(&[("ORDERS_HOOK_GROUP_COMMIT_MAX_EVENTS", "1000")], None).unwrap();
    assert_eq!(config.group_commit.max_events, 1000);
    assert!(config.group_commit.enabled, "on by default");
}

#[test]
fn each_variable_sets_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "s3cret\n").unwrap();
    let secret = secret.to_str().unwrap();
    let console = dir.path().join("console-tokens");
    std::fs::write(&console, "operator 0123456789abcdef0123 Оператор\n").unwrap();
    let console = console.to_str().unwrap();
    let values = [
        ("ORDERS_HOOK_LISTEN", "0.0.0.0:9000"),
        ("ORDERS_HOOK_DATABASE_URL", "sqlite://other.db"),
        ("ORDERS_HOOK_CLIENT_TOKENS_FILE", secret),
        ("ORDERS_HOOK_PATH", "/elsewhere/"),
        ("ORDERS_HOOK_REQUEST_DEADLINE_MS", "3000"),
        ("ORDERS_HOOK_READ_TIMEOUT_MS", "2000"),
        ("ORDERS_HOOK_MAX_CONNECTIONS", "10"),
        ("ORDERS_HOOK_SHUTDOWN_GRACE_MS", "2000"),
        ("ORDERS_HOOK_NUMBER_PREFIX", "K-"),
        ("ORDERS_HOOK_TIMEZONE", "Asia/Omsk"),
        ("ORDERS_HOOK_ASSEMBLY_MINUTES", "45"),
        ("ORDERS_HOOK_MAX_LINES", "200"),
        ("ORDERS_HOOK_SQLITE_SYNCHRONOUS", "normal"),
        ("ORDERS_HOOK_GROUP_COMMIT", "off"),
        ("ORDERS_HOOK_GROUP_COMMIT_MAX_EVENTS", "8"),
        ("ORDERS_HOOK_LOG_FORMAT", "json"),
        ("ORDERS_HOOK_DEFAULT_CHAT", "-100"),
        ("ORDERS_HOOK_TELEGRAM_API_URL", "http://127.0.0.1:1"),
        ("ORDERS_HOOK_TELEGRAM_BOT_TOKEN_FILE", secret),
        ("ORDERS_HOOK_TELEGRAM_TIMEOUT_MS", "500"),
        ("ORDERS_HOOK_NOTIFY", "no"),
        ("ORDERS_HOOK_NOTIFY_HORIZON_MINUTES", "60"),
        ("ORDERS_HOOK_NOTIFY_SWEEP_MS", "100"),
        ("ORDERS_HOOK_JOURNAL_RETENTION_DAYS", "0"),
        ("ORDERS_HOOK_OUTBOX_RETENTION_DAYS", "3"),
        ("ORDERS_HOOK_HOUSEKEEPING_EVERY_MINUTES", "1"),
        ("ORDERS_HOOK_PRUNE_BATCH_ROWS", "50"),
        ("ORDERS_HOOK_PRUNE_PAUSE_MS", "0"),
        ("ORDERS_HOOK_CONSOLE_LISTEN", "127.0.0.1:9999"),
        ("ORDERS_HOOK_CONSOLE_TOKENS_FILE", console),
        ("ORDERS_HOOK_CONSOLE_SESSION_HOURS", "12"),
        ("ORDERS_HOOK_CONSOLE_SECURE_COOKIE", "false"),
        ("ORDERS_HOOK_CONSOLE_PUBLIC_URL", "https://console.example"),
    ];
    let covered: Vec<String> = values.iter().map(|(name, _)| name.to_string()).collect();
    let every: Vec<String> = keys::KEYS.iter().map(|key| keys::variable(key)).collect();
    assert_eq!(covered, every, "a value for every key's variable");
    let defaults = format!("{:?}", Config::defaults());
    for (name, value) in values {
        let config = load(&[(name, value)], None).unwrap();
        assert_ne!(format!("{config:?}"), defaults, "{name} changed nothing");
    }
}

#[test]
fn defaults_then_the_file_then_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders-hook.toml");
    std::fs::write(
        &file,
        "database_url = \"sqlite://file.db\"\nrequest_deadline_ms = 3000\n\
         assembly_minutes = 40\nnotify = false\ndefault_chat = \"-1\"\n",
    )
    .unwrap();

    let config = load(&[], None).unwrap();
    assert_eq!(config.database_url.to_string(), "sqlite://orders-hook.db");
    assert_eq!(config.request_deadline, Duration::from_secs(4));
    assert_eq!(
        config.rules.settings.assembly_time,
        chrono::Duration::minutes(30)
    );
    assert!(config.notify_enabled);
    assert_eq!(config.rules.routing.default_chat, None);

    let config = load(&[], Some(&file)).unwrap();
    assert_eq!(config.database_url.to_string(), "sqlite://file.db");
    assert_eq!(config.request_deadline, Duration::from_secs(3));
    assert_eq!(
        config.rules.settings.assembly_time,
        chrono::Duration::minutes(40)
    );
    assert!(!config.notify_enabled);
    assert_eq!(config.rules.routing.default_chat.as_deref(), Some("-1"));
    // What the file leaves out keeps its default.
    assert_eq!(config.listen, "127.0.0.1:8080");

    let config = load(
        &[
            ("ORDERS_HOOK_DATABASE_URL", "sqlite://env.db"),
            ("ORDERS_HOOK_REQUEST_DEADLINE_MS", "2000"),
            ("ORDERS_HOOK_ASSEMBLY_MINUTES", "50"),
            ("ORDERS_HOOK_NOTIFY", "on"),
            ("ORDERS_HOOK_DEFAULT_CHAT", "-2"),
        ],
        Some(&file),
    )
    .unwrap();
    assert_eq!(config.database_url.to_string(), "sqlite://env.db");
    assert_eq!(config.request_deadline, Duration::from_secs(2));
    assert_eq!(
        config.rules.settings.assembly_time,
        chrono::Duration::minutes(50)
    );
    assert!(config.notify_enabled);
    assert_eq!(config.rules.routing.default_chat.as_deref(), Some("-2"));

    // ORDERS_HOOK_CONFIG names the file when --config does not; --config wins.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "listen = \"127.0.0.1:2\"\n").unwrap();
    let by_variable = load(&[("ORDERS_HOOK_CONFIG", file.to_str().unwrap())], None).unwrap();
    assert_eq!(by_variable.database_url.to_string(), "sqlite://file.db");
    let by_flag = load(
        &[("ORDERS_HOOK_CONFIG", file.to_str().unwrap())],
        Some(&other),
    )
    .unwrap();
    assert_eq!(by_flag.listen, "127.0.0.1:2");
    assert_eq!(by_flag.database_url.to_string(), "sqlite://orders-hook.db");
}

#[test]
fn an_empty_variable_counts_as_unset() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders-hook.toml");
    std::fs::write(&file, "listen = \"0.0.0.0:9000\"\n").unwrap();
    let config = load(
        &[
            ("ORDERS_HOOK_LISTEN", " "),
            ("ORDERS_HOOK_REQUEST_DEADLINE_MS", ""),
        ],
        Some(&file),
    )
    .unwrap();
    assert_eq!(config.listen, "0.0.0.0:9000");
    assert_eq!(config.request_deadline, Duration::from_secs(4));
}

#[test]
fn an_unknown_file_key_is_refused_and_secrets_have_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders-hook.toml");
    for text in [
        "listne = \"0.0.0.0:9000\"\n",
        "client_tokens = \"a,b\"\n",
        "telegram_bot_token = \"123:ABC\"\n",
        "request_deadline_ms = \"soon\"\n",
    ] {
        std::fs::write(&file, text).unwrap();
        let err = load(&[], Some(&file)).unwrap_err();
        assert!(matches!(err, ConfigError::Toml { .. }), "{text}: {err:?}");
        let message = err.to_string();
        assert!(message.contains("orders-hook.toml"), "{message}");
        let key = text.split(' ').next().unwrap();
        assert!(message.contains(key), "{message}");
    }
}

#[test]
fn a_bad_value_names_its_variable_whichever_layer_set_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders-hook.toml");
    std::fs::write(&file, "request_deadline_ms = 6000\n").unwrap();
    let err = load(&[], Some(&file)).unwrap_err();
    assert!(matches!(err, ConfigError::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("ORDERS_HOOK_REQUEST_DEADLINE_MS"));
    let err = load(&[("ORDERS_HOOK_LOG_FORMAT", "xml")], None).unwrap_err();
    assert!(err.to_string().contains("ORDERS_HOOK_LOG_FORMAT"), "{err}");
    let err = load(&[("ORDERS_HOOK_MAX_CONNECTIONS", "-1")], None).unwrap_err();
    assert!(
        err.to_string().contains("ORDERS_HOOK_MAX_CONNECTIONS"),
        "{err}"
    );
}

#[test]
fn a_file_that_cannot_be_read_names_what_pointed_at_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let missing = missing.to_str().unwrap();
    for (vars, file, name) in [
        (
            vec![("ORDERS_HOOK_CLIENT_TOKENS_FILE", missing)],
            None,
            "ORDERS_HOOK_CLIENT_TOKENS_FILE",
        ),
        (
            vec![("ORDERS_HOOK_TELEGRAM_BOT_TOKEN_FILE", missing)],
            None,
            "ORDERS_HOOK_TELEGRAM_BOT_TOKEN_FILE",
        ),
        (
            vec![("ORDERS_HOOK_CONFIG", missing)],
            None,
            "ORDERS_HOOK_CONFIG",
        ),
        (vec![], Some(Path::new(missing)), "--config"),
    ] {
        let err = load(&vars, file).unwrap_err();
        assert!(matches!(err, ConfigError::Unreadable { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains(name) && message.contains(missing),
            "{message}"
        );
    }
    // The bot token's own variable wins, and then its file is not read at all.
    let config = load(
        &[
            ("ORDERS_HOOK_TELEGRAM_BOT_TOKEN", "123:ABC"),
            ("ORDERS_HOOK_TELEGRAM_BOT_TOKEN_FILE", missing),
        ],
        None,
    )
    .unwrap();
    assert_eq!(
        config.telegram_bot_token.as_ref().map(Secret::expose),
        Some("123:ABC")
    );
}

/// Built by hand: the tests may run as root, who reads any file.
#[test]
fn a_file_the_service_may_not_read_is_a_permission_error() {
    let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
    let err = ConfigError::reading(
        "ORDERS_HOOK_CLIENT_TOKENS_FILE".into(),
        Path::new("/etc/orders-hook/client-tokens"),
        denied,
    );
    assert!(matches!(err, ConfigError::Permission { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("ORDERS_HOOK_CLIENT_TOKENS_FILE"),
        "{message}"
    );
    assert!(
        message.contains("/etc/orders-hook/client-tokens"),
        "{message}"
    );
}
