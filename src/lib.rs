//! orders-hook: the retail partner's end of the SberMarket (Kuper) order webhooks.
//!
//! A webhook arrives at [`http`], which checks the `Client-token`, reads the body and hands it
//! to [`ingest`]. `ingest` parses it through [`protocol`] (the marketplace's loose JSON, turned
//! once into domain values), then, in one transaction the [`store`] opens for it, locks the
//! order, loads its document and asks [`domain::apply`] — pure, no I/O, no clock — what the
//! event does: the new document, the answer, the stock write-offs, the Telegram notices and the
//! journal outcome. All of it is committed together, and only then is the marketplace answered.
//! On SQLite the events of concurrent requests are committed in batches, each event in a
//! savepoint of the batch's one transaction (`ingest::group`), so one fsync serves many orders.
//! The domain says what to tell the store's chats; [`notice`] words it for Telegram next to the
//! decision. The notices wait
//! in the outbox until [`notify`]'s worker sends them to Telegram, off the request path.
//!
//! [`config`] reads the defaults, the TOML file and `ORDERS_HOOK_*` variables (the secrets and
//! the console's grants into [`access`]'s values, a leaf that `config`, `console` and `http`
//! share); [`telemetry`] owns logs and metrics, and [`scrape`] the `/metrics` text;
//! [`housekeeping`] prunes old journal rows and sent notices and keeps
//! SQLite's log in bounds; [`app`] wires store, router and shutdown, and [`reload`] swaps the
//! tokens and the stores' routing on SIGHUP (each a [`live`] value the handlers read); [`cli`] is the operator's
//! command line, and [`backup`] its consistent copy of the SQLite file while it serves;
//! [`simulate`] plays the marketplace against a deployment, from outside.
//! `ARCHITECTURE.md` has the one-page map.

pub mod access;
pub mod actions;
pub mod app;
pub mod backup;
pub mod cli;
pub mod config;
pub mod console;
pub mod database_url;
pub mod domain;
pub mod housekeeping;
pub mod http;
pub mod ingest;
pub mod instance;
pub mod live;
pub mod notice;
pub mod notify;
pub mod protocol;
pub mod reload;
pub mod scrape;
pub mod simulate;
pub mod store;
pub mod telemetry;
#[doc(hidden)]
pub mod test_support;
