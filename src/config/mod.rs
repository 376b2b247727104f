//! Configuration, in three layers, later ones winning: `config.default.toml` (built into the
//! binary: every key, its default and why), the TOML file (`--config` or `ORDERS_HOOK_CONFIG`),
//! then `ORDERS_HOOK_*` environment variables. Then one check ([`validate`]), whose message names
//! the variable to set.
//!
//! The layering is done here by hand: it is short, and it keeps the variables' rules that scripts
//! outside the project rely on (an empty one counts as unset, a switch may read `on` or `yes`, a
//! refused value names its variable) exactly as they were.

mod defaults;
mod error;
mod keys;
mod reloadable;
mod secret;
mod validate;

#[cfg(test)]
mod conffile_tests;
#[cfg(test)]
mod layers_tests;
#[cfg(test)]
mod tests;

/// The secrets' type lives in the leaf `access`; named here too, beside the `Config` that holds it.
pub use crate::access::Secret;
pub use error::ConfigError;
pub use reloadable::RELOADABLE;

use crate::access::ConsoleSettings;
use crate::database_url::DatabaseUrl;
use crate::housekeeping::HousekeepingSettings;
use crate::http::server::ServerLimits;
use crate::ingest::group::GroupCommitSettings;
use crate::notify::NotifySettings;
use crate::store::{Rules, StoreOptions};
use error::read_named;
use keys::{Env, Layer, Values, variable};
use secret::Secrets;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    /// Read once: its kind, its hosts, and its masked form for every message.
    pub database_url: DatabaseUrl,
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
    /// Whether the hook's events are committed in batches (SQLite only), and how many at most.
    pub group_commit: GroupCommitSettings,
    /// Read timeout, connection bound and drain deadline of the listener.
    pub server: ServerLimits,
    pub log_format: LogFormat,
    /// Retention and SQLite's upkeep.
    pub housekeeping: HousekeepingSettings,
    /// The console's listener, sign-in tokens and session.
    pub console: ConsoleSettings,
    pub store_options: StoreOptions,
    pub rules: Rules,
    /// The keys' values as the layers gave them, for what a reload changed (`reloadable.rs`).
    loaded: reloadable::Loaded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

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
        let env = Env(env);
        let mut values = Values::defaults().clone();
        let chosen = match file {
            Some(path) => Some(("--config".to_owned(), path.to_path_buf())),
            None => env
                .get(&variable("config"))
                .map(|path| (variable("config"), PathBuf::from(path))),
        };
        if let Some((name, path)) = chosen {
            let text = read_named(name, &path)?;
            let layer: Layer =
                toml::from_str(&text).map_err(|source| ConfigError::Toml { path, source })?;
            values.overlay(layer);
        }
        values.overlay(Layer::from_env(&env)?);
        let secrets = Secrets::read(&values, &env)?;
        validate::config(values, secrets)
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
