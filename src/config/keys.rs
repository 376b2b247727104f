//! The configuration's keys, each written once. The key names the field of the file and of
//! [`Values`]; its variable is derived from it ([`variable`]); its default and the reason for it
//! are in `config.default.toml`.

use super::error::ConfigError;
use crate::domain::StoreRoute;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::LazyLock;

/// The crate root's `config.default.toml`, built into the binary.
pub(super) const DEFAULTS: &str = include_str!("../../config.default.toml");

/// The variable that sets `key`: `ORDERS_HOOK_` and the key in capitals. `hook_path` was
/// `ORDERS_HOOK_PATH` before the rule, and scripts outside the project set that name.
pub fn variable(key: &str) -> String {
    match key {
        "hook_path" => "ORDERS_HOOK_PATH".to_owned(),
        _ => format!("ORDERS_HOOK_{}", key.to_ascii_uppercase()),
    }
}

/// The process environment, or the map a test passes. An empty variable counts as unset.
pub(super) struct Env<'a>(pub &'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    pub fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|value| !value.trim().is_empty())
    }

    /// The value `key`'s variable gives, if it is set.
    fn parse<T: FromEnv>(&self, key: &str) -> Result<Option<T>, ConfigError> {
        let name = variable(key);
        self.get(&name)
            .map(|raw| T::from_env(&raw).map_err(|why| ConfigError::Invalid { name, why }))
            .transpose()
    }
}

/// Writes [`Values`], the whole configuration, and [`Layer`], what one source (the file, the
/// environment) sets, from one list of keys and types, so that a key cannot be in one and
/// missing from the other.
macro_rules! keys {
    ($($key:ident: $ty:ty,)*) => {
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct Values {
            $(pub $key: $ty,)*
            /// The routing of notices, a table per store id: from the file only.
            #[serde(default)]
            pub stores: HashMap<String, StoreRoute>,
        }

        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct Layer {
            $(#[serde(default)] $key: Option<$ty>,)*
            #[serde(default)]
            stores: Option<HashMap<String, StoreRoute>>,
        }

        impl Layer {
            /// The variables that are set.
            pub fn from_env(env: &Env) -> Result<Layer, ConfigError> {
                Ok(Layer {
                    $($key: env.parse(stringify!($key))?,)*
                    stores: None,
                })
            }
        }

        impl Values {
            /// `layer` wins wherever it sets a key.
            pub fn overlay(&mut self, layer: Layer) {
                $(if let Some(value) = layer.$key { self.$key = value; })*
                if let Some(stores) = layer.stores { self.stores = stores; }
            }
        }

        impl Values {
            /// The keys whose values differ between `self` and `other` (`stores` is not a key).
            pub fn changed(&self, other: &Values) -> Vec<&'static str> {
                let mut changed = Vec::new();
                $(if self.$key != other.$key { changed.push(stringify!($key)); })*
                changed
            }
        }

        /// Every key a variable may set.
        pub(super) const KEYS: &[&str] = &[$(stringify!($key)),*];
    };
}

// An `Option` has no default: `config.default.toml` shows it commented out.
keys! {
    listen: String,
    database_url: String,
    client_tokens_file: Option<PathBuf>,
    hook_path: String,
    request_deadline_ms: u64,
    read_timeout_ms: u64,
    max_connections: u64,
    shutdown_grace_ms: u64,
    number_prefix: String,
    timezone: String,
    assembly_minutes: i64,
    max_lines: u64,
    sqlite_synchronous: String,
    group_commit: bool,
    group_commit_max_events: u64,
    log_format: String,
    default_chat: Option<String>,
    telegram_api_url: String,
    telegram_bot_token_file: Option<PathBuf>,
    telegram_timeout_ms: u64,
    notify: bool,
    notify_horizon_minutes: u64,
    notify_sweep_ms: u64,
    journal_retention_days: u64,
    outbox_retention_days: u64,
    housekeeping_every_minutes: u64,
    prune_batch_rows: u64,
    prune_pause_ms: u64,
    console_listen: String,
    console_tokens_file: Option<PathBuf>,
    console_session_hours: u64,
    console_secure_cookie: bool,
    console_public_url: Option<String>,
}

static DEFAULT_VALUES: LazyLock<Values> = LazyLock::new(|| {
    // A key without a default that is not an `Option`, or one the list above lacks, fails here;
    // `the_embedded_defaults_are_complete_and_valid` makes sure no build ships that way.
    toml::from_str(DEFAULTS).unwrap_or_else(|e| panic!("config.default.toml: {e}"))
});

impl Values {
    pub fn defaults() -> &'static Values {
        &DEFAULT_VALUES
    }
}

/// How a variable's text becomes a key's value; the error says why, the caller adds the name.
trait FromEnv: Sized {
    fn from_env(raw: &str) -> Result<Self, String>;
}

impl FromEnv for String {
    fn from_env(raw: &str) -> Result<Self, String> {
        Ok(raw.to_owned())
    }
}

impl FromEnv for PathBuf {
    fn from_env(raw: &str) -> Result<Self, String> {
        Ok(PathBuf::from(raw))
    }
}

impl FromEnv for u64 {
    fn from_env(raw: &str) -> Result<Self, String> {
        raw.trim().parse().map_err(|e| format!("{raw:?}: {e}"))
    }
}

impl FromEnv for i64 {
    fn from_env(raw: &str) -> Result<Self, String> {
        raw.trim().parse().map_err(|e| format!("{raw:?}: {e}"))
    }
}

/// Unit files and shell scripts spell a switch many ways.
impl FromEnv for bool {
    fn from_env(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            other => Err(format!("{other:?}: use true or false")),
        }
    }
}

impl<T: FromEnv> FromEnv for Option<T> {
    fn from_env(raw: &str) -> Result<Self, String> {
        T::from_env(raw).map(Some)
    }
}
