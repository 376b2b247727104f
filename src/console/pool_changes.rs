//! The change feed across the instances of a pool, through PostgreSQL: `NOTIFY` on
//! `orders_hook_changes` with the `OrderChange` as JSON, and one `LISTEN`ing connection per
//! instance that feeds its boards.
//!
//! The `NOTIFY` is sent after the event's commit, in a task of its own, rather than in the
//! event's transaction: the hook's transaction is the marketplace's answer time and `ingest`'s
//! sequence, and a board that hears of a change a few milliseconds later loses nothing. A
//! `NOTIFY` that fails (the database away) is told to this instance's boards instead: a board
//! served elsewhere then sees the order on its next change or reconnection.

use super::changes::{Changes, Heard, OrderChange};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The channel every instance of one database listens on.
pub const CHANNEL: &str = "orders_hook_changes";

/// How long to wait before listening again after the connection was lost.
const RETRY: Duration = Duration::from_secs(1);

/// The feed of a pool instance, and its listener when this instance serves boards (the
/// console is on). The connections are made on demand: a database that is away now delays
/// nothing here.
pub fn start(
    url: &str,
    serves_boards: bool,
    shutdown: CancellationToken,
) -> Result<(Changes, Option<tokio::task::JoinHandle<()>>), sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.application_name("orders-hook changes");
    let publisher = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_millis(1500))
        .connect_lazy_with(options.clone());
    let changes = Changes::through(publisher);
    let listener = serves_boards.then(|| {
        // One connection, kept for as long as it lives: a listener's connection is never idle
        // in the pool's sense.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_millis(1500))
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_lazy_with(options);
        tokio::spawn(listen(pool, changes.clone(), shutdown))
    });
    Ok((changes, listener))
}

/// Sends one change to every instance, without making the caller wait.
pub(super) fn notify(pool: sqlx::PgPool, changes: Changes, change: OrderChange) {
    tokio::spawn(async move {
        let sent = match serde_json::to_string(&change) {
            Ok(payload) => sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(&pool)
                .await
                .map(drop)
                .map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = sent {
            tracing::debug!(%error, "order change not sent to the other instances");
            changes.deliver(Heard::Order(change));
        }
    });
}

/// Listens until `shutdown`, connecting again after any error; quiet, because the database
/// being away is already loud elsewhere (readiness, the hook's 503s).
async fn listen(pool: sqlx::PgPool, changes: Changes, shutdown: CancellationToken) {
    let mut connected_before = false;
    loop {
        let connect = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let connected = tokio::select! {
            _ = shutdown.cancelled() => return,
            connected = connect => connected,
        };
        match connected {
            Ok(mut listener) => {
                if connected_before {
                    changes.deliver(Heard::Missed);
                }
                connected_before = true;
                if let Err(error) = hear(&mut listener, &changes, &shutdown).await {
                    tracing::debug!(%error, "listening for order changes: connection lost");
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

/// Passes on what the listener hears until its connection fails or `shutdown`.
async fn hear(
    listener: &mut PgListener,
    changes: &Changes,
    shutdown: &CancellationToken,
) -> Result<(), sqlx::Error> {
    loop {
        let heard = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            heard = listener.try_recv() => heard?,
        };
        match heard {
            Some(notification) => match serde_json::from_str(notification.payload()) {
                Ok(change) => changes.deliver(Heard::Order(change)),
                Err(error) => tracing::debug!(%error, "an order change that does not read"),
            },
            // The connection dropped and is made again on the next call; what went by
            // meanwhile is lost, so every board looks again.
            None => changes.deliver(Heard::Missed),
        }
    }
}
