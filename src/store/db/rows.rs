//! Rows as both drivers hand them over: each cell an owned value (`Cell`), read into a record
//! by column name or into a tuple by place.

use crate::store::StoreError;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::sync::Arc;

/// One value of a row, as the database gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
    Bool(bool),
    /// PostgreSQL's `timestamptz`; SQLite keeps times as text.
    Time(DateTime<Utc>),
}

impl Cell {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Int(_) => "an integer",
            Cell::Real(_) => "a real",
            Cell::Text(_) => "text",
            Cell::Bytes(_) => "bytes",
            Cell::Bool(_) => "a boolean",
            Cell::Time(_) => "a time",
        }
    }

    fn not(self, wanted: &str) -> String {
        format!("{} where {wanted} was expected", self.kind())
    }
}

/// A row: its cells, and the statement's column names (shared by its rows).
#[derive(Debug, Clone)]
pub struct Row {
    names: Arc<[String]>,
    cells: Vec<Cell>,
}

impl Row {
    pub fn new(names: Arc<[String]>, cells: Vec<Cell>) -> Row {
        Row { names, cells }
    }

    /// The value of column `name`, moved out of the row.
    pub fn take<T: Value>(&mut self, name: &str) -> Result<T, StoreError> {
        let at =
            self.names.iter().position(|n| n == name).ok_or_else(|| {
                StoreError::Corrupt(format!("the statement has no column {name:?}"))
            })?;
        self.take_at(at)
    }

    /// The value of the column at `at` (from 0), moved out of the row.
    pub fn take_at<T: Value>(&mut self, at: usize) -> Result<T, StoreError> {
        let cell = self
            .cells
            .get_mut(at)
            .map(|cell| std::mem::replace(cell, Cell::Null))
            .ok_or_else(|| StoreError::Corrupt(format!("the statement has no column {at}")))?;
        T::from_cell(cell).map_err(|why| {
            let name = self.names.get(at).map_or("?", String::as_str);
            StoreError::Corrupt(format!("column {name}: {why}"))
        })
    }
}

/// A column's value as the store reads it, from either driver's cell.
pub trait Value: Sized {
    fn from_cell(cell: Cell) -> Result<Self, String>;
}

/// A row read as a record by column names, or as a tuple by place.
pub trait FromRow: Sized {
    fn read(row: Row) -> Result<Self, StoreError>;
}

/// The first column of a row (`query_scalar`).
pub struct Scalar<T>(pub T);

impl<T: Value> FromRow for Scalar<T> {
    fn read(mut row: Row) -> Result<Self, StoreError> {
        row.take_at(0).map(Scalar)
    }
}

impl Value for String {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Text(text) => Ok(text),
            other => Err(other.not("text")),
        }
    }
}

impl Value for i64 {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Int(n) => Ok(n),
            other => Err(other.not("an integer")),
        }
    }
}

impl Value for i32 {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        let n = i64::from_cell(cell)?;
        i32::try_from(n).map_err(|_| format!("{n} is out of range"))
    }
}

impl Value for bool {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Bool(b) => Ok(b),
            // SQLite's booleans are the integers 0 and 1.
            Cell::Int(n) => Ok(n != 0),
            other => Err(other.not("a boolean")),
        }
    }
}

impl Value for f64 {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Real(x) => Ok(x),
            Cell::Int(n) => Ok(n as f64),
            other => Err(other.not("a number")),
        }
    }
}

impl Value for Vec<u8> {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Bytes(bytes) => Ok(bytes),
            other => Err(other.not("bytes")),
        }
    }
}

impl Value for DateTime<Utc> {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Time(at) => Ok(at),
            Cell::Text(text) => parse_time(&text).ok_or_else(|| format!("{text:?} is not a time")),
            other => Err(other.not("a time")),
        }
    }
}

impl<T: Value> Value for Option<T> {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Null => Ok(None),
            cell => T::from_cell(cell).map(Some),
        }
    }
}

/// A time as SQLite keeps it: RFC 3339 as written by `lite::time_text` (and by sqlx before
/// it), or SQLite's own `YYYY-MM-DD HH:MM:SS` (`CURRENT_TIMESTAMP`), which is UTC.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    if let Ok(at) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z") {
        return Some(at.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Value),+> FromRow for ($($t,)+) {
            fn read(mut row: Row) -> Result<Self, StoreError> {
                Ok(($(row.take_at::<$t>($i)?,)+))
            }
        }
    };
}

tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// `from_row!(Record { field, … })`: the record read from the columns named as its fields.
macro_rules! from_row {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl $crate::store::db::FromRow for $ty {
            fn read(
                mut row: $crate::store::db::Row,
            ) -> Result<Self, $crate::store::StoreError> {
                Ok($ty { $($field: row.take(stringify!($field))?,)* })
            }
        }
    };
}
pub(crate) use from_row;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_read_back_in_every_form_sqlite_holds_them() {
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 9, 30, 0).unwrap();
        for text in [
            "2026-12-05T09:30:00+00:00",
            "2026-12-05T12:30:00+03:00",
            "2026-12-05T09:30:00Z",
            "2026-12-05 09:30:00",
            "2026-12-05 09:30:00.000+00:00",
        ] {
            assert_eq!(parse_time(text), Some(at), "{text}");
        }
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn a_record_reads_its_columns_by_name_and_says_which_one_failed() {
        let names: Arc<[String]> = Arc::from(vec!["b".to_owned(), "a".to_owned()]);
        let mut row = Row::new(names.clone(), vec![Cell::Text("x".into()), Cell::Int(7)]);
        assert_eq!(row.take::<i64>("a").unwrap(), 7);
        assert_eq!(row.take::<String>("b").unwrap(), "x");
        let mut row = Row::new(names, vec![Cell::Int(1), Cell::Null]);
        let error = row.take::<String>("b").unwrap_err().to_string();
        assert!(
            error.contains("column b") && error.contains("integer"),
            "{error}"
        );
        assert_eq!(row.take::<Option<i64>>("a").unwrap(), None);
    }
}
