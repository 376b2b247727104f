//! The change feed across the instances of a pool: each change is published on the store's
//! bus (PostgreSQL's `NOTIFY`, `store::change_bus`) as the `OrderChange` in JSON, and one
//! listening connection per instance feeds its boards.
//!
//! The change is published after the event's commit, in a task of its own, rather than in the
//! event's transaction: the hook's transaction is the marketplace's answer time and `ingest`'s
//! sequence, and a board that hears of a change a few milliseconds later loses nothing. A
//! publication that fails (the database away) is told to this instance's boards instead: a
//! board served elsewhere then sees the order on its next change or reconnection. The bus's
//! connections follow the primary; when it moves, the listener listens again on the new one
//! and every board looks again.

use super::changes::{Changes, Heard, OrderChange};
use crate::store::StoreError;
use crate::store::change_bus::{ChangeBus, ChangeStream};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long to wait before listening again after the connection was lost.
const RETRY: Duration = Duration::from_secs(1);

/// The feed of a pool instance, and its listener when this instance serves boards (the
/// console is on).
pub fn start(
    bus: Arc<dyn ChangeBus>,
    serves_boards: bool,
    shutdown: CancellationToken,
) -> (Changes, Option<tokio::task::JoinHandle<()>>) {
    let changes = Changes::through(bus.clone());
    let listener = serves_boards.then(|| tokio::spawn(listen(bus, changes.clone(), shutdown)));
    (changes, listener)
}

/// Sends one change to every instance, without making the caller wait.
pub(super) fn notify(bus: Arc<dyn ChangeBus>, changes: Changes, change: OrderChange) {
    tokio::spawn(async move {
        let sent = match serde_json::to_string(&change) {
            Ok(payload) => bus
                .publish(&payload)
                .await
                .map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = sent {
            tracing::debug!(%error, "order change not sent to the other instances");
            changes.deliver(Heard::Order(change));
        }
    });
}

/// Listens until `shutdown`, listening again after any error; quiet, because the database
/// being away is already loud elsewhere (readiness, the hook's 503s).
async fn listen(bus: Arc<dyn ChangeBus>, changes: Changes, shutdown: CancellationToken) {
    let mut connected_before = false;
    loop {
        let connected = tokio::select! {
            _ = shutdown.cancelled() => return,
            connected = bus.listen() => connected,
        };
        match connected {
            Ok(mut stream) => {
                if connected_before {
                    changes.deliver(Heard::Missed);
                }
                connected_before = true;
                match hear(stream.as_mut(), &changes, &shutdown).await {
                    // The new primary is there already: listen on it at once.
                    Err(StoreError::PrimaryMoved) => continue,
                    Err(error) => {
                        tracing::debug!(%error, "listening for order changes: connection lost")
                    }
                    Ok(()) => {}
                }
            }
            Err(error) => tracing::debug!(%error, "listening for order changes: cannot connect"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(RETRY) => {}
        }
    }
}

/// Passes on what the stream hears until it fails or `shutdown`.
async fn hear(
    stream: &mut dyn ChangeStream,
    changes: &Changes,
    shutdown: &CancellationToken,
) -> Result<(), StoreError> {
    loop {
        let heard = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            heard = stream.next() => heard?,
        };
        match heard {
            Some(payload) => match serde_json::from_str(&payload) {
                Ok(change) => changes.deliver(Heard::Order(change)),
                Err(error) => tracing::debug!(%error, "an order change that does not read"),
            },
            // The connection dropped and is made again on the next call; what went by
            // meanwhile is lost, so every board looks again.
            None => changes.deliver(Heard::Missed),
        }
    }
}
