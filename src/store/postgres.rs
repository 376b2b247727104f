//! PostgreSQL, for a pool of identical instances: an event's transaction first takes an advisory
//! lock on its order id, so copies of one event arriving at two instances at once run one after
//! the other; unique keys (order id, number, ledger entry, outbox notice) are the backstop.

use super::change_bus::{ChangeBus, PgChangeBus};
use super::db::{self, Query};
use super::dialect::{Dialect, ServerWatch, WriteOff};
use super::event_tx::{Balances, EventWrites, parse_decimal};
use super::primary::Primary;
use super::records::DatabaseSize;
use super::sql::SqlStore;
use super::{StoreError, StoreOptions};
use crate::database_url::PostgresUrl;
use crate::domain::{ACTOR, Catalog, HistoryNote, OrderId, Sku};
use async_trait::async_trait;
use rust_decimal::Decimal;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Postgres, Transaction};
use std::sync::Arc;
use tokio_util::sync::{CancellationToken, DropGuard};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub type PostgresStore = SqlStore<Postgres>;

/// How long a pool waits for a connection: bounded, so that the first request after the
/// database went away learns it well inside the deadline (see `open`).
pub(super) const CONNECTION_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// The advisory lock key of outbox claims ("orders-hook outbox" as a number).
const CLAIM_LOCK: i64 = 0x6f68_6f75_7462_6f78;

impl SqlStore<Postgres> {
    /// Finds the host that takes writes (refused, naming each host, when none does) and
    /// starts the follower that keeps the store's pools on it across a failover.
    pub async fn open(url: &PostgresUrl, options: &StoreOptions) -> Result<Self, StoreError> {
        let primary = Primary::find_first(url).await?;
        // Connections are made on demand and the pool replaces a broken one by itself, so a
        // database restart needs no service restart.
        // sqlx keeps retrying a refused connection until the acquire timeout: bounded at 1.5 s,
        // the first request after the database went away learns it well inside the deadline,
        // and the reachability gate answers the rest at once.
        let pool = primary.pool(
            PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout.min(CONNECTION_WAIT)),
        );
        let stop = CancellationToken::new();
        let follow = Arc::new(stop.clone().drop_guard());
        let bus = PgChangeBus::new(&primary, follow.clone());
        let mut pools = vec![pool.clone()];
        pools.extend(bus.pools());
        tokio::spawn(primary.clone().follow(pools, stop));
        Ok(SqlStore {
            pool,
            server: PgServer {
                primary,
                bus: Arc::new(bus),
                _follow: follow,
            },
        })
    }
}

/// The primary in use and the change feed's connections, which follow it.
pub struct PgServer {
    primary: Arc<Primary>,
    bus: Arc<PgChangeBus>,
    /// Ends the follower when the store goes.
    _follow: Arc<DropGuard>,
}

impl ServerWatch for PgServer {
    fn ready(&self) -> Result<(), StoreError> {
        let ready = self.primary.ready();
        if ready.is_err() {
            self.primary.suspect();
        }
        ready
    }

    fn change_bus(&self) -> Option<Arc<dyn ChangeBus>> {
        Some(self.bus.clone())
    }
}

/// True when every embedded migration is recorded as applied, with the same checksum.
async fn schema_is_current(pool: &Pool<Postgres>) -> Result<bool, StoreError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(false);
    }
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?;
    Ok(MIGRATOR.iter().all(|migration| {
        applied.iter().any(|(version, checksum)| {
            *version == migration.version && checksum[..] == migration.checksum[..]
        })
    }))
}

#[async_trait]
impl Dialect for Postgres {
    const NAME: &'static str = "PostgreSQL";
    type Pool = Pool<Postgres>;
    type Writer = Pool<Postgres>;
    type Tx = Transaction<'static, Postgres>;
    type Server = PgServer;
    type Revision = i32;
    type SkuList = Vec<String>;
    const CATALOG_FOR: &'static str =
        "SELECT sku, name, unit, zone FROM catalog WHERE sku = ANY($1)";

    const AS_JSON: &'static str = "::jsonb";
    const AS_DECIMAL: &'static str = "::numeric";
    const CLAIM_LOCKING: &'static str = " FOR UPDATE OF o SKIP LOCKED";
    const NEGATIVE_BALANCES: &'static str =
        "SELECT COUNT(*) FROM stock_balances WHERE quantity < 0";

    const ADD_HISTORY: &'static str = "
        INSERT INTO order_history (original_order_id, at, event, outcome, detail, actor)
        SELECT $1, $2, h.event, h.outcome, h.detail, $3
        FROM UNNEST($4::text[], $5::text[], $6::text[])
             WITH ORDINALITY AS h(event, outcome, detail, n)
        ORDER BY h.n";

    fn bind_notes<'q>(query: Query<'q>, notes: &[HistoryNote]) -> Result<Query<'q>, StoreError> {
        let column = |f: fn(&HistoryNote) -> &str| notes.iter().map(f).collect::<Vec<_>>();
        Ok(query
            .bind(column(|n| n.event.as_str()))
            .bind(column(|n| n.outcome.as_str()))
            .bind(column(|n| n.detail.as_str())))
    }

    fn sku_list(skus: &[Sku]) -> Result<Vec<String>, StoreError> {
        Ok(skus.iter().map(Sku::to_string).collect())
    }

    fn writer(pool: &Pool<Postgres>) -> &Pool<Postgres> {
        pool
    }

    async fn migrate(pool: &Pool<Postgres>) -> Result<(), StoreError> {
        // In pool mode the instances connect as a role that may not create anything (see
        // deploy/postgres/roles.sql), and sqlx's migrator always starts with a CREATE TABLE:
        // when every migration is already applied there is nothing to run.
        if schema_is_current(pool).await? {
            return Ok(());
        }
        // sqlx's migrator holds an advisory lock: instances starting together migrate once.
        match MIGRATOR.run(pool).await {
            Ok(()) => Ok(()),
            Err(sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(db)))
                if db.code().as_deref() == Some("42501") =>
            {
                Err(StoreError::Permission(format!(
                    "the schema needs migrating and this role may not ({}): run `orders-hook \
                     migrate` with the owner role's ORDERS_HOOK_DATABASE_URL first",
                    db.message()
                )))
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn begin_write(
        pool: &Pool<Postgres>,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(pool.begin().await?)
    }

    async fn begin_batch(
        pool: &Pool<Postgres>,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(pool.begin().await?)
    }

    async fn commit(tx: Transaction<'static, Postgres>) -> Result<(), StoreError> {
        Ok(tx.commit().await?)
    }

    async fn lock_order(
        tx: &mut Transaction<'static, Postgres>,
        id: &OrderId,
    ) -> Result<(), StoreError> {
        db::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(id.as_str())
            .execute(tx)
            .await?;
        Ok(())
    }

    async fn lock_claims(tx: &mut Transaction<'static, Postgres>) -> Result<(), StoreError> {
        db::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CLAIM_LOCK)
            .execute(tx)
            .await?;
        Ok(())
    }

    async fn write_off(
        tx: &mut Transaction<'static, Postgres>,
        off: WriteOff<'_>,
    ) -> Result<Vec<(Sku, Decimal)>, StoreError> {
        let skus: Vec<&str> = off.moves.iter().map(|(sku, _)| sku.as_str()).collect();
        let quantities: Vec<String> = off.moves.iter().map(|(_, q)| q.to_string()).collect();
        // Only the ledger entries that are new move a balance: a repeat writes nothing off again.
        let rows: Vec<(String, String)> = db::query_as(
            "WITH moved AS (
                 INSERT INTO stock_ledger (original_order_id, store_id, sku, quantity, reason, at,
                                           actor)
                 SELECT $1, $2, m.sku, -(m.quantity::numeric), 'shipment', $3, $4
                 FROM UNNEST($5::text[], $6::text[]) AS m(sku, quantity)
                 ON CONFLICT (original_order_id, sku, reason) DO NOTHING
                 RETURNING sku, quantity
             )
             INSERT INTO stock_balances (store_id, sku, quantity, updated_at)
             SELECT $2, sku, quantity, $3 FROM moved
             ON CONFLICT (store_id, sku) DO UPDATE
                 SET quantity = stock_balances.quantity + excluded.quantity, updated_at = $3
             RETURNING sku, quantity::text",
        )
        .bind(off.order.as_str())
        .bind(off.store.as_str())
        .bind(off.at)
        .bind(ACTOR)
        .bind(&skus)
        .bind(&quantities)
        .fetch_all(tx)
        .await?;
        rows.into_iter()
            .map(|(sku, balance)| {
                let sku = Sku::parse(&sku)
                    .map_err(|e| StoreError::Corrupt(format!("ledger sku {sku:?}: {e}")))?;
                Ok((sku, parse_decimal(&balance)?))
            })
            .collect()
    }

    async fn catalog_and_number(
        tx: &mut Transaction<'static, Postgres>,
        skus: &[Sku],
        number_for: Option<&OrderId>,
    ) -> Option<Result<(Catalog, Option<u64>), StoreError>> {
        Some(super::postgres_event::catalog_and_number(tx, skus, number_for).await)
    }

    async fn write_event(
        tx: &mut Transaction<'static, Postgres>,
        writes: &EventWrites<'_>,
    ) -> Option<Result<Balances, StoreError>> {
        Some(super::postgres_event::write_event(tx, writes).await)
    }

    async fn size(pool: &Pool<Postgres>) -> Result<DatabaseSize, StoreError> {
        let bytes: i64 = db::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(pool)
            .await?;
        Ok(DatabaseSize {
            bytes: u64::try_from(bytes).unwrap_or(0),
            wal_bytes: None,
            free_bytes: None,
        })
    }

    async fn tidy(_pool: &Pool<Postgres>) -> Result<(), StoreError> {
        Ok(())
    }
    async fn compact(pool: &Pool<Postgres>) -> Result<(), StoreError> {
        // The simple protocol: VACUUM may not run inside a transaction, implicit ones included.
        db::raw_sql("VACUUM (ANALYZE)").execute(pool).await?;
        Ok(())
    }
}
