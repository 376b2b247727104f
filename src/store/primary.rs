//! Keeps the PostgreSQL connections on the server that takes writes, across a failover.
//!
//! sqlx connects to one host. An HA deployment gives several (`database_url`'s libpq
//! multi-host form), of which one is the primary at a time; after a failover another is. So:
//! - every new connection is checked once (`admit`): one that landed on a standby or a
//!   read-only server is closed, never handed out, and the follower is told;
//! - the follower (`follow`, one task per store) checks the host in use every second on a
//!   connection of its own, and on any doubt tries the hosts in the order written, keeps the
//!   first that takes writes, points every pool of the store at it and counts the switch;
//! - a connection made before the switch is dropped when next taken from the pool
//!   (`is_stale`), so nothing keeps writing to a server that was demoted in place;
//! - while no host takes writes, `ready` says so: `/readyz` is 503 and the hook answers 503,
//!   which the marketplace retries.
//!
//! The check is once per connection, not per query; the follower's is one small query a second.

use super::StoreError;
use crate::database_url::{Host, PostgresUrl, TargetSession};
use crate::telemetry::names;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

/// How often the follower asks the host in use whether it still takes writes.
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// How often the hosts are tried again while none takes writes.
const SEEK_AGAIN: Duration = Duration::from_millis(500);

/// One statement answers both of libpq's questions: a standby is in recovery; a primary made
/// read-only by hand (`default_transaction_read_only`) is not, but refuses writes all the same.
const TAKES_WRITES: &str =
    "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'";

/// The hosts of one store and which of them its pools use.
pub struct Primary {
    hosts: Vec<Host>,
    options: Vec<PgConnectOptions>,
    target: TargetSession,
    connect_timeout: Duration,
    /// The index of the host the pools connect to.
    current: AtomicUsize,
    /// Whether that host took writes when last asked.
    writable: AtomicBool,
    /// Why no host takes writes, for `ready`'s error and the log.
    refusal: Mutex<String>,
    /// Microseconds from `epoch` to the last switch: connections made before it are dropped.
    switched_at: AtomicU64,
    epoch: Instant,
    /// Wakes the follower at once (a connection refused as read-only, a failed readiness check).
    suspect: Notify,
    /// Counts switches, for what holds a connection outside the pools (the boards' `LISTEN`).
    switches: watch::Sender<u64>,
}

impl Primary {
    /// Reads each host's driver options, and finds the host to start on: the first, in the
    /// order written, that takes writes. None does: refused, naming each host and why.
    pub async fn find_first(url: &PostgresUrl) -> Result<Arc<Primary>, StoreError> {
        let options = url
            .hosts()
            .iter()
            .map(|host| {
                let driver = url
                    .driver_url(host)
                    .map_err(|e| StoreError::NoWritableHost(e.to_string()))?;
                Ok(PgConnectOptions::from_str(&driver)?.application_name("orders-hook"))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let primary = Primary {
            hosts: url.hosts().to_vec(),
            options,
            target: url.target,
            connect_timeout: url.connect_timeout,
            current: AtomicUsize::new(0),
            writable: AtomicBool::new(false),
            refusal: Mutex::new(String::new()),
            switched_at: AtomicU64::new(0),
            epoch: Instant::now(),
            suspect: Notify::new(),
            switches: watch::channel(0).0,
        };
        let first = primary.find().await.map_err(StoreError::NoWritableHost)?;
        primary.current.store(first, Ordering::SeqCst);
        primary.writable.store(true, Ordering::SeqCst);
        primary.show_current();
        Ok(Arc::new(primary))
    }

    /// The driver options of the host in use now.
    pub fn options_now(&self) -> PgConnectOptions {
        self.options[self.current.load(Ordering::SeqCst)].clone()
    }

    /// The host in use now, for log lines.
    pub fn host_now(&self) -> &Host {
        &self.hosts[self.current.load(Ordering::SeqCst)]
    }

    /// A pool of this store: its new connections checked, its old ones dropped after a switch.
    pub fn pool(self: &Arc<Self>, options: PgPoolOptions) -> PgPool {
        let (admitting, ageing) = (self.clone(), self.clone());
        options
            .after_connect(move |connection, _| {
                let primary = admitting.clone();
                Box::pin(async move { primary.admit(connection).await })
            })
            .before_acquire(move |_, meta| {
                let fresh = !ageing.is_stale(meta.age);
                Box::pin(async move { Ok(fresh) })
            })
            .connect_lazy_with(self.options_now())
    }

    /// Whether a host that takes writes is in use: `/readyz` and the hook's gate ask this
    /// before they ask the database anything.
    pub fn ready(&self) -> Result<(), StoreError> {
        if self.writable.load(Ordering::SeqCst) {
            return Ok(());
        }
        let why = self
            .refusal
            .lock()
            .map(|why| why.clone())
            .unwrap_or_default();
        Err(StoreError::NoWritableHost(why))
    }

    /// Tells the follower to look now rather than at its next tick.
    pub fn suspect(&self) {
        self.suspect.notify_one();
    }

    /// Changes with every switch: a `LISTEN` connection listens again on the new primary.
    pub fn switches(&self) -> watch::Receiver<u64> {
        self.switches.subscribe()
    }

    /// The pool's check of a new connection: a server that does not take writes is refused
    /// (the pool closes the connection and tries again, by then perhaps on another host).
    async fn admit(&self, connection: &mut PgConnection) -> Result<(), sqlx::Error> {
        if self.target == TargetSession::Any {
            return Ok(());
        }
        let takes_writes: bool = sqlx::query_scalar(TAKES_WRITES)
            .fetch_one(&mut *connection)
            .await?;
        if takes_writes {
            return Ok(());
        }
        self.suspect();
        Err(sqlx::Error::Protocol(format!(
            "{} does not take writes (a standby, or read-only): looking for the primary",
            self.host_now()
        )))
    }

    fn micros_since_epoch(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }

    /// A connection `age` old was made before the last switch.
    fn is_stale(&self, age: Duration) -> bool {
        let switched = self.switched_at.load(Ordering::SeqCst);
        let made = Instant::now().checked_sub(age).unwrap_or(self.epoch);
        switched > 0 && self.micros_since_epoch(made) < switched
    }

    /// Tries the hosts in the order written; the first that takes writes (or, with `any`,
    /// answers), or why none did, host by host.
    async fn find(&self) -> Result<usize, String> {
        let mut refusals = Vec::new();
        for (index, host) in self.hosts.iter().enumerate() {
            match self.takes_writes(index).await {
                Ok(true) => return Ok(index),
                Ok(false) => refusals.push(format!("{host}: does not take writes (a standby)")),
                Err(why) => refusals.push(format!("{host}: {why}")),
            }
        }
        Err(format!(
            "no host of database_url takes writes: {}",
            refusals.join("; ")
        ))
    }

    /// Asks one host on a connection of its own, each step within `connect_timeout`.
    async fn takes_writes(&self, index: usize) -> Result<bool, String> {
        let mut connection = self.connect(index).await?;
        let answer = self.ask(&mut connection).await;
        let _ = tokio::time::timeout(self.connect_timeout, connection.close()).await;
        answer
    }

    async fn connect(&self, index: usize) -> Result<PgConnection, String> {
        match tokio::time::timeout(self.connect_timeout, self.options[index].connect()).await {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!(
                "no connection within connect_timeout ({} s)",
                self.connect_timeout.as_secs()
            )),
        }
    }

    async fn ask(&self, connection: &mut PgConnection) -> Result<bool, String> {
        if self.target == TargetSession::Any {
            return Ok(true);
        }
        let asked = sqlx::query_scalar::<_, bool>(TAKES_WRITES).fetch_one(&mut *connection);
        match tokio::time::timeout(self.connect_timeout, asked).await {
            Ok(Ok(takes_writes)) => Ok(takes_writes),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("no answer within connect_timeout".into()),
        }
    }

    /// The follower: runs until `stop`, keeping `pools` on the host that takes writes.
    pub async fn follow(self: Arc<Self>, pools: Vec<PgPool>, stop: CancellationToken) {
        let mut probe: Option<PgConnection> = None;
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = self.suspect.notified() => {}
                _ = tokio::time::sleep(CHECK_EVERY) => {}
            }
            if self.current_takes_writes(&mut probe).await {
                continue;
            }
            probe = None;
            if !self.seek(&pools, &stop).await {
                return;
            }
        }
    }

    /// Asks the host in use on the follower's own connection, made again when lost.
    async fn current_takes_writes(&self, probe: &mut Option<PgConnection>) -> bool {
        let index = self.current.load(Ordering::SeqCst);
        if probe.is_none() {
            *probe = self.connect(index).await.ok();
        }
        match probe {
            Some(connection) => matches!(self.ask(connection).await, Ok(true)),
            None => false,
        }
    }

    /// Tries the hosts until one takes writes (or `stop`, then `false`), and switches to it.
    async fn seek(&self, pools: &[PgPool], stop: &CancellationToken) -> bool {
        let lost = self.host_now().to_string();
        let mut said = false;
        loop {
            match self.find().await {
                Ok(index) => {
                    self.switch_to(index, pools, &lost);
                    return true;
                }
                Err(why) => {
                    if self.writable.swap(false, Ordering::SeqCst) || !said {
                        tracing::error!(
                            was = %lost,
                            "{why}: answering 503 until one does"
                        );
                        metrics::gauge!(names::DATABASE_WRITABLE).set(0.0);
                        said = true;
                    }
                    if let Ok(mut refusal) = self.refusal.lock() {
                        *refusal = why;
                    }
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return false,
                _ = tokio::time::sleep(SEEK_AGAIN) => {}
            }
        }
    }

    /// Points every pool at host `index`; connections made before now are dropped as they
    /// come back. Counted as a switch when the host changed.
    fn switch_to(&self, index: usize, pools: &[PgPool], lost: &str) {
        let previous = self.current.swap(index, Ordering::SeqCst);
        for pool in pools {
            pool.set_connect_options(self.options[index].clone());
        }
        self.switched_at.store(
            self.micros_since_epoch(Instant::now()).max(1),
            Ordering::SeqCst,
        );
        self.writable.store(true, Ordering::SeqCst);
        if previous != index {
            metrics::counter!(names::PRIMARY_SWITCHES).increment(1);
            tracing::warn!(
                primary = %self.hosts[index],
                was = lost,
                "the primary moved: writing to {} now",
                self.hosts[index]
            );
        } else {
            tracing::info!(primary = %self.hosts[index], "the primary takes writes again");
        }
        self.switches.send_modify(|count| *count += 1);
        self.show_current();
    }

    /// The gauges: writable, and which host is in use.
    fn show_current(&self) {
        let current = self.current.load(Ordering::SeqCst);
        for (index, host) in self.hosts.iter().enumerate() {
            let in_use = if index == current { 1.0 } else { 0.0 };
            metrics::gauge!(names::DATABASE_PRIMARY, "host" => host.to_string()).set(in_use);
        }
        metrics::gauge!(names::DATABASE_WRITABLE).set(1.0);
    }
}
