//! The service role's privileges as `deploy/postgres/roles.sql` and the migrations leave them:
//! retention may delete journal rows, sent notices and the console's spent sessions and links,
//! and nothing else may be deleted.

use crate::pool::{CLUSTER_IN_USE, Cluster, SERVICE_ROLE, as_role};
use orders_hook::store::TABLES;

/// Whether the service role may delete from (or truncate) each table of the schema.
async fn deletable(admin: &sqlx::PgPool) -> Vec<(&'static str, bool, bool)> {
    let mut found = Vec::new();
    for table in TABLES {
        let (delete, truncate): (bool, bool) = sqlx::query_as(
            "SELECT has_table_privilege($1, $2, 'DELETE'), has_table_privilege($1, $2, 'TRUNCATE')",
        )
        .bind(SERVICE_ROLE)
        .bind(table)
        .fetch_one(admin)
        .await
        .expect("privileges");
        found.push((table, delete, truncate));
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_role_may_delete_what_retention_prunes_and_nothing_else() {
    let Some(cluster) = Cluster::from_env() else {
        return;
    };
    let _alone = CLUSTER_IN_USE.lock().await;
    // roles.sql first, then the owner's migration: the grants come with migrations 0004 and
    // 0010.
    let database = cluster.prepare_database().await;
    let admin = cluster.admin(&database).await;
    let pruned = ["journal", "outbox", "console_sessions", "console_links"];
    let expected: Vec<(&str, bool, bool)> = TABLES
        .iter()
        .map(|&table| (table, pruned.contains(&table), false))
        .collect();
    assert_eq!(deletable(&admin).await, expected);
    // roles.sql again, after the migration (as an upgrade runs it): the same, and no more.
    let roles = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/postgres/roles.sql"
    ))
    .expect("roles.sql");
    sqlx::raw_sql(sqlx::AssertSqlSafe(roles))
        .execute(&admin)
        .await
        .expect("roles.sql runs after the migration");
    assert_eq!(deletable(&admin).await, expected);

    // A request journaled 100 days ago goes when the service role prunes.
    sqlx::query(
        "INSERT INTO journal (at, outcome, status_code, duration_ms, detail)
         VALUES (now() - interval '100 days', 'invalid', 400, 1, 'old')",
    )
    .execute(&admin)
    .await
    .expect("an old journal row");
    let pruned = std::process::Command::new(env!("CARGO_BIN_EXE_orders-hook"))
        .args(["db", "prune", "--json"])
        .env("ORDERS_HOOK_DATABASE_URL", as_role(&database, SERVICE_ROLE))
        .output()
        .expect("run orders-hook db prune");
    let stdout = String::from_utf8_lossy(&pruned.stdout);
    assert!(
        pruned.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&pruned.stderr)
    );
    let round: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(round["journalRows"], 1, "{round}");
    assert_eq!(round["consoleRows"], 0, "{round}");
    admin.close().await;
}
