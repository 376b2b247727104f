//! Telegram delivery of the outbox, in order per chat, within Telegram's limits. The hook only
//! queues notices in its transaction; this worker sends them afterwards, so Telegram never sits
//! on the request path.
//!
//! - `worker`: the loop and its one step, `run_once` (claim, send, settle).
//! - `telegram`: the Bot API client and the reading of Telegram's answers.
//! - `retry`: the pure rule from an answer to "sent", "retry at" or "failed".
//! - `clock`: the time the worker decides by (a manual clock in tests).
//! - `setup`: the operator's checks of a store's chats (the chats the bot is in, a test notice).
//!
//! The rules that hold across workers (per-chat order, leases, Telegram's rate limits) live in
//! the store's claim (`store::delivery`), because only the database sees every worker.

pub mod clock;
pub mod retry;
pub mod setup;
pub mod telegram;
pub mod worker;

pub use clock::{Clock, ManualClock, SystemClock};
pub use retry::RetryPolicy;
pub use telegram::{BotApi, SendOutcome};
pub use worker::{NotifySettings, Round, Worker};
