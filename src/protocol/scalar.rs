//! Reading the marketplace's scalars: decimals that come as strings or JSON numbers (integers or
//! floats, kept exactly), ids that come as strings or bare numbers, texts that may be null.

use crate::protocol::error::Rejection;
use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// A decimal exactly as written: `"189.99"`, `1.5`, `5.0`, `2`, `1e2`. Empty strings and null
/// count as absent.
pub fn decimal(value: Option<&Value>, field: &str) -> Result<Option<Decimal>, Rejection> {
    let text = match value {
        None | Some(Value::Null) => return Ok(None),
        // With serde_json's arbitrary precision a number keeps its literal text: no float on the way.
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
        Some(Value::String(text)) => text.trim().to_owned(),
        Some(other) => {
            return Err(Rejection::invalid(field, format!("not a decimal: {other}")));
        }
    };
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(&text)
    } else {
        Decimal::from_str(&text)
    };
    parsed
        .map(Some)
        .map_err(|_| Rejection::invalid(field, format!("not a decimal: {text:?}")))
}

/// A quantity: a decimal that is not negative.
pub fn quantity(value: Option<&Value>, field: &str) -> Result<Option<Decimal>, Rejection> {
    match decimal(value, field)? {
        Some(q) if q.is_sign_negative() && !q.is_zero() => Err(Rejection::invalid(
            field,
            format!("must not be negative: {q}"),
        )),
        other => Ok(other),
    }
}

/// An id: a string or a bare number, the same id either way.
pub fn id_text(value: Option<&Value>, field: &str) -> Result<Option<String>, Rejection> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(Rejection::invalid(
            field,
            format!("must be a string or a number, got {other}"),
        )),
    }
}

/// A free text such as a comment or a name. Null and blank mean "none"; a number or a boolean
/// is taken as its text; anything stranger is dropped rather than refusing the order over it.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// `Some(None)` when the key was sent as null or blank (clears the field), `None` when absent.
pub fn sent_text(value: &Option<Value>) -> Option<Option<String>> {
    value.as_ref().map(text)
}

/// A delivery-window time with its offset, as the store's staff will read it.
pub fn sent_time(
    value: &Option<Value>,
    field: &str,
) -> Result<Option<Option<DateTime<FixedOffset>>>, Rejection> {
    match value {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(Some(None)),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| Some(Some(t)))
            .map_err(|e| {
                Rejection::invalid(field, format!("not an RFC 3339 time ({e}): {text:?}"))
            }),
        Some(other) => Err(Rejection::invalid(
            field,
            format!("not an RFC 3339 time: {other}"),
        )),
    }
}

/// The envelope's `timestamp`: RFC 3339 or a Unix time (seconds, or milliseconds when it is too
/// big to be seconds). The format is not documented, so one we cannot read is ignored.
pub fn timestamp(value: Option<&Value>) -> Option<DateTime<Utc>> {
    match value? {
        Value::String(text) => DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc))
            .or_else(|| text.trim().parse::<Decimal>().ok().and_then(unix_time)),
        Value::Number(number) => Decimal::from_str(&number.to_string())
            .ok()
            .and_then(unix_time),
        _ => None,
    }
}

fn unix_time(value: Decimal) -> Option<DateTime<Utc>> {
    use rust_decimal::prelude::ToPrimitive;
    let millis = if value.abs() > Decimal::from(100_000_000_000i64) {
        value
    } else {
        value * Decimal::from(1000)
    };
    DateTime::from_timestamp_millis(millis.trunc().to_i64()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dec(v: Value) -> Result<Option<Decimal>, Rejection> {
        decimal(Some(&v), "f")
    }

    #[test]
    fn decimals_are_read_exactly_from_strings_and_numbers() {
        let parsed: Value =
            serde_json::from_str(r#"[0.1, 5.0, 2, "189.99", 1e2, 0.30000000000000004]"#).unwrap();
        let all: Vec<String> = parsed
            .as_array()
            .unwrap()
            .iter()
            .map(|v| dec(v.clone()).unwrap().unwrap().to_string())
            .collect();
        assert_eq!(
            all,
            ["0.1", "5.0", "2", "189.99", "100", "0.30000000000000004"]
        );
    }

    #[test]
    fn non_decimals_and_negative_quantities_are_rejected_with_the_field_name() {
        let err = dec(json!("abc")).unwrap_err();
        assert_eq!(err.code, "invalid_field");
        assert!(err.detail.starts_with("f:"), "{}", err.detail);
        assert!(dec(json!(true)).is_err());
        assert!(quantity(Some(&json!(-1)), "q").is_err());
        assert_eq!(quantity(Some(&json!(0)), "q").unwrap(), Some(Decimal::ZERO));
        assert_eq!(dec(json!("")).unwrap(), None);
    }

    #[test]
    fn timestamps_in_either_format_or_ignored() {
        let rfc = timestamp(Some(&json!("2026-11-23T12:41:07+03:00"))).unwrap();
        assert_eq!(rfc.to_rfc3339(), "2026-11-23T09:41:07+00:00");
        let secs = timestamp(Some(&json!(1_795_426_867))).unwrap();
        let millis = timestamp(Some(&json!(1_795_426_867_000i64))).unwrap();
        assert_eq!(secs, millis);
        assert_eq!(timestamp(Some(&json!("yesterday"))), None);
        assert_eq!(timestamp(Some(&json!({"a": 1}))), None);
    }

    #[test]
    fn ids_come_as_strings_or_numbers() {
        assert_eq!(
            id_text(Some(&json!(77001)), "s").unwrap().as_deref(),
            Some("77001")
        );
        assert_eq!(
            id_text(Some(&json!("77-001")), "s").unwrap().as_deref(),
            Some("77-001")
        );
        assert!(id_text(Some(&json!([1])), "s").is_err());
    }
}
