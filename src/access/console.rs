//! The console's part of the configuration: `config` builds it, `console` serves by it.

use super::grant::Grant;
use std::time::Duration;

/// The console's part of the configuration.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// `None`: no console, and no `/metrics`.
    pub listen: Option<String>,
    pub grants: Vec<Grant>,
    /// How long a sign-in lasts.
    pub session: Duration,
    /// Marks the session cookie `Secure` (the console is served over TLS by nginx).
    pub secure_cookie: bool,
    /// The console's address as browsers reach it, for one-time links.
    pub public_url: Option<String>,
}
