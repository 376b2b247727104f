//! Who may reach the service, as plain values: a secret that never reaches a log line, the
//! console's grants (`operator` or `store:ID`, and the role each gives) and the console's
//! settings. A leaf: it imports nothing of the crate, so `config` reads these values, and
//! `console`, `http` and `notify` use them, without any of those importing another.

mod console;
mod grant;
mod secret;

pub use console::ConsoleSettings;
pub use grant::{Grant, Role, parse_grants};
pub use secret::Secret;
