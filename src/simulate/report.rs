//! What a run measured: per event type, requests, answers and latency in HDR histograms
//! (microseconds, three significant digits), and the report built from them as text or JSON.

use super::Pace;
use super::verdict::Verdict;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// One event type's counts and latencies; a latency runs from the request's intended send time
/// to its answer (or to the timeout).
#[derive(Debug, Clone)]
pub struct Tally {
    /// Every request: `events + duplicates + retries`.
    pub requests: u64,
    /// Events sent (the first attempt of each event's first copy).
    pub events: u64,
    /// Events answered 200 and kept (not counting the extra copies).
    pub delivered: u64,
    pub retries: u64,
    pub duplicates: u64,
    pub dropped: u64,
    pub errors: BTreeMap<String, u64>,
    pub latency: Histogram<u64>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            requests: 0,
            events: 0,
            delivered: 0,
            retries: 0,
            duplicates: 0,
            dropped: 0,
            errors: BTreeMap::new(),
            // Auto-resizing: a latency past any bound chosen here still counts.
            latency: Histogram::new(3).expect("three significant digits are valid"),
        }
    }
}

impl Tally {
    pub fn record_latency(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        // `record` grows the histogram; saturating would clamp to its current (tiny) range.
        if self.latency.record(micros).is_err() {
            self.latency.saturating_record(micros);
        }
    }

    fn add(&mut self, other: &Tally) {
        self.requests += other.requests;
        self.events += other.events;
        self.delivered += other.delivered;
        self.retries += other.retries;
        self.duplicates += other.duplicates;
        self.dropped += other.dropped;
        for (kind, count) in &other.errors {
            *self.errors.entry(kind.clone()).or_default() += count;
        }
        // Both histograms auto-resize, so adding cannot fail on range.
        let _ = self.latency.add(&other.latency);
    }
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of(histogram: &Histogram<u64>) -> Percentiles {
        let ms = |micros: u64| micros as f64 / 1000.0;
        if histogram.is_empty() {
            return Percentiles {
                p50: 0.0,
                p90: 0.0,
                p99: 0.0,
                p999: 0.0,
                max: 0.0,
            };
        }
        Percentiles {
            p50: ms(histogram.value_at_quantile(0.50)),
            p90: ms(histogram.value_at_quantile(0.90)),
            p99: ms(histogram.value_at_quantile(0.99)),
            p999: ms(histogram.value_at_quantile(0.999)),
            max: ms(histogram.max()),
        }
    }

    /// One line of the text report: `p50 1.23 ms  p90 …`.
    pub fn line(&self) -> String {
        format!(
            "p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2} ms",
            self.p50, self.p90, self.p99, self.p999, self.max
        )
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub requests: u64,
    pub events: u64,
    pub delivered: u64,
    /// Delivered events per second of the run.
    pub throughput: f64,
    pub retries: u64,
    pub duplicates: u64,
    pub dropped: u64,
    pub errors: BTreeMap<String, u64>,
    pub latency_ms: Percentiles,
}

impl Row {
    fn of(tally: &Tally, seconds: f64) -> Row {
        Row {
            requests: tally.requests,
            events: tally.events,
            delivered: tally.delivered,
            throughput: if seconds > 0.0 {
                tally.delivered as f64 / seconds
            } else {
                0.0
            },
            retries: tally.retries,
            duplicates: tally.duplicates,
            dropped: tally.dropped,
            errors: tally.errors.clone(),
            latency_ms: Percentiles::of(&tally.latency),
        }
    }
}

/// The whole report: the `--json` document (field names are a contract, see docs/simulator.md).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub url: String,
    /// The open loop's requests per second; `null` in a closed-loop (saturation) run.
    pub rate: Option<f64>,
    /// The closed loop's senders; `null` in an open-loop run.
    pub in_flight: Option<usize>,
    pub seconds: f64,
    /// Orders started; `ordersCompleted` went through their whole lifecycle.
    pub orders: u64,
    pub orders_completed: u64,
    pub total: Row,
    pub by_event: BTreeMap<String, Row>,
    pub verdict: Verdict,
}

impl Report {
    pub fn build(
        url: &str,
        pace: Pace,
        elapsed: Duration,
        orders: (u64, u64),
        tallies: &BTreeMap<String, Tally>,
        verdict: Verdict,
    ) -> Report {
        let seconds = elapsed.as_secs_f64();
        let mut all = Tally::default();
        for tally in tallies.values() {
            all.add(tally);
        }
        Report {
            url: url.to_owned(),
            rate: match pace {
                Pace::Rate(rate) => Some(rate),
                Pace::InFlight(_) => None,
            },
            in_flight: match pace {
                Pace::Rate(_) => None,
                Pace::InFlight(senders) => Some(senders),
            },
            seconds,
            orders: orders.0,
            orders_completed: orders.1,
            total: Row::of(&all, seconds),
            by_event: tallies
                .iter()
                .map(|(name, tally)| (name.clone(), Row::of(tally, seconds)))
                .collect(),
            verdict,
        }
    }

    pub fn text(&self) -> String {
        let pace = match (self.rate, self.in_flight) {
            (Some(rate), _) => format!("at {rate} req/s"),
            (None, Some(senders)) => format!("with {senders} in flight (closed loop)"),
            (None, None) => String::new(),
        };
        let mut out = format!(
            "{} {pace} for {:.1} s: {} orders ({} completed)\n\n",
            self.url, self.seconds, self.orders, self.orders_completed
        );
        let rows = self
            .by_event
            .iter()
            .map(|(name, row)| (name.as_str(), row))
            .chain([("all", &self.total)]);
        for (name, row) in rows {
            out.push_str(&format!(
                "{name:<16} {:>7} req {:>7} ok {:>8.1}/s  retries {:<5} dup {:<5} dropped {:<5} {}\n",
                row.requests,
                row.delivered,
                row.throughput,
                row.retries,
                row.duplicates,
                row.dropped,
                row.latency_ms.line()
            ));
        }
        if !self.total.errors.is_empty() {
            let errors: Vec<String> = self
                .total
                .errors
                .iter()
                .map(|(kind, count)| format!("{kind}: {count}"))
                .collect();
            out.push_str(&format!("\nerrors: {}\n", errors.join(", ")));
        }
        let v = &self.verdict;
        out.push_str(&format!(
            "\nverdict: {} — {} orders numbered, {} with several numbers, {} repeats answered \
             differently, {} misshapen answers, {} refused, {} undelivered\n",
            if v.ok { "GOOD" } else { "BAD" },
            v.orders_numbered,
            v.orders_with_several_numbers,
            v.repeats_answered_differently,
            v.misshapen_answers,
            v.refused_answers,
            v.undelivered_events
        ));
        for failure in &v.failures {
            out.push_str(&format!("  {failure}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_in_milliseconds_within_three_digits() {
        let mut tally = Tally::default();
        for ms in 1..=1000u64 {
            tally.record_latency(Duration::from_millis(ms));
        }
        let p = Percentiles::of(&tally.latency);
        assert!((p.p50 - 500.0).abs() <= 0.5, "{p:?}");
        assert!((p.p90 - 900.0).abs() <= 1.0, "{p:?}");
        assert!((p.p99 - 990.0).abs() <= 1.0, "{p:?}");
        assert!((p.max - 1000.0).abs() <= 1.0, "{p:?}");
        assert_eq!(
            Percentiles {
                p50: 1.0,
                p90: 2.5,
                p99: 10.0,
                p999: 12.345,
                max: 20.0
            }
            .line(),
            "p50 1.00  p90 2.50  p99 10.00  p99.9 12.35  max 20.00 ms"
        );
    }

    #[test]
    fn an_empty_histogram_reports_zeros() {
        assert_eq!(Percentiles::of(&Tally::default().latency).max, 0.0);
    }

    #[test]
    fn the_total_adds_up_the_rows() {
        let mut tallies = BTreeMap::new();
        for (name, requests) in [("order.created", 3), ("order.paid", 2)] {
            let mut tally = Tally {
                requests,
                delivered: requests - 1,
                retries: 1,
                ..Tally::default()
            };
            tally.record_latency(Duration::from_millis(requests));
            *tally.errors.entry("status 503".into()).or_default() += 1;
            tallies.insert(name.to_owned(), tally);
        }
        let report = Report::build(
            "http://x",
            Pace::Rate(10.0),
            Duration::from_secs(2),
            (2, 2),
            &tallies,
            Verdict::default(),
        );
        assert_eq!(report.total.requests, 5);
        assert_eq!(report.total.delivered, 3);
        assert_eq!(report.total.throughput, 1.5);
        assert_eq!(report.total.errors["status 503"], 2);
        assert!((report.total.latency_ms.max - 3.0).abs() < 0.01);
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["byEvent"]["order.created"]["latencyMs"]["p999"].is_number());
        assert!(report.text().contains("verdict: BAD"));
        assert!(report.text().contains("at 10 req/s"));
        assert_eq!(json["rate"], 10.0);
        assert!(json["inFlight"].is_null());
    }

    #[test]
    fn a_closed_loop_report_names_its_senders_and_no_rate() {
        let report = Report::build(
            "http://x",
            Pace::InFlight(16),
            Duration::from_secs(1),
            (0, 0),
            &BTreeMap::new(),
            Verdict::default(),
        );
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["rate"].is_null());
        assert_eq!(json["inFlight"], 16);
        assert!(report.text().contains("with 16 in flight (closed loop)"));
    }
}
