//! The operator puts parked notices back in the queue (`outbox retry`, or the console's
//! «Отправить снова»): the re-queue and one journal row per notice, in one transaction.

use super::{Actor, entry};
use crate::store::{ActionStore, Requeue, RequeuedNotice, StoreError};
use chrono::{DateTime, Utc};
use serde_json::json;

/// Where the operator asked from, as the journal's event type says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    Console,
    CommandLine,
}

impl Asked {
    fn event_type(self) -> &'static str {
        match self {
            Asked::Console => "console.outbox.retry",
            Asked::CommandLine => "cli.outbox.retry",
        }
    }
}

/// Re-queues `which`; `note` adds what the operator saw of a notice (its kind, chat and last
/// error) to its journal row. Returns the notices put back; none is journaled when none was.
pub async fn requeue(
    store: &dyn ActionStore,
    which: Requeue,
    actor: &Actor,
    from: Asked,
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
        // The console answers its form with a redirect; the command line's is a success.
        let status = if from == Asked::Console { 303 } else { 200 };
        tx.journal(&entry(
            now,
            from.event_type(),
            Some(&notice.order_id),
            status,
            detail,
            actor,
            json!({"notice": notice.id}),
        ))
        .await?;
    }
    tx.commit().await?;
    Ok(requeued)
}
