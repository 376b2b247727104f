//! Identifiers of the marketplace's world. Each can only be built through `parse`, so an empty
//! or absurdly long id never reaches the document or the database.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value from the marketplace cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must not be empty")]
    Empty,
    #[error("is longer than {0} characters")]
    TooLong(usize),
    /// A newline or an escape code in an id would forge lines in the log and in the chat.
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// Ids longer than this are not ids but garbage; the database index stays small.
const MAX_ID_LEN: usize = 128;

/// The rules every id of the marketplace's world obeys; `orderUUID` is checked by them too.
pub fn parse_id(raw: &str) -> Result<String, IdError> {
    let trimmed = raw.trim();
    if trimmed.chars().any(char::is_control) {
        return Err(IdError::ControlCharacter);
    }
    if trimmed.is_empty() {
        return Err(IdError::Empty);
    }
    if trimmed.chars().count() > MAX_ID_LEN {
        return Err(IdError::TooLong(MAX_ID_LEN));
    }
    Ok(trimmed.to_owned())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                parse_id(raw).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// The marketplace's order id (`originalOrderId`, its shipment number): the key of a document.
    OrderId
);
id_type!(
    /// The partner's store id, however the marketplace spelled its key or typed its value.
    StoreId
);
id_type!(
    /// A position's `id`: the partner's own article code.
    Sku
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_and_must_not_be_empty() {
        assert_eq!(OrderId::parse(" R1 ").unwrap().as_str(), "R1");
        assert_eq!(OrderId::parse("   "), Err(IdError::Empty));
        assert_eq!(
            Sku::parse(&"9".repeat(MAX_ID_LEN + 1)),
            Err(IdError::TooLong(MAX_ID_LEN))
        );
    }

    #[test]
    fn ids_with_control_characters_are_refused() {
        for raw in [
            "77\n2026-11-30 INFO forged",
            "77\u{1b}[31m",
            "R1\rX",
            "a\u{7f}b",
            "x\u{85}y",
        ] {
            assert_eq!(
                StoreId::parse(raw),
                Err(IdError::ControlCharacter),
                "{raw:?}"
            );
        }
        assert!(StoreId::parse("77 001").is_ok(), "inner spaces are fine");
    }
}
