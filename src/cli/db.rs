//! `db stats`, `db prune` and `db vacuum`: the database's size in plain sight, and its upkeep
//! on the operator's demand.

use super::Output;
use crate::config::Config;
use crate::housekeeping::{Housekeeper, HousekeepingSettings};
use crate::notify::SystemClock;
use crate::store::{DatabaseSize, DatabaseStats, Store};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use indicatif::HumanBytes;
use serde_json::json;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// The database's size (file, write-ahead log, free pages), the rows of every table and the
    /// age of the oldest journal row and sent notice.
    Stats,
    /// One retention round now, as `serve` runs every `housekeeping_every_minutes`: deletes
    /// journal rows and sent notices past their keeping time, a batch at a time. Does nothing
    /// while another instance holds the retention lease.
    Prune,
    /// VACUUM. On SQLite it gives free pages back to the disk, holding the write lock all the
    /// while: stop the service first (docs/operations.md, "Giving space back").
    Vacuum,
}

pub(super) async fn execute(
    command: &DbCommand,
    store: Arc<dyn Store>,
    config: &Config,
) -> anyhow::Result<Output> {
    Ok(match command {
        DbCommand::Stats => stats_output(&store.stats().await?)?,
        DbCommand::Prune => prune(store, config.housekeeping.clone()).await?,
        DbCommand::Vacuum => {
            let (before, after) = store.compact().await?;
            Output {
                json: json!({"before": before, "after": after}),
                text: format!(
                    "vacuumed: {} before, {} after",
                    size_text(&before),
                    size_text(&after)
                ),
            }
        }
    })
}

async fn prune(store: Arc<dyn Store>, settings: HousekeepingSettings) -> anyhow::Result<Output> {
    let keeps = |retention: Option<chrono::Duration>| {
        retention.map_or("for ever".to_owned(), |keep| {
            format!("{} days", keep.num_days())
        })
    };
    let kept = format!(
        "journal kept {}, sent notices kept {}",
        keeps(settings.journal_retention),
        keeps(settings.outbox_retention)
    );
    let housekeeper = Housekeeper::new(store, Arc::new(SystemClock), settings);
    let round = housekeeper.run_once(&CancellationToken::new()).await?;
    let text = if round.held {
        format!(
            "pruned {} journal row(s), {} sent notice(s) and {} console session(s) or link(s) in \
             {} batch(es) ({kept})",
            round.journal_rows, round.sent_notices, round.console_rows, round.batches
        )
    } else {
        "another instance holds the retention lease and is pruning now: nothing done".to_owned()
    };
    Ok(Output {
        json: json!({
            "held": round.held,
            "journalRows": round.journal_rows,
            "sentNotices": round.sent_notices,
            "consoleRows": round.console_rows,
            "batches": round.batches,
        }),
        text,
    })
}

fn stats_output(stats: &DatabaseStats) -> anyhow::Result<Output> {
    let mut lines = vec![format!("{}: {}", stats.backend, size_text(&stats.size))];
    for table in &stats.tables {
        lines.push(format!("  {:<20} {:>12} rows", table.table, table.rows));
    }
    let age = |at: Option<DateTime<Utc>>| {
        at.map_or("none".to_owned(), |at| {
            format!(
                "{} ({} days ago)",
                at.format("%Y-%m-%d %H:%M:%S UTC"),
                (Utc::now() - at).num_days()
            )
        })
    };
    lines.push(format!(
        "oldest journal row:  {}",
        age(stats.oldest_journal_at)
    ));
    lines.push(format!(
        "oldest sent notice:  {}",
        age(stats.oldest_sent_notice_at)
    ));
    Ok(Output {
        json: serde_json::to_value(stats)?,
        text: lines.join("\n"),
    })
}

fn size_text(size: &DatabaseSize) -> String {
    let mut text = HumanBytes(size.bytes).to_string();
    if let Some(wal) = size.wal_bytes {
        text.push_str(&format!(" + {} write-ahead log", HumanBytes(wal)));
    }
    if let Some(free) = size.free_bytes {
        text.push_str(&format!(" ({} of it free pages)", HumanBytes(free)));
    }
    text
}
