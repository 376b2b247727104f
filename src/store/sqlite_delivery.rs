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
        let rows = delivery::lease_heads!(tx, claim, CLAIM_HEADS);
        tx.commit().await?;
        Ok(rows)
    }
}

delivery::settle_release_requeue!(SqliteStore);
