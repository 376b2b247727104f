//! Housekeeping on either database, one statement text for both: the lease that keeps it to
//! one instance at a time, and pruning by age in small batches. The indexes of migrations 0004
//! and 0010 let a batch find its rows without scanning the table.

use super::db;
use super::records::{DatabaseSize, Prunable};
use super::sql::SqlStore;
use super::{Housekeeping, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Takes a free or run-out lease, or renews one's own: the row is written only then.
const TAKE_LEASE: &str = "
    INSERT INTO maintenance_leases (task, holder, until) VALUES ($1, $2, $3)
    ON CONFLICT (task) DO UPDATE SET holder = excluded.holder, until = excluded.until
    WHERE maintenance_leases.holder = excluded.holder OR maintenance_leases.until <= $4";

const END_LEASE: &str = "
    UPDATE maintenance_leases SET until = $3 WHERE task = $1 AND holder = $2";

/// The oldest first, so that an interrupted run leaves no hole behind it.
const PRUNE_JOURNAL: &str = "
    DELETE FROM journal WHERE id IN (
        SELECT id FROM journal WHERE at < $1 ORDER BY at LIMIT $2)";

/// Only what was delivered: a pending notice is still owed to a chat and a failed one waits for
/// an operator, whatever their age.
const PRUNE_SENT_NOTICES: &str = "
    DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox WHERE status = 'sent' AND sent_at < $1 ORDER BY sent_at LIMIT $2)";

/// Sessions that ran out or were ended (signed out, link revoked, token removed) before $1.
const PRUNE_CONSOLE_SESSIONS: &str = "
    DELETE FROM console_sessions WHERE id_digest IN (
        SELECT id_digest FROM console_sessions WHERE expires_at < $1 OR ended_at < $1
        ORDER BY expires_at LIMIT $2)";

/// Links spent before $1 (expired, used or revoked), unless a session they opened is still good
/// past it: the operator's revoke is how such a session is ended.
const PRUNE_CONSOLE_LINKS: &str = "
    DELETE FROM console_links WHERE id IN (
        SELECT l.id FROM console_links l
        WHERE (l.expires_at < $1 OR l.used_at < $1 OR l.revoked_at < $1)
          AND NOT EXISTS (SELECT 1 FROM console_sessions s
                          WHERE s.link_id = l.id AND s.ended_at IS NULL AND s.expires_at >= $1)
        ORDER BY l.id LIMIT $2)";

on_either_database! {
    #[async_trait]
    impl Housekeeping for SqlStore<DB> {
        async fn take_lease(
            &self,
            task: &str,
            holder: &str,
            now: DateTime<Utc>,
            until: DateTime<Utc>,
        ) -> Result<bool, StoreError> {
            let done = db::query(TAKE_LEASE)
                .bind(task)
                .bind(holder)
                .bind(until)
                .bind(now)
                .execute(DB::writer(&self.pool))
                .await?;
            Ok(done > 0)
        }

        async fn end_lease(
            &self,
            task: &str,
            holder: &str,
            now: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            db::query(END_LEASE)
                .bind(task)
                .bind(holder)
                .bind(now)
                .execute(DB::writer(&self.pool))
                .await?;
            Ok(())
        }

        async fn prune(
            &self,
            what: Prunable,
            before: DateTime<Utc>,
            limit: u32,
        ) -> Result<u64, StoreError> {
            let statement = match what {
                Prunable::Journal => PRUNE_JOURNAL,
                Prunable::SentNotices => PRUNE_SENT_NOTICES,
                Prunable::ConsoleSessions => PRUNE_CONSOLE_SESSIONS,
                Prunable::ConsoleLinks => PRUNE_CONSOLE_LINKS,
            };
            let done = db::query(statement)
                .bind(before)
                .bind(i64::from(limit))
                .execute(DB::writer(&self.pool))
                .await?;
            Ok(done)
        }

        async fn tidy(&self) -> Result<(), StoreError> {
            DB::tidy(&self.pool).await
        }

        async fn compact(&self) -> Result<(DatabaseSize, DatabaseSize), StoreError> {
            let before = DB::size(&self.pool).await?;
            DB::compact(&self.pool).await?;
            Ok((before, DB::size(&self.pool).await?))
        }
    }
}
