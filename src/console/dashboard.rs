//! `/dashboard`: today's orders per store and status, the hook's request rate and latency over
//! the last hour in 5-minute buckets, and how old the outbox's backlog is, as small SVG charts.
//! The store lists raw rows; the arithmetic here is pure and unit-tested.

use super::ConsoleState;
use super::chart::{self, Bar, Series};
use super::numbers::{NumbersText, store_numbers, words};
use super::page::{self, Nav};
use super::session::Viewer;
use super::words::{self, Word};
use crate::domain::Status;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};

/// The hour is read as 12 buckets of 5 minutes.
const BUCKET: Duration = Duration::minutes(5);
const BUCKETS: usize = 12;
/// Past this many requests in the hour, the newest are counted (the rest would only slow the
/// page): far above what the marketplace sends one partner.
const TIMINGS_READ: u32 = 200_000;

/// One 5-minute slice of the hook's traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub requests: usize,
    pub p50: Option<i64>,
    pub p99: Option<i64>,
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `q` of them
/// at or below it.
pub fn percentile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// The requests of the last `count` buckets before `now`, oldest bucket first.
pub fn buckets(timings: &[(DateTime<Utc>, i64)], now: DateTime<Utc>, count: usize) -> Vec<Bucket> {
    let start = now - BUCKET * count as i32;
    let mut durations: Vec<Vec<i64>> = vec![Vec::new(); count];
    for (at, duration) in timings {
        if *at < start || *at >= now {
            continue;
        }
        let index = ((*at - start).num_milliseconds() / BUCKET.num_milliseconds()) as usize;
        if let Some(bucket) = durations.get_mut(index) {
            bucket.push(*duration);
        }
    }
    durations
        .into_iter()
        .enumerate()
        .map(|(index, mut values)| {
            values.sort_unstable();
            Bucket {
                start: start + BUCKET * index as i32,
                requests: values.len(),
                p50: percentile(&values, 0.50),
                p99: percentile(&values, 0.99),
            }
        })
        .collect()
}

/// How many notices have waited how long, in the operator's words.
pub fn backlog_ages(queued: &[DateTime<Utc>], now: DateTime<Utc>) -> Vec<Bar> {
    const LIMITS: [(i64, &str); 5] = [
        (1, "< 1 мин"),
        (5, "1–5 мин"),
        (15, "5–15 мин"),
        (60, "15–60 мин"),
        (i64::MAX, "> 1 ч"),
    ];
    let mut counts = [0usize; LIMITS.len()];
    for at in queued {
        let minutes = (now - *at).num_seconds().max(0) as f64 / 60.0;
        let slot = LIMITS
            .iter()
            .position(|(limit, _)| minutes < *limit as f64)
            .unwrap_or(LIMITS.len() - 1);
        counts[slot] += 1;
    }
    LIMITS
        .iter()
        .zip(counts)
        .map(|((_, label), count)| Bar {
            label: (*label).to_owned(),
            value: count as f64,
        })
        .collect()
}

/// A store's orders today.
pub struct StoreToday {
    pub id: String,
    pub name: String,
    /// In the order of `Status::ALL`.
    pub counts: Vec<i64>,
    pub total: i64,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard {
    nav: Nav,
    statuses: Vec<Word>,
    today: Vec<StoreToday>,
    today_chart: String,
    rate_chart: String,
    latency_chart: String,
    backlog_chart: String,
    requests: usize,
    p50: String,
    p99: String,
    backlog: usize,
    oldest: String,
    /// Each store's picking numbers today: (name, id, numbers).
    picking: Vec<(String, String, NumbersText)>,
}

/// Midnight today in the chain's time zone, as a moment.
fn midnight(state: &ConsoleState, now: DateTime<Utc>) -> DateTime<Utc> {
    super::numbers::day_start(state.routing.get().timezone, now)
}

pub async fn dashboard(State(state): State<ConsoleState>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require_operator() {
        return refused.into_response();
    }
    let now = Utc::now();
    let store = &state.store;
    let read = async {
        Ok::<_, crate::store::StoreError>((
            store.orders_since(midnight(&state, now)).await?,
            store
                .hook_timings(now - BUCKET * BUCKETS as i32, TIMINGS_READ)
                .await?,
            store.backlog().await?,
            store_numbers(&state, &**store, None, now).await?,
        ))
    };
    let (counts, timings, backlog, numbers) = match read.await {
        Ok(read) => read,
        Err(error) => return page::unavailable(&error),
    };

    let mut today: Vec<StoreToday> = Vec::new();
    for row in counts {
        let id = row.store_id.unwrap_or_else(|| "-".to_owned());
        if today.last().is_none_or(|last| last.id != id) {
            today.push(StoreToday {
                name: state.store_name(&id),
                id: id.clone(),
                counts: vec![0; Status::ALL.len()],
                total: 0,
            });
        }
        if let Some(store) = today.last_mut() {
            let column = Status::ALL.iter().position(|s| *s == row.status);
            if let Some(column) = column {
                store.counts[column] += row.count;
            }
            store.total += row.count;
        }
    }
    let today_chart = chart::bars(
        "Заказы за сегодня по магазинам",
        &today
            .iter()
            .map(|store| Bar {
                label: store.id.clone(),
                value: store.total as f64,
            })
            .collect::<Vec<_>>(),
    );

    let slices = buckets(&timings, now, BUCKETS);
    let tz = state.routing.get().timezone;
    let labels: Vec<String> = slices
        .iter()
        .enumerate()
        .map(|(index, bucket)| {
            if index % 3 == 0 {
                bucket.start.with_timezone(&tz).format("%H:%M").to_string()
            } else {
                String::new()
            }
        })
        .collect();
    let rate_chart = chart::bars(
        "Запросов в минуту к хуку, по 5 минут",
        &slices
            .iter()
            .zip(&labels)
            .map(|(bucket, label)| Bar {
                label: label.clone(),
                value: bucket.requests as f64 / BUCKET.num_minutes() as f64,
            })
            .collect::<Vec<_>>(),
    );
    let latency_chart = chart::lines(
        "Время ответа хука, мс: p50 и p99 по 5 минут",
        &labels,
        &[
            Series {
                class: "p50",
                colour: "#0b5cad",
                points: slices.iter().map(|b| b.p50.map(|v| v as f64)).collect(),
            },
            Series {
                class: "p99",
                colour: "#c62828",
                points: slices.iter().map(|b| b.p99.map(|v| v as f64)).collect(),
            },
        ],
    );
    let mut hour: Vec<i64> = timings.iter().map(|(_, duration)| *duration).collect();
    hour.sort_unstable();
    let ms = |value: Option<i64>| value.map_or("—".to_owned(), |v| format!("{v} мс"));

    page::render(&Dashboard {
        nav: Nav::new(&viewer, "Сводка"),
        statuses: Status::ALL.map(words::status).to_vec(),
        today,
        today_chart,
        rate_chart,
        latency_chart,
        backlog_chart: chart::bars(
            "Сколько ждут неотправленные уведомления",
            &backlog_ages(&backlog, now),
        ),
        requests: hour.len(),
        p50: ms(percentile(&hour, 0.50)),
        p99: ms(percentile(&hour, 0.99)),
        backlog: backlog.len(),
        oldest: backlog.first().map_or("—".to_owned(), |at| {
            format!("{} мин", (now - *at).num_minutes().max(0))
        }),
        // Every routed store, and any other that has numbers today.
        picking: {
            let mut ids: Vec<String> = state.stores().into_iter().map(|(id, _)| id).collect();
            ids.extend(numbers.keys().cloned());
            ids.sort();
            ids.dedup();
            ids.into_iter()
                .map(|id| {
                    let said = words(&numbers.get(&id).cloned().unwrap_or_default());
                    (state.store_name(&id), id, said)
                })
                .collect()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64, second: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::minutes(minute) + Duration::seconds(second)
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.99), Some(7));
        let values: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&values, 0.50), Some(50));
        assert_eq!(percentile(&values, 0.99), Some(99));
        assert_eq!(percentile(&[1, 2, 3], 0.5), Some(2));
    }

    #[test]
    fn requests_fall_into_their_five_minute_bucket() {
        let now = at(60, 0);
        let timings = [
            (at(0, 0), 5),   // the first moment of the hour
            (at(4, 59), 15), // still the first bucket
            (at(5, 0), 40),
            (at(59, 59), 3),
            (at(60, 0), 999), // now: not yet in any bucket
            (at(-1, 0), 999), // before the hour
        ];
        let slices = buckets(&timings, now, 12);
        assert_eq!(slices.len(), 12);
        assert_eq!(slices[0].start, at(0, 0));
        assert_eq!(slices[0].requests, 2);
        assert_eq!(slices[0].p50, Some(5));
        assert_eq!(slices[0].p99, Some(15));
        assert_eq!(slices[1].requests, 1);
        assert_eq!(slices[2].requests, 0);
        assert_eq!(slices[2].p50, None);
        assert_eq!(slices[11].p99, Some(3));
        let total: usize = slices.iter().map(|b| b.requests).sum();
        assert_eq!(total, 4);
    }

    #[test]
    fn the_backlog_is_counted_by_age() {
        let now = at(120, 0);
        let queued = [at(119, 30), at(118, 0), at(100, 0), at(0, 0), at(121, 0)];
        let bars = backlog_ages(&queued, now);
        let counts: Vec<f64> = bars.iter().map(|b| b.value).collect();
        // A clock a little behind another instance's counts as just queued.
        assert_eq!(counts, vec![2.0, 1.0, 0.0, 1.0, 1.0]);
    }
}
