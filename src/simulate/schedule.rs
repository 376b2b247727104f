//! The clock of a run: when each request is meant to go (open loop), how long the marketplace
//! pauses before a retry, and how many requests may be in flight.

use std::time::Duration;

/// The marketplace waits this long for an answer before it counts the attempt as failed.
pub const MARKETPLACE_TIMEOUT: Duration = Duration::from_secs(5);

/// The pauses before the marketplace's seven retries, as we assume them: it documents "seven
/// retries with growing intervals" and no numbers, so we take doubling from one second. The
/// last retry goes about two minutes after the first attempt.
pub const RETRY_PAUSES_SECS: [f64; 7] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// The pause before retry number `retry` (1 for the first retry), scaled by `scale` so that a
/// test can run the whole schedule in moments; `None` once the seven retries are spent.
pub fn retry_pause(retry: u32, scale: f64) -> Option<Duration> {
    let index = usize::try_from(retry.checked_sub(1)?).ok()?;
    let secs = RETRY_PAUSES_SECS.get(index)?;
    Some(Duration::from_secs_f64((secs * scale).max(0.0)))
}

/// When request `i` is meant to go, after the run's start: `i / rate` seconds. Its latency is
/// measured from this instant, not from when it actually went out, so a server that stalls the
/// sender is charged for every request it delayed (no coordinated omission).
pub fn intended_offset(i: u64, rate: f64) -> Duration {
    Duration::from_secs_f64(i as f64 / rate)
}

/// How many requests may be in flight at once: what the rate sends within one marketplace
/// timeout. Beyond it, waiting requests are late, and their lateness is in their latency.
pub fn in_flight_bound(rate: f64) -> usize {
    let bound = (rate * MARKETPLACE_TIMEOUT.as_secs_f64()).ceil();
    if bound.is_finite() && bound >= 1.0 {
        bound.min(100_000.0) as usize
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_one_second_and_stop_after_seven() {
        let pauses: Vec<Duration> = (1..=7).map(|r| retry_pause(r, 1.0).unwrap()).collect();
        assert_eq!(pauses[0], Duration::from_secs(1));
        assert_eq!(pauses[6], Duration::from_secs(64));
        assert!(pauses.windows(2).all(|w| w[1] == w[0] * 2));
        assert_eq!(retry_pause(8, 1.0), None);
        assert_eq!(retry_pause(0, 1.0), None);
    }

    #[test]
    fn retry_scale_shrinks_the_whole_schedule() {
        assert_eq!(retry_pause(1, 0.01), Some(Duration::from_millis(10)));
        assert_eq!(retry_pause(7, 0.001), Some(Duration::from_millis(64)));
        assert_eq!(retry_pause(3, 0.0), Some(Duration::ZERO));
    }

    #[test]
    fn the_open_loop_spaces_requests_by_the_rate() {
        assert_eq!(intended_offset(0, 40.0), Duration::ZERO);
        assert_eq!(intended_offset(40, 40.0), Duration::from_secs(1));
        assert_eq!(intended_offset(1, 500.0), Duration::from_millis(2));
        // The offset is computed from the index, never accumulated: no drift over a long run.
        assert_eq!(
            intended_offset(3_600_000, 1000.0),
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn in_flight_is_bounded_by_five_seconds_of_rate() {
        assert_eq!(in_flight_bound(40.0), 200);
        assert_eq!(in_flight_bound(0.1), 1);
        assert_eq!(in_flight_bound(2.5), 13);
    }
}
