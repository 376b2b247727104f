//! The Prometheus scrape: the process's metrics from `telemetry`'s recorder, then the gauges the
//! database holds, read at scrape time. Beside `telemetry` rather than inside it: it reads the
//! store, and the store records under telemetry's metric names, so inside it the two would import
//! each other. Neither `http` nor `console` owns it; the console's listener serves it.

use crate::store::{Gauges, OutboxStatus, ReadSide};
use crate::telemetry::{self, names};
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Prometheus text: the process's metrics, then the gauges the database holds. Served on the
/// console's listener (`console::router`), not the hook's.
pub async fn metrics_response(reads: &dyn ReadSide, deadline: std::time::Duration) -> Response {
    let handle = telemetry::metrics();
    handle.run_upkeep();
    let mut text = handle.render();
    // Gauges that live in the database are read at scrape time and rendered for this instance
    // alone; when the database is slow they are left out rather than shown stale.
    match tokio::time::timeout(deadline, reads.gauges()).await {
        Ok(Ok(gauges)) => text.push_str(&database_gauges(&gauges)),
        Ok(Err(error)) => tracing::warn!(error = %error, "metrics: database gauges not read"),
        Err(_) => tracing::warn!("metrics: database gauges not read in time"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

fn database_gauges(gauges: &Gauges) -> String {
    let mut text = format!(
        "# HELP {0} Outbox messages by status (pending is the backlog still to send).\n# TYPE {0} gauge\n",
        names::OUTBOX_ROWS
    );
    for status in OutboxStatus::ALL.map(OutboxStatus::as_str) {
        let count = gauges
            .outbox
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n);
        text.push_str(&format!(
            "{}{{status=\"{status}\"}} {count}\n",
            names::OUTBOX_ROWS
        ));
    }
    let oldest = gauges.oldest_pending_at.map_or(0.0, |at| {
        (chrono::Utc::now() - at).as_seconds_f64().max(0.0)
    });
    text.push_str(&format!(
        "# HELP {0} Age of the oldest notice still waiting to be sent.\n# TYPE {0} gauge\n{0} {oldest:.3}\n",
        names::OUTBOX_OLDEST_PENDING
    ));
    text.push_str(&format!(
        "# HELP {0} Stock balances below zero.\n# TYPE {0} gauge\n{0} {1}\n",
        names::NEGATIVE_BALANCES,
        gauges.negative_balances
    ));
    text.push_str(&format!(
        "# HELP {0} The database's size in bytes: the file (PostgreSQL: pg_database_size), SQLite's write-ahead log, and its free pages.\n# TYPE {0} gauge\n{0}{{part=\"file\"}} {1}\n",
        names::DATABASE_BYTES,
        gauges.size.bytes
    ));
    for (part, bytes) in [
        ("wal", gauges.size.wal_bytes),
        ("free", gauges.size.free_bytes),
    ] {
        if let Some(bytes) = bytes {
            text.push_str(&format!(
                "{}{{part=\"{part}\"}} {bytes}\n",
                names::DATABASE_BYTES
            ));
        }
    }
    text.push_str(&format!(
        "# HELP {0} Journal rows kept.\n# TYPE {0} gauge\n{0} {1}\n",
        names::JOURNAL_ROWS,
        gauges.journal_rows
    ));
    let oldest = gauges.oldest_journal_at.map_or(0.0, |at| {
        (chrono::Utc::now() - at).as_seconds_f64().max(0.0)
    });
    text.push_str(&format!(
        "# HELP {0} Age of the oldest journal row (retention keeps it near journal_retention_days).\n# TYPE {0} gauge\n{0} {oldest:.3}\n",
        names::JOURNAL_OLDEST
    ));
    text
}
