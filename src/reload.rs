//! Reloading without a restart: on SIGHUP (`systemctl reload`) `serve` reads the configuration
//! again, through the same layers and the same check as at start, and either switches to the new
//! client tokens, console tokens and stores' routing (names, chats, pickers) at once, or keeps
//! the running ones and logs why. A bad file never leaves the service without tokens.
//!
//! Each reloadable set is a `Live` value the handlers read once per request, so a request sees
//! the old set or the new one, never a mix. Everything else (listeners, database, pools, limits,
//! retention, the bot token…) keeps its running value; a reload that changed it names it in the
//! log. A console token removed from its file ends the sessions it opened: the `Viewer` refuses
//! them against the new grants at once, and the sweep here ends them in the database.

use crate::config::{Config, ConfigError};
use crate::console::grant::Grants;
use crate::domain::Routing;
use crate::http::auth::TokenSet;
use crate::live::Live;
use crate::store::{ConsoleAccess, Rules};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The values a reload replaces, as the hook's and the console's handlers hold them.
#[derive(Clone)]
pub struct Reloadable {
    pub tokens: Live<TokenSet>,
    pub rules: Live<Rules>,
    pub grants: Live<Grants>,
    pub routing: Live<Routing>,
}

impl Reloadable {
    pub fn new(config: &Config) -> Reloadable {
        Reloadable {
            tokens: Live::new(TokenSet::new(&config.client_tokens)),
            rules: Live::new(config.rules.clone()),
            grants: Live::new(Grants::new(&config.console.grants)),
            routing: Live::new(config.rules.routing.clone()),
        }
    }
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reloaded {
    /// The new sets are in use. `restart_only`: the settings that changed but keep their
    /// running values (`key (VARIABLE)`); `sessions_ended`: console sessions of removed tokens.
    Applied {
        restart_only: Vec<String>,
        sessions_ended: u64,
    },
    /// The running configuration is kept; why, naming the variable (never a secret).
    Refused(String),
}

/// Applies reloads to a running service, one at a time.
pub struct Reloader {
    /// `--config`, read again at each reload (else `ORDERS_HOOK_CONFIG`, as at start).
    file: OnceLock<PathBuf>,
    /// The configuration in force: the start's, with the reloaded parts replaced.
    running: tokio::sync::Mutex<Config>,
    live: Reloadable,
    sessions: Arc<dyn ConsoleAccess>,
}

impl Reloader {
    pub fn new(config: &Config, live: Reloadable, sessions: Arc<dyn ConsoleAccess>) -> Reloader {
        Reloader {
            file: OnceLock::new(),
            running: tokio::sync::Mutex::new(config.clone()),
            live,
            sessions,
        }
    }

    /// The file `serve` was given with `--config`, set once after start.
    pub fn read_from(&self, file: Option<PathBuf>) {
        if let Some(file) = file {
            let _ = self.file.set(file);
        }
    }

    /// SIGHUP: the layers read again from the file and the process environment.
    pub async fn reload_from_files(&self) -> Reloaded {
        let newer = Config::load(self.file.get().map(PathBuf::as_path));
        self.reload(newer).await
    }

    /// Applies `newer` (a load's result, so that tests can pass their own layers), or keeps the
    /// running configuration when it is refused. Logs either way.
    pub async fn reload(&self, newer: Result<Config, ConfigError>) -> Reloaded {
        let mut running = self.running.lock().await;
        let newer = match newer.and_then(|newer| {
            newer.require_client_tokens()?;
            Ok(newer)
        }) {
            Ok(newer) => newer,
            Err(error) => {
                let why = error.to_string();
                tracing::error!(
                    %why,
                    "reload refused: the running tokens and stores are kept"
                );
                return Reloaded::Refused(why);
            }
        };
        let restart_only = running.restart_only_changes(&newer);
        apply(&mut running, &newer);
        self.live.tokens.set(TokenSet::new(&running.client_tokens));
        self.live.rules.set(running.rules.clone());
        self.live.routing.set(running.rules.routing.clone());
        let grants = Grants::new(&running.console.grants);
        let kept = grants.kept();
        self.live.grants.set(grants);
        let sessions_ended = self.end_removed_sessions(&kept).await;
        tracing::info!(
            client_tokens = running.client_tokens.len(),
            console_tokens = running.console.grants.len(),
            stores = running.rules.routing.stores.len(),
            sessions_ended,
            "configuration reloaded: client tokens, console tokens and stores are in use"
        );
        if !restart_only.is_empty() {
            tracing::warn!(
                settings = restart_only.join(", "),
                "reload: these settings changed but take a restart; their running values are kept"
            );
        }
        Reloaded::Applied {
            restart_only,
            sessions_ended,
        }
    }

    /// Ends the sessions of removed console tokens. A failure is logged and changes nothing
    /// else: the `Viewer` already refuses those sessions against the new grants.
    async fn end_removed_sessions(&self, kept: &[(String, String)]) -> u64 {
        match self
            .sessions
            .end_sessions_of_removed_grants(kept, chrono::Utc::now())
            .await
        {
            Ok(ended) => ended,
            Err(error) => {
                tracing::warn!(
                    %error,
                    "reload: the removed console tokens' sessions were not ended in the database; \
                     they are refused all the same"
                );
                0
            }
        }
    }
}

/// The running configuration with `newer`'s reloadable parts: the tokens, the console's grants,
/// the stores and the default chat. Nothing else moves.
fn apply(running: &mut Config, newer: &Config) {
    running.client_tokens = newer.client_tokens.clone();
    running.console.grants = newer.console.grants.clone();
    running.rules.routing.stores = newer.rules.routing.stores.clone();
    running.rules.routing.default_chat = newer.rules.routing.default_chat.clone();
}

/// Reloads on every SIGHUP until `shutdown`. The signal stream is made by the caller before the
/// service starts: a SIGHUP before it exists would end the process.
#[cfg(unix)]
pub async fn on_hangup(
    reloader: Arc<Reloader>,
    mut hangups: tokio::signal::unix::Signal,
    shutdown: tokio_util::sync::CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            received = hangups.recv() => {
                if received.is_none() {
                    return;
                }
                tracing::info!("SIGHUP: reloading the configuration");
                reloader.reload_from_files().await;
            }
        }
    }
}
