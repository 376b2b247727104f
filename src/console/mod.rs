//! The console for store staff and the on-call operator, on its own listener (never the
//! hook's): sign-in, store boards that update live, picking sheets, an order's whole story, and
//! the operator's pages. Server-rendered HTML (askama templates compiled into the binary), a few
//! lines of plain JavaScript for live updates, every asset served by the binary.
//!
//! - `state`: what every handler reaches; `router`: the routes;
//! - `grant`: the tokens file, roles, and what a role may see;
//! - `session`: the sign-in cookie, the signed-in `Viewer` extractor, CSRF;
//! - `signin`: the sign-in and sign-out pages, and one-time links;
//! - `changes`: the feed of order changes that the live boards listen to;
//! - `headers`: the admin-site headers on every answer (CSP, no framing, no Referer, no-store);
//! - `assets`: the stylesheet and scripts, with cache headers;
//! - `page`: the layout every page shares, and the error pages;
//! - `board`: a store's board and its table, which the board fetches again on a change;
//! - `live`: a board's event stream, fed by `changes`;
//! - `pool_changes`: the change feed across a pool's instances (PostgreSQL `LISTEN/NOTIFY`);
//! - `board_rows`, `picking`, `picker_cookie`, `numbers`: the board's rows, its taps, the
//!   device's picker, and the stores' numbers;
//! - `print`: an order's picking sheet, A4.
//! - `story`: an order's whole story (`/orders/{key}`), for the operator or the order's store;
//! - `replay`: the operator's replay of journaled requests (one, or a search's);
//! - `journal`, `operator` (outbox, re-queue, stock), `dashboard`, `links` and `telegram` (the
//!   stores' chats and their test notice): the operator's pages; `chart` draws the dashboard's
//!   inline SVG;
//! - `words`: every stored value a person reads, in Russian (the spelling in a tooltip).

pub mod assets;
mod barcode;
pub mod board;
pub mod board_rows;
pub mod changes;
pub mod chart;
pub mod dashboard;
pub mod grant;
pub mod headers;
pub mod journal;
pub mod links;
pub mod live;
pub mod numbers;
pub mod operator;
pub mod page;
pub mod picker_cookie;
pub mod picking;
mod picking_order;
pub mod pool_changes;
pub mod print;
pub mod replay;
pub mod router;
pub mod session;
pub mod signin;
pub mod state;
pub mod story;
pub mod telegram;
pub mod words;

pub use router::router;
pub use state::{ConsoleSettings, ConsoleState};
