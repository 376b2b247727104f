//! `orders-hook backup DEST [--keep N]`: the command line around [`crate::backup`]. Handled
//! before the store is opened: a backup reads the database and never migrates it.

use super::ExitWith;
use crate::backup::{self, Progress, Source, Summary};
use crate::config::Config;
use clap::Args;
use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use serde_json::json;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The copy's path, or an existing directory: the copy is then named
    /// orders-hook-<UTC time, e.g. 20261130T031500Z>.db inside it.
    dest: PathBuf,
    /// With a directory DEST: afterwards remove the oldest orders-hook-<time>.db copies there
    /// beyond the newest N (no other file is ever removed).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    keep: Option<u32>,
}

/// Below this the copy takes a moment and a bar would only flicker.
const BAR_FROM_BYTES: u64 = 16 * 1024 * 1024;

pub async fn run(config: &Config, args: &BackupArgs, json_output: bool) -> anyhow::Result<()> {
    let options = match backup::source(&config.database_url)? {
        Source::Sqlite(options) => options,
        Source::Postgres => {
            return Err(ExitWith {
                status: 2,
                message: "the database is PostgreSQL, which this command does not copy: use \
                          `pg_dump -Fc` (e.g. pg_dump -Fc -f orders.dump \"$DATABASE_URL\", \
                          restored with pg_restore), or the cluster's PITR / base-backup setup \
                          (pg_basebackup with WAL archiving)"
                    .to_owned(),
            }
            .into());
        }
    };
    let keep = args.keep.map(|n| n as usize);
    let summary = if std::io::stderr().is_terminal() {
        backup::backup(&options, &args.dest, keep, &Bar::default()).await?
    } else {
        backup::backup(&options, &args.dest, keep, &()).await?
    };
    print(&summary, json_output)
}

fn print(summary: &Summary, json_output: bool) -> anyhow::Result<()> {
    let removed: Vec<String> = summary
        .removed
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    if json_output {
        let document = json!({
            "path": summary.path.display().to_string(),
            "orders": summary.orders,
            "bytes": summary.bytes,
            "size": HumanBytes(summary.bytes).to_string(),
            "seconds": summary.elapsed.as_secs_f64(),
            "removed": removed,
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        println!("backup: {}", summary.path.display());
        println!("orders: {}", summary.orders);
        println!(
            "size:   {} bytes ({})",
            summary.bytes,
            HumanBytes(summary.bytes)
        );
        println!("time:   {:.2} s", summary.elapsed.as_secs_f64());
        for path in removed {
            println!("removed old copy: {path}");
        }
    }
    Ok(())
}

/// The bar on stderr, shown only for a large database.
#[derive(Default)]
struct Bar(std::sync::OnceLock<ProgressBar>);

impl Progress for Bar {
    fn begin(&self, estimate_bytes: u64) {
        if estimate_bytes < BAR_FROM_BYTES {
            return;
        }
        let bar = ProgressBar::new(estimate_bytes);
        if let Ok(style) = ProgressStyle::with_template(
            "copying {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, about {eta} left)",
        ) {
            bar.set_style(style);
        }
        let _ = self.0.set(bar);
    }

    fn written(&self, bytes: u64) {
        if let Some(bar) = self.0.get() {
            bar.set_position(bytes.min(bar.length().unwrap_or(bytes)));
        }
    }

    fn end(&self) {
        if let Some(bar) = self.0.get() {
            bar.finish_and_clear();
        }
    }
}
