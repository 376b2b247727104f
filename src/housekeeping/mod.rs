//! Housekeeping, off the request path: retention of the journal, of sent notices and of the
//! console's spent sessions and links, and SQLite's upkeep (a checkpoint that never waits,
//! `PRAGMA optimize`).
//!
//! Order documents, their history and the stock ledger are business records and are never
//! pruned; nor is a notice still to send or parked as failed (`store::Prunable` names what may
//! go). Rows go a small batch per transaction with a pause between, so a hook request waits at
//! most one batch for the database. In pool mode one instance at a time does it: the one that
//! holds the `retention` lease in the database, renewed after every batch.

use crate::notify::Clock;
use crate::store::{Housekeeping, Prunable, StoreError};
use crate::telemetry::names;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The lease's name in `maintenance_leases`.
pub const TASK: &str = "retention";

/// How long a round may go without renewing its lease before another instance may take over
/// (a round renews it after every batch).
const LEASE: chrono::Duration = chrono::Duration::minutes(5);

/// How long past its end a console session or one-time link is kept: a day in which the
/// operator can still see a link used or revoked, and a clock a little off changes nothing.
pub const CONSOLE_MARGIN: chrono::Duration = chrono::Duration::days(1);

/// The first round comes this soon after start (or after `every`, if that is shorter).
const FIRST_ROUND_AFTER: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HousekeepingSettings {
    /// How long journal rows are kept; `None` keeps them for ever.
    pub journal_retention: Option<chrono::Duration>,
    /// How long sent notices are kept after they were sent; `None` keeps them for ever.
    pub outbox_retention: Option<chrono::Duration>,
    /// How often a round runs.
    pub every: Duration,
    /// Rows deleted per transaction.
    pub batch_rows: u32,
    /// The pause between two batches, in which hook requests have the database to themselves.
    pub pause: Duration,
}

impl HousekeepingSettings {
    /// How long rows of `what` are kept.
    pub fn retention(&self, what: Prunable) -> Option<chrono::Duration> {
        match what {
            Prunable::Journal => self.journal_retention,
            Prunable::SentNotices => self.outbox_retention,
            // Spent sign-ins are worth nothing to keep; only the margin is.
            Prunable::ConsoleSessions | Prunable::ConsoleLinks => Some(CONSOLE_MARGIN),
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// False when another instance held the lease, and this one did nothing.
    pub held: bool,
    pub journal_rows: u64,
    pub sent_notices: u64,
    /// The console's sessions and one-time links together.
    pub console_rows: u64,
    pub batches: u32,
}

impl Round {
    fn count(&mut self, what: Prunable, rows: u64) {
        self.batches += 1;
        match what {
            Prunable::Journal => self.journal_rows += rows,
            Prunable::SentNotices => self.sent_notices += rows,
            Prunable::ConsoleSessions | Prunable::ConsoleLinks => self.console_rows += rows,
        }
    }
}

pub struct Housekeeper {
    store: Arc<dyn Housekeeping>,
    clock: Arc<dyn Clock>,
    settings: HousekeepingSettings,
    id: String,
}

impl Housekeeper {
    pub fn new(
        store: Arc<dyn Housekeeping>,
        clock: Arc<dyn Clock>,
        settings: HousekeepingSettings,
    ) -> Self {
        Housekeeper {
            store,
            clock,
            settings,
            id: crate::instance::instance_id(),
        }
    }

    /// The name this instance holds the lease under.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// One round: takes the lease or leaves at once, prunes what has aged past its retention
    /// (as of the round's start), tidies, and gives the lease back. `stop` ends it between two
    /// batches.
    pub async fn run_once(&self, stop: &CancellationToken) -> Result<Round, StoreError> {
        let now = self.clock.now();
        if !self.renew_lease().await? {
            return Ok(Round::default());
        }
        let mut round = Round {
            held: true,
            ..Round::default()
        };
        let pruned = self.prune(now, &mut round, stop).await;
        let tidied = match pruned {
            Ok(()) => self.store.tidy().await,
            Err(_) => Ok(()),
        };
        // Given back whatever happened: an error here only makes the next round wait it out.
        let ended = self.store.end_lease(TASK, &self.id, self.clock.now()).await;
        pruned?;
        tidied?;
        ended?;
        // What the alert on a stalled housekeeping watches: only a round that held the lease
        // and finished counts.
        let finished = self.clock.now();
        metrics::gauge!(names::HOUSEKEEPING_LAST_ROUND)
            .set(finished.timestamp_millis() as f64 / 1000.0);
        if round.journal_rows + round.sent_notices + round.console_rows > 0 {
            tracing::info!(
                journal_rows = round.journal_rows,
                sent_notices = round.sent_notices,
                console_rows = round.console_rows,
                batches = round.batches,
                "retention: pruned what aged past its keeping time"
            );
        }
        Ok(round)
    }

    async fn prune(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        round: &mut Round,
        stop: &CancellationToken,
    ) -> Result<(), StoreError> {
        let batch = self.settings.batch_rows;
        for what in Prunable::ALL {
            let Some(keep) = self.settings.retention(what) else {
                continue;
            };
            let before = now - keep;
            loop {
                let started = Instant::now();
                let deleted = self.store.prune(what, before, batch).await?;
                metrics::histogram!(names::PRUNE_BATCH_DURATION)
                    .record(started.elapsed().as_secs_f64());
                metrics::counter!(names::PRUNED_ROWS, "table" => what.table()).increment(deleted);
                round.count(what, deleted);
                if deleted < u64::from(batch) {
                    break;
                }
                tokio::select! {
                    _ = stop.cancelled() => return Ok(()),
                    _ = tokio::time::sleep(self.settings.pause) => {}
                }
                if !self.renew_lease().await? {
                    tracing::warn!("retention: another instance took the lease over; stopping");
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    async fn renew_lease(&self) -> Result<bool, StoreError> {
        let now = self.clock.now();
        self.store
            .take_lease(TASK, &self.id, now, now + LEASE)
            .await
    }

    /// Runs a round every `settings.every` until `stop`; a failed round is logged and the
    /// next one tries again.
    pub async fn run(&self, stop: CancellationToken) {
        let mut pause = FIRST_ROUND_AFTER.min(self.settings.every);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(pause) => {}
            }
            pause = self.settings.every;
            if let Err(error) = self.run_once(&stop).await {
                tracing::warn!(%error, "housekeeping round failed; the next one tries again");
            }
        }
    }
}
