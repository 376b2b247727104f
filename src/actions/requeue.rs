//! The operator puts parked notices back in the queue (`outbox retry`, or the console's
//! «Отправить снова»): the re-queue and one journal row per notice, in one transaction.

use super::{Actor, Via, entry};
use crate::store::{ActionStore, Requeue, RequeuedNotice, StoreError};
use chrono::{DateTime, Utc};
use serde_json::json;

/// Re-queues `which`; `note` adds what the operator saw of a notice (its kind, chat and last
/// error) to its journal row. Returns the notices put back; none is journaled when none was.
pub async fn requeue(
    store: &dyn ActionStore,
    which: Requeue,
    actor: &Actor,
    via: Via,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<RequeuedNotice>, StoreError> {
    let mut tx = store.begin_action().await?;
    let requeued = tx.requeue(which, now).await?;
    for notice in &requeued {
        let detail = match note {
            Some(note) => format!("re-queued notice #{} ({note})", notice.id),
            None => format!("re-queued notice #{}", notice.id),
        };
        tx.journal(&entry(
            now,
            &via.event_type("outbox.retry"),
            Some(&notice.order_id),
            via.status_code(),
            detail,
            actor,
            json!({"notice": notice.id}),
        ))
        .await?;
    }
    tx.commit().await?;
    Ok(requeued)
}
