//! The open loop: a request is due every `1 / rate` seconds whatever the deployment does. Each
//! due slot goes to the next event of an order whose previous event was answered 200 (a
//! lifecycle is sequential), or else to a new order; orders run side by side.

use super::marketplace::{Marketplace, Shared};
use super::plan::{Step, lifecycle};
use super::report::{Percentiles, Report, Tally};
use super::schedule::{in_flight_bound, intended_offset};
use super::verdict::judge;
use super::{Limit, Options};
use indicatif::ProgressBar;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// An order between two of its events.
struct OrderRun {
    id: String,
    variant: u64,
    steps: Vec<Step>,
    next: usize,
}

/// Runs the load and judges it.
pub async fn run(options: &Options, progress: Option<ProgressBar>) -> anyhow::Result<Report> {
    anyhow::ensure!(
        options.rate.is_finite() && options.rate > 0.0,
        "--rate must be above 0"
    );
    let market: Shared = Arc::new(Marketplace::new(
        &options.url,
        &options.token,
        options.marking.clone(),
        options.retry_scale,
        in_flight_bound(options.rate),
    )?);
    let (ready, mut next_ready) = mpsc::unbounded_channel::<OrderRun>();
    let active = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let ticker = progress.map(|bar| tokio::spawn(show_progress(market.clone(), bar, start)));
    let mut rng = rand::rng();
    let mut started = 0u64;
    for slot in 0u64.. {
        let intended = start + intended_offset(slot, options.rate);
        tokio::time::sleep_until(intended).await;
        let order = match next_ready.try_recv() {
            Ok(order) => Some(order),
            Err(_) if may_start(options.limit, started, start.elapsed()) => {
                started += 1;
                active.fetch_add(1, Ordering::SeqCst);
                Some(OrderRun {
                    id: options.marking.order_id(started),
                    variant: started,
                    steps: lifecycle(&mut rng, &options.shares),
                    next: 0,
                })
            }
            Err(_) => None,
        };
        match order {
            Some(order) => {
                tokio::spawn(advance(
                    market.clone(),
                    order,
                    intended,
                    ready.clone(),
                    active.clone(),
                ));
            }
            None if active.load(Ordering::SeqCst) == 0 => break,
            None => {}
        }
    }
    let elapsed = start.elapsed();
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    let record = market.lock();
    let verdict = judge(&record.answers, &record.undelivered);
    Ok(Report::build(
        &options.url,
        options.rate,
        elapsed,
        (started, record.completed),
        &record.tallies,
        verdict,
    ))
}

fn may_start(limit: Limit, started: u64, elapsed: Duration) -> bool {
    match limit {
        Limit::Orders(orders) => started < orders,
        Limit::Duration(duration) => elapsed < duration,
    }
}

/// Sends the order's next event; hands the order back for its next slot, or ends it.
async fn advance(
    market: Shared,
    mut order: OrderRun,
    intended: Instant,
    ready: mpsc::UnboundedSender<OrderRun>,
    active: Arc<AtomicU64>,
) {
    let step = order.steps[order.next];
    let delivered = market
        .step(&order.id, order.variant, order.next, step, intended)
        .await;
    order.next += 1;
    if delivered && order.next < order.steps.len() {
        if ready.send(order).is_ok() {
            return;
        }
    } else if delivered {
        market.lock().completed += 1;
    }
    // An order whose event was never answered goes no further: the marketplace would cancel it.
    active.fetch_sub(1, Ordering::SeqCst);
}

/// The live rate and latency on the bar, four times a second.
async fn show_progress(market: Shared, bar: ProgressBar, start: Instant) {
    let mut last = (Instant::now(), 0u64);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let (requests, p99, completed) = {
            let record = market.lock();
            let mut all = Tally::default();
            for tally in record.tallies.values() {
                all.requests += tally.requests;
                let _ = all.latency.add(&tally.latency);
            }
            (
                all.requests,
                Percentiles::of(&all.latency).p99,
                record.completed,
            )
        };
        let now = Instant::now();
        let rate = (requests - last.1) as f64 / now.duration_since(last.0).as_secs_f64();
        last = (now, requests);
        bar.set_message(format!(
            "{:.0} s  {rate:.0} req/s  {requests} requests  {completed} orders done  p99 {p99:.1} ms",
            start.elapsed().as_secs_f64()
        ));
        bar.tick();
    }
}
