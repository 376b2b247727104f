//! The one statement API of both backends: a statement's text and its arguments (`query`,
//! `query_as`, `query_scalar`, shaped as sqlx's are), run on an `Exec` (PostgreSQL's pool or
//! transaction through sqlx; SQLite's connections through rusqlite, see `lite`), and its rows
//! read back into the store's records by column name (`FromRow`). The statement texts stay the
//! callers' (one `$n` text for both databases); only the driver differs.

mod args;
mod checkpointer;
pub mod lite;
mod pg;
mod rows;

pub use args::Arg;
pub(crate) use rows::from_row;
pub use rows::{Cell, FromRow, Row, Scalar, Value};

use super::StoreError;
use async_trait::async_trait;
use std::borrow::Cow;
use std::marker::PhantomData;

/// What a statement is asked for: its rows, or only how many rows it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Rows,
    Affected,
}

/// What a statement gave back.
#[derive(Debug, Default)]
pub struct Done {
    pub rows: Vec<Row>,
    pub affected: u64,
}

/// Where a statement runs: a pool, a connection or a transaction of either backend.
#[async_trait]
pub trait Exec: Send {
    async fn run(self, statement: Query<'_>, want: Want) -> Result<Done, StoreError>;
}

/// A statement's text and its arguments, bound in order to `$1`, `$2`, …
#[derive(Debug, Clone)]
pub struct Query<'q> {
    pub(crate) sql: Cow<'static, str>,
    pub(crate) args: Vec<Arg<'q>>,
    /// Several statements without arguments, run as one text (`raw_sql`).
    pub(crate) script: bool,
}

pub fn query<'q>(sql: impl Into<Cow<'static, str>>) -> Query<'q> {
    Query {
        sql: sql.into(),
        args: Vec::new(),
        script: false,
    }
}

/// Several statements without arguments, one after the other (`SAVEPOINT`, `VACUUM`, …).
pub fn raw_sql(sql: impl Into<Cow<'static, str>>) -> Query<'static> {
    Query {
        script: true,
        ..query(sql)
    }
}

pub fn query_as<'q, T: FromRow>(sql: impl Into<Cow<'static, str>>) -> QueryAs<'q, T> {
    QueryAs {
        query: query(sql),
        row: PhantomData,
    }
}

pub fn query_scalar<'q, T: Value>(sql: impl Into<Cow<'static, str>>) -> QueryScalar<'q, T> {
    QueryScalar(query_as(sql))
}

impl<'q> Query<'q> {
    pub fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Runs it; how many rows it changed.
    pub async fn execute(self, on: impl Exec) -> Result<u64, StoreError> {
        Ok(on.run(self, Want::Affected).await?.affected)
    }

    /// The same statement with arguments of its own, for another thread.
    pub(crate) fn into_owned(self) -> Query<'static> {
        Query {
            sql: self.sql,
            args: self.args.into_iter().map(Arg::into_owned).collect(),
            script: self.script,
        }
    }
}

/// A statement whose rows read as `T` (a record by column names, a tuple by place).
#[derive(Debug, Clone)]
pub struct QueryAs<'q, T> {
    query: Query<'q>,
    row: PhantomData<fn() -> T>,
}

impl<'q, T: FromRow> QueryAs<'q, T> {
    pub fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub async fn fetch_all(self, on: impl Exec) -> Result<Vec<T>, StoreError> {
        let done = on.run(self.query, Want::Rows).await?;
        done.rows.into_iter().map(T::read).collect()
    }

    pub async fn fetch_optional(self, on: impl Exec) -> Result<Option<T>, StoreError> {
        let done = on.run(self.query, Want::Rows).await?;
        done.rows.into_iter().next().map(T::read).transpose()
    }

    pub async fn fetch_one(self, on: impl Exec) -> Result<T, StoreError> {
        self.fetch_optional(on)
            .await?
            .ok_or(StoreError::RowNotFound)
    }
}

/// A statement whose rows' first column is the value wanted.
pub struct QueryScalar<'q, T>(QueryAs<'q, Scalar<T>>);

impl<'q, T: Value> QueryScalar<'q, T> {
    pub fn bind(self, value: impl Into<Arg<'q>>) -> Self {
        QueryScalar(self.0.bind(value))
    }

    pub async fn fetch_all(self, on: impl Exec) -> Result<Vec<T>, StoreError> {
        Ok(self
            .0
            .fetch_all(on)
            .await?
            .into_iter()
            .map(|s| s.0)
            .collect())
    }

    pub async fn fetch_optional(self, on: impl Exec) -> Result<Option<T>, StoreError> {
        Ok(self.0.fetch_optional(on).await?.map(|s| s.0))
    }

    pub async fn fetch_one(self, on: impl Exec) -> Result<T, StoreError> {
        Ok(self.0.fetch_one(on).await?.0)
    }
}
