//! A statement's arguments, typed as PostgreSQL needs them (a NULL still has a type there);
//! SQLite takes the same values as text, integers and NULLs.

use chrono::{DateTime, Utc};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'q> {
    Text(Option<Cow<'q, str>>),
    Int(Option<i64>),
    /// PostgreSQL's 32-bit `INTEGER` columns (a revision, a status code).
    Int32(Option<i32>),
    Bool(Option<bool>),
    Time(Option<DateTime<Utc>>),
    /// PostgreSQL's `text[]`, for `UNNEST` and `= ANY`; SQLite's dialect binds a JSON text.
    TextArray(Vec<String>),
}

impl Arg<'_> {
    pub(crate) fn into_owned(self) -> Arg<'static> {
        match self {
            Arg::Text(text) => Arg::Text(text.map(|t| Cow::Owned(t.into_owned()))),
            Arg::Int(n) => Arg::Int(n),
            Arg::Int32(n) => Arg::Int32(n),
            Arg::Bool(b) => Arg::Bool(b),
            Arg::Time(at) => Arg::Time(at),
            Arg::TextArray(list) => Arg::TextArray(list),
        }
    }
}

impl<'q> From<&'q str> for Arg<'q> {
    fn from(text: &'q str) -> Self {
        Arg::Text(Some(Cow::Borrowed(text)))
    }
}

impl<'q> From<&'q String> for Arg<'q> {
    fn from(text: &'q String) -> Self {
        Arg::Text(Some(Cow::Borrowed(text)))
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Self {
        Arg::Text(Some(Cow::Owned(text)))
    }
}

impl<'q> From<Option<&'q str>> for Arg<'q> {
    fn from(text: Option<&'q str>) -> Self {
        Arg::Text(text.map(Cow::Borrowed))
    }
}

impl From<Option<String>> for Arg<'_> {
    fn from(text: Option<String>) -> Self {
        Arg::Text(text.map(Cow::Owned))
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Int(Some(n))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(n: Option<i64>) -> Self {
        Arg::Int(n)
    }
}

impl From<i32> for Arg<'_> {
    fn from(n: i32) -> Self {
        Arg::Int32(Some(n))
    }
}

impl From<bool> for Arg<'_> {
    fn from(b: bool) -> Self {
        Arg::Bool(Some(b))
    }
}

impl From<DateTime<Utc>> for Arg<'_> {
    fn from(at: DateTime<Utc>) -> Self {
        Arg::Time(Some(at))
    }
}

impl From<Option<DateTime<Utc>>> for Arg<'_> {
    fn from(at: Option<DateTime<Utc>>) -> Self {
        Arg::Time(at)
    }
}

impl From<Vec<String>> for Arg<'_> {
    fn from(list: Vec<String>) -> Self {
        Arg::TextArray(list)
    }
}

impl From<&Vec<String>> for Arg<'_> {
    fn from(list: &Vec<String>) -> Self {
        Arg::TextArray(list.clone())
    }
}

impl From<&Vec<&str>> for Arg<'_> {
    fn from(list: &Vec<&str>) -> Self {
        Arg::TextArray(list.iter().map(|s| (*s).to_owned()).collect())
    }
}

impl From<Vec<&str>> for Arg<'_> {
    fn from(list: Vec<&str>) -> Self {
        Arg::TextArray(list.into_iter().map(str::to_owned).collect())
    }
}
