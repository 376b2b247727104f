//! The console's sign-in records on either database, one statement text for both.

use super::console::{Link, NewSession, Session};
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
            sqlx::query(
                "INSERT INTO console_sessions (id_digest, role, name, csrf, link_id, created_at,
                                               expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(session.id_digest.as_str())
            .bind(session.role.as_str())
            .bind(session.name.as_str())
            .bind(session.csrf.as_str())
            .bind(session.link_id)
            .bind(session.created_at)
            .bind(session.expires_at)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn session(
            &self,
            id_digest: &str,
            now: DateTime<Utc>,
        ) -> Result<Option<Session>, StoreError> {
            Ok(sqlx::query_as::<_, Session>(
                "SELECT role, name, csrf, expires_at FROM console_sessions
                 WHERE id_digest = $1 AND ended_at IS NULL AND expires_at > $2",
            )
            .bind(id_digest)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
        }

        async fn end_session(&self, id_digest: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE console_sessions SET ended_at = $2
                 WHERE id_digest = $1 AND ended_at IS NULL",
            )
            .bind(id_digest)
            .bind(now)
            .execute(&self.pool)
            .await?;
            Ok(())
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
            Ok(sqlx::query_as::<_, Link>(sqlx::AssertSqlSafe(sql))
                .bind(code_digest)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?)
        }

        async fn links(&self) -> Result<Vec<Link>, StoreError> {
            let sql = format!("SELECT {LINK_COLUMNS} FROM console_links ORDER BY id DESC");
            Ok(sqlx::query_as::<_, Link>(sqlx::AssertSqlSafe(sql))
                .fetch_all(&self.pool)
                .await?)
        }
    }
}
