//! Whether the database can be reached, as the request path sees it. When a store call fails
//! because the database is gone (connection refused or reset, the pool timing out, the server
//! shutting down), requests are answered `503` at once instead of each one waiting out the
//! deadline against a dead server, and `/readyz` says not ready. A probe pings the database in
//! the background and opens the gate again as soon as it answers.

use super::{IngestStore, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the probe pings while the database is down, and how long one ping may take.
const PROBE_EVERY: Duration = Duration::from_millis(250);
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Reachability {
    down: AtomicBool,
}

impl Reachability {
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::SeqCst)
    }

    /// Takes note of a failed store call; if it says the database is gone, closes the gate and
    /// starts the probe that opens it again.
    pub fn observe(self: &Arc<Self>, error: &StoreError, store: &Arc<dyn IngestStore>) {
        if !means_unreachable(error) || self.down.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::error!(%error, "database unreachable: answering 503 until it is back");
        let (gate, store) = (self.clone(), store.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                if let Ok(Ok(())) = tokio::time::timeout(PROBE_TIMEOUT, store.ping()).await {
                    gate.down.store(false, Ordering::SeqCst);
                    tracing::info!("database reachable again");
                    return;
                }
            }
        });
    }
}

/// Errors that say no server that takes writes is there, as opposed to a bad statement or a
/// busy row: gone, shutting down or starting up, or (after a failover) a standby or a
/// read-only server where the primary was.
fn means_unreachable(error: &StoreError) -> bool {
    match error {
        StoreError::NoWritableHost(_) | StoreError::PrimaryMoved => true,
        StoreError::Database(sqlx::Error::Io(_))
        | StoreError::Database(sqlx::Error::PoolTimedOut)
        | StoreError::Database(sqlx::Error::PoolClosed)
        | StoreError::Database(sqlx::Error::Tls(_))
        | StoreError::Database(sqlx::Error::Protocol(_)) => true,
        // 57P01..57P03: the server is shutting down or starting up; 08xxx: connection failures;
        // 25006: a read-only transaction, a demoted primary's.
        StoreError::Database(sqlx::Error::Database(db)) => db.code().is_some_and(|code| {
            code.starts_with("57P") || code.starts_with("08") || code == "25006"
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_server_closes_the_gate() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(means_unreachable(&StoreError::Database(sqlx::Error::Io(
            refused
        ))));
        assert!(means_unreachable(&StoreError::Database(
            sqlx::Error::PoolTimedOut
        )));
        assert!(!means_unreachable(&StoreError::Database(
            sqlx::Error::RowNotFound
        )));
        assert!(!means_unreachable(&StoreError::Corrupt("x".into())));
        assert!(means_unreachable(&StoreError::NoWritableHost(
            "db1:5432: does not take writes".into()
        )));
    }
}
