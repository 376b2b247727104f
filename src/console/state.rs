//! What every console handler can reach: the store's console role, the grants, the console's settings, the
//! routing (store names and zones), the bot (for a store's test notice), the change feed and the
//! shutdown token.

use super::changes::Changes;
use super::grant::Grants;
pub use crate::access::ConsoleSettings;
use crate::domain::Routing;
use crate::ingest::Ingest;
use crate::live::Live;
use crate::notify::BotApi;
use crate::store::ConsoleStore;
use std::sync::Arc;
use std::time::Duration;

/// What every console handler can reach.
#[derive(Clone)]
pub struct ConsoleState {
    /// The console's role of the store: its reads, sign-ins and actions only.
    pub store: Arc<dyn ConsoleStore>,
    /// The hook's door, for the operator's replays: the same sequence (and group commit) the
    /// marketplace's requests go through.
    pub ingest: Ingest,
    /// Replaced whole by a reload (`crate::reload`), as is the routing.
    pub grants: Live<Grants>,
    pub settings: Arc<ConsoleSettings>,
    pub routing: Live<Routing>,
    /// The configured bot, for `/telegram`'s test notices; `None` without a bot token. Its
    /// token stays inside the client.
    pub telegram: Option<Arc<BotApi>>,
    pub changes: Changes,
    /// `/metrics` needs the request deadline for its database gauges.
    pub deadline: Duration,
    /// Ends the boards' event streams, so that a stop need not wait them out.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl ConsoleState {
    /// `grants` and `routing` are the reload's (`crate::reload::Reloadable`).
    pub fn new(
        store: Arc<dyn ConsoleStore>,
        ingest: Ingest,
        settings: &ConsoleSettings,
        grants: Live<Grants>,
        routing: Live<Routing>,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> Self {
        ConsoleState {
            // The boards hear the same feed the hook publishes on; `/metrics` has the hook's
            // deadline.
            changes: ingest.changes.clone(),
            deadline: ingest.deadline,
            store,
            ingest,
            grants,
            settings: Arc::new(settings.clone()),
            routing,
            telegram: None,
            shutdown,
        }
    }

    /// With the bot's client, for the operator's test of a store's chats.
    pub fn with_telegram(mut self, telegram: Option<BotApi>) -> Self {
        self.telegram = telegram.map(Arc::new);
        self
    }

    /// The zone the store's staff read times in: the store's own, or the chain's.
    pub fn zone(&self, store_id: Option<&str>) -> chrono_tz::Tz {
        let routing = self.routing.get();
        store_id
            .and_then(|id| routing.stores.get(id))
            .and_then(|route| route.timezone)
            .unwrap_or(routing.timezone)
    }

    /// A store's name as the routing knows it, or its id.
    pub fn store_name(&self, store_id: &str) -> String {
        self.routing
            .get()
            .stores
            .get(store_id)
            .and_then(|route| route.name.clone())
            .unwrap_or_else(|| store_id.to_owned())
    }

    /// Every routed store as (id, name), by id: the operator's lists.
    pub fn stores(&self) -> Vec<(String, String)> {
        let mut stores: Vec<(String, String)> = self
            .routing
            .get()
            .stores
            .keys()
            .map(|id| (id.clone(), self.store_name(id)))
            .collect();
        stores.sort();
        stores
    }
}
