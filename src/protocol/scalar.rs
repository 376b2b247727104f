//! Reading the marketplace's scalars: decimals that come as strings or JSON numbers (integers or
//! floats, kept exactly), ids that come as strings or bare numbers, texts that may be null.

use crate::protocol::error::Rejection;
use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// How large, and how finely divided, a number from the marketplace may be. The limits are far
/// beyond any real order and far below `rust_decimal`'s 28 digits, so that every sum the
/// service makes of them (repeated skus merged, a balance written down) stays exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// The largest value accepted (never negative: nothing in an order is).
    pub max: u64,
    /// Decimal places that may carry a digit other than zero.
    pub scale: u32,
}

/// A quantity: up to a million pieces or kilograms, to the gram (weighed goods in kg).
pub const QUANTITY: Bounds = Bounds {
    max: 1_000_000,
    scale: 3,
};

/// Money in roubles: up to ten billion, to a hundredth of a kopeck. The marketplace sends
/// kopecks; two more places leave room for a per-gram price without rounding anything sent.
pub const MONEY: Bounds = Bounds {
    max: 10_000_000_000,
    scale: 4,
};

/// A number's text is never longer than this; anything longer is not a price or a quantity.
const MAX_NUMBER_TEXT: usize = 64;

/// A decimal within `bounds`, exactly as written: `"189.99"`, `1.5`, `5.0`, `2`, `1e2`. Empty
/// strings and null count as absent. Anything looser (`"1_000"`, `"+1"`, `".5"`, a fraction
/// finer than `bounds.scale`, a negative or too large value) is refused, never rounded.
pub fn decimal(
    value: Option<&Value>,
    field: &str,
    bounds: Bounds,
) -> Result<Option<Decimal>, Rejection> {
    let text = match value {
        None | Some(Value::Null) => return Ok(None),
        // With serde_json's arbitrary precision a number keeps its literal text: no float on the way.
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
        Some(Value::String(text)) => text.trim().to_owned(),
        Some(other) => {
            return Err(Rejection::invalid(
                field,
                format!("not a decimal: {}", json_kind(other)),
            ));
        }
    };
    exact_decimal(&text, bounds)
        .map(Some)
        .map_err(|why| Rejection::invalid(field, why))
}

/// What kind of JSON value was sent where a scalar belongs, without echoing a large value.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads `-?digits(.digits)?([eE][+-]?digits)?` into the exact decimal it names, checking the
/// bounds on the digits themselves, before any arithmetic could overflow or round.
pub fn exact_decimal(text: &str, bounds: Bounds) -> Result<Decimal, String> {
    let refuse = || format!("not a decimal: {:?}", abridged(text));
    if text.len() > MAX_NUMBER_TEXT {
        return Err(format!(
            "not a decimal: longer than {MAX_NUMBER_TEXT} characters"
        ));
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
        Some(_) => return Err(refuse()),
        None => (mantissa, ""),
    };
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(refuse());
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(exponent) => {
            let (sign, digits) = match exponent.strip_prefix(['+', '-']) {
                Some(digits) => (if exponent.starts_with('-') { -1 } else { 1 }, digits),
                None => (1, exponent),
            };
            // Four digits of exponent already reach far past any bound.
            if digits.is_empty() || digits.len() > 4 || !all_digits(digits) {
                return Err(refuse());
            }
            sign * digits.parse::<i64>().map_err(|_| refuse())?
        }
    };
    // The value is `digits × 10^(−scale)`.
    let mut digits: String = whole.chars().chain(fraction.chars()).collect();
    let mut scale = fraction.len() as i64 - exponent;
    // Zeros past the finest place allowed say nothing and are dropped.
    while scale > i64::from(bounds.scale) && digits.ends_with('0') {
        digits.pop();
        scale -= 1;
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(Decimal::ZERO);
    }
    if negative {
        return Err(format!("must not be negative: {:?}", abridged(text)));
    }
    if scale > i64::from(bounds.scale) {
        return Err(format!(
            "has more than {} decimal places: {:?}",
            bounds.scale,
            abridged(text)
        ));
    }
    let too_large = || format!("is larger than {}: {:?}", bounds.max, abridged(text));
    let whole_digits = significant.len() as i64 - scale;
    if whole_digits > bounds.max.to_string().len() as i64 {
        return Err(too_large());
    }
    // Now at most 11 whole and 4 fractional digits: the arithmetic below cannot overflow.
    let mut mantissa: i128 = significant.parse().map_err(|_| refuse())?;
    while scale < 0 {
        mantissa *= 10;
        scale += 1;
    }
    let value = Decimal::from_i128_with_scale(mantissa, scale as u32);
    if value > Decimal::from(bounds.max) {
        return Err(too_large());
    }
    Ok(value)
}

/// A refused number is quoted in the answer, but never at length.
fn abridged(text: &str) -> String {
    const SHOWN: usize = 40;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A quantity (`QUANTITY` bounds).
pub fn quantity(value: Option<&Value>, field: &str) -> Result<Option<Decimal>, Rejection> {
    decimal(value, field, QUANTITY)
}

/// An amount of money (`MONEY` bounds).
pub fn money(value: Option<&Value>, field: &str) -> Result<Option<Decimal>, Rejection> {
    decimal(value, field, MONEY)
}

/// An id: a string or a bare number, the same id either way.
pub fn id_text(value: Option<&Value>, field: &str) -> Result<Option<String>, Rejection> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(Rejection::invalid(
            field,
            format!("must be a string or a number, got {}", json_kind(other)),
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
                Rejection::invalid(
                    field,
                    format!("not an RFC 3339 time ({e}): {:?}", abridged(text)),
                )
            }),
        Some(other) => Err(Rejection::invalid(
            field,
            format!("not an RFC 3339 time: {}", json_kind(other)),
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
        value.checked_mul(Decimal::from(1000))?
    };
    DateTime::from_timestamp_millis(millis.trunc().to_i64()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dec(v: Value) -> Result<Option<Decimal>, Rejection> {
        money(Some(&v), "f")
    }

    fn qty(text: &str) -> Result<Decimal, String> {
        exact_decimal(text, QUANTITY)
    }

    #[test]
    fn decimals_are_read_exactly_from_strings_and_numbers() {
        let parsed: Value =
            serde_json::from_str(r#"[0.1, 5.0, 2, "189.99", 1e2, 0.3000, "149.90", 2.5E-1]"#)
                .unwrap();
        let all: Vec<String> = parsed
            .as_array()
            .unwrap()
            .iter()
            .map(|v| dec(v.clone()).unwrap().unwrap().to_string())
            .collect();
        assert_eq!(
            all,
            [
                "0.1", "5.0", "2", "189.99", "100", "0.3000", "149.90", "0.25"
            ]
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
    fn loose_spellings_are_refused_not_guessed() {
        for loose in [
            "1_000", "+1", ".5", "5.", "1e", "1e+", "0x10", "1,5", "1 000", "١", "NaN",
        ] {
            assert!(qty(loose).is_err(), "{loose:?} was accepted");
        }
    }

    #[test]
    fn magnitudes_past_the_bounds_are_refused_not_rounded() {
        assert_eq!(qty("1000000").unwrap(), Decimal::from(1_000_000));
        assert!(qty("1000000.001").is_err());
        assert!(qty("79228162514264337593543950335").is_err());
        assert!(qty("1e7").is_err());
        assert!(qty("1e9999").is_err());
        assert_eq!(qty("0.375").unwrap().to_string(), "0.375");
        assert!(
            qty("0.3751").is_err(),
            "a fourth decimal place is not a gram"
        );
        assert!(
            qty(&format!("0.{}", "3".repeat(40))).is_err(),
            "40 fractional digits are refused, not rounded to 28"
        );
        assert_eq!(qty("1.5000000").unwrap(), "1.500".parse().unwrap());
        assert_eq!(qty("-0").unwrap(), Decimal::ZERO);
        assert_eq!(qty("0e9999").unwrap(), Decimal::ZERO);
        assert!(exact_decimal("-0.01", MONEY).is_err(), "no negative price");
        assert_eq!(
            exact_decimal("10000000000", MONEY).unwrap(),
            Decimal::from(10_000_000_000u64)
        );
        assert!(exact_decimal("10000000000.0001", MONEY).is_err());
        assert!(exact_decimal(&"9".repeat(65), MONEY).is_err());
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
