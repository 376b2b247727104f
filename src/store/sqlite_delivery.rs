//! The delivery worker's transactions on SQLite. `BEGIN IMMEDIATE` makes a claim the only writer
//! while it counts recent attempts and leases rows, so the rate limits hold exactly even with a
//! second process (`orders-hook notify`) on the same file.

use super::StoreError;
use super::delivery::{self, *};
use super::sqlite::SqliteStore;

impl SqliteStore {
    pub(super) async fn claim(
        &self,
        claim: &NoticeClaim,
    ) -> Result<Vec<ClaimedNotice>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let windows = windows(claim);
        let recent: i64 = sqlx::query_scalar(RECENT_ATTEMPTS)
            .bind(windows.second_ago)
            .fetch_one(&mut *tx)
            .await?;
        let budget = i64::from(claim.limits.overall_per_second) - recent;
        if budget <= 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query_as::<_, ClaimedNotice>(CLAIM_HEADS)
            .bind(claim.now)
            .bind(windows.chat_since)
            .bind(windows.minute_ago)
            .bind(i64::from(claim.limits.group_per_minute))
            .bind(budget)
            .fetch_all(&mut *tx)
            .await?;
        let until = lease_end(claim);
        for row in &rows {
            sqlx::query(LEASE)
                .bind(row.id)
                .bind(&claim.worker)
                .bind(claim.now)
                .bind(until)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rows)
    }
}

delivery::settle_release_requeue!(SqliteStore);
