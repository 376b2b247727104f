//! What a reload (SIGHUP, `crate::reload`) may change in a running service, and which of the
//! other keys changed: those keep their running values until a restart, and are named, never
//! shown (a value may hold a password).

use super::Config;
use super::keys::{Values, variable};
use super::secret::Secrets;
use sha2::{Digest, Sha256};

/// The keys a reload applies at once; `[stores]` (the routing, names and pickers) too. The
/// tokens' variables (`ORDERS_HOOK_CLIENT_TOKENS`) are read again as well, but a running
/// process's environment does not change: in practice the files change.
pub const RELOADABLE: &[&str] = &["client_tokens_file", "console_tokens_file", "default_chat"];

/// The layers' values as loaded, and a digest of the bot token (which needs a restart), so that
/// a later load can be told apart key by key.
#[derive(Clone)]
pub(super) struct Loaded {
    values: Values,
    bot_token: Option<[u8; 32]>,
}

/// It holds the database URL's text, password and all: never printed.
impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Loaded { .. }")
    }
}

impl Loaded {
    pub fn new(values: Values, secrets: &Secrets) -> Loaded {
        Loaded {
            values,
            bot_token: secrets
                .telegram_bot_token
                .as_ref()
                .map(|token| Sha256::digest(token.expose().as_bytes()).into()),
        }
    }
}

impl Config {
    /// The settings that differ in `newer` but take a restart to change, as `key
    /// (VARIABLE)`, in the keys' order.
    pub fn restart_only_changes(&self, newer: &Config) -> Vec<String> {
        let mut named: Vec<String> = self
            .loaded
            .values
            .changed(&newer.loaded.values)
            .into_iter()
            .filter(|key| !RELOADABLE.contains(key))
            .map(|key| format!("{key} ({})", variable(key)))
            .collect();
        if self.loaded.bot_token != newer.loaded.bot_token {
            named.push(format!(
                "the bot token ({} or {})",
                variable("telegram_bot_token"),
                variable("telegram_bot_token_file")
            ));
        }
        named
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(file: &str, env: &[(&str, &str)]) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, file).unwrap();
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load_with(Some(&path), &|name| env.get(name).cloned()).unwrap()
    }

    #[test]
    fn only_restart_only_keys_are_named_and_never_their_values() {
        let env = [("ORDERS_HOOK_CLIENT_TOKENS", "t")];
        let running = load("listen = \"127.0.0.1:1\"\n", &env);
        let newer = load(
            "listen = \"127.0.0.1:2\"\ndatabase_url = \"postgres://u:hunter2@h/d\"\n\
             default_chat = \"-1\"\n[stores.\"1\"]\nname = \"A\"\n",
            &env,
        );
        let named = running.restart_only_changes(&newer);
        assert_eq!(
            named,
            [
                "listen (ORDERS_HOOK_LISTEN)",
                "database_url (ORDERS_HOOK_DATABASE_URL)"
            ]
        );
        assert!(!format!("{named:?}{newer:?}").contains("hunter2"));
        assert!(running.restart_only_changes(&running.clone()).is_empty());
    }

    #[test]
    fn a_new_bot_token_is_named_as_needing_a_restart() {
        let running = load("", &[("ORDERS_HOOK_CLIENT_TOKENS", "t")]);
        let newer = load(
            "",
            &[
                ("ORDERS_HOOK_CLIENT_TOKENS", "t"),
                ("ORDERS_HOOK_TELEGRAM_BOT_TOKEN", "123:secret"),
            ],
        );
        let named = running.restart_only_changes(&newer);
        assert_eq!(named.len(), 1, "{named:?}");
        assert!(named[0].contains("ORDERS_HOOK_TELEGRAM_BOT_TOKEN"));
        assert!(!named[0].contains("secret"));
    }
}
