//! The stores' numbers (`domain::picking_numbers`) as the console shows them and `/metrics`
//! exports them: counted from the database on asking, each store's "today" in its own zone.

use super::ConsoleState;
use crate::domain::picking_numbers::{StoreNumbers, numbers};
use crate::store::{PickingReads, StoreError};
use crate::telemetry::names;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// Since when a store's "today" runs: its last local midnight.
pub fn day_start(zone: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    let midnight = now
        .with_timezone(&zone)
        .date_naive()
        .and_time(NaiveTime::MIN);
    midnight
        .and_local_timezone(zone)
        .earliest()
        // A midnight that a clock change skipped: the day began an hour later.
        .or_else(|| {
            (midnight + Duration::hours(1))
                .and_local_timezone(zone)
                .earliest()
        })
        .map_or(now - Duration::hours(24), |start| start.with_timezone(&Utc))
}

/// Every store's numbers now, or `store`'s alone.
pub async fn store_numbers(
    state: &ConsoleState,
    reads: &dyn PickingReads,
    store: Option<&str>,
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, StoreNumbers>, StoreError> {
    // No store's today began more than a long day (a clock change) ago.
    let facts = reads
        .picking_facts(store, now - Duration::hours(26))
        .await?;
    Ok(numbers(
        &facts.assembled,
        &facts.untaken,
        |id| day_start(state.zone(Some(id)), now),
        now,
    ))
}

/// The numbers in the store staff's words.
pub struct NumbersText {
    /// `12 из 14 (85%)`, or `—` before the day's first assembled order.
    pub on_time: String,
    /// `18 мин`, or `—`.
    pub median: String,
    /// `2, дольше всех 7 мин`, or `нет`.
    pub waiting: String,
    /// An order waits untaken longer than the amber countdown's margin.
    pub waiting_long: bool,
}

fn minutes(duration: Duration) -> String {
    let minutes = duration.num_minutes();
    if minutes < 1 {
        "меньше минуты".to_owned()
    } else if minutes >= 60 {
        format!("{} ч {:02} мин", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} мин")
    }
}

pub fn words(numbers: &StoreNumbers) -> NumbersText {
    NumbersText {
        on_time: match numbers.on_time_percent() {
            Some(percent) => format!("{} из {} ({percent}%)", numbers.on_time, numbers.assembled),
            None => "—".to_owned(),
        },
        median: numbers
            .median_picking
            .map_or_else(|| "—".to_owned(), minutes),
        waiting: match numbers.longest_wait {
            Some(wait) if numbers.waiting > 0 => {
                format!("{}, дольше всех {}", numbers.waiting, minutes(wait))
            }
            _ => "нет".to_owned(),
        },
        waiting_long: numbers
            .longest_wait
            .is_some_and(|wait| wait > super::board_rows::DUE_SOON),
    }
}

/// Sets the `orders_hook_picking_*` gauges; a store that has none today reads 0.
pub fn record(stores: &[(String, String)], numbers: &BTreeMap<String, StoreNumbers>) {
    let none = StoreNumbers::default();
    let mut ids: Vec<&str> = stores.iter().map(|(id, _)| id.as_str()).collect();
    ids.extend(numbers.keys().map(String::as_str));
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let store = numbers.get(id).unwrap_or(&none);
        let label = [("store", id.to_owned())];
        metrics::gauge!(names::PICKING_ASSEMBLED_TODAY, &label).set(store.assembled as f64);
        metrics::gauge!(names::PICKING_ON_TIME_TODAY, &label).set(store.on_time as f64);
        metrics::gauge!(names::PICKING_MEDIAN_SECONDS, &label).set(
            store
                .median_picking
                .map_or(0.0, |median| median.num_seconds() as f64),
        );
        metrics::gauge!(names::PICKING_WAITING, &label).set(store.waiting as f64);
        metrics::gauge!(names::PICKING_WAITING_OLDEST_SECONDS, &label).set(
            store
                .longest_wait
                .map_or(0.0, |wait| wait.num_seconds() as f64),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stores_day_starts_at_its_own_midnight() {
        let now: DateTime<Utc> = "2026-12-05T20:30:00Z".parse().unwrap();
        let moscow = day_start(chrono_tz::Europe::Moscow, now);
        assert_eq!(
            moscow,
            "2026-12-05T21:00:00Z".parse::<DateTime<Utc>>().unwrap() - Duration::days(1)
        );
        let yekaterinburg = day_start(chrono_tz::Asia::Yekaterinburg, now);
        // 01:30 on the 6th there: its day began at 19:00 UTC on the 5th.
        assert_eq!(
            yekaterinburg,
            "2026-12-05T19:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn the_numbers_read_as_the_store_staff_say_them() {
        let numbers = StoreNumbers {
            assembled: 14,
            on_time: 12,
            median_picking: Some(Duration::minutes(18)),
            waiting: 2,
            longest_wait: Some(Duration::minutes(75)),
        };
        let text = words(&numbers);
        assert_eq!(text.on_time, "12 из 14 (85%)");
        assert_eq!(text.median, "18 мин");
        assert_eq!(text.waiting, "2, дольше всех 1 ч 15 мин");
        assert!(text.waiting_long);
        let quiet = words(&StoreNumbers::default());
        assert_eq!(
            (quiet.on_time.as_str(), quiet.waiting.as_str()),
            ("—", "нет")
        );
    }
}
