//! The defaults of `config.default.toml` as the values the rest of the crate builds on. The
//! domain's `Settings` and `Routing` and the store's `StoreOptions` take their `Default` from
//! here: the tests, the benchmarks and the conformance suite that build them without a
//! configuration run on the operator's defaults, and no second copy of a default can drift.

use super::Config;
use crate::domain::{Routing, Settings};
use crate::store::StoreOptions;
use std::sync::LazyLock;

static DEFAULT_CONFIG: LazyLock<Config> = LazyLock::new(|| {
    // `the_embedded_defaults_are_complete_and_valid` makes sure no build ships with this failing.
    Config::load_with(None, &|_| None)
        .unwrap_or_else(|e| panic!("config.default.toml is not a valid configuration: {e}"))
});

impl Config {
    /// The configuration with no file and no variable set.
    pub fn defaults() -> Config {
        DEFAULT_CONFIG.clone()
    }
}

impl Default for Settings {
    fn default() -> Self {
        DEFAULT_CONFIG.rules.settings.clone()
    }
}

/// No store routed and no default chat: every store is unrouted.
impl Default for Routing {
    fn default() -> Self {
        DEFAULT_CONFIG.rules.routing.clone()
    }
}

impl Default for StoreOptions {
    fn default() -> Self {
        DEFAULT_CONFIG.store_options.clone()
    }
}

impl Default for crate::housekeeping::HousekeepingSettings {
    fn default() -> Self {
        DEFAULT_CONFIG.housekeeping.clone()
    }
}
