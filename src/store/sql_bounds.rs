//! What the generic statements need of a sqlx backend, written once. Rust has no trait aliases
//! and does not carry these bounds from a trait to its users, so every `impl` over either
//! database takes its header from this macro: it adds bounds only, never code.

/// `on_either_database! { #[async_trait] impl Role for SqlStore<DB> { .. } }`, or
/// `on_either_database! { impl SqlStore<DB> { .. } }`: the impl, for every `DB` that both
/// backends are.
macro_rules! on_either_database {
    (@bounded [$($head:tt)*] { $($body:tt)* }) => {
        $($head)*
        where
            DB: $crate::store::dialect::Dialect,
            for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
            DB::Arguments: sqlx::IntoArguments<DB>,
            for<'a> &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
            for<'a> Option<&'a str>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
            for<'a> String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
            for<'a> i32: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
            for<'a> i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
            for<'a> Option<i64>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
            for<'a> bool: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
            for<'a> chrono::DateTime<chrono::Utc>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
            for<'a> Option<chrono::DateTime<chrono::Utc>>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
            for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
            for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
            for<'r> (Option<chrono::DateTime<chrono::Utc>>,): sqlx::FromRow<'r, DB::Row>,
            for<'r> (String, String): sqlx::FromRow<'r, DB::Row>,
            for<'r> (String, i64): sqlx::FromRow<'r, DB::Row>,
            for<'r> (String, String, String): sqlx::FromRow<'r, DB::Row>,
            for<'r> (String, String, Option<String>, Option<String>): sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::records::HistoryRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::records::OrderSummary: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::records::OutboxRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::records::JournalRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::delivery::ClaimedNotice: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::console::Session: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::console::Link: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::operator::OrderCount: sqlx::FromRow<'r, DB::Row>,
            for<'r> (chrono::DateTime<chrono::Utc>, i64): sqlx::FromRow<'r, DB::Row>,
            for<'r> (i64, String): sqlx::FromRow<'r, DB::Row>,
            for<'r> (String, chrono::DateTime<chrono::Utc>): sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::store::sql_picking::PickingRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> (
                String,
                Option<chrono::DateTime<chrono::Utc>>,
                Option<chrono::DateTime<chrono::Utc>>,
                Option<chrono::DateTime<chrono::Utc>>,
            ): sqlx::FromRow<'r, DB::Row>,
        {
            $($body)*
        }
    };
    ($(#[$attr:meta])* impl $role:ident for $target:ty { $($body:tt)* }) => {
        on_either_database!(@bounded [$(#[$attr])* impl<DB> $role for $target] { $($body)* });
    };
    (impl $target:ty { $($body:tt)* }) => {
        on_either_database!(@bounded [impl<DB> $target] { $($body)* });
    };
}
