//! What the marketplace is told. Every answer of the hook is built here: the created answer, the
//! empty `200`, and each refusal with its code. The status of a decided answer comes from
//! `Answer::status_code`, the one map the journal records too, so what a request got and what
//! the journal says it got cannot drift apart.

use super::error::Rejection;
use crate::domain::Answer;
use axum::http::StatusCode;
use chrono::SecondsFormat;
use serde_json::{Value, json};

/// A refusal: the status, a stable machine-readable code, and a detail for a person. Its body is
/// always `{"error": code, "detail": detail}`; causes are logged, never sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
}

impl Refusal {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            detail: detail.into(),
        }
    }

    /// A missing, wrong or repeated `Client-token`: nothing else is done.
    pub fn forbidden() -> Self {
        Refusal::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "missing or wrong Client-token header",
        )
    }

    /// The marketplace retries a 503; the retry finds the work done once or not at all.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }

    pub fn body_too_large() -> Self {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the body is larger than 1 MiB",
        )
    }

    /// A body the protocol refuses: `413` for an order past the line cap, else `400`.
    pub fn rejected(rejection: Rejection) -> Self {
        let status = if rejection.code == Rejection::TOO_MANY_LINES {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::BAD_REQUEST
        };
        Refusal::new(status, rejection.code, rejection.detail)
    }

    pub fn body(&self) -> Value {
        json!({"error": self.code, "detail": self.detail})
    }
}

/// The answer the domain decided, for the order named `order`: `Ok` with the JSON body (or none,
/// for the empty `200`), or the refusal it amounts to.
pub fn decided(answer: &Answer, order: &str, detail: &str) -> Result<Option<Value>, Refusal> {
    match answer {
        Answer::Created {
            number,
            expected_assembly_time,
        } => Ok(Some(json!({
            "status": "created",
            "number": number,
            "expectedAssemblyTime": expected_assembly_time.to_rfc3339_opts(SecondsFormat::Secs, true),
        }))),
        Answer::Ok => Ok(None),
        Answer::NotFound => Err(Refusal::new(
            status_of(answer),
            "order_not_found",
            format!("order {order} is not known yet"),
        )),
        Answer::Retry => Err(Refusal::unavailable(detail)),
    }
}

/// The status of a decided answer, as `Answer::status_code` says.
pub fn status_of(answer: &Answer) -> StatusCode {
    StatusCode::from_u16(answer.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_decided_answer_gets_the_status_the_journal_records() {
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 10, 11, 7)
            .unwrap();
        let created = Answer::Created {
            number: "SM-000001".into(),
            expected_assembly_time: at,
        };
        assert_eq!(
            decided(&created, "R1", ""),
            Ok(Some(json!({
                "status": "created",
                "number": "SM-000001",
                "expectedAssemblyTime": "2026-11-23T10:11:07Z"
            })))
        );
        assert_eq!(decided(&Answer::Ok, "R1", ""), Ok(None));
        for answer in [Answer::NotFound, Answer::Retry] {
            let refusal = decided(&answer, "R1", "why").unwrap_err();
            assert_eq!(refusal.status.as_u16(), answer.status_code());
        }
    }

    #[test]
    fn too_many_lines_is_413_and_other_rejections_400() {
        let many = Refusal::rejected(Rejection::too_many_lines(5001, 5000));
        assert_eq!(many.status, StatusCode::PAYLOAD_TOO_LARGE);
        let bad = Refusal::rejected(Rejection::invalid("payload.x", "no"));
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.body()["error"], "invalid_field");
    }
}
