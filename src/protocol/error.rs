//! Why a body cannot be accepted: answered `400` with `{"error": code, "detail": ...}`.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct Rejection {
    /// Stable, machine-readable: `malformed_json`, `not_an_object`, `missing_field`, `invalid_field`,
    /// `too_many_lines`.
    pub code: &'static str,
    /// For a person: names the field (`payload.positions[1].quantity`) and what is wrong.
    pub detail: String,
}

impl Rejection {
    pub const TOO_MANY_LINES: &'static str = "too_many_lines";

    pub fn malformed(detail: impl Into<String>) -> Self {
        Rejection {
            code: "malformed_json",
            detail: detail.into(),
        }
    }

    pub fn not_an_object(what: &str) -> Self {
        Rejection {
            code: "not_an_object",
            detail: format!("{what} must be a JSON object"),
        }
    }

    pub fn missing(field: &str) -> Self {
        Rejection {
            code: "missing_field",
            detail: format!("{field} is required"),
        }
    }

    /// Answered `413`: the body is well-formed but describes more lines than an order may have.
    pub fn too_many_lines(count: usize, max: usize) -> Self {
        Rejection {
            code: Self::TOO_MANY_LINES,
            detail: format!("payload.positions: {count} lines, at most {max} are accepted"),
        }
    }

    pub fn invalid(field: &str, why: impl std::fmt::Display) -> Self {
        Rejection {
            code: "invalid_field",
            detail: format!("{field}: {why}"),
        }
    }
}
