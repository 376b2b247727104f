//! The console's sign-in records: sessions and one-time links, as the store keeps them. Their
//! secrets arrive and are looked up as digests only.

use super::db::from_row;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A sign-in, as it is opened.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id_digest: String,
    /// `operator` or `store:<id>` (`access::Role::as_text`).
    pub role: String,
    pub name: String,
    pub csrf: String,
    pub link_id: Option<i64>,
    /// The digest of the console token that opened it (`console::grant::Admitted::grant`);
    /// `None` for a one-time link's session.
    pub grant_digest: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A sign-in still good at the time it was looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub role: String,
    pub name: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
    pub grant_digest: Option<String>,
}

from_row!(Session {
    role,
    name,
    csrf,
    expires_at,
    grant_digest
});

#[derive(Debug, Clone)]
pub struct NewLink {
    pub code_digest: String,
    pub store_id: String,
    pub name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A one-time link, as the operator's page lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub id: i64,
    pub store_id: String,
    pub name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

from_row!(Link {
    id,
    store_id,
    name,
    created_by,
    created_at,
    expires_at,
    used_at,
    revoked_at
});
