//! The text columns that hold one of a fixed list of values (outbox status, notice kind, order
//! status, outcome) are read straight into their enums: each reads as `str` does on both
//! backends, and a value outside the list is stored data that no longer reads
//! (`StoreError::Corrupt`, see `UnknownValue`).

use super::delivery::OutboxStatus;
use crate::domain::{NoticeKind, Outcome, Status};
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Type};

/// A column value outside its enum's list; `StoreError` reports it as corrupt data.
#[derive(Debug, thiserror::Error)]
#[error("unknown {column} {value:?}")]
pub(crate) struct UnknownValue {
    column: &'static str,
    value: String,
}

macro_rules! text_column {
    ($ty:ty, $column:literal) => {
        impl<DB: Database> Type<DB> for $ty
        where
            str: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&'r str as Decode<'r, DB>>::decode(value)?;
                <$ty>::parse(text).ok_or_else(|| {
                    Box::new(UnknownValue {
                        column: $column,
                        value: text.to_owned(),
                    }) as BoxDynError
                })
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

    #[tokio::test]
    async fn a_column_value_outside_the_list_is_corrupt() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let read = |sql| sqlx::query_scalar::<_, OutboxStatus>(sql).fetch_one(&pool);
        assert_eq!(read("SELECT 'failed'").await.unwrap(), OutboxStatus::Failed);
        let error = StoreError::from(read("SELECT 'lost'").await.unwrap_err());
        assert!(
            matches!(&error, StoreError::Corrupt(detail) if detail.contains("\"lost\"")),
            "{error:?}"
        );
    }
}
