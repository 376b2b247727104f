//! What the generic statements need of a backend, written once: its pool and its transaction
//! run statements (`db::Exec`). Rust does not carry such bounds from a trait to its users, so
//! every `impl` over either database takes its header from this macro: it adds bounds only,
//! never code.

/// `on_either_database! { #[async_trait] impl Role for SqlStore<DB> { .. } }`, or
/// `on_either_database! { impl SqlStore<DB> { .. } }`: the impl, for every `DB` that both
/// backends are.
macro_rules! on_either_database {
    (@bounded [$($head:tt)*] { $($body:tt)* }) => {
        $($head)*
        where
            DB: $crate::store::dialect::Dialect,
            for<'c> &'c DB::Pool: $crate::store::db::Exec,
            for<'c> &'c DB::Writer: $crate::store::db::Exec,
            for<'c> &'c mut DB::Tx: $crate::store::db::Exec,
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
