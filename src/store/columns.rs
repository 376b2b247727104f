//! The text columns that hold one of a fixed list of values (outbox status, notice kind, order
//! status, outcome) are read straight into their enums: each reads as text does on both
//! backends, and a value outside the list is stored data that no longer reads
//! (`StoreError::Corrupt`).

use super::db::{Cell, Value};
use super::delivery::OutboxStatus;
use crate::domain::{NoticeKind, Outcome, Status};

macro_rules! text_column {
    ($ty:ty, $column:literal) => {
        /// A value outside the list is stored data that no longer reads (`StoreError::Corrupt`).
        impl Value for $ty {
            fn from_cell(cell: Cell) -> Result<Self, String> {
                let text = String::from_cell(cell)?;
                <$ty>::parse(&text).ok_or_else(|| format!("unknown {} {text:?}", $column))
            }
        }

        /// A row's value reads as the text stored for it.
        impl PartialEq<&str> for $ty {
            fn eq(&self, text: &&str) -> bool {
                self.as_str() == *text
            }
        }
    };
}

text_column!(OutboxStatus, "outbox status");
text_column!(NoticeKind, "notice kind");
text_column!(Status, "order status");
text_column!(Outcome, "outcome");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    /// Each value reads back from its text, and prints in JSON (the CLI's `--json`) as that text.
    fn round_trip<T>(all: &[T], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize,
    {
        for &value in all {
            assert_eq!(parse(as_str(value)), Some(value));
            assert_eq!(serde_json::to_value(value).unwrap(), as_str(value));
        }
        assert_eq!(parse("unknown"), None);
    }

    #[test]
    fn every_value_reads_back_from_its_text() {
        round_trip(
            &OutboxStatus::ALL,
            OutboxStatus::as_str,
            OutboxStatus::parse,
        );
        round_trip(&NoticeKind::ALL, NoticeKind::as_str, NoticeKind::parse);
        round_trip(&Status::ALL, Status::as_str, Status::parse);
        round_trip(&Outcome::ALL, Outcome::as_str, Outcome::parse);
        assert_eq!(
            OutboxStatus::ALL.map(OutboxStatus::as_str),
            ["pending", "sent", "failed"]
        );
    }

    #[test]
    fn a_column_value_outside_the_list_is_corrupt() {
        use crate::store::db::Row;
        let read = |text: &str| {
            let names: std::sync::Arc<[String]> = std::sync::Arc::from(vec!["status".to_owned()]);
            Row::new(names, vec![Cell::Text(text.to_owned())]).take::<OutboxStatus>("status")
        };
        assert_eq!(read("failed").unwrap(), OutboxStatus::Failed);
        let error = read("lost").unwrap_err();
        assert!(
            matches!(&error, StoreError::Corrupt(detail) if detail.contains("\"lost\"")),
            "{error:?}"
        );
    }
}
