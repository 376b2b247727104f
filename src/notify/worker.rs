//! The delivery worker. One step (`run_once`) claims what may be sent now, sends it, and records
//! the outcome; the loop repeats it when the hook commits a notice, after a busy step, and on a
//! sweep as a fallback (retries coming due, notices committed by other processes).

use super::clock::Clock;
use super::retry::RetryPolicy;
use super::telegram::{BotApi, SendOutcome};
use crate::notice::with_repeat_mark;
use crate::store::{ClaimedNotice, NoticeClaim, NoticeQueue, SendLimits, Settlement, StoreError};
use crate::telemetry::names;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub limits: SendLimits,
    pub retry: RetryPolicy,
    /// How long a claimed row stays the worker's. Longer than any send can take (the client's
    /// timeout), so that only a dead worker's rows are taken over.
    pub lease: Duration,
    /// How often an idle worker looks for work that no wake-up announced.
    pub sweep: Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            limits: SendLimits::default(),
            retry: RetryPolicy::default(),
            lease: Duration::from_secs(60),
            sweep: Duration::from_secs(1),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// After a step that sent something, look again this soon: the next notice of a chat becomes
/// sendable a second after the previous one.
const BUSY_PAUSE: Duration = Duration::from_millis(200);

pub struct Worker {
    queue: Arc<dyn NoticeQueue>,
    api: Arc<BotApi>,
    clock: Arc<dyn Clock>,
    settings: NotifySettings,
    id: String,
    /// Outcomes the database could not take yet. Above all a "sent": it is written before any
    /// new claim, so a message Telegram accepted is not sent again when its lease runs out.
    unsettled: Mutex<Vec<(i64, Settlement)>>,
    /// Rows claimed and handed to Telegram whose outcome this worker does not know yet. A send
    /// task or a step that panicked leaves its rows here: Telegram may have taken them.
    in_doubt: Mutex<HashSet<i64>>,
}

impl Worker {
    pub fn new(
        queue: Arc<dyn NoticeQueue>,
        api: BotApi,
        clock: Arc<dyn Clock>,
        settings: NotifySettings,
    ) -> Self {
        let id = crate::instance::instance_id();
        Worker {
            queue,
            api: Arc::new(api),
            clock,
            settings,
            id,
            unsettled: Mutex::new(Vec::new()),
            in_doubt: Mutex::new(HashSet::new()),
        }
    }

    /// The name this worker's leases carry.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims, sends and settles once.
    pub async fn run_once(&self) -> Result<Round, StoreError> {
        self.flush_unsettled().await?;
        let claim = NoticeClaim {
            worker: self.id.clone(),
            now: self.clock.now(),
            lease: self.settings.lease,
            limits: self.settings.limits,
        };
        let claimed = self.queue.claim_due_notices(&claim).await?;
        self.lock_in_doubt()
            .extend(claimed.iter().map(|notice| notice.id));
        let mut round = Round {
            claimed: claimed.len(),
            ..Round::default()
        };
        // Every claimed row heads a different chat: they go out side by side.
        let mut sending = tokio::task::JoinSet::new();
        for notice in claimed {
            let api = self.api.clone();
            sending.spawn(async move {
                let started = Instant::now();
                let outcome = {
                    // The stored text stays as it is; only what this attempt sends is marked.
                    let text = if notice.maybe_sent {
                        Cow::Owned(with_repeat_mark(&notice.text))
                    } else {
                        Cow::Borrowed(notice.text.as_str())
                    };
                    api.send_message(&notice.chat, &text).await
                };
                (notice, outcome, started.elapsed())
            });
        }
        while let Some(joined) = sending.join_next().await {
            let Ok((notice, outcome, took)) = joined else {
                // Its lease runs out and another step takes it over, marked as a possible repeat;
                // the row stays in doubt here, so that a stop does not give its lease back.
                tracing::error!(
                    "a Telegram send task failed; the notice is sent again after its lease, \
                     marked as a possible repeat"
                );
                continue;
            };
            metrics::histogram!(names::TELEGRAM_SEND_DURATION).record(took.as_secs_f64());
            let settlement =
                self.settings
                    .retry
                    .settle(&notice, &outcome, self.clock.now(), rand::random());
            report(&notice, &outcome, &settlement, &mut round);
            self.record(notice.id, settlement).await;
        }
        Ok(round)
    }

    /// Runs until `shutdown`, waking early when `wake` is notified (the hook committed a notice).
    pub async fn run(&self, wake: Arc<Notify>, shutdown: CancellationToken) {
        tracing::info!(worker = %self.id, "Telegram notice worker started");
        let mut failures = 0u32;
        while !shutdown.is_cancelled() {
            // A step is never cut short: a message in flight is settled before the worker stops.
            let pause = match self.run_once().await {
                Ok(round) => {
                    failures = 0;
                    if round.claimed > 0 {
                        BUSY_PAUSE
                    } else {
                        self.settings.sweep
                    }
                }
                Err(error) => {
                    failures += 1;
                    tracing::warn!(%error, "notice worker: database unavailable, trying again");
                    Duration::from_secs(u64::from(failures.min(30)))
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
            }
        }
        if let Err(error) = self.flush_unsettled().await {
            // Giving the leases back now would let another worker send these again at once;
            // left to expire, they are at least held off for the lease's length.
            let owed: Vec<String> = self
                .lock_unsettled()
                .iter()
                .map(|(id, settlement)| format!("#{id}: {settlement:?}"))
                .collect();
            tracing::error!(%error, ?owed, "notice worker stopped owing outcomes to the database; leases left to expire");
            tracing::info!(worker = %self.id, "Telegram notice worker stopped");
            return;
        }
        // Each step waits for every send it starts and records the outcome, so a row still
        // leased here was handed to Telegram by a send or a step that panicked: it may be in
        // the chat. Its lease is left to run out, so that the worker taking it over marks it as
        // a possible repeat. Only with nothing in doubt are leases given back: then none of
        // them was ever handed to Telegram, and the next attempt is not a repeat.
        let in_doubt: Vec<i64> = self.lock_in_doubt().iter().copied().collect();
        if !in_doubt.is_empty() {
            tracing::error!(
                ?in_doubt,
                "notice worker stopped not knowing whether Telegram took these notices; leases \
                 left to expire, so that they are sent again marked as possible repeats"
            );
            tracing::info!(worker = %self.id, "Telegram notice worker stopped");
            return;
        }
        match self.queue.release_notices(&self.id).await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "notice worker gave back its leases"),
            Err(error) => tracing::warn!(%error, "notice worker: leases left to expire"),
        }
        tracing::info!(worker = %self.id, "Telegram notice worker stopped");
    }

    async fn record(&self, id: i64, settlement: Settlement) {
        self.lock_in_doubt().remove(&id);
        match self.queue.settle_notice(id, &self.id, &settlement).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                notice = id,
                "notice was taken over by another worker before its outcome was recorded"
            ),
            Err(error) => {
                tracing::error!(notice = id, %error, "outcome not recorded yet; kept to retry");
                self.lock_unsettled().push((id, settlement));
            }
        }
    }

    async fn flush_unsettled(&self) -> Result<(), StoreError> {
        let waiting = std::mem::take(&mut *self.lock_unsettled());
        let mut rest = waiting.into_iter();
        while let Some((id, settlement)) = rest.next() {
            if let Err(error) = self.queue.settle_notice(id, &self.id, &settlement).await {
                let mut unsettled = self.lock_unsettled();
                unsettled.push((id, settlement));
                unsettled.extend(rest);
                return Err(error);
            }
        }
        Ok(())
    }

    fn lock_in_doubt(&self) -> std::sync::MutexGuard<'_, HashSet<i64>> {
        self.in_doubt
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_unsettled(&self) -> std::sync::MutexGuard<'_, Vec<(i64, Settlement)>> {
        self.unsettled
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One log line and the counters for an attempt; the line names the notice through its span.
fn report(
    notice: &ClaimedNotice,
    outcome: &SendOutcome,
    settlement: &Settlement,
    round: &mut Round,
) {
    let _notice = tracing::info_span!(
        "notice",
        id = notice.id,
        order = notice.original_order_id.as_str(),
        kind = notice.kind.as_str(),
        chat = notice.chat.as_str(),
        attempt = notice.attempts,
    )
    .entered();
    match settlement {
        Settlement::Sent { message_id, .. } => {
            round.sent += 1;
            metrics::counter!(names::NOTICES_SENT).increment(1);
            if notice.maybe_sent {
                metrics::counter!(names::NOTICES_POSSIBLE_REPEATS).increment(1);
                tracing::warn!(
                    message_id,
                    "notice sent marked as a possible repeat: an earlier attempt's outcome is \
                     unknown, so the chat may show it twice"
                );
            } else {
                tracing::info!(message_id, "notice sent");
            }
        }
        Settlement::Retry {
            at,
            error,
            maybe_sent,
        } => {
            round.retried += 1;
            let reason = match outcome {
                SendOutcome::TooManyRequests { .. } => "rate_limited",
                _ => "transient",
            };
            metrics::counter!(names::NOTICE_RETRIES, "reason" => reason).increment(1);
            if *maybe_sent {
                tracing::warn!(retry_at = %at, error, "notice may have been sent, will retry marked as a possible repeat");
            } else {
                tracing::warn!(retry_at = %at, error, "notice not sent, will retry");
            }
        }
        Settlement::Readdress {
            chat: to, error, ..
        } => {
            round.retried += 1;
            metrics::counter!(names::NOTICE_RETRIES, "reason" => "chat_moved").increment(1);
            tracing::error!(
                to,
                error,
                "chat moved: the notice follows it; update the store routing"
            );
        }
        Settlement::Failed { error, .. } => {
            round.failed += 1;
            metrics::counter!(names::NOTICES_FAILED).increment(1);
            tracing::error!(
                error,
                "notice parked as failed: `orders-hook outbox retry` re-queues it"
            );
        }
    }
}
