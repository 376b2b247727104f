//! Group commit: the hook's events wait for one writer, which runs each event's sequence in a
//! savepoint of its own inside one transaction and commits the batch with one flush (one fsync
//! on SQLite), so that the hook goes past one fsync per order without answering before its
//! order is durable.
//!
//! The writer is a thread of its own, which may block: SQLite's statements run on it in place,
//! one hand-off per batch (the queue) instead of one per statement (`Dialect::begin_batch`).
//!
//! An idle writer takes a lone event at once: only the events that arrive while a batch is
//! being written make up the next one (at most `max_events`). An event that fails is rolled
//! back to its savepoint and answered alone; the batch's others commit. A request that leaves
//! (its deadline) is skipped if its event has not begun, and rolled back to its savepoint if it
//! is running, as a transaction of its own would be dropped.

use super::{Applied, Request, sequence};
use crate::domain::OrderEvent;
use crate::store::{EventTx, IngestStore, Rules, StoreError};
use crate::telemetry::names;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Events that may wait for the writer; past it a request waits for room, within its deadline.
const QUEUE: usize = 1024;

/// What the writer tells an event: its result, or the panic of its sequence, which the hook's
/// last line of defence answers as it would without group commit.
type Reply = std::thread::Result<Result<Applied, StoreError>>;

struct Job {
    event: OrderEvent,
    rules: Arc<Rules>,
    request: Request,
    reply: oneshot::Sender<Reply>,
}

/// `group_commit` and `group_commit_max_events`.
#[derive(Debug, Clone, Copy)]
pub struct GroupCommitSettings {
    /// Batch the hook's events (SQLite only: see `app::group_commit`).
    pub enabled: bool,
    /// The most events one batch (one commit) holds.
    pub max_events: usize,
}

/// The way into one store's single writer; every request holds a clone.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer of `store`, batching at most `max_events`; it ends when the last
    /// `GroupCommit` is dropped.
    pub fn start(store: Arc<dyn IngestStore>, max_events: usize) -> GroupCommit {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let runtime = tokio::runtime::Handle::current();
        let writer = std::thread::Builder::new()
            .name("group-commit".to_owned())
            .spawn(move || runtime.block_on(write(store, waiting, max_events.max(1))));
        if let Err(error) = writer {
            // Without its thread every event is answered 503 (`WriterStopped`), never lost.
            tracing::error!(%error, "the group commit's writer thread could not start");
        }
        GroupCommit { queue }
    }

    /// Events queued for the writer and not yet taken into a batch.
    pub fn waiting(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Applies the event in the writer's next batch and returns once that batch has committed
    /// (or the event failed alone). Dropped at the request's deadline, the event never commits
    /// unless its savepoint was already released.
    pub async fn apply(
        &self,
        event: OrderEvent,
        rules: &Arc<Rules>,
        request: &Request,
    ) -> Result<Applied, StoreError> {
        let (reply, answer) = oneshot::channel();
        // The event moves to the writer; the request's record is shared (its body is not
        // copied).
        let job = Job {
            event,
            rules: rules.clone(),
            request: request.clone(),
            reply,
        };
        if self.queue.send(job).await.is_err() {
            return Err(StoreError::WriterStopped);
        }
        match answer.await {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => Err(StoreError::WriterStopped),
        }
    }
}

async fn write(store: Arc<dyn IngestStore>, mut waiting: mpsc::Receiver<Job>, max_events: usize) {
    while let Some(first) = waiting.recv().await {
        // No wait for company: what queued while the last batch was written joins this one.
        let mut batch = vec![first];
        while batch.len() < max_events {
            match waiting.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit(&*store, batch).await;
    }
}

/// One batch: one transaction, a savepoint per event, one commit, then every kept answer.
async fn commit(store: &dyn IngestStore, batch: Vec<Job>) {
    // A request that passed its deadline while queued has been answered 503: never applied.
    let batch: Vec<Job> = batch
        .into_iter()
        .filter(|job| !job.reply.is_closed())
        .collect();
    if batch.is_empty() {
        return;
    }
    metrics::histogram!(names::GROUP_COMMIT_EVENTS).record(batch.len() as f64);
    let mut tx = match store.begin_batch().await {
        Ok(tx) => tx,
        Err(error) => return fail_all(batch.into_iter().map(|job| job.reply), &error),
    };
    let mut kept = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    while let Some(job) = jobs.next() {
        match one(&mut *tx, job).await {
            Ok(Some(done)) => kept.push(done),
            Ok(None) => {}
            Err(error) => {
                // The transaction itself broke: nothing of the batch stays.
                let replies = kept.into_iter().map(|(reply, _)| reply);
                return fail_all(replies.chain(jobs.map(|job| job.reply)), &error);
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for (reply, applied) in kept {
                let _ = reply.send(Ok(Ok(applied)));
            }
        }
        Err(error) => fail_all(kept.into_iter().map(|(reply, _)| reply), &error),
    }
}

/// Runs one event in its savepoint: `Some` to answer after the commit; `None` when it was
/// answered alone (it failed or panicked) or its request left; an error when the batch's
/// transaction can no longer be used.
async fn one(
    tx: &mut dyn EventTx,
    job: Job,
) -> Result<Option<(oneshot::Sender<Reply>, Applied)>, StoreError> {
    let Job {
        event,
        rules,
        request,
        mut reply,
    } = job;
    if reply.is_closed() {
        return Ok(None);
    }
    tx.savepoint().await?;
    let run = AssertUnwindSafe(sequence(&mut *tx, &event, &rules, &request)).catch_unwind();
    let outcome = tokio::select! {
        outcome = run => Some(outcome),
        // The request's deadline: the sequence is dropped, as its own transaction would be.
        () = reply.closed() => None,
    };
    match outcome {
        Some(Ok(Ok(applied))) if !reply.is_closed() => {
            tx.release().await?;
            Ok(Some((reply, applied)))
        }
        Some(Ok(Ok(_))) | None => {
            tx.rollback_to_savepoint().await?;
            Ok(None)
        }
        Some(failed) => {
            let _ = reply.send(failed);
            tx.rollback_to_savepoint().await?;
            Ok(None)
        }
    }
}

fn fail_all(replies: impl Iterator<Item = oneshot::Sender<Reply>>, error: &StoreError) {
    tracing::error!(%error, "a group commit's batch failed: its events are answered 503");
    for reply in replies {
        let _ = reply.send(Ok(Err(copy_of(error))));
    }
}

/// The batch's error for each of its events (sqlx's errors cannot be cloned), keeping what the
/// hook reads in it: whether the database is unreachable, and arithmetic.
fn copy_of(error: &StoreError) -> StoreError {
    use sqlx::Error as E;
    match error {
        StoreError::Database(E::PoolTimedOut) => StoreError::Database(E::PoolTimedOut),
        StoreError::Database(E::PoolClosed) => StoreError::Database(E::PoolClosed),
        StoreError::Database(E::Io(io)) => {
            StoreError::Database(E::Io(std::io::Error::new(io.kind(), io.to_string())))
        }
        StoreError::Corrupt(why) => StoreError::Corrupt(why.clone()),
        StoreError::Permission(why) => StoreError::Permission(why.clone()),
        StoreError::WriterStopped => StoreError::WriterStopped,
        StoreError::Arithmetic(why) => StoreError::Arithmetic(why.clone()),
        other => StoreError::Database(E::Protocol(other.to_string())),
    }
}
