//! PostgreSQL through sqlx: the statement's arguments bound with their types, its rows read
//! into cells by each column's type.

use super::{Arg, Cell, Done, Exec, Query, Row, Want};
use crate::store::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Arguments, AssertSqlSafe, Column, Executor, PgConnection, Pool, Postgres, Transaction};
use sqlx::{Row as _, TypeInfo, ValueRef};
use std::sync::Arc;

fn arguments(args: &[Arg<'_>]) -> Result<PgArguments, StoreError> {
    let mut bound = PgArguments::default();
    for arg in args {
        let added = match arg {
            Arg::Text(text) => bound.add(text.as_deref()),
            Arg::Int(n) => bound.add(*n),
            Arg::Int32(n) => bound.add(*n),
            Arg::Bool(b) => bound.add(*b),
            Arg::Time(at) => bound.add(*at),
            Arg::TextArray(list) => bound.add(list),
        };
        added.map_err(|e| StoreError::Corrupt(format!("a statement's argument: {e}")))?;
    }
    Ok(bound)
}

fn cell(row: &PgRow, at: usize) -> Result<Cell, sqlx::Error> {
    if row.try_get_raw(at)?.is_null() {
        return Ok(Cell::Null);
    }
    let column = &row.columns()[at];
    Ok(match column.type_info().name() {
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" => Cell::Text(row.try_get(at)?),
        "INT8" => Cell::Int(row.try_get(at)?),
        "INT4" => Cell::Int(row.try_get::<i32, _>(at)?.into()),
        "INT2" => Cell::Int(row.try_get::<i16, _>(at)?.into()),
        "BOOL" => Cell::Bool(row.try_get(at)?),
        "TIMESTAMPTZ" => Cell::Time(row.try_get::<DateTime<Utc>, _>(at)?),
        "TIMESTAMP" => Cell::Time(row.try_get::<NaiveDateTime, _>(at)?.and_utc()),
        "FLOAT8" => Cell::Real(row.try_get(at)?),
        "FLOAT4" => Cell::Real(row.try_get::<f32, _>(at)?.into()),
        "BYTEA" => Cell::Bytes(row.try_get(at)?),
        "JSON" | "JSONB" => Cell::Text(row.try_get::<serde_json::Value, _>(at)?.to_string()),
        "VOID" => Cell::Null,
        other => {
            return Err(sqlx::Error::ColumnDecode {
                index: column.name().to_owned(),
                source: format!("type {other}, which the store does not read (cast it)").into(),
            });
        }
    })
}

fn rows(pg_rows: Vec<PgRow>) -> Result<Vec<Row>, sqlx::Error> {
    let Some(first) = pg_rows.first() else {
        return Ok(Vec::new());
    };
    let names: Arc<[String]> = first
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    pg_rows
        .iter()
        .map(|row| {
            let cells = (0..names.len())
                .map(|at| cell(row, at))
                .collect::<Result<_, _>>()?;
            Ok(Row::new(names.clone(), cells))
        })
        .collect()
}

async fn run<'c, E>(on: E, statement: Query<'_>, want: Want) -> Result<Done, StoreError>
where
    E: Executor<'c, Database = Postgres>,
{
    if statement.script {
        let done = sqlx::raw_sql(AssertSqlSafe(statement.sql))
            .execute(on)
            .await?;
        return Ok(Done {
            rows: Vec::new(),
            affected: done.rows_affected(),
        });
    }
    let bound = arguments(&statement.args)?;
    let query = sqlx::query_with(AssertSqlSafe(statement.sql), bound);
    match want {
        Want::Affected => Ok(Done {
            rows: Vec::new(),
            affected: query.execute(on).await?.rows_affected(),
        }),
        Want::Rows => Ok(Done {
            rows: rows(query.fetch_all(on).await?)?,
            affected: 0,
        }),
    }
}

#[async_trait]
impl Exec for &Pool<Postgres> {
    async fn run(self, statement: Query<'_>, want: Want) -> Result<Done, StoreError> {
        run(self, statement, want).await
    }
}

#[async_trait]
impl Exec for &mut PgConnection {
    async fn run(self, statement: Query<'_>, want: Want) -> Result<Done, StoreError> {
        run(self, statement, want).await
    }
}

#[async_trait]
impl Exec for &mut Transaction<'static, Postgres> {
    async fn run(self, statement: Query<'_>, want: Want) -> Result<Done, StoreError> {
        run(&mut **self, statement, want).await
    }
}
