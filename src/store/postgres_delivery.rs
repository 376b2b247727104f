//! The delivery worker's transactions on PostgreSQL, where several workers (one per instance of
//! the pool) share the outbox. Claims take a transaction-scoped advisory lock, so the counts of
//! recent attempts that keep Telegram's limits are exact across workers; the rows themselves are
//! locked `FOR UPDATE SKIP LOCKED`, so a claim never waits on a row that a worker is settling.

use super::StoreError;
use super::delivery::{self, *};
use super::postgres::PostgresStore;

/// The advisory lock key of outbox claims ("orders-hook outbox" as a number).
const CLAIM_LOCK: i64 = 0x6f68_6f75_7462_6f78;

impl PostgresStore {
    pub(super) async fn claim(
        &self,
        claim: &NoticeClaim,
    ) -> Result<Vec<ClaimedNotice>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CLAIM_LOCK)
            .execute(&mut *tx)
            .await?;
        // The statement is two constants joined: nothing from outside reaches its text.
        let sql = sqlx::AssertSqlSafe(format!("{CLAIM_HEADS} FOR UPDATE OF o SKIP LOCKED"));
        let rows = delivery::lease_heads!(tx, claim, sql);
        tx.commit().await?;
        Ok(rows)
    }
}

delivery::settle_release_requeue!(PostgresStore);
