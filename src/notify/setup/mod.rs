//! Setting a store's Telegram up, beside the outbox: which chats the bot is in (`getUpdates`,
//! read without acknowledging anything), and a test notice to a store's chats now.
//!
//! - `updates`: `getUpdates` read as the chats seen, a group upgraded to a supergroup once;
//! - `chats`: those chats beside the routing, and the configured chats never seen;
//! - `probe`: the test notice, sent straight through the Bot API, and each chat's answer;
//! - `words`: all of it in Russian, the one wording for the command line and the console.

pub mod chats;
pub mod probe;
pub mod updates;
pub mod words;

pub use chats::{ChatList, ChatRow, RouteMark, Unseen, chat_list};
pub use probe::{ChatCheck, ChatProbe, StoreChat, probe_store, store_chats};
pub use updates::{SeenChat, UpdatesError, read_updates};
