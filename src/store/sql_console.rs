//! The console's sign-in records on either database, one statement text for both.

use super::console::{Link, NewSession, Session};
use super::db;
use super::sql::SqlStore;
use super::{ConsoleAccess, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const LINK_COLUMNS: &str =
    "id, store_id, name, created_by, created_at, expires_at, used_at, revoked_at";

on_either_database! {
    #[async_trait]
    impl ConsoleAccess for SqlStore<DB> {
        async fn open_session(&self, session: &NewSession) -> Result<(), StoreError> {
            db::query(
                "INSERT INTO console_sessions (id_digest, role, name, csrf, link_id, grant_digest,
                                               created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(session.id_digest.as_str())
            .bind(session.role.as_str())
            .bind(session.name.as_str())
            .bind(session.csrf.as_str())
            .bind(session.link_id)
            .bind(session.grant_digest.as_deref())
            .bind(session.created_at)
            .bind(session.expires_at)
            .execute(DB::writer(&self.pool))
            .await?;
            Ok(())
        }

        async fn session(
            &self,
            id_digest: &str,
            now: DateTime<Utc>,
        ) -> Result<Option<Session>, StoreError> {
            Ok(db::query_as::<Session>(
                "SELECT role, name, csrf, expires_at, grant_digest FROM console_sessions
                 WHERE id_digest = $1 AND ended_at IS NULL AND expires_at > $2",
            )
            .bind(id_digest)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
        }

        async fn end_session(&self, id_digest: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
            db::query(
                "UPDATE console_sessions SET ended_at = $2
                 WHERE id_digest = $1 AND ended_at IS NULL",
            )
            .bind(id_digest)
            .bind(now)
            .execute(DB::writer(&self.pool))
            .await?;
            Ok(())
        }

        async fn end_sessions_of_removed_grants(
            &self,
            kept: &[(String, String)],
            now: DateTime<Utc>,
        ) -> Result<u64, StoreError> {
            // The grants in use are few (a line of the tokens file each): read them, and end
            // those gone one by one, all in one transaction.
            let mut tx = DB::begin_write(&self.pool).await?;
            let in_use: Vec<(String, String)> = db::query_as(
                "SELECT DISTINCT grant_digest, role FROM console_sessions
                 WHERE grant_digest IS NOT NULL AND ended_at IS NULL",
            )
            .fetch_all(&mut tx)
            .await?;
            let mut ended = 0;
            for (grant, role) in in_use.iter().filter(|used| !kept.contains(used)) {
                let done = db::query(
                    "UPDATE console_sessions SET ended_at = $3
                     WHERE grant_digest = $1 AND role = $2 AND ended_at IS NULL",
                )
                .bind(grant.as_str())
                .bind(role.as_str())
                .bind(now)
                .execute(&mut tx)
                .await?;
                ended += done;
            }
            DB::commit(tx).await?;
            Ok(ended)
        }

        async fn redeem_link(
            &self,
            code_digest: &str,
            now: DateTime<Utc>,
        ) -> Result<Option<Link>, StoreError> {
            // One statement: two browsers redeeming the same code at once cannot both win.
            let sql = format!(
                "UPDATE console_links SET used_at = $2
                 WHERE code_digest = $1 AND used_at IS NULL AND revoked_at IS NULL
                   AND expires_at > $2
                 RETURNING {LINK_COLUMNS}"
            );
            Ok(db::query_as::<Link>(sql)
                .bind(code_digest)
                .bind(now)
                .fetch_optional(DB::writer(&self.pool))
                .await?)
        }

        async fn links(&self) -> Result<Vec<Link>, StoreError> {
            let sql = format!("SELECT {LINK_COLUMNS} FROM console_links ORDER BY id DESC");
            Ok(db::query_as::<Link>(sql)
                .fetch_all(&self.pool)
                .await?)
        }
    }
}
