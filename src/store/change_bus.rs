//! The change feed's transport between the instances of a pool: PostgreSQL's `NOTIFY` and
//! `LISTEN` on one channel. The console decides what a change means to a board
//! (`console::pool_changes`); this file only carries the text, on connections that follow the
//! primary like every other (`primary.rs`).

use super::StoreError;
use super::postgres::CONNECTION_WAIT;
use super::primary::Primary;
use async_trait::async_trait;
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use std::sync::Arc;
use tokio::sync::watch;
use tokio_util::sync::DropGuard;

/// The channel every instance of one database listens on.
pub const CHANNEL: &str = "orders_hook_changes";

/// Sends changes to every instance of the pool, and listens for theirs.
#[async_trait]
pub trait ChangeBus: Send + Sync {
    /// Sends one change's text to every instance listening, this one's included.
    async fn publish(&self, payload: &str) -> Result<(), StoreError>;

    /// A connection listening for every instance's changes.
    async fn listen(&self) -> Result<Box<dyn ChangeStream>, StoreError>;
}

/// What one listening connection hears.
#[async_trait]
pub trait ChangeStream: Send {
    /// The next change's text; `None` when changes may have gone by unheard (the connection
    /// was lost and made again). An error ends the stream: listen again.
    async fn next(&mut self) -> Result<Option<String>, StoreError>;
}

/// PostgreSQL's: a small pool for `NOTIFY`, one long-lived connection for `LISTEN`.
pub struct PgChangeBus {
    publisher: PgPool,
    listener: PgPool,
    primary: Arc<Primary>,
    /// Keeps the store's follower running while the bus is in use.
    _follow: Arc<DropGuard>,
}

impl PgChangeBus {
    /// The bus's pools, made on demand: a database that is away now delays nothing here.
    pub(super) fn new(primary: &Arc<Primary>, follow: Arc<DropGuard>) -> PgChangeBus {
        let publisher = primary.pool(
            PgPoolOptions::new()
                .max_connections(2)
                .acquire_timeout(CONNECTION_WAIT),
        );
        // A listener's connection is never idle in the pool's sense: it is kept for as long
        // as it lives.
        let listener = primary.pool(
            PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(CONNECTION_WAIT)
                .max_lifetime(None)
                .idle_timeout(None),
        );
        PgChangeBus {
            publisher,
            listener,
            primary: primary.clone(),
            _follow: follow,
        }
    }

    /// The pools the follower keeps on the primary.
    pub(super) fn pools(&self) -> [PgPool; 2] {
        [self.publisher.clone(), self.listener.clone()]
    }
}

#[async_trait]
impl ChangeBus for PgChangeBus {
    async fn publish(&self, payload: &str) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&self.publisher)
            .await?;
        Ok(())
    }

    async fn listen(&self) -> Result<Box<dyn ChangeStream>, StoreError> {
        let mut switches = self.primary.switches();
        switches.borrow_and_update();
        let mut listener = PgListener::connect_with(&self.listener).await?;
        listener.listen(CHANNEL).await?;
        Ok(Box::new(PgChangeStream { listener, switches }))
    }
}

struct PgChangeStream {
    listener: PgListener,
    switches: watch::Receiver<u64>,
}

#[async_trait]
impl ChangeStream for PgChangeStream {
    async fn next(&mut self) -> Result<Option<String>, StoreError> {
        tokio::select! {
            heard = self.listener.try_recv() => {
                Ok(heard?.map(|notification| notification.payload().to_owned()))
            }
            // The primary moved: whatever this connection is on now (a demoted server, if it
            // survived) hears no other instance's NOTIFY, so listen again on the new one.
            _ = self.switches.changed() => Err(StoreError::PrimaryMoved),
        }
    }
}
