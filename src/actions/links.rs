//! The operator's one-time sign-in links for a store's tablet, made and revoked from the
//! console's `/links` or `orders-hook console link|revoke`: the link (a digest of its code,
//! never the code) and its journal row in one transaction; a revoke also ends the sessions the
//! link opened, in the same one.

use super::{Actor, Via, entry};
use crate::store::console::NewLink;
use crate::store::{ActionStore, StoreError};
use chrono::{DateTime, Utc};
use serde_json::json;

/// Keeps `link` and journals it; returns its id.
pub async fn make(
    store: &dyn ActionStore,
    link: &NewLink,
    actor: &Actor,
    via: Via,
) -> Result<i64, StoreError> {
    let mut tx = store.begin_action().await?;
    let id = tx.create_link(link).await?;
    tx.journal(&entry(
        link.created_at,
        &via.event_type("link.create"),
        None,
        via.status_code(),
        format!(
            "made one-time sign-in link #{id} for store {} ({}), good until {}",
            link.store_id,
            link.name,
            link.expires_at.format("%Y-%m-%d %H:%M UTC")
        ),
        actor,
        json!({"link": id, "store": link.store_id, "expiresAt": link.expires_at}),
    ))
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Revokes link `id` and ends its sessions; false (and nothing journaled) when it was revoked
/// already or never existed.
pub async fn revoke(
    store: &dyn ActionStore,
    id: i64,
    actor: &Actor,
    via: Via,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut tx = store.begin_action().await?;
    if !tx.revoke_link(id, now).await? {
        return Ok(false);
    }
    tx.journal(&entry(
        now,
        &via.event_type("link.revoke"),
        None,
        via.status_code(),
        format!("revoked one-time sign-in link #{id}; the sessions it opened have ended"),
        actor,
        json!({"link": id}),
    ))
    .await?;
    tx.commit().await?;
    Ok(true)
}
