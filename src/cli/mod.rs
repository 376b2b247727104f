//! The operator's command line. Every command reads the same configuration as
//! `serve`; with `--json` it prints one JSON document on stdout.

mod backup;
mod console;
mod db;
mod imports;
mod journal;
mod order;
mod replay;
mod simulate;
mod story;
mod telegram;
mod values;
mod version;

#[cfg(test)]
mod version_tests;

pub use version::VERSION;

use imports::{read_catalog_csv, read_stock_csv};

use crate::app;
use crate::config::Config;
use crate::domain::Status;
use crate::store::{OrderFilter, OutboxFilter, OutboxStatus, Requeue, Store};
use crate::telemetry;
use anyhow::bail;
use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "orders-hook",
    version = VERSION,
    about = "The retail partner's end of the SberMarket (Kuper) order webhooks"
)]
pub struct Cli {
    /// TOML configuration file (also ORDERS_HOOK_CONFIG); environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Machine-readable output: one JSON document on stdout (for `serve`: JSON log lines).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hook service (migrates the database first); it sends notices too unless
    /// ORDERS_HOOK_NOTIFY=false.
    Serve,
    /// Only send the outbox to Telegram, apart from the hook service.
    Notify,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// One order document.
    Order {
        #[command(subcommand)]
        command: OrderCommand,
    },
    /// Order documents, newest first.
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// Stock balances per store and sku.
    Stock {
        #[command(subcommand)]
        command: StockCommand,
    },
    /// Product names shown in the notices.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Telegram notices queued for sending.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// The journal of every authenticated hook request.
    Journal {
        #[command(subcommand)]
        command: journal::JournalCommand,
    },
    /// The database: its size, retention and upkeep.
    Db {
        #[command(subcommand)]
        command: db::DbCommand,
    },
    /// One-time sign-in links for store tablets (the console's /links page).
    Console {
        #[command(subcommand)]
        command: console::ConsoleCommand,
    },
    /// Setting the stores' Telegram chats up: the chats the bot is in, a test notice.
    Telegram {
        #[command(subcommand)]
        command: telegram::TelegramCommand,
    },
    /// A consistent, integrity-checked copy of the SQLite database, taken while `serve` runs
    /// (exit 2 on PostgreSQL: use pg_dump or PITR).
    Backup(backup::BackupArgs),
    /// The marketplace, simulated against a deployment: a load run with a report and a
    /// correctness verdict, or `--check` before handing over the URL (exit 1 when bad).
    Simulate(simulate::SimulateArgs),
}

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Show an order by the marketplace's id (originalOrderId) or the partner's number. A bare
    /// key that names two different orders (an id that looks like a number) exits with status 2.
    Show {
        key: String,
        /// The key is the marketplace's originalOrderId.
        #[arg(long, conflicts_with = "number")]
        id: bool,
        /// The key is the partner's number (e.g. SM-000123).
        #[arg(long)]
        number: bool,
    },
    /// Everything about one order: the document, its history, every journal row with its body
    /// and every notice (`--json`: `order`, `history`, `journal`, `notices`).
    Story { key: String },
}

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only orders in this status (new, paid, shipped, delivered, cancelled).
    #[arg(long)]
    status: Option<Status>,
    /// Only this store's orders.
    #[arg(long)]
    store: Option<String>,
    #[arg(long)]
    limit: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// Set balances from a CSV of store,sku,quantity (a header line is allowed).
    Import { csv: PathBuf },
    /// Show balances.
    Show {
        #[arg(long)]
        store: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Load product names from a CSV of sku,name[,unit[,zone]] (a header line is allowed).
    Import { csv: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    List {
        /// pending, sent or failed.
        #[arg(long)]
        status: Option<OutboxStatus>,
        /// Only this order's notices (originalOrderId).
        #[arg(long)]
        order: Option<String>,
    },
    /// Put a parked (failed) notice back in the queue, or all of them with --failed.
    Retry {
        /// The notice's id (from `outbox list`).
        #[arg(required_unless_present = "failed", conflicts_with = "failed")]
        id: Option<i64>,
        /// Every failed notice.
        #[arg(long)]
        failed: bool,
    },
}

/// A failure with its own exit status (other failures exit with 1).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ExitWith {
    pub status: u8,
    pub message: String,
}

/// Runs the command line; the exit code is the process's.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // It drives a deployment from outside: no configuration, no database.
    if let Command::Simulate(args) = &cli.command {
        return simulate::run(args, cli.json).await;
    }
    let mut config = Config::load(cli.config.as_deref())?;
    if cli.json {
        config.log_format = crate::config::LogFormat::Json;
    }
    telemetry::init_logging(config.log_format);
    match cli.command {
        Command::Serve => return app::serve(config, cli.config.clone()).await,
        Command::Notify => return app::notify(config).await,
        Command::Backup(args) => return backup::run(&config, &args, cli.json).await,
        Command::Telegram { command } => return telegram::run(&config, &command, cli.json).await,
        _ => {}
    }
    let store = app::open_store(&config).await?;
    let output = match &cli.command {
        Command::Db { command } => db::execute(command, store, &config).await?,
        Command::Console { command } => console::execute(command, store.as_ref(), &config).await?,
        Command::Journal { command } => journal::execute(command, store, &config).await?,
        command => execute(command, store.as_ref()).await?,
    };
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&output.json)?);
    } else {
        println!("{}", output.text);
    }
    Ok(())
}

struct Output {
    json: Value,
    text: String,
}

async fn execute(command: &Command, store: &dyn Store) -> anyhow::Result<Output> {
    Ok(match command {
        Command::Serve
        | Command::Notify
        | Command::Backup(_)
        | Command::Simulate(_)
        | Command::Db { .. }
        | Command::Console { .. }
        | Command::Journal { .. }
        | Command::Telegram { .. } => {
            bail!("serve, notify, backup, db, console, journal and telegram are handled apart")
        }
        Command::Migrate => Output {
            json: json!({"migrated": true}),
            text: "database schema is up to date".to_owned(),
        },
        Command::Order {
            command: OrderCommand::Show { key, id, number },
        } => order::show(store, key, *id, *number).await?,
        Command::Order {
            command: OrderCommand::Story { key },
        } => story::output(store, key).await?,
        Command::Orders {
            command: OrdersCommand::List(args),
        } => {
            let orders = store
                .orders(&OrderFilter {
                    status: args.status,
                    store_id: args.store.clone(),
                    limit: args.limit,
                })
                .await?;
            let text = orders
                .iter()
                .map(|o| {
                    format!(
                        "{:<12} {:<20} {:<10} {:<10} {}",
                        o.number.as_deref().unwrap_or("-"),
                        o.original_order_id,
                        o.status.as_str(),
                        o.store_id.as_deref().unwrap_or("-"),
                        o.created_at.format("%Y-%m-%d %H:%M:%S")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Output {
                json: serde_json::to_value(&orders)?,
                text,
            }
        }
        Command::Stock {
            command: StockCommand::Import { csv },
        } => {
            let rows = read_stock_csv(csv)?;
            let count = store.import_stock(&rows).await?;
            Output {
                json: json!({"imported": count}),
                text: format!("{count} balances set"),
            }
        }
        Command::Stock {
            command: StockCommand::Show { store: store_id },
        } => {
            let balances = store.stock(store_id.as_deref()).await?;
            let text = balances
                .iter()
                .map(|b| format!("{:<10} {:<16} {}", b.store, b.sku, b.quantity))
                .collect::<Vec<_>>()
                .join("\n");
            Output {
                json: serde_json::to_value(&balances)?,
                text,
            }
        }
        Command::Catalog {
            command: CatalogCommand::Import { csv },
        } => {
            let rows = read_catalog_csv(csv)?;
            let count = store.import_catalog(&rows).await?;
            Output {
                json: json!({"imported": count}),
                text: format!("{count} products loaded"),
            }
        }
        Command::Outbox {
            command: OutboxCommand::List { status, order },
        } => {
            let rows = store
                .outbox(&OutboxFilter {
                    status: *status,
                    order_id: order.clone(),
                })
                .await?;
            let text = rows
                .iter()
                .map(|r| {
                    format!(
                        "#{:<6} {:<20} {:<10} {:<16} {:<8} attempts={}{}",
                        r.id,
                        r.original_order_id,
                        r.kind.as_str(),
                        r.chat,
                        r.status.as_str(),
                        r.attempts,
                        r.last_error
                            .as_deref()
                            .map(|e| format!(" last error: {e}"))
                            .unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Output {
                json: serde_json::to_value(&rows)?,
                text,
            }
        }
        Command::Outbox {
            command: OutboxCommand::Retry { id, failed },
        } => {
            let which = match (id, failed) {
                (Some(id), false) => Requeue::One(*id),
                _ => Requeue::AllFailed,
            };
            // Through the actions, like the console's «Отправить снова»: journaled with who
            // asked, in the re-queue's own transaction.
            let requeued = crate::actions::requeue::requeue(
                store,
                which,
                &crate::actions::Actor::command_line(),
                crate::actions::Via::CommandLine,
                None,
                chrono::Utc::now(),
            )
            .await?
            .len();
            if let (Requeue::One(id), 0) = (which, requeued) {
                bail!(
                    "notice #{id} is not failed (or does not exist): only parked notices are \
                     re-queued, and a sent one is never sent again"
                );
            }
            Output {
                json: json!({"requeued": requeued}),
                text: format!("{requeued} notice(s) back in the queue"),
            }
        }
    })
}
