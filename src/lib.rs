//! orders-hook: the retail partner's end of the SberMarket (Kuper) order webhooks.
pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod http;
pub mod protocol;
pub mod store;
pub mod telemetry;
#[doc(hidden)]
pub mod test_support;
