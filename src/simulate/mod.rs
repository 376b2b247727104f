//! The marketplace, simulated: a tool a partner points at their own deployment of the hook.
//!
//! A load run ([`run`]) sends order lifecycles open-loop at a fixed rate ([`schedule`]), each
//! order's events planned by [`plan`] and built from the fixtures by [`bodies`], sent with the
//! marketplace's timeout, retries, repeats and lost answers by [`marketplace`]; [`report`]
//! holds the HDR latencies and the report, and [`verdict`] judges every answer received against
//! the protocol. [`check`] is the short pre-flight conformance check of a deployment.

pub mod bodies;
pub mod check;
pub mod marketplace;
pub mod plan;
pub mod report;
pub mod run;
pub mod schedule;
pub mod verdict;

pub use bodies::Marking;
pub use plan::Shares;
pub use report::Report;
pub use run::run;

use std::time::Duration;

/// When a load run stops starting new orders (started ones always finish).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    Duration(Duration),
    Orders(u64),
}

#[derive(Debug, Clone)]
pub struct Options {
    /// The hook's full URL.
    pub url: String,
    pub token: String,
    /// Requests per second.
    pub rate: f64,
    pub limit: Limit,
    pub shares: Shares,
    /// Multiplies the retry pauses (1 = the marketplace's own schedule).
    pub retry_scale: f64,
    pub marking: Marking,
}
