//! The storage ceiling: how many `order.created` transactions the database itself can commit, with
//! no HTTP, no parsing and no domain step in the way. The hook can only approach this number; the
//! ratio of the two is what `scripts/bench` reports in BENCHMARKS.md.
//!
//! The rows are the real ones: the service (in-process, SQLite) takes one `order.created` with
//! `--lines N` positions and the rows it wrote are read back — the number, the order row (its
//! lines are in the document), the history notes, the outbox rows of the two chats and the journal
//! row. They are then written again under fresh order ids, by a plain client on ONE connection
//! (rusqlite on this thread for SQLite, sqlx for PostgreSQL, through the store's own statement
//! API): one order per commit (commits/s), then 32 orders per commit (orders/s).
//!
//! SQLite: WAL, `synchronous=FULL`, a file in `--dir` (default: a temp dir; give the directory the
//! service's database lives in, so both fsync on the same disk). PostgreSQL: a fresh database on
//! `--postgres URL` (else ORDERS_HOOK_TEST_POSTGRES_URL), `synchronous_commit=on`.
//!
//! `cargo bench --bench storage_ceiling [-- --seconds S --lines N --dir D --postgres URL]`.
//! Besides the sentences it prints one line per backend for scripts to read:
//! `ceiling sqlite lines=3 one_per_commit=2400.0 batched_32=9600.0`.
//! Under `cargo test` it makes a tiny smoke run. Numbers only; nothing is asserted.

use orders_hook::store::db::{self, Exec};
use orders_hook::test_support::{Backend, serve_for_bench};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const TOKEN: &str = "ceiling-token";
const BATCH: usize = 32;

/// Two chats for the fixture's store, as a real deployment routes it: two outbox rows per order.
const ROUTING: &str = "[stores.\"77-001\"]\nstore_chat = \"-1001111111111\"\n\
                           pickers_chat = \"-1002222222222\"\n";

struct Args {
    seconds: f64,
    lines: usize,
    dir: Option<PathBuf>,
    postgres: Option<String>,
}

impl Args {
    fn read() -> Args {
        let mut args = std::env::args().skip(1);
        let mut parsed = Args {
            seconds: 0.0,
            lines: 3,
            dir: None,
            postgres: std::env::var("ORDERS_HOOK_TEST_POSTGRES_URL")
                .ok()
                .filter(|url| !url.is_empty()),
        };
        let mut full = false;
        while let Some(arg) = args.next() {
            let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
            match arg.as_str() {
                "--bench" => full = true,
                "--seconds" => parsed.seconds = value().parse().expect("--seconds S"),
                "--lines" => parsed.lines = value().parse().expect("--lines N"),
                "--dir" => parsed.dir = Some(value().into()),
                "--postgres" => parsed.postgres = Some(value()),
                _ => {} // what the test harness passes (--nocapture, filters)
            }
        }
        if parsed.seconds == 0.0 {
            // The smoke run under `cargo test`: that it still works, in a fraction of a second.
            parsed.seconds = if full { 5.0 } else { 0.2 };
        }
        parsed
    }
}

/// What one `order.created` wrote, as text, keyed by the order id it was written for.
struct Creation {
    order_id: String,
    number: String,
    order: (String, String, i64, String, String, String), // store, status, revision, doc, times
    history: Vec<[String; 5]>,                            // at, event, outcome, detail, actor
    outbox: Vec<[String; 7]>, // kind, chat, dedup_key, text, created, next attempt, queued
    journal: Journal,
}

/// at, request id, outcome, status code, duration, detail, body.
type Journal = (
    String,
    Option<String>,
    String,
    i64,
    i64,
    String,
    Option<String>,
);

fn body(order_id: &str, lines: usize) -> String {
    let mut body = orders_hook::test_support::fixture("order.created");
    body["payload"]["originalOrderId"] = order_id.into();
    let positions = body["payload"]["positions"]
        .as_array()
        .expect("positions")
        .clone();
    let many: Vec<serde_json::Value> = (0..lines)
        .map(|i| {
            let mut line = positions[i % positions.len()].clone();
            line["id"] = format!("{}", 4_600_000_000_000u64 + i as u64).into();
            line
        })
        .collect();
    body["payload"]["positions"] = many.into();
    body.to_string()
}

/// Sends one creation to the real service and reads back every row it wrote.
async fn capture(lines: usize) -> Creation {
    let dir = tempfile::tempdir().expect("temp dir");
    let (running, hook) = serve_for_bench(Backend::Sqlite, dir.path(), TOKEN, Some(ROUTING))
        .await
        .expect("SQLite is always there");
    let order_id = "CEILING-CAPTURE";
    let answer = reqwest::Client::new()
        .post(&hook)
        .header("Client-token", TOKEN)
        .body(body(order_id, lines))
        .send()
        .await
        .expect("request");
    assert_eq!(answer.status(), 200, "the capture's creation was refused");
    running.stop().await.expect("stop");

    let file = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "db"))
        .expect("the service's database file");
    let mut conn = rusqlite::Connection::open(&file).expect("open the capture");
    let (number, store, status, revision, document, created, updated) = db::query_as(
        "SELECT number, store_id, status, revision, document, created_at, updated_at
         FROM orders WHERE original_order_id = $1",
    )
    .bind(order_id)
    .fetch_one(&mut conn)
    .await
    .expect("the order row");
    let history = db::query_as::<(String, String, String, String, String)>(
        "SELECT at, event, outcome, detail, actor FROM order_history
         WHERE original_order_id = $1 ORDER BY id",
    )
    .bind(order_id)
    .fetch_all(&mut conn)
    .await
    .expect("history")
    .into_iter()
    .map(|(a, b, c, d, e)| [a, b, c, d, e])
    .collect();
    let outbox = db::query_as::<(String, String, String, String, String, String, String)>(
        "SELECT kind, chat, dedup_key, text, created_at, next_attempt_at, queued_at
         FROM outbox WHERE original_order_id = $1 ORDER BY id",
    )
    .bind(order_id)
    .fetch_all(&mut conn)
    .await
    .expect("outbox")
    .into_iter()
    .map(|(a, b, c, d, e, f, g)| [a, b, c, d, e, f, g])
    .collect();
    let journal = db::query_as(
        "SELECT at, request_id, outcome, status_code, duration_ms, detail, body
         FROM journal WHERE original_order_id = $1",
    )
    .bind(order_id)
    .fetch_one(&mut conn)
    .await
    .expect("the journal row");
    Creation {
        order_id: order_id.to_owned(),
        number,
        order: (store, status, revision, document, created, updated),
        history,
        outbox,
        journal,
    }
}

// The statements, with `{ts}`/`{json}` where PostgreSQL needs a cast from the text we bind.
const NUMBER: &str = "INSERT INTO order_numbers (original_order_id) VALUES ($1) RETURNING seq";
const ORDER: &str = "INSERT INTO orders (original_order_id, number, store_id, status, revision,
                     document, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6{json}, $7{ts}, $8{ts})";
const HISTORY: &str = "INSERT INTO order_history (original_order_id, at, event, outcome, detail,
                       actor) VALUES ($1, $2{ts}, $3, $4, $5, $6)";
const OUTBOX: &str = "INSERT INTO outbox (original_order_id, kind, chat, dedup_key, text,
                      created_at, next_attempt_at, queued_at)
                      VALUES ($1, $2, $3, $4, $5, $6{ts}, $7{ts}, $8{ts})";
const JOURNAL: &str = "INSERT INTO journal (at, request_id, event_type, original_order_id, outcome,
                       status_code, duration_ms, detail, body)
                       VALUES ($1{ts}, $2, 'order.created', $3, $4, $5, $6, $7, $8)";

fn dialect(sql: &str, postgres: bool) -> String {
    let (ts, json) = if postgres {
        ("::timestamptz", "::jsonb")
    } else {
        ("", "")
    };
    sql.replace("{ts}", ts).replace("{json}", json)
}

/// Writes `per_commit` orders per transaction for `seconds`; orders per second. The same body for
/// both backends, so that the two run exactly the same statements.
async fn replay<C>(
    conn: &mut C,
    c: &Creation,
    postgres: bool,
    per_commit: usize,
    seconds: f64,
) -> f64
where
    for<'c> &'c mut C: Exec,
{
    let [number_sql, order_sql, history_sql, outbox_sql, journal_sql] =
        [NUMBER, ORDER, HISTORY, OUTBOX, JOURNAL].map(|s| dialect(s, postgres));
    let (begin, tag) = if postgres {
        ("BEGIN", "P")
    } else {
        ("BEGIN IMMEDIATE", "S")
    };
    let (store, status, revision, document, created, updated) = &c.order;
    let (j_at, j_request, j_outcome, j_status, j_duration, j_detail, j_body) = &c.journal;
    let started = Instant::now();
    let mut written = 0usize;
    while started.elapsed() < Duration::from_secs_f64(seconds) {
        db::raw_sql(begin).execute(&mut *conn).await.expect("begin");
        for _ in 0..per_commit {
            let id = format!("{tag}-{per_commit}-{written}");
            let seq: i64 = db::query_scalar(number_sql.clone())
                .bind(id.as_str())
                .fetch_one(&mut *conn)
                .await
                .expect("number");
            db::query(order_sql.clone())
                .bind(id.as_str())
                .bind(format!("{}-{seq}", c.number))
                .bind(store)
                .bind(status)
                .bind(*revision)
                .bind(document.replace(&c.order_id, &id))
                .bind(created)
                .bind(updated)
                .execute(&mut *conn)
                .await
                .expect("order");
            for [at, event, outcome, detail, actor] in &c.history {
                db::query(history_sql.clone())
                    .bind(id.as_str())
                    .bind(at)
                    .bind(event)
                    .bind(outcome)
                    .bind(detail)
                    .bind(actor)
                    .execute(&mut *conn)
                    .await
                    .expect("history");
            }
            for [kind, chat, key, text, created, next, queued] in &c.outbox {
                db::query(outbox_sql.clone())
                    .bind(id.as_str())
                    .bind(kind)
                    .bind(chat)
                    .bind(key)
                    .bind(text)
                    .bind(created)
                    .bind(next)
                    .bind(queued)
                    .execute(&mut *conn)
                    .await
                    .expect("outbox");
            }
            db::query(journal_sql.clone())
                .bind(j_at)
                .bind(j_request.as_deref())
                .bind(id.as_str())
                .bind(j_outcome)
                .bind(*j_status as i32)
                .bind(*j_duration)
                .bind(j_detail)
                .bind(j_body.as_ref().map(|b| b.replace(&c.order_id, &id)))
                .execute(&mut *conn)
                .await
                .expect("journal");
            written += 1;
        }
        db::raw_sql("COMMIT")
            .execute(&mut *conn)
            .await
            .expect("commit");
    }
    written as f64 / started.elapsed().as_secs_f64()
}

fn report(backend: &str, c: &Creation, lines: usize, one: f64, batched: f64) {
    println!(
        "{backend}: the rows of one order.created ({lines} lines: the order, {} history notes, \
         {} outbox rows, the journal row) by a plain client on one connection: \
         {one:.0} commits/s one order per commit, {batched:.0} orders/s with {BATCH} per commit",
        c.history.len(),
        c.outbox.len()
    );
    println!(
        "ceiling {backend} lines={lines} one_per_commit={one:.1} batched_{BATCH}={batched:.1}"
    );
}

async fn sqlite(c: &Creation, args: &Args, dir: &Path) {
    let file = dir.join(format!("ceiling-{}.db", std::process::id()));
    let url = format!("sqlite://{}", file.display());
    // The service's own migrations, then a connection of our own with its settings.
    orders_hook::store::open(
        &orders_hook::database_url::DatabaseUrl::Sqlite(url),
        &orders_hook::store::StoreOptions::default(),
    )
    .await
    .expect("open the store")
    .migrate()
    .await
    .expect("migrate");
    let mut conn = rusqlite::Connection::open(&file).expect("open");
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL")
        .expect("settings");
    let one = replay(&mut conn, c, false, 1, args.seconds).await;
    let batched = replay(&mut conn, c, false, BATCH, args.seconds).await;
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    report("sqlite", c, args.lines, one, batched);
}

async fn postgres(c: &Creation, args: &Args, admin: &str) {
    let name = format!("ceiling_{}", std::process::id());
    let mut admin_conn = PgConnection::connect(admin).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin_conn)
        .await
        .expect("create database");
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    let mut conn = PgConnection::connect(&format!("{base}/{name}"))
        .await
        .expect("connect");
    sqlx::migrate!("migrations/postgres")
        .run(&mut conn)
        .await
        .expect("migrate");
    sqlx::raw_sql("SET synchronous_commit = on")
        .execute(&mut conn)
        .await
        .expect("synchronous_commit");
    let fsync: String = sqlx::query_scalar("SHOW fsync")
        .fetch_one(&mut conn)
        .await
        .expect("fsync");
    let one = replay(&mut conn, c, true, 1, args.seconds).await;
    let batched = replay(&mut conn, c, true, BATCH, args.seconds).await;
    conn.close().await.expect("close");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
        .execute(&mut admin_conn)
        .await
        .expect("drop database");
    if fsync != "on" {
        println!("postgres: fsync is {fsync} on this cluster, so this is no durable ceiling");
    }
    report("postgres", c, args.lines, one, batched);
}

#[tokio::main]
async fn main() {
    let args = Args::read();
    let creation = capture(args.lines).await;
    let temp = tempfile::tempdir().expect("temp dir");
    sqlite(&creation, &args, args.dir.as_deref().unwrap_or(temp.path())).await;
    match &args.postgres {
        Some(url) => postgres(&creation, &args, url).await,
        None => println!("postgres: no --postgres URL nor ORDERS_HOOK_TEST_POSTGRES_URL, skipped"),
    }
}
