//! Configuration: the defaults below, then the TOML file (`--config` or `ORDERS_HOOK_CONFIG`),
//! then `ORDERS_HOOK_*` environment variables. Validated once at start, with a message that
//! names the variable to set.

use crate::domain::{Routing, Settings, StoreRoute};
use crate::http::server::ServerLimits;
use crate::notify::{NotifySettings, RetryPolicy};
use crate::store::{Rules, SqliteSynchronous, StoreOptions};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid configuration: {source}")]
    Toml {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("{name}: {why}")]
    Invalid { name: &'static str, why: String },
    #[error(
        "no client token is configured: set ORDERS_HOOK_CLIENT_TOKENS (comma-separated) or \
         ORDERS_HOOK_CLIENT_TOKENS_FILE (one token a line) to the token(s) given to the marketplace"
    )]
    NoClientTokens,
}

/// The file's shape; every key is optional. See README "Configuration".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    client_tokens_file: Option<PathBuf>,
    hook_path: Option<String>,
    request_deadline_ms: Option<u64>,
    read_timeout_ms: Option<u64>,
    max_connections: Option<u64>,
    shutdown_grace_ms: Option<u64>,
    number_prefix: Option<String>,
    timezone: Option<String>,
    assembly_minutes: Option<i64>,
    sqlite_synchronous: Option<String>,
    log_format: Option<String>,
    default_chat: Option<String>,
    telegram_api_url: Option<String>,
    telegram_bot_token_file: Option<PathBuf>,
    telegram_timeout_ms: Option<u64>,
    notify: Option<bool>,
    notify_horizon_minutes: Option<u64>,
    notify_sweep_ms: Option<u64>,
    #[serde(default)]
    stores: HashMap<String, StoreRoute>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub database_url: String,
    /// Every token the marketplace may send in `Client-token` (several during a rotation).
    pub client_tokens: Vec<Secret>,
    pub telegram_bot_token: Option<Secret>,
    pub telegram_api_url: String,
    /// How long one `sendMessage` call may take.
    pub telegram_timeout: Duration,
    /// Whether `serve` runs the notice worker (off when `orders-hook notify` runs apart).
    pub notify_enabled: bool,
    pub notify: NotifySettings,
    pub hook_path: String,
    /// Below the marketplace's 5 s: past it we answer 503 and roll back.
    pub request_deadline: Duration,
    /// Read timeout, connection bound and drain deadline of the listener.
    pub server: ServerLimits,
    pub log_format: LogFormat,
    pub store_options: StoreOptions,
    pub rules: Rules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://orders-hook.db";
pub const DEFAULT_HOOK_PATH: &str = "/sbermarket/orders/hook/";
pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";
pub const DEFAULT_REQUEST_DEADLINE_MS: u64 = 4000;
pub const DEFAULT_TELEGRAM_TIMEOUT_MS: u64 = 10_000;
/// The marketplace gives up after 5 s: a request head or body still arriving later is dead.
pub const DEFAULT_READ_TIMEOUT_MS: u64 = 5000;
/// The marketplace sends a few requests a second and nginx keeps 32 idle connections per worker
/// to each instance: real traffic needs tens. 1024 leaves room for bursts and probes, stays far
/// below the unit's `LimitNOFILE=16384` (the database pool, Telegram and refused sockets need
/// descriptors too) and costs a few megabytes of buffers when full.
pub const DEFAULT_MAX_CONNECTIONS: u64 = 1024;
/// Requests in flight end within the 4 s request deadline; 5 s lets them finish.
pub const DEFAULT_SHUTDOWN_GRACE_MS: u64 = 5000;
pub const DEFAULT_NOTIFY_HORIZON_MINUTES: u64 = 12 * 60;
pub const DEFAULT_NOTIFY_SWEEP_MS: u64 = 1000;

impl Config {
    /// Loads the file (if any) and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_with(file, &|name| std::env::var(name).ok())
    }

    /// Loads with `env` standing in for the process environment (tests pass a map).
    pub fn load_with(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let file_path = file
            .map(Path::to_path_buf)
            .or_else(|| env("ORDERS_HOOK_CONFIG").map(PathBuf::from));
        let file: FileConfig = match &file_path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Toml {
                    path: path.clone(),
                    source,
                })?
            }
            None => FileConfig::default(),
        };

        let mut client_tokens: Vec<Secret> = env("ORDERS_HOOK_CLIENT_TOKENS")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(Secret::new)
                    .collect()
            })
            .unwrap_or_default();
        let tokens_file = env("ORDERS_HOOK_CLIENT_TOKENS_FILE")
            .map(PathBuf::from)
            .or(file.client_tokens_file);
        if let Some(path) = tokens_file {
            let text = std::fs::read_to_string(&path)
                .map_err(|source| ConfigError::Read { path, source })?;
            client_tokens.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty() && !line.starts_with('#'))
                    .map(Secret::new),
            );
        }

        let request_deadline_ms = match env("ORDERS_HOOK_REQUEST_DEADLINE_MS") {
            Some(raw) => parse_number("ORDERS_HOOK_REQUEST_DEADLINE_MS", &raw)?,
            None => file
                .request_deadline_ms
                .unwrap_or(DEFAULT_REQUEST_DEADLINE_MS),
        };
        if request_deadline_ms == 0 || request_deadline_ms >= 5000 {
            return Err(ConfigError::Invalid {
                name: "ORDERS_HOOK_REQUEST_DEADLINE_MS",
                why: format!(
                    "{request_deadline_ms} ms: must be above 0 and below the marketplace's 5000 ms"
                ),
            });
        }
        let assembly_minutes = match env("ORDERS_HOOK_ASSEMBLY_MINUTES") {
            Some(raw) => parse_number("ORDERS_HOOK_ASSEMBLY_MINUTES", &raw)?,
            None => file.assembly_minutes.unwrap_or(30),
        };
        if !(0..=24 * 60).contains(&assembly_minutes) {
            return Err(ConfigError::Invalid {
                name: "ORDERS_HOOK_ASSEMBLY_MINUTES",
                why: format!("{assembly_minutes}: must be between 0 and 1440"),
            });
        }
        let hook_path = env("ORDERS_HOOK_PATH")
            .or(file.hook_path)
            .unwrap_or_else(|| DEFAULT_HOOK_PATH.to_owned());
        if !hook_path.starts_with('/') || hook_path.trim_matches('/').is_empty() {
            return Err(ConfigError::Invalid {
                name: "ORDERS_HOOK_PATH",
                why: format!("{hook_path:?} must be an absolute path such as {DEFAULT_HOOK_PATH}"),
            });
        }
        let log_format = match env("ORDERS_HOOK_LOG_FORMAT")
            .or(file.log_format)
            .as_deref()
            .unwrap_or("text")
        {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::Invalid {
                    name: "ORDERS_HOOK_LOG_FORMAT",
                    why: format!("{other:?}: use text or json"),
                });
            }
        };
        let sqlite_synchronous = env("ORDERS_HOOK_SQLITE_SYNCHRONOUS")
            .or(file.sqlite_synchronous)
            .unwrap_or_else(|| "FULL".to_owned())
            .to_uppercase();
        let sqlite_synchronous = match sqlite_synchronous.as_str() {
            "OFF" => SqliteSynchronous::Off,
            "NORMAL" => SqliteSynchronous::Normal,
            "FULL" => SqliteSynchronous::Full,
            "EXTRA" => SqliteSynchronous::Extra,
            _ => {
                return Err(ConfigError::Invalid {
                    name: "ORDERS_HOOK_SQLITE_SYNCHRONOUS",
                    why: format!(
                        "{sqlite_synchronous:?}: use FULL (default), EXTRA, NORMAL or OFF"
                    ),
                });
            }
        };
        let request_deadline = Duration::from_millis(request_deadline_ms);

        let telegram_bot_token = match env("ORDERS_HOOK_TELEGRAM_BOT_TOKEN") {
            Some(token) => Some(Secret::new(token.trim())),
            None => match env("ORDERS_HOOK_TELEGRAM_BOT_TOKEN_FILE")
                .map(PathBuf::from)
                .or(file.telegram_bot_token_file)
            {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|source| ConfigError::Read { path, source })?;
                    Some(Secret::new(text.trim())).filter(|t| !t.expose().is_empty())
                }
                None => None,
            },
        };
        let telegram_timeout_ms = bounded(
            "ORDERS_HOOK_TELEGRAM_TIMEOUT_MS",
            env("ORDERS_HOOK_TELEGRAM_TIMEOUT_MS"),
            file.telegram_timeout_ms,
            DEFAULT_TELEGRAM_TIMEOUT_MS,
            100..=60_000,
        )?;
        let horizon_minutes = bounded(
            "ORDERS_HOOK_NOTIFY_HORIZON_MINUTES",
            env("ORDERS_HOOK_NOTIFY_HORIZON_MINUTES"),
            file.notify_horizon_minutes,
            DEFAULT_NOTIFY_HORIZON_MINUTES,
            1..=7 * 24 * 60,
        )?;
        let sweep_ms = bounded(
            "ORDERS_HOOK_NOTIFY_SWEEP_MS",
            env("ORDERS_HOOK_NOTIFY_SWEEP_MS"),
            file.notify_sweep_ms,
            DEFAULT_NOTIFY_SWEEP_MS,
            50..=60_000,
        )?;
        let read_timeout_ms = bounded(
            "ORDERS_HOOK_READ_TIMEOUT_MS",
            env("ORDERS_HOOK_READ_TIMEOUT_MS"),
            file.read_timeout_ms,
            DEFAULT_READ_TIMEOUT_MS,
            100..=60_000,
        )?;
        let max_connections = bounded(
            "ORDERS_HOOK_MAX_CONNECTIONS",
            env("ORDERS_HOOK_MAX_CONNECTIONS"),
            file.max_connections,
            DEFAULT_MAX_CONNECTIONS,
            1..=65_536,
        )?;
        let shutdown_grace_ms = bounded(
            "ORDERS_HOOK_SHUTDOWN_GRACE_MS",
            env("ORDERS_HOOK_SHUTDOWN_GRACE_MS"),
            file.shutdown_grace_ms,
            DEFAULT_SHUTDOWN_GRACE_MS,
            100..=60_000,
        )?;
        let notify_enabled = match env("ORDERS_HOOK_NOTIFY") {
            Some(raw) => parse_switch("ORDERS_HOOK_NOTIFY", &raw)?,
            None => file.notify.unwrap_or(true),
        };
        let number_prefix = env("ORDERS_HOOK_NUMBER_PREFIX")
            .or(file.number_prefix)
            .unwrap_or_else(|| Settings::default().number_prefix);
        // The number heads every notice part: a long prefix would eat Telegram's length limit.
        if number_prefix.chars().count() > 20 {
            return Err(ConfigError::Invalid {
                name: "ORDERS_HOOK_NUMBER_PREFIX",
                why: format!("{number_prefix:?}: at most 20 characters"),
            });
        }
        let timezone = match env("ORDERS_HOOK_TIMEZONE").or(file.timezone) {
            Some(name) => {
                name.trim()
                    .parse::<chrono_tz::Tz>()
                    .map_err(|e| ConfigError::Invalid {
                        name: "ORDERS_HOOK_TIMEZONE",
                        why: format!("{name:?}: {e}; use an IANA name such as Europe/Moscow"),
                    })?
            }
            None => Routing::default().timezone,
        };
        let telegram_timeout = Duration::from_millis(telegram_timeout_ms);
        let notify = NotifySettings {
            retry: RetryPolicy {
                horizon: Duration::from_secs(horizon_minutes * 60),
                ..RetryPolicy::default()
            },
            // Only a dead worker's rows may be taken over: the lease outlasts any send.
            lease: (telegram_timeout * 3).max(Duration::from_secs(60)),
            sweep: Duration::from_millis(sweep_ms),
            ..NotifySettings::default()
        };

        Ok(Config {
            listen: env("ORDERS_HOOK_LISTEN")
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
            database_url: env("ORDERS_HOOK_DATABASE_URL")
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            client_tokens,
            telegram_bot_token,
            telegram_api_url: env("ORDERS_HOOK_TELEGRAM_API_URL")
                .or(file.telegram_api_url)
                .unwrap_or_else(|| DEFAULT_TELEGRAM_API_URL.to_owned()),
            telegram_timeout,
            notify_enabled,
            notify,
            hook_path,
            request_deadline,
            server: ServerLimits {
                read_timeout: Duration::from_millis(read_timeout_ms),
                // Within 1..=65_536 by the check above.
                max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
                shutdown_grace: Duration::from_millis(shutdown_grace_ms),
            },
            log_format,
            store_options: StoreOptions {
                // The database must answer within the deadline, or the request is answered 503.
                acquire_timeout: request_deadline,
                sqlite_synchronous,
                ..StoreOptions::default()
            },
            rules: Rules {
                settings: Settings {
                    number_prefix,
                    assembly_time: chrono::Duration::minutes(assembly_minutes),
                },
                routing: Routing {
                    stores: file.stores,
                    default_chat: env("ORDERS_HOOK_DEFAULT_CHAT").or(file.default_chat),
                    timezone,
                },
            },
        })
    }

    /// `serve` refuses to start without a token: an open hook would take anybody's orders.
    pub fn require_client_tokens(&self) -> Result<(), ConfigError> {
        if self.client_tokens.is_empty() {
            Err(ConfigError::NoClientTokens)
        } else {
            Ok(())
        }
    }
}

/// A number from the environment, else the file, else the default, within `range`.
fn bounded(
    name: &'static str,
    from_env: Option<String>,
    from_file: Option<u64>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let value = match from_env {
        Some(raw) => parse_number(name, &raw)?,
        None => from_file.unwrap_or(default),
    };
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::Invalid {
            name,
            why: format!(
                "{value}: must be between {} and {}",
                range.start(),
                range.end()
            ),
        })
    }
}

fn parse_switch(name: &'static str, raw: &str) -> Result<bool, ConfigError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(ConfigError::Invalid {
            name,
            why: format!("{other:?}: use true or false"),
        }),
    }
}

fn parse_number<T: std::str::FromStr>(name: &'static str, raw: &str) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    raw.trim().parse().map_err(|e| ConfigError::Invalid {
        name,
        why: format!("{raw:?}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)], file: Option<&Path>) -> Result<Config, ConfigError> {
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
        assert_eq!(config.database_url, "sqlite://orders-hook.db");
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
        ] {
            let err = load(&[(name, value)], None).unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
    }
}
