//! The delivery statements as stories: what a claim, a settlement (sent, retry, failed,
//! readdress), a release and a requeue leave in the outbox rows. The worker and Telegram are the
//! black-box suite's; here the statements are called through the `Store` trait, by hand, with the
//! time in the claim.
//!
//! The lease, the last attempt's time, `queued_at` and `maybe_sent` belong to no row the store
//! hands out, so [`Outbox::delivery`] reads those columns back with one plain `SELECT`, the same
//! text on both backends.

mod claim;
mod release;
mod requeue;
mod settle;

use crate::support::{about, outbox_of, send};
use chrono::{DateTime, Utc};
use orders_hook::store::db;
use orders_hook::store::{
    ClaimedNotice, NoticeClaim, OutboxFilter, OutboxRow, SendLimits, Settlement, Store,
    StoreOptions,
};
use orders_hook::test_support::{Backend, fresh_database};
use sqlx::Connection;
use std::future::Future;
use std::sync::Arc;

/// The worker's lease, as `NotifySettings` sets it.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(60);

/// Whole seconds, as chrono counts them.
pub fn secs(seconds: i64) -> chrono::Duration {
    chrono::Duration::seconds(seconds)
}

/// The columns only the delivery statements read and write.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub queued_at: Option<DateTime<Utc>>,
    pub maybe_sent: bool,
}

impl Delivery {
    /// Leased to `worker` by a claim at `now`.
    pub fn leased(
        worker: &str,
        now: DateTime<Utc>,
        queued_at: DateTime<Utc>,
        maybe_sent: bool,
    ) -> Delivery {
        Delivery {
            lease_owner: Some(worker.to_owned()),
            lease_until: Some(now + chrono::Duration::from_std(LEASE).unwrap()),
            last_attempt_at: Some(now),
            queued_at: Some(queued_at),
            maybe_sent,
        }
    }

    /// Nobody's: never claimed, settled, or given back (`last_attempt_at` says which).
    pub fn free(
        last_attempt_at: Option<DateTime<Utc>>,
        queued_at: DateTime<Utc>,
        maybe_sent: bool,
    ) -> Delivery {
        Delivery {
            lease_owner: None,
            lease_until: None,
            last_attempt_at,
            queued_at: Some(queued_at),
            maybe_sent,
        }
    }
}

/// One story's store, and the URL of its database for reading the delivery columns.
pub struct Outbox {
    pub store: Arc<dyn Store>,
    url: String,
}

/// One story, one fresh database, migrated.
pub async fn run_outbox<F, Fut>(backend: Backend, story: F)
where
    F: FnOnce(Outbox) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return; // PostgreSQL is not available: fresh_database said so loudly.
    };
    let store = orders_hook::store::open(
        &url.parse().expect("a database URL"),
        &StoreOptions::default(),
    )
    .await
    .expect("open the store");
    store.migrate().await.expect("migrate");
    story(Outbox { store, url }).await;
}

impl Outbox {
    /// Creates `order_id` at store 77-001 at `now`: a "created" notice to the store chat, then
    /// one to the pickers' chat. Returns their ids, in that order.
    pub async fn created(&self, order_id: &str, now: DateTime<Utc>) -> Vec<i64> {
        send(&*self.store, &about("order.created", order_id, None), now).await;
        outbox_of(&*self.store, order_id)
            .await
            .iter()
            .map(|row| row.id)
            .collect()
    }

    /// What `worker` may send at `now`, within Telegram's limits.
    pub async fn claim(&self, worker: &str, now: DateTime<Utc>) -> Vec<ClaimedNotice> {
        self.claim_within(worker, now, SendLimits::default()).await
    }

    pub async fn claim_within(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        limits: SendLimits,
    ) -> Vec<ClaimedNotice> {
        let claim = NoticeClaim {
            worker: worker.to_owned(),
            now,
            lease: LEASE,
            limits,
        };
        self.store
            .claim_due_notices(&claim)
            .await
            .expect("claim_due_notices")
    }

    /// Settles an attempt as `worker`: false when the row was not (or no longer) its to settle.
    pub async fn settle(&self, id: i64, worker: &str, settlement: Settlement) -> bool {
        self.store
            .settle_notice(id, worker, &settlement)
            .await
            .expect("settle_notice")
    }

    /// The row as `outbox list` shows it.
    pub async fn row(&self, id: i64) -> OutboxRow {
        self.store
            .outbox(&OutboxFilter::default())
            .await
            .expect("outbox")
            .into_iter()
            .find(|row| row.id == id)
            .unwrap_or_else(|| panic!("outbox row {id} is gone"))
    }

    /// The row's lease, last attempt, queue time and repeat mark.
    pub async fn delivery(&self, id: i64) -> Delivery {
        const COLUMNS: &str = "SELECT lease_owner, lease_until, last_attempt_at, queued_at, \
                               maybe_sent FROM outbox WHERE id = $1";
        type Columns = (
            Option<String>,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            bool,
        );
        let statement = db::query_as::<Columns>(COLUMNS).bind(id);
        let (lease_owner, lease_until, last_attempt_at, queued_at, maybe_sent) =
            if self.url.starts_with("sqlite:") {
                let pool = db::lite::LitePool::open_url(&self.url)
                    .await
                    .expect("open the SQLite file");
                statement.fetch_one(&pool).await
            } else {
                let mut conn = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect to the test database");
                statement.fetch_one(&mut conn).await
            }
            .expect("read the delivery columns");
        Delivery {
            lease_owner,
            lease_until,
            last_attempt_at,
            queued_at,
            maybe_sent,
        }
    }
}
