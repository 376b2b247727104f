//! The marketplace, simulated: a tool a partner points at their own deployment of the hook.
//!
//! A load run ([`run`]) sends order lifecycles open-loop at a fixed rate ([`schedule`]), or
//! closed-loop from a fixed number of senders to find the deployment's saturation; each
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

/// How requests are paced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Open loop: a request is due every `1 / rate` seconds whatever the answers; latency from
    /// the planned send time. The marketplace's own way, for fixed-rate runs.
    Rate(f64),
    /// Closed loop, for the deployment's saturation: this many senders, each sending its next
    /// request as soon as its last one was answered; latency from the actual send.
    InFlight(usize),
}

#[derive(Debug, Clone)]
pub struct Options {
    /// The hook's full URL.
    pub url: String,
    pub token: String,
    pub pace: Pace,
    /// Orders are only created (the storage ceiling's own transaction), never taken further.
    pub created_only: bool,
    /// Seeds the plan of every order (which events are repeated, dropped, cancelled): two runs
    /// with one seed send the same plans at a fixed rate. `None`: a fresh plan each run.
    pub seed: Option<u64>,
    pub limit: Limit,
    pub shares: Shares,
    /// Multiplies the retry pauses (1 = the marketplace's own schedule).
    pub retry_scale: f64,
    pub marking: Marking,
}
