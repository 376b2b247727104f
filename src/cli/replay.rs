//! `journal replay`: journaled requests put through the hook's own sequence again
//! (`ingest::replay`), one by id or many by filter. Many: first how many match and what would be
//! done (`--dry-run` stops there), then a confirmation (`--yes`, or asked on a terminal), then
//! oldest first at a bounded rate with a progress bar, and a summary by outcome.

use super::{ExitWith, Output};
use crate::actions::Actor;
use crate::config::Config;
use crate::console::changes::Changes;
use crate::domain::Outcome;
use crate::ingest::replay::{self, Plan, Skipped};
use crate::ingest::{Ingest, Received};
use crate::store::{JournalSearch, Store};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// One journal row by its id; without it, every row the filters match.
    pub id: Option<i64>,
    /// Only rows of this outcome (invalid, not_found, unavailable, …).
    #[arg(long, value_parser = outcome)]
    pub outcome: Option<Outcome>,
    /// Only this event type, as the marketplace spelled it (order.created, order.updated, …).
    #[arg(long)]
    pub event: Option<String>,
    /// Only this order's requests (originalOrderId).
    #[arg(long)]
    pub order: Option<String>,
    /// From this time on: RFC 3339, or a date (its midnight, UTC).
    #[arg(long, value_parser = moment)]
    pub since: Option<DateTime<Utc>>,
    /// Before this time: RFC 3339, or a date (its midnight, UTC).
    #[arg(long, value_parser = moment)]
    pub until: Option<DateTime<Utc>>,
    /// Replay requests that were answered 200 too (they change nothing; for testing).
    #[arg(long)]
    pub force: bool,
    /// Say what would be done, and do nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do it without asking.
    #[arg(long)]
    pub yes: bool,
    /// Requests a second, at most: the database serves the live hook meanwhile.
    #[arg(long, default_value_t = 10)]
    pub rate: u32,
}

fn outcome(text: &str) -> Result<Outcome, String> {
    Outcome::parse(text).ok_or_else(|| {
        let known: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        format!("one of {}", known.join(", "))
    })
}

fn moment(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc())
        .ok_or_else(|| "an RFC 3339 time (2026-12-05T03:00:00+03:00) or a date (2026-12-05)".into())
}

/// The hook's door, in this process: the same sequence, without group commit (the serving
/// instance batches its own) and without boards to tell (they look again on the next change).
fn door(store: &Arc<dyn Store>, config: &Config) -> Ingest {
    Ingest {
        store: store.clone(),
        group: None,
        rules: crate::live::Live::new(config.rules.clone()),
        deadline: config.request_deadline,
        outbox_committed: Default::default(),
        changes: Changes::default(),
        database: Default::default(),
    }
}

/// One replay's line for the summary and `--json`.
fn told(of: i64, received: &Received) -> Value {
    let number = match received {
        Received::Applied(applied) => match &applied.decision.answer {
            crate::domain::Answer::Created { number, .. } => Some(number.clone()),
            _ => None,
        },
        _ => None,
    };
    let detail = match received {
        Received::Applied(applied) => applied.decision.detail.clone(),
        Received::Refused(refusal) => format!("{}: {}", refusal.code, refusal.detail),
        Received::Unavailable(why) | Received::Panicked(why) => why.clone(),
        Received::Ignored => "event type not handled".to_owned(),
    };
    json!({
        "of": of,
        "outcome": replay::outcome_of(received).as_str(),
        "status": received.status_code(),
        "number": number,
        "detail": detail,
    })
}

pub(super) async fn execute(
    args: &ReplayArgs,
    store: Arc<dyn Store>,
    config: &Config,
) -> anyhow::Result<Output> {
    let ingest = door(&store, config);
    let asked_by = Actor::command_line().said();
    if let Some(id) = args.id {
        let Some(row) = replay::journal_row(&*store, id).await? else {
            anyhow::bail!("journal row #{id} is not kept (never written, or pruned by retention)");
        };
        if let Err(skipped) = replay::replayable(&row, args.force) {
            anyhow::bail!(
                "journal row #{id} is not replayed: {}",
                skipped_text(skipped)
            );
        }
        if args.dry_run {
            return Ok(Output {
                json: json!({"dryRun": true, "matched": 1, "toReplay": [id]}),
                text: format!("would replay journal row #{id} ({})", row.detail),
            });
        }
        let received = replay::replay(&ingest, &row, &asked_by).await;
        let line = told(id, &received);
        return Ok(Output {
            text: format!(
                "replayed #{id}: {} ({}) {}",
                line["outcome"].as_str().unwrap_or("-"),
                line["status"],
                line["detail"].as_str().unwrap_or("")
            ),
            json: json!({"replayed": [line]}),
        });
    }

    let search = JournalSearch {
        outcome: args.outcome,
        event_type: args.event.clone(),
        order_id: args.order.clone(),
        from: args.since.unwrap_or(DateTime::UNIX_EPOCH),
        until: args.until.unwrap_or(JournalSearch::default().until),
        ..JournalSearch::default()
    };
    let rows = replay::matching(&*store, &search).await?;
    let plan = replay::plan(&rows, args.force);
    eprintln!("{}", plan_text(&plan));
    if args.dry_run || plan.to_replay.is_empty() {
        return Ok(Output {
            json: plan_json(&plan, args.dry_run, &[]),
            text: if plan.to_replay.is_empty() {
                "nothing to replay".to_owned()
            } else {
                "dry run: nothing was done".to_owned()
            },
        });
    }
    if !args.yes {
        confirm(plan.to_replay.len())?;
    }
    let bar = progress(plan.to_replay.len());
    let pause = Duration::from_secs(1) / args.rate.max(1);
    let mut lines = Vec::with_capacity(plan.to_replay.len());
    let mut outcomes: BTreeMap<&'static str, usize> = BTreeMap::new();
    for row in rows.iter().filter(|row| plan.to_replay.contains(&row.id)) {
        let received = replay::replay(&ingest, row, &asked_by).await;
        *outcomes
            .entry(replay::outcome_of(&received).as_str())
            .or_default() += 1;
        lines.push(told(row.id, &received));
        bar.inc(1);
        tokio::time::sleep(pause).await;
    }
    bar.finish_and_clear();
    let summary: Vec<String> = outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect();
    Ok(Output {
        json: {
            let mut json = plan_json(&plan, false, &lines);
            json["outcomes"] = json!(outcomes);
            json
        },
        text: format!("replayed {}: {}", lines.len(), summary.join(", ")),
    })
}

fn skipped_text(skipped: Skipped) -> &'static str {
    match skipped {
        Skipped::NoBody => "its body was not kept (refused before it was read)",
        Skipped::NotARequest => "it is a person's action, not the marketplace's request",
        Skipped::AnsweredOk => "it was answered 200 already (add --force to replay it anyway)",
    }
}

fn plan_text(plan: &Plan) -> String {
    let mut text = format!(
        "{} journal rows match; {} would be replayed, oldest first",
        plan.matched,
        plan.to_replay.len()
    );
    for (why, count) in &plan.skipped {
        text.push_str(&format!("; {count} skipped ({})", why.as_str()));
    }
    text
}

fn plan_json(plan: &Plan, dry_run: bool, replayed: &[Value]) -> Value {
    json!({
        "dryRun": dry_run,
        "matched": plan.matched,
        "toReplay": plan.to_replay,
        "skipped": plan
            .skipped
            .iter()
            .map(|(why, count)| (why.as_str(), *count))
            .collect::<BTreeMap<_, _>>(),
        "replayed": replayed,
    })
}

/// Asks on a terminal; refuses to guess anywhere else.
fn confirm(count: usize) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(ExitWith {
            status: 2,
            message: format!(
                "{count} requests would be replayed: add --yes to do it without asking \
                 (stdin is not a terminal), or --dry-run to look first"
            ),
        }
        .into());
    }
    eprint!("Replay {count} requests now? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "да" | "д") {
        Ok(())
    } else {
        Err(ExitWith {
            status: 1,
            message: "nothing replayed".to_owned(),
        }
        .into())
    }
}

fn progress(count: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(count as u64);
    if let Ok(style) = ProgressStyle::with_template("replaying {bar:40} {pos}/{len} ({eta} left)") {
        bar.set_style(style);
    }
    bar
}
