//! The two paces of a load run. Open loop (`Pace::Rate`): a request is due every `1 / rate`
//! seconds whatever the deployment does; each due slot goes to the next event of an order whose
//! previous event was answered 200 (a lifecycle is sequential), or else to a new order; orders
//! run side by side. Closed loop (`Pace::InFlight`): a fixed number of senders, each taking its
//! orders through their events one request after another, as fast as the deployment answers;
//! what they carry together is its saturation.

use super::marketplace::{Marketplace, Shared};
use super::plan::{Step, creation_only, lifecycle};
use super::report::{Percentiles, Report, Tally};
use super::schedule::{in_flight_bound, intended_offset};
use super::verdict::judge;
use super::{Limit, Options, Pace};
use indicatif::ProgressBar;
use rand::SeedableRng;
use rand::rngs::StdRng;
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
    let in_flight = match options.pace {
        Pace::Rate(rate) => {
            anyhow::ensure!(rate.is_finite() && rate > 0.0, "--rate must be above 0");
            in_flight_bound(rate)
        }
        Pace::InFlight(senders) => {
            anyhow::ensure!(senders > 0, "--in-flight must be above 0");
            // Two copies sent at once by one sender must not wait for each other.
            senders.saturating_mul(2)
        }
    };
    let market: Shared = Arc::new(Marketplace::new(
        &options.url,
        &options.token,
        options.marking.clone(),
        options.retry_scale,
        in_flight,
    )?);
    let start = Instant::now();
    let ticker = progress.map(|bar| tokio::spawn(show_progress(market.clone(), bar, start)));
    let started = match options.pace {
        Pace::Rate(rate) => open_loop(&market, options, rate, start).await,
        Pace::InFlight(senders) => closed_loop(&market, options, senders, start).await,
    };
    let elapsed = start.elapsed();
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    let record = market.lock();
    let verdict = judge(&record.answers, &record.undelivered);
    Ok(Report::build(
        &options.url,
        options.pace,
        elapsed,
        (started, record.completed),
        &record.tallies,
        verdict,
    ))
}

/// The generator of orders' plans: seeded (the `stream`-th of the seed) or fresh.
fn plans(seed: Option<u64>, stream: u64) -> StdRng {
    match seed {
        Some(seed) => StdRng::seed_from_u64(seed.wrapping_add(stream)),
        None => StdRng::from_rng(&mut rand::rng()),
    }
}

/// A new order, numbered `started`, with its events planned.
fn new_order(options: &Options, rng: &mut impl rand::Rng, started: u64) -> OrderRun {
    let steps = if options.created_only {
        creation_only(rng, &options.shares)
    } else {
        lifecycle(rng, &options.shares)
    };
    OrderRun {
        id: options.marking.order_id(started),
        variant: started,
        steps,
        next: 0,
    }
}

/// The fixed-rate pace; returns the orders started once every one of them has ended.
async fn open_loop(market: &Shared, options: &Options, rate: f64, start: Instant) -> u64 {
    let (ready, mut next_ready) = mpsc::unbounded_channel::<OrderRun>();
    let active = Arc::new(AtomicU64::new(0));
    let mut rng = plans(options.seed, 0);
    let mut started = 0u64;
    for slot in 0u64.. {
        let intended = start + intended_offset(slot, rate);
        tokio::time::sleep_until(intended).await;
        let order = match next_ready.try_recv() {
            Ok(order) => Some(order),
            Err(_) if may_start(options.limit, started, start.elapsed()) => {
                started += 1;
                active.fetch_add(1, Ordering::SeqCst);
                Some(new_order(options, &mut rng, started))
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
    started
}

/// The saturation pace: `senders` tasks, each starting orders (numbered from one shared count)
/// until the limit and taking each through its events, every request sent when the last was
/// answered. Returns the orders started.
async fn closed_loop(market: &Shared, options: &Options, senders: usize, start: Instant) -> u64 {
    // Numbers are taken first and the limit checked after, so a number past the limit is
    // simply never used; `started` counts the orders that really began.
    let numbers = Arc::new(AtomicU64::new(0));
    let started = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for sender in 0..senders {
        let (market, options) = (market.clone(), options.clone());
        let (numbers, started) = (numbers.clone(), started.clone());
        // A sender's own generator: the thread-local one cannot cross an await. Which order a
        // sender gets is a race, so a seed fixes each sender's plans, not each order's.
        let mut rng = plans(options.seed, sender as u64);
        tasks.spawn(async move {
            loop {
                let number = numbers.fetch_add(1, Ordering::SeqCst) + 1;
                if !may_start(options.limit, number - 1, start.elapsed()) {
                    break;
                }
                started.fetch_add(1, Ordering::SeqCst);
                let mut order = new_order(&options, &mut rng, number);
                while order.next < order.steps.len() {
                    let step = order.steps[order.next];
                    let delivered = market
                        .step(&order.id, order.variant, order.next, step, Instant::now())
                        .await;
                    order.next += 1;
                    if !delivered {
                        break; // the marketplace would cancel it: the order goes no further
                    }
                    if order.next == order.steps.len() {
                        market.lock().completed += 1;
                    }
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    started.load(Ordering::SeqCst)
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
