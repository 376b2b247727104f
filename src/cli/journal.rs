//! `journal list` and `journal replay`: the hook's requests as the journal keeps them, and
//! putting them through again (`replay.rs`).

use super::Output;
use super::replay::{self, ReplayArgs};
use crate::config::Config;
use crate::store::{JournalFilter, Store};
use clap::Subcommand;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Newest first.
    List {
        /// Only this order's requests (originalOrderId).
        #[arg(long)]
        order: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Put journaled requests through the hook's sequence again, as if the marketplace sent
    /// them now: one by id, or every row the filters match (the count first; `--dry-run`,
    /// `--yes`). Answered-200 rows only with `--force`.
    Replay(ReplayArgs),
}

pub(super) async fn execute(
    command: &JournalCommand,
    store: Arc<dyn Store>,
    config: &Config,
) -> anyhow::Result<Output> {
    Ok(match command {
        JournalCommand::Replay(args) => replay::execute(args, store, config).await?,
        JournalCommand::List { order, limit } => {
            let rows = store
                .journal(&JournalFilter {
                    order_id: order.clone(),
                    limit: Some(*limit),
                })
                .await?;
            let text = rows
                .iter()
                .map(|r| {
                    format!(
                        "{} {:<16} {:<20} {:<11} {} {}",
                        r.at.format("%Y-%m-%d %H:%M:%S"),
                        r.event_type.as_deref().unwrap_or("-"),
                        r.original_order_id.as_deref().unwrap_or("-"),
                        r.outcome.as_str(),
                        r.status_code,
                        r.detail
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Output {
                json: serde_json::to_value(&rows)?,
                text,
            }
        }
    })
}
