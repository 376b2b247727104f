//! Logs (tracing, text or JSON) and metrics (Prometheus, rendered by `GET /metrics`).

use crate::config::LogFormat;
use crate::domain::{EventKind, Outcome};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Metric names, in one place so the dashboards and the code agree.
pub mod names {
    /// Hook requests by `event` and `outcome`.
    pub const REQUESTS: &str = "orders_hook_requests_total";
    /// `event` of a request whose `event_type` we do not handle.
    pub const EVENT_OTHER: &str = "other";
    /// `event` of a request whose `event_type` could not be read.
    pub const EVENT_UNREAD: &str = "invalid";
    /// Time from receiving a hook request to answering it, by `event`.
    pub const REQUEST_DURATION: &str = "orders_hook_request_duration_seconds";
    /// Outbox rows by `status` (`pending` is the backlog still to send).
    pub const OUTBOX_ROWS: &str = "orders_hook_outbox_messages";
    /// Stock balances below zero right now.
    pub const NEGATIVE_BALANCES: &str = "orders_hook_negative_stock_balances";
    /// Write-offs that took a balance below zero.
    pub const NEGATIVE_WRITE_OFFS: &str = "orders_hook_negative_write_offs_total";
    /// Changes that arrived for a locked order and were only journaled.
    pub const LOCKED_CHANGES: &str = "orders_hook_locked_changes_ignored_total";
    /// Hook requests that panicked and were answered 500 (the property tests say: none).
    pub const PANICS: &str = "orders_hook_request_panics_total";
    /// Requests refused for a missing or wrong `Client-token`.
    pub const FORBIDDEN: &str = "orders_hook_forbidden_total";
    /// Notices Telegram accepted.
    pub const NOTICES_SENT: &str = "orders_hook_notices_sent_total";
    /// Notices Telegram accepted with the repeat mark: an earlier attempt's outcome was never
    /// recorded (its worker died holding the lease), so the chat may show the notice twice.
    pub const NOTICES_POSSIBLE_REPEATS: &str = "orders_hook_notices_possible_repeats_total";
    /// Notices parked as `failed` (refused by Telegram, or past the retry horizon).
    pub const NOTICES_FAILED: &str = "orders_hook_notices_failed_total";
    /// Attempts to be repeated later, by `reason` (`rate_limited`, `transient`).
    pub const NOTICE_RETRIES: &str = "orders_hook_notice_retries_total";
    /// Time one `sendMessage` call took.
    pub const TELEGRAM_SEND_DURATION: &str = "orders_hook_telegram_send_duration_seconds";
    /// Age of the oldest notice still waiting to be sent (0 when none waits).
    pub const OUTBOX_OLDEST_PENDING: &str = "orders_hook_outbox_oldest_pending_seconds";
    /// The database's size in bytes, by `part`: `file` (SQLite's file, PostgreSQL's
    /// `pg_database_size`), `wal` and `free` (SQLite only).
    pub const DATABASE_BYTES: &str = "orders_hook_database_bytes";
    /// Journal rows kept.
    pub const JOURNAL_ROWS: &str = "orders_hook_journal_rows";
    /// Age of the oldest journal row: retention keeps it near `journal_retention_days`.
    pub const JOURNAL_OLDEST: &str = "orders_hook_journal_oldest_seconds";
    /// Rows retention deleted, by `table` (`journal`, `outbox`).
    pub const PRUNED_ROWS: &str = "orders_hook_pruned_rows_total";
    /// Time one pruning batch held the database.
    pub const PRUNE_BATCH_DURATION: &str = "orders_hook_prune_batch_seconds";
    /// When this instance last finished a housekeeping round under the `retention` lease (Unix
    /// seconds); absent until it has. Rounds pass between instances, so the newest across the
    /// pool is the pool's last round.
    pub const HOUSEKEEPING_LAST_ROUND: &str =
        "orders_hook_housekeeping_last_round_timestamp_seconds";
    /// Events per group commit batch (one commit, one fsync on SQLite).
    pub const GROUP_COMMIT_EVENTS: &str = "orders_hook_group_commit_events";
    /// Times the primary moved to another host of `database_url` (a failover followed).
    pub const PRIMARY_SWITCHES: &str = "orders_hook_database_primary_switches_total";
    /// 1 for the host of `database_url` the instance writes to, 0 for the others, by `host`.
    pub const DATABASE_PRIMARY: &str = "orders_hook_database_primary";
    /// 1 while a host that takes writes is in use, 0 while none does (the hook answers 503).
    pub const DATABASE_WRITABLE: &str = "orders_hook_database_writable";
    /// Console sign-ins refused (an unknown token, a stale form, a used or revoked link).
    pub const CONSOLE_SIGNIN_REFUSED: &str = "orders_hook_console_signin_refused_total";
    /// Taps on the boards by `action` (take, finish, hand_over, put_back) and `result` (done,
    /// refused, not_found), on this instance.
    pub const PICKING_ACTIONS: &str = "orders_hook_picking_actions_total";
    /// The stores' numbers, by `store`, counted from the database at each scrape: orders
    /// assembled today (the store's own day), of them on time, the median picking time today,
    /// and the orders waiting untaken now with the oldest one's wait.
    pub const PICKING_ASSEMBLED_TODAY: &str = "orders_hook_picking_assembled_today";
    pub const PICKING_ON_TIME_TODAY: &str = "orders_hook_picking_on_time_today";
    pub const PICKING_MEDIAN_SECONDS: &str = "orders_hook_picking_median_seconds";
    pub const PICKING_WAITING: &str = "orders_hook_picking_waiting";
    pub const PICKING_WAITING_OLDEST_SECONDS: &str = "orders_hook_picking_waiting_oldest_seconds";
}

/// Starts logging once per process; later calls (tests) keep the first subscriber.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The process's Prometheus recorder, installed on first use.
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(names::REQUEST_DURATION.to_owned()),
                &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 5.0],
            )
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full(names::TELEGRAM_SEND_DURATION.to_owned()),
                    &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
                )
            })
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full(names::PRUNE_BATCH_DURATION.to_owned()),
                    &[0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
                )
            })
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full(names::GROUP_COMMIT_EVENTS.to_owned()),
                    &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 1000.0],
                )
            })
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only its own");
        }
        show_alerted_counters_at_zero();
        handle
    })
}

/// The counters the alert rules (`deploy/prometheus/`) watch with `increase()`, shown at 0 from
/// the start: Prometheus needs a sample before the first event to see that event at all, and
/// a panic or a failed notice may happen only once.
fn show_alerted_counters_at_zero() {
    for name in [names::PANICS, names::FORBIDDEN, names::NOTICES_FAILED] {
        metrics::counter!(name).absolute(0);
    }
    // Any request, of whatever event, can be refused (400, 413, 408, 405) or not done (503).
    let events = EventKind::ALL
        .map(EventKind::as_str)
        .into_iter()
        .chain([names::EVENT_OTHER, names::EVENT_UNREAD]);
    for event in events {
        for outcome in [Outcome::Invalid, Outcome::Unavailable] {
            metrics::counter!(names::REQUESTS, "event" => event, "outcome" => outcome.as_str())
                .absolute(0);
        }
    }
}
