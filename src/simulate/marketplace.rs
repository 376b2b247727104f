//! The marketplace's side of one event: send it, wait at most 5 s, retry a timeout or any
//! 4xx/5xx up to seven times with growing pauses, send some events twice, and ignore some
//! answers so that the retry comes. Every answer is kept for the verdict.

use super::bodies::{self, Marking};
use super::plan::{Copies, Event, Step};
use super::report::Tally;
use super::schedule::{MARKETPLACE_TIMEOUT, retry_pause};
use super::verdict::Answer;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// The seven retries after the first attempt.
pub const RETRIES: u32 = 7;

/// Everything a run's requests share.
pub struct Marketplace {
    client: reqwest::Client,
    url: String,
    token: String,
    pub marking: Marking,
    retry_scale: f64,
    in_flight: Semaphore,
    pub record: Mutex<Record>,
}

/// What the run has seen so far.
#[derive(Default)]
pub struct Record {
    pub tallies: BTreeMap<String, Tally>,
    pub answers: Vec<Answer>,
    pub undelivered: Vec<(String, Event)>,
    pub completed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copy {
    First,
    Duplicate,
}

impl Marketplace {
    pub fn new(
        url: &str,
        token: &str,
        marking: Marking,
        retry_scale: f64,
        in_flight: usize,
    ) -> anyhow::Result<Marketplace> {
        // One client: its pool keeps connections open between requests, as the marketplace's
        // workers do.
        let client = reqwest::Client::builder()
            .timeout(MARKETPLACE_TIMEOUT)
            .pool_max_idle_per_host(in_flight)
            .build()?;
        Ok(Marketplace {
            client,
            url: url.to_owned(),
            token: token.to_owned(),
            marking,
            retry_scale,
            in_flight: Semaphore::new(in_flight),
            record: Mutex::new(Record::default()),
        })
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One POST with `token`: the status and body, or the kind of failure.
    pub async fn post(&self, token: &str, body: &str) -> Result<(u16, String), String> {
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("Client-token", token)
            .body(body.to_owned())
            .send()
            .await
            .map_err(|error| failure_kind(&error))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|error| failure_kind(&error))?;
        Ok((status, text))
    }

    /// Sends step `index` of an order until it is answered 200 (every copy), planned at
    /// `intended`; false when the retries ran out.
    pub async fn step(
        &self,
        order: &str,
        variant: u64,
        index: usize,
        step: Step,
        intended: Instant,
    ) -> bool {
        let body = bodies::body(step.event, order, &self.marking.store_id, variant).to_string();
        let send =
            |copy, drop_first, at| self.copy(order, index, step.event, &body, copy, drop_first, at);
        let delivered = match step.copies {
            Copies::Once => send(Copy::First, step.drop_first, intended).await,
            Copies::TwiceInTurn => {
                send(Copy::First, step.drop_first, intended).await
                    && send(Copy::Duplicate, false, Instant::now()).await
            }
            Copies::TwiceAtOnce => {
                let (first, second) = tokio::join!(
                    send(Copy::First, step.drop_first, intended),
                    send(Copy::Duplicate, false, intended)
                );
                first && second
            }
        };
        if !delivered {
            self.lock().undelivered.push((order.to_owned(), step.event));
        }
        delivered
    }

    /// One copy of a message, with the marketplace's retries.
    #[allow(clippy::too_many_arguments)]
    async fn copy(
        &self,
        order: &str,
        index: usize,
        event: Event,
        body: &str,
        copy: Copy,
        drop_first: bool,
        mut intended: Instant,
    ) -> bool {
        for attempt in 0..=RETRIES {
            if let Some(pause) = retry_pause(attempt, self.retry_scale) {
                tokio::time::sleep(pause).await;
                intended = Instant::now();
            }
            let result = {
                let _permit = self.in_flight.acquire().await;
                self.post(&self.token, body).await
            };
            let latency = intended.elapsed();
            let dropped = drop_first && attempt == 0 && matches!(result, Ok((200, _)));
            let accepted = matches!(result, Ok((200, _))) && !dropped;
            let mut record = self.lock();
            let tally = record
                .tallies
                .entry(event.report_name().to_owned())
                .or_default();
            tally.requests += 1;
            tally.record_latency(latency);
            match (attempt, copy) {
                (0, Copy::First) => tally.events += 1,
                (0, Copy::Duplicate) => tally.duplicates += 1,
                _ => tally.retries += 1,
            }
            tally.dropped += u64::from(dropped);
            tally.delivered += u64::from(accepted && copy == Copy::First);
            match result {
                Ok((status, text)) => {
                    if status != 200 {
                        *tally.errors.entry(format!("status {status}")).or_default() += 1;
                    }
                    record.answers.push(Answer {
                        order: order.to_owned(),
                        step: index,
                        event,
                        status,
                        body: text,
                    });
                }
                Err(kind) => *tally.errors.entry(kind).or_default() += 1,
            }
            if accepted {
                return true;
            }
        }
        false
    }
}

fn failure_kind(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timeout".to_owned()
    } else if error.is_connect() {
        "connect".to_owned()
    } else {
        "transport".to_owned()
    }
}

/// Shared by the run and its tasks.
pub type Shared = Arc<Marketplace>;
