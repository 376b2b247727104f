//! A store's numbers for the evening peak, from its picking: how many orders were assembled
//! today and how many of them by the promised assembly time, the median picking time, and the
//! orders nobody has taken yet with how long the oldest has waited. Pure: the store lists the
//! facts, the console and `/metrics` show the same numbers.

use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// An order whose picking ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled {
    pub store_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The promised assembly time; an order without one is on time by default (nothing was
    /// promised).
    pub due_at: Option<DateTime<Utc>>,
}

/// An order still to pick that nobody has taken, since it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untaken {
    pub store_id: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreNumbers {
    /// Assembled today (the store's own day).
    pub assembled: u64,
    /// Of those, by the promised assembly time.
    pub on_time: u64,
    /// The middle of today's picking times (start to «Собран»).
    pub median_picking: Option<Duration>,
    /// Orders waiting untaken now.
    pub waiting: u64,
    /// How long the oldest of them has waited.
    pub longest_wait: Option<Duration>,
}

impl StoreNumbers {
    /// The share on time in whole percent; `None` before the day's first assembled order.
    pub fn on_time_percent(&self) -> Option<u64> {
        (self.assembled > 0).then(|| self.on_time * 100 / self.assembled)
    }
}

/// The numbers per store, for the stores that have any. `day_start(store)` is the start of
/// that store's today, in its own time zone.
pub fn numbers(
    assembled: &[Assembled],
    untaken: &[Untaken],
    day_start: impl Fn(&str) -> DateTime<Utc>,
    now: DateTime<Utc>,
) -> BTreeMap<String, StoreNumbers> {
    let mut stores: BTreeMap<String, StoreNumbers> = BTreeMap::new();
    let mut times: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for order in assembled {
        if order.finished_at < day_start(&order.store_id) {
            continue;
        }
        let numbers = stores.entry(order.store_id.clone()).or_default();
        numbers.assembled += 1;
        if order.due_at.is_none_or(|due| order.finished_at <= due) {
            numbers.on_time += 1;
        }
        times
            .entry(&order.store_id)
            .or_default()
            .push(order.finished_at - order.started_at);
    }
    for (store, mut durations) in times {
        durations.sort();
        if let Some(numbers) = stores.get_mut(store) {
            numbers.median_picking = median(&durations);
        }
    }
    for order in untaken {
        let numbers = stores.entry(order.store_id.clone()).or_default();
        numbers.waiting += 1;
        let waited = (now - order.since).max(Duration::zero());
        numbers.longest_wait = Some(numbers.longest_wait.map_or(waited, |w| w.max(waited)));
    }
    stores
}

/// The middle value of sorted durations (the mean of the two middle ones for an even count).
fn median(sorted: &[Duration]) -> Option<Duration> {
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        format!("2026-12-05T{hour:02}:{minute:02}:00Z")
            .parse()
            .unwrap()
    }

    fn assembled(store: &str, start: u32, end: u32, due: u32) -> Assembled {
        Assembled {
            store_id: store.to_owned(),
            started_at: at(18, start),
            finished_at: at(18, end),
            due_at: Some(at(18, due)),
        }
    }

    #[test]
    fn a_stores_day_counts_orders_on_time_the_median_and_the_longest_wait() {
        let done = [
            assembled("77-001", 0, 10, 30),
            assembled("77-001", 5, 45, 30),
            assembled("77-001", 10, 30, 30),
            // Yesterday's, before the store's day began: not today's number.
            Assembled {
                store_id: "77-001".to_owned(),
                started_at: at(0, 0),
                finished_at: at(0, 30),
                due_at: None,
            },
            assembled("77-002", 0, 12, 10),
        ];
        let untaken = [
            Untaken {
                store_id: "77-001".to_owned(),
                since: at(18, 40),
            },
            Untaken {
                store_id: "77-001".to_owned(),
                since: at(18, 20),
            },
            Untaken {
                store_id: "77-003".to_owned(),
                since: at(18, 59),
            },
        ];
        let numbers = numbers(&done, &untaken, |_| at(3, 0), at(19, 0));
        let first = &numbers["77-001"];
        assert_eq!((first.assembled, first.on_time), (3, 2));
        assert_eq!(first.on_time_percent(), Some(66));
        assert_eq!(first.median_picking, Some(Duration::minutes(20)));
        assert_eq!(first.waiting, 2);
        assert_eq!(first.longest_wait, Some(Duration::minutes(40)));
        let second = &numbers["77-002"];
        assert_eq!(
            (second.assembled, second.on_time, second.waiting),
            (1, 0, 0)
        );
        assert_eq!(second.median_picking, Some(Duration::minutes(12)));
        let third = &numbers["77-003"];
        assert_eq!((third.assembled, third.on_time_percent()), (0, None));
        assert_eq!(third.longest_wait, Some(Duration::minutes(1)));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let d = Duration::minutes;
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[d(4)]), Some(d(4)));
        assert_eq!(median(&[d(4), d(10)]), Some(d(7)));
        assert_eq!(median(&[d(1), d(4), d(10), d(30)]), Some(d(7)));
    }
}
