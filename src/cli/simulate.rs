//! `orders-hook simulate`: the command line around [`crate::simulate`]. Handled before the
//! configuration and the store: it drives a deployment from outside, like the marketplace.

use super::ExitWith;
use crate::simulate::{self, Limit, Marking, Options, Pace, Shares, check};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The hook's full URL, e.g. https://partner.example/sbermarket/orders/hook/.
    #[arg(long)]
    url: String,
    /// The Client-token the marketplace will send (better: ORDERS_HOOK_SIMULATE_TOKEN, out of
    /// the shell's history).
    #[arg(long, env = "ORDERS_HOOK_SIMULATE_TOKEN", hide_env_values = true)]
    token: String,
    /// Only the pre-flight conformance check: one line PASS/FAIL per rule; exit 1 on a FAIL.
    #[arg(long)]
    check: bool,
    /// Requests per second, sent open-loop (each at its planned time, whatever the answers).
    #[arg(long, default_value_t = 50.0, conflicts_with = "in_flight")]
    rate: f64,
    /// Saturation instead of a rate: this many senders, each sending its next request as soon
    /// as its last was answered (closed loop); latency is then measured from the actual send.
    #[arg(long)]
    in_flight: Option<usize>,
    /// Orders are only created, never taken further: the transaction the storage ceiling
    /// measures (scripts/bench), instead of whole lifecycles.
    #[arg(long)]
    created_only: bool,
    /// Seeds the orders' plans (repeats, lost answers, cancellations): the same seed sends the
    /// same plans again at a fixed rate, to compare two deployments or two versions.
    #[arg(long)]
    seed: Option<u64>,
    /// Start new orders for this many seconds (default 10 unless --orders).
    #[arg(long, conflicts_with = "orders")]
    duration: Option<f64>,
    /// Start this many orders.
    #[arg(long)]
    orders: Option<u64>,
    /// Share of orders cancelled instead of being received.
    #[arg(long, default_value_t = 0.1, value_parser = share)]
    cancel_share: f64,
    /// Share of events sent twice (a third of them two copies at once).
    #[arg(long, default_value_t = 0.05, value_parser = share)]
    duplicate_share: f64,
    /// Share of events whose first answer is ignored, so that the retry comes.
    #[arg(long, default_value_t = 0.02, value_parser = share)]
    drop_share: f64,
    /// Share of events followed by an event type the hook does not handle.
    #[arg(long, default_value_t = 0.05, value_parser = share)]
    unknown_share: f64,
    /// Multiplies the retry pauses (1, 2, 4, 8, 16, 32, 64 s); 0.01 makes them milliseconds.
    #[arg(long, default_value_t = 1.0)]
    retry_scale: f64,
    /// Every test order's id starts with it.
    #[arg(long, default_value = "SIM-")]
    id_prefix: String,
    /// Every test order is for this store id.
    #[arg(long, default_value = "sim-store")]
    store_id: String,
}

fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("{text:?} is not a share between 0 and 1")),
    }
}

pub async fn run(args: &SimulateArgs, json_output: bool) -> anyhow::Result<()> {
    let marking = Marking {
        id_prefix: args.id_prefix.clone(),
        store_id: args.store_id.clone(),
        run: simulate::bodies::run_tag(),
    };
    if args.check {
        let lines = check::check(&args.url, &args.token, marking).await?;
        let passed = lines.iter().all(|line| line.pass);
        if json_output {
            let document = serde_json::json!({"passed": passed, "checks": lines});
            println!("{}", serde_json::to_string_pretty(&document)?);
        } else {
            for line in &lines {
                println!("{}", line.text());
            }
        }
        return verdict(passed, "the pre-flight check failed");
    }
    anyhow::ensure!(
        args.retry_scale.is_finite() && args.retry_scale >= 0.0,
        "--retry-scale must be 0 or more"
    );
    let limit = match (args.orders, args.duration) {
        (Some(orders), _) => Limit::Orders(orders),
        (None, seconds) => Limit::Duration(Duration::try_from_secs_f64(seconds.unwrap_or(10.0))?),
    };
    let options = Options {
        url: args.url.clone(),
        token: args.token.clone(),
        pace: match args.in_flight {
            Some(senders) => Pace::InFlight(senders),
            None => Pace::Rate(args.rate),
        },
        created_only: args.created_only,
        seed: args.seed,
        limit,
        shares: Shares {
            cancel: args.cancel_share,
            duplicate: args.duplicate_share,
            drop: args.drop_share,
            unknown: args.unknown_share,
        },
        retry_scale: args.retry_scale,
        marking,
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        // The spinner turns even while the deployment stalls: a frozen bar would hide it.
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let report = simulate::run(&options, bar.clone()).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if json_output {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.text());
    }
    verdict(report.verdict.ok, "the verdict is bad")
}

fn verdict(good: bool, message: &str) -> anyhow::Result<()> {
    if good {
        Ok(())
    } else {
        Err(ExitWith {
            status: 1,
            message: message.to_owned(),
        }
        .into())
    }
}
