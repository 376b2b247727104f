//! What the operator's pages ask of the store beyond `ReadSide`: the journal searched, and the
//! dashboard's counts.

use super::db::from_row;
use crate::domain::{Outcome, Status};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A search of the journal, as the `/journal` page's form fills it in.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalSearch {
    pub outcome: Option<Outcome>,
    pub event_type: Option<String>,
    pub order_id: Option<String>,
    /// From this moment on (inclusive).
    pub from: DateTime<Utc>,
    /// Up to this moment (exclusive).
    pub until: DateTime<Utc>,
    /// Refused, invalid, not-found, stale and unavailable requests before the rest.
    pub problems_first: bool,
    /// Oldest first (a replay puts requests through in the order they came), else newest.
    pub oldest_first: bool,
    /// Only rows after this id: the next page of an oldest-first walk.
    pub after_id: Option<i64>,
    pub limit: u32,
}

impl Default for JournalSearch {
    fn default() -> Self {
        JournalSearch {
            outcome: None,
            event_type: None,
            order_id: None,
            from: DateTime::UNIX_EPOCH,
            until: far_future(),
            problems_first: true,
            oldest_first: false,
            after_id: None,
            limit: 200,
        }
    }
}

/// Later than any row: a text both databases compare with their timestamps.
fn far_future() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// How many orders of one store are in one status.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCount {
    pub store_id: Option<String>,
    pub status: Status,
    pub count: i64,
}

from_row!(OrderCount {
    store_id,
    status,
    count
});
