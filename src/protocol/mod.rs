//! The marketplace's wire format: tolerant serde types and the one conversion into domain values.

pub mod envelope;
pub mod error;
pub mod reply;
pub mod scalar;
pub mod wire;

#[cfg(test)]
mod envelope_tests;
#[cfg(test)]
mod parse_props;

pub use envelope::{Incoming, Label, event_kind, parse, parse_labelled};
pub use error::Rejection;
pub use reply::Refusal;
