//! The outbox as the delivery worker sees it: what a claim asks for, what it hands out, and how
//! an attempt is settled. The statements are the same text on both backends (both take `$n`
//! parameters); the dialect says how a claim begins and locks (SQLite: `BEGIN IMMEDIATE`, the
//! only writer; PostgreSQL: a transaction-scoped advisory lock, so the counts of recent attempts
//! are exact across the pool's workers, and `FOR UPDATE SKIP LOCKED` on the rows, so a claim
//! never waits on a row that a worker is settling).

use super::db;
use super::db::from_row;
use super::sql::SqlStore;
use super::{NoticeQueue, StoreError};
use crate::domain::NoticeKind;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::time::Duration;

/// Telegram's flood limits, counted from the attempt times kept in the outbox, so that they hold
/// for all workers on one database together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// At most one message a chat in this interval (Telegram: about 1 a second).
    pub per_chat_interval: Duration,
    /// At most this many messages a minute to one group or channel (Telegram: 20).
    pub group_per_minute: u32,
    /// At most this many messages a second in all (Telegram: 30).
    pub overall_per_second: u32,
}

impl Default for SendLimits {
    fn default() -> Self {
        SendLimits {
            per_chat_interval: Duration::from_secs(1),
            group_per_minute: 20,
            overall_per_second: 30,
        }
    }
}

/// Where a notice is in its delivery: the outbox's `status` column. The delivery statements
/// below name the same values in their SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    /// Waiting for its next attempt (or leased to a worker for one).
    Pending,
    /// Telegram accepted it: never sent again.
    Sent,
    /// Parked: Telegram refused it or the horizon passed; only `outbox retry` sends it again.
    Failed,
}

impl OutboxStatus {
    pub const ALL: [OutboxStatus; 3] = [
        OutboxStatus::Pending,
        OutboxStatus::Sent,
        OutboxStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == raw)
    }
}

/// A worker asking for the notices it may send now.
#[derive(Debug, Clone)]
pub struct NoticeClaim {
    /// Names the worker in the lease, unique per process.
    pub worker: String,
    pub now: DateTime<Utc>,
    /// Until when the claimed rows are the worker's; past it another worker takes them over.
    pub lease: Duration,
    pub limits: SendLimits,
}

/// A notice leased to one worker for one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedNotice {
    pub id: i64,
    pub original_order_id: String,
    pub kind: NoticeKind,
    pub chat: String,
    pub text: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub queued_at: DateTime<Utc>,
    /// An earlier attempt's outcome is unknown (its worker died holding the lease, or the send
    /// timed out or broke off after the request went out), so the chat may already show this
    /// notice: this attempt may be a repeat, and says so.
    pub maybe_sent: bool,
}

from_row!(ClaimedNotice {
    id,
    original_order_id,
    kind,
    chat,
    text,
    attempts,
    queued_at,
    maybe_sent
});

/// How an attempt ended, as the worker records it.
#[derive(Debug, Clone, PartialEq)]
pub enum Settlement {
    /// Telegram accepted the message: it is never sent again.
    Sent {
        message_id: Option<i64>,
        at: DateTime<Utc>,
    },
    /// Try again at `at` (back-off, or Telegram's `retry_after`). `maybe_sent`: this attempt
    /// may have reached the chat, so the row keeps `maybe_sent` for every later attempt.
    Retry {
        at: DateTime<Utc>,
        error: String,
        maybe_sent: bool,
    },
    /// Parked for an operator: Telegram refused for good, or the retry horizon passed.
    /// `maybe_sent` as for `Retry`: an attempt after `outbox retry` is marked too.
    Failed { error: String, maybe_sent: bool },
    /// The chat moved (a group upgraded to a supergroup): send to `chat` instead, at `at`.
    Readdress {
        chat: String,
        at: DateTime<Utc>,
        error: String,
    },
}

/// Which parked notices `outbox retry` puts back in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    One(i64),
    AllFailed,
}

/// True for a group, supergroup or channel, the chats that Telegram limits to 20 messages a
/// minute ("your bot will not be able to send more than 20 messages per minute to the same
/// group"). Telegram gives them negative ids, and a channel may be addressed as
/// `@channelusername`; a private chat's id is positive. `$chat` is the column holding the chat.
macro_rules! is_group_chat {
    ($chat:literal) => {
        concat!("substr(", $chat, ", 1, 1) IN ('-', '@')")
    };
}

/// The chat-queue heads a worker may send now: the oldest pending row of each chat, due, not
/// leased by a live worker, its chat not written to within the per-chat interval, a group not
/// over its minute's budget. A row never overtakes a parked (`failed`) notice of its own order
/// in its chat: the parts and the later notices of that order wait for `outbox retry`, while
/// other orders' notices flow past. (`queued_at` may be NULL in a row written by an instance of
/// an older release during a rolling update: the creation time stands in.)
///
/// `maybe_sent`: a claimable row that still names a lease owner is taken over from a worker
/// whose lease ran out, so its last attempt's outcome was never recorded; a settled attempt and
/// a lease given back (`RELEASE`) clear the owner. The column keeps the fact for every later
/// attempt (see its migration); a settlement also sets it when its own attempt may have
/// reached the chat (`SETTLE_RETRY`).
///
/// Parameters: $1 now, $2 now − per-chat interval, $3 now − 1 minute, $4 group budget, $5 how
/// many rows at most.
const CLAIM_HEADS: &str = concat!(
    "
    SELECT o.id, o.original_order_id, o.kind, o.chat, o.text,
           CAST(o.attempts AS BIGINT) + 1 AS attempts,
           COALESCE(o.queued_at, o.created_at) AS queued_at,
           (o.maybe_sent OR o.lease_owner IS NOT NULL) AS maybe_sent
    FROM outbox o
    WHERE o.status = 'pending'
      AND o.next_attempt_at <= $1
      AND (o.lease_until IS NULL OR o.lease_until <= $1)
      AND o.id = (SELECT MIN(p.id) FROM outbox p
                  WHERE p.chat = o.chat AND p.status = 'pending'
                    AND NOT EXISTS (SELECT 1 FROM outbox f
                                    WHERE f.original_order_id = p.original_order_id
                                      AND f.chat = p.chat AND f.status = 'failed'
                                      AND f.id < p.id))
      AND NOT EXISTS (SELECT 1 FROM outbox r WHERE r.chat = o.chat AND r.last_attempt_at > $2)
      AND (NOT (",
    is_group_chat!("o.chat"),
    ")
           OR (SELECT COUNT(*) FROM outbox g
               WHERE g.chat = o.chat AND g.last_attempt_at > $3) < $4)
    ORDER BY o.id
    LIMIT $5"
);

/// Attempts made in the last second by every worker: $1 now − 1 s.
const RECENT_ATTEMPTS: &str = "SELECT COUNT(*) FROM outbox WHERE last_attempt_at > $1";

/// Leases one claimed row and keeps what the claim found out about it: $1 id, $2 worker,
/// $3 now, $4 lease end, $5 `maybe_sent`.
const LEASE: &str = "
    UPDATE outbox SET lease_owner = $2, lease_until = $4, last_attempt_at = $3,
                      attempts = attempts + 1, maybe_sent = $5
    WHERE id = $1";

/// Telegram's acceptance is a fact whoever holds the lease: $1 id, $2 sent at, $3 message id.
const SETTLE_SENT: &str = "
    UPDATE outbox SET status = 'sent', sent_at = $2, telegram_message_id = $3, last_error = NULL,
                      lease_owner = NULL, lease_until = NULL
    WHERE id = $1 AND status = 'pending'";

/// A retry is the lease holder's decision only: $1 id, $2 worker, $3 next attempt, $4 error,
/// $5 this attempt may have reached the chat (it timed out after sending). Once a possible
/// repeat, always one: `maybe_sent` is set, never cleared.
const SETTLE_RETRY: &str = "
    UPDATE outbox SET next_attempt_at = $3, last_error = $4, lease_owner = NULL, lease_until = NULL,
                      maybe_sent = (maybe_sent OR $5)
    WHERE id = $1 AND lease_owner = $2 AND status = 'pending'";

/// A group became a supergroup: the notice follows it to the new chat id, at once.
/// $1 id, $2 worker, $3 the new chat, $4 now, $5 why.
const SETTLE_READDRESS: &str = "
    UPDATE outbox SET chat = $3, next_attempt_at = $4, last_error = $5, lease_owner = NULL,
                      lease_until = NULL
    WHERE id = $1 AND lease_owner = $2 AND status = 'pending'";

/// $1 id, $2 worker, $3 error, $4 this attempt may have reached the chat (as in `SETTLE_RETRY`).
const SETTLE_FAILED: &str = "
    UPDATE outbox SET status = 'failed', last_error = $3, lease_owner = NULL, lease_until = NULL,
                      maybe_sent = (maybe_sent OR $4)
    WHERE id = $1 AND lease_owner = $2 AND status = 'pending'";

/// A stopping worker gives back leases of rows it never handed to Telegram (`Worker::run` keeps
/// the others), so the next attempt is not a repeat: $1 worker.
const RELEASE: &str = "
    UPDATE outbox SET lease_owner = NULL, lease_until = NULL
    WHERE lease_owner = $1 AND status = 'pending'";

/// $1 now, $2 the row's id, or NULL for every failed row.
pub(super) const REQUEUE: &str = "
    UPDATE outbox SET status = 'pending', next_attempt_at = $1, queued_at = $1, attempts = 0,
                      lease_owner = NULL, lease_until = NULL
    WHERE status = 'failed' AND (CAST($2 AS BIGINT) IS NULL OR id = $2)";

/// When a claim's lease runs out.
fn lease_end(claim: &NoticeClaim) -> DateTime<Utc> {
    claim.now + chrono::Duration::from_std(claim.lease).unwrap_or(chrono::Duration::minutes(1))
}

/// The bind values of `CLAIM_HEADS` and `RECENT_ATTEMPTS` that are times.
struct Windows {
    chat_since: DateTime<Utc>,
    minute_ago: DateTime<Utc>,
    second_ago: DateTime<Utc>,
}

fn windows(claim: &NoticeClaim) -> Windows {
    let per_chat = chrono::Duration::from_std(claim.limits.per_chat_interval)
        .unwrap_or(chrono::Duration::seconds(1));
    Windows {
        chat_since: claim.now - per_chat,
        minute_ago: claim.now - chrono::Duration::minutes(1),
        second_ago: claim.now - chrono::Duration::seconds(1),
    }
}

// The delivery worker's transactions, one text for both databases.
on_either_database! {
    #[async_trait]
    impl NoticeQueue for SqlStore<DB> {
        /// A claim, in one writing transaction that holds the claim lock: how many attempts the
        /// last second left, the heads within the limits (locked as the dialect locks them), and
        /// their leases.
        async fn claim_due_notices(
            &self,
            claim: &NoticeClaim,
        ) -> Result<Vec<ClaimedNotice>, StoreError> {
            let mut tx = DB::begin_write(&self.pool).await?;
            DB::lock_claims(&mut tx).await?;
            let windows = windows(claim);
            let recent: i64 = db::query_scalar(RECENT_ATTEMPTS)
                .bind(windows.second_ago)
                .fetch_one(&mut tx)
                .await?;
            let budget = i64::from(claim.limits.overall_per_second) - recent;
            if budget <= 0 {
                return Ok(Vec::new()); // nothing written: dropping the transaction rolls it back
            }
            // The statement is two constants joined: nothing from outside reaches its text.
            let sql = format!("{CLAIM_HEADS}{}", DB::CLAIM_LOCKING);
            let rows = db::query_as::<ClaimedNotice>(sql)
                .bind(claim.now)
                .bind(windows.chat_since)
                .bind(windows.minute_ago)
                .bind(i64::from(claim.limits.group_per_minute))
                .bind(budget)
                .fetch_all(&mut tx)
                .await?;
            let until = lease_end(claim);
            for row in &rows {
                db::query(LEASE)
                    .bind(row.id)
                    .bind(claim.worker.as_str())
                    .bind(claim.now)
                    .bind(until)
                    .bind(row.maybe_sent)
                    .execute(&mut tx)
                    .await?;
            }
            DB::commit(tx).await?;
            Ok(rows)
        }

        /// Records how an attempt ended; false when the worker no longer held the row.
        async fn settle_notice(
            &self,
            id: i64,
            worker: &str,
            settlement: &Settlement,
        ) -> Result<bool, StoreError> {
            let query = match settlement {
                Settlement::Sent { message_id, at } => db::query(SETTLE_SENT)
                    .bind(id)
                    .bind(*at)
                    .bind(*message_id),
                Settlement::Retry {
                    at,
                    error,
                    maybe_sent,
                } => db::query(SETTLE_RETRY)
                    .bind(id)
                    .bind(worker)
                    .bind(*at)
                    .bind(error.as_str())
                    .bind(*maybe_sent),
                Settlement::Failed { error, maybe_sent } => db::query(SETTLE_FAILED)
                    .bind(id)
                    .bind(worker)
                    .bind(error.as_str())
                    .bind(*maybe_sent),
                Settlement::Readdress { chat, at, error } => db::query(SETTLE_READDRESS)
                    .bind(id)
                    .bind(worker)
                    .bind(chat.as_str())
                    .bind(*at)
                    .bind(error.as_str()),
            };
            Ok(query.execute(DB::writer(&self.pool)).await? > 0)
        }

        /// Gives back a stopping worker's leases.
        async fn release_notices(&self, worker: &str) -> Result<u64, StoreError> {
            let done = db::query(RELEASE)
                .bind(worker)
                .execute(DB::writer(&self.pool))
                .await?;
            Ok(done)
        }
    }
}
