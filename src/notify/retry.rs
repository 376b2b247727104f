//! What the worker records after an attempt: the pure rule from Telegram's answer, the time and
//! the attempt count to a settlement (sent, retry at, or parked as failed).

use super::telegram::SendOutcome;
use crate::store::{ClaimedNotice, Settlement};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Exponential back-off with jitter, up to a horizon counted from when the notice was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The pause after the first failed attempt; it doubles with every further failure.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Past this age a notice that still cannot be sent is parked as `failed`: by then the
    /// pickers have been told by other means, and an operator decides with `outbox retry`.
    pub horizon: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(5 * 60),
            horizon: Duration::from_secs(12 * 60 * 60),
        }
    }
}

impl RetryPolicy {
    /// The pause after `attempts` failed attempts. `jitter` in [0, 1) takes up to half of it
    /// away, so that chats that failed together (Telegram was down) do not retry together.
    pub fn delay(&self, attempts: i64, jitter: f64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self
            .first_delay
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.max_delay);
        full.mul_f64(1.0 - 0.5 * jitter.clamp(0.0, 1.0))
    }

    pub fn settle(
        &self,
        notice: &ClaimedNotice,
        outcome: &SendOutcome,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Settlement {
        let maybe_sent = matches!(outcome, SendOutcome::InDoubt { .. });
        let (wait, error) = match outcome {
            SendOutcome::Sent { message_id } => {
                return Settlement::Sent {
                    message_id: *message_id,
                    at: now,
                };
            }
            SendOutcome::Rejected { description, .. } => {
                return Settlement::Failed {
                    error: description.clone(),
                    maybe_sent: false,
                };
            }
            SendOutcome::ChatMoved { to, description } => {
                return Settlement::Readdress {
                    chat: to.clone(),
                    at: now,
                    error: format!(
                        "{description}: moved to chat {to}; put {to} in the store routing"
                    ),
                };
            }
            SendOutcome::TooManyRequests {
                retry_after,
                description,
            } => ((*retry_after).min(MAX_RETRY_AFTER), description),
            SendOutcome::Transient { error } | SendOutcome::InDoubt { error } => {
                (self.delay(notice.attempts, jitter), error)
            }
        };
        let at = now + to_chrono(wait);
        if at > notice.queued_at + to_chrono(self.horizon) {
            return Settlement::Failed {
                error: format!(
                    "not delivered within {} of queueing ({} attempts); last error: {error}",
                    human(self.horizon),
                    notice.attempts
                ),
                maybe_sent,
            };
        }
        Settlement::Retry {
            at,
            error: error.clone(),
            maybe_sent,
        }
    }
}

/// A `retry_after` beyond this is taken as this: Telegram's real ones are seconds to minutes,
/// and an absurd one must not park a chat for years.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60 * 60);

/// Pauses here are at most hours; anything larger is capped rather than overflowing a date.
fn to_chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration.min(Duration::from_secs(366 * 24 * 3600)))
        .unwrap_or(chrono::Duration::days(366))
}

fn human(duration: Duration) -> String {
    let minutes = duration.as_secs() / 60;
    if minutes >= 60 && minutes.is_multiple_of(60) {
        format!("{} h", minutes / 60)
    } else if minutes > 0 {
        format!("{minutes} min")
    } else {
        format!("{} s", duration.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(attempts: i64, queued_at: DateTime<Utc>) -> ClaimedNotice {
        ClaimedNotice {
            id: 1,
            original_order_id: "R1".into(),
            kind: crate::domain::NoticeKind::Created,
            chat: "-1".into(),
            text: "x".into(),
            attempts,
            queued_at,
            maybe_sent: false,
        }
    }

    #[test]
    fn the_pause_doubles_up_to_the_cap_and_jitter_only_shortens_it() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, 0.0), Duration::from_secs(2));
        assert_eq!(policy.delay(2, 0.0), Duration::from_secs(4));
        assert_eq!(policy.delay(4, 0.0), Duration::from_secs(16));
        assert_eq!(policy.delay(40, 0.0), Duration::from_secs(300));
        assert_eq!(policy.delay(3, 0.999_999).as_secs(), 4);
        assert!(policy.delay(3, 0.5) < policy.delay(3, 0.0));
    }

    #[test]
    fn a_refusal_is_parked_at_once_with_telegrams_words() {
        let now = Utc::now();
        let outcome = SendOutcome::Rejected {
            status: 400,
            description: "Bad Request: chat not found".into(),
        };
        assert_eq!(
            RetryPolicy::default().settle(&notice(1, now), &outcome, now, 0.0),
            Settlement::Failed {
                error: "Bad Request: chat not found".into(),
                maybe_sent: false
            }
        );
    }

    #[test]
    fn retry_after_is_obeyed_to_the_second() {
        let now = Utc::now();
        let outcome = SendOutcome::TooManyRequests {
            retry_after: Duration::from_secs(7),
            description: "Too Many Requests".into(),
        };
        assert_eq!(
            RetryPolicy::default().settle(&notice(1, now), &outcome, now, 0.9),
            Settlement::Retry {
                at: now + chrono::Duration::seconds(7),
                error: "Too Many Requests".into(),
                maybe_sent: false
            }
        );
    }

    #[test]
    fn an_absurd_retry_after_is_capped_at_an_hour() {
        let now = Utc::now();
        let outcome = SendOutcome::TooManyRequests {
            retry_after: Duration::from_secs(u64::MAX),
            description: "Too Many Requests".into(),
        };
        let policy = RetryPolicy {
            horizon: Duration::from_secs(u64::MAX),
            ..RetryPolicy::default()
        };
        assert_eq!(
            policy.settle(&notice(1, now), &outcome, now, 0.0),
            Settlement::Retry {
                at: now + chrono::Duration::hours(1),
                error: "Too Many Requests".into(),
                maybe_sent: false
            }
        );
    }

    #[test]
    fn a_moved_group_takes_the_notice_along_at_once() {
        let now = Utc::now();
        let outcome = SendOutcome::ChatMoved {
            to: "-1009".into(),
            description: "Bad Request: group chat was upgraded to a supergroup chat".into(),
        };
        match RetryPolicy::default().settle(&notice(1, now), &outcome, now, 0.0) {
            Settlement::Readdress { chat, at, error } => {
                assert_eq!((chat.as_str(), at), ("-1009", now));
                assert!(error.contains("put -1009 in the store routing"), "{error}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn transient_failures_back_off_until_the_horizon_then_park() {
        let policy = RetryPolicy::default();
        let queued = Utc::now();
        let outcome = SendOutcome::Transient {
            error: "Telegram answered 502".into(),
        };
        assert_eq!(
            policy.settle(&notice(2, queued), &outcome, queued, 0.0),
            Settlement::Retry {
                at: queued + chrono::Duration::seconds(4),
                error: "Telegram answered 502".into(),
                maybe_sent: false
            }
        );
        let late = queued + chrono::Duration::hours(12) - chrono::Duration::seconds(1);
        match policy.settle(&notice(30, queued), &outcome, late, 0.0) {
            Settlement::Failed {
                error,
                maybe_sent: false,
            } => {
                assert!(error.contains("12 h") && error.contains("502"), "{error}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_send_in_doubt_backs_off_like_any_failure_and_leaves_the_row_a_possible_repeat() {
        let policy = RetryPolicy::default();
        let queued = Utc::now();
        let outcome = SendOutcome::InDoubt {
            error: "Telegram timed out".into(),
        };
        assert_eq!(
            policy.settle(&notice(2, queued), &outcome, queued, 0.0),
            Settlement::Retry {
                at: queued + chrono::Duration::seconds(4),
                error: "Telegram timed out".into(),
                maybe_sent: true
            }
        );
        // Parked at the horizon, it is still marked when an operator puts it back.
        let late = queued + chrono::Duration::hours(12) - chrono::Duration::seconds(1);
        assert!(matches!(
            policy.settle(&notice(30, queued), &outcome, late, 0.0),
            Settlement::Failed {
                maybe_sent: true,
                ..
            }
        ));
    }
}
