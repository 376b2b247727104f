//! orders-hook: the retail partner's end of the SberMarket (Kuper) order webhooks.
pub mod domain;
pub mod protocol;
pub mod store;
#[doc(hidden)]
pub mod test_support;
