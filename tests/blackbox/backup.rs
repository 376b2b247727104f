//! `orders-hook backup`: a copy taken while the real binary serves, restored and served from; the
//! rotation of `--keep`; PostgreSQL sent to its own tools; a failed backup leaving nothing.

use crate::harness::{HOOK, TOKEN, fixture_for};
use crate::operator_cli::binary;
use crate::served_binary::ServedBinary;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

fn database_url(dir: &Path) -> String {
    format!("sqlite://{}/x.db", dir.display())
}

/// The real binary against the database of `dir` (the file `ServedBinary` serves).
fn cli(dir: &Path, args: &[&str]) -> Output {
    binary()
        .args(args)
        .env("ORDERS_HOOK_DATABASE_URL", database_url(dir))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run orders-hook")
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "orders-hook failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--json output is JSON")
}

/// Posts `order.created` for `order_id` and returns the partner's number it was answered.
async fn create(client: &reqwest::Client, base: &str, order_id: &str) -> String {
    let response = client
        .post(format!("{base}{HOOK}"))
        .header("Client-token", TOKEN)
        .header("content-type", "application/json")
        .body(fixture_for("order.created", order_id).to_string())
        .send()
        .await
        .expect("hook request");
    assert_eq!(response.status().as_u16(), 200, "created {order_id}");
    let answer: Value = response.json().await.expect("created answer");
    answer["number"].as_str().expect("a number").to_owned()
}

fn number_value(number: &str) -> u64 {
    number
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .expect("a numbered order")
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_every_order_answered_before_it() {
    let live = tempfile::tempdir().unwrap();
    let mut served = ServedBinary::start(live.path(), &[]).await;
    let base = served.base();
    let client = reqwest::Client::new();

    let mut before = BTreeMap::new();
    for i in 0..20 {
        let id = format!("B-before-{i}");
        let number = create(&client, &base, &id).await;
        before.insert(id, number);
    }

    // A second stream of new orders goes on while the copy is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let posted = Arc::new(AtomicUsize::new(0));
    let stream = tokio::spawn({
        let (client, base, stop, posted) =
            (client.clone(), base.clone(), stop.clone(), posted.clone());
        async move {
            let mut answered = BTreeMap::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let id = format!("B-during-{i}");
                answered.insert(id.clone(), create(&client, &base, &id).await);
                posted.fetch_add(1, Ordering::SeqCst);
                i += 1;
            }
            answered
        }
    });
    while posted.load(Ordering::SeqCst) < 5 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let backups = tempfile::tempdir().unwrap();
    let dest = backups.path().join("copy.db");
    let answered_before_backup = posted.load(Ordering::SeqCst);
    let output = tokio::task::spawn_blocking({
        let (live, dest) = (live.path().to_path_buf(), dest.clone());
        move || cli(&live, &["backup", dest.to_str().unwrap(), "--json"])
    })
    .await
    .unwrap();
    let posted_when_done = posted.load(Ordering::SeqCst);
    let summary = json_of(&output);
    while posted.load(Ordering::SeqCst) < posted_when_done + 5 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let during = stream.await.unwrap();
    assert!(
        served
            .terminate_within(Duration::from_secs(20))
            .await
            .is_some(),
        "the service stopped"
    );

    assert_eq!(summary["path"], dest.to_str().unwrap());
    let orders = summary["orders"].as_u64().unwrap();
    assert!(
        orders >= before.len() as u64 + answered_before_backup as u64
            && orders < before.len() as u64 + during.len() as u64,
        "the copy holds the first orders and not the ones after it: {summary}"
    );
    assert_eq!(
        summary["bytes"].as_u64().unwrap(),
        std::fs::metadata(&dest).unwrap().len()
    );
    let leftovers: Vec<_> = std::fs::read_dir(backups.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["copy.db"], "only the copy, no temporary file");

    let copy =
        rusqlite::Connection::open_with_flags(&dest, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let verdict: Vec<String> = copy
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(verdict, ["ok"]);
    drop(copy);

    // Restore: a fresh directory with the copy as the database.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&dest, restored.path().join("x.db")).unwrap();
    let mut served = ServedBinary::start(restored.path(), &[]).await;
    let base = served.base();

    for i in 0..answered_before_backup {
        let id = format!("B-during-{i}");
        before.insert(id.clone(), during[&id].clone());
    }
    for (id, number) in &before {
        let shown = json_of(&cli(
            restored.path(),
            &["order", "show", "--id", id, "--json"],
        ));
        assert_eq!(shown["number"], number.as_str(), "{id} kept its number");
        assert_eq!(
            &create(&client, &base, id).await,
            number,
            "a repeated created of {id} answers its number"
        );
    }
    let listed = json_of(&cli(
        restored.path(),
        &["orders", "list", "--limit", "100000", "--json"],
    ));
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len() as u64, orders);
    for row in listed {
        let id = row["originalOrderId"].as_str().unwrap();
        let answered = before.get(id).or_else(|| during.get(id));
        assert_eq!(
            answered.map(String::as_str),
            row["number"].as_str(),
            "{id} in the copy has the number it was answered"
        );
    }
    let numbers: BTreeSet<u64> = listed
        .iter()
        .map(|row| number_value(row["number"].as_str().unwrap()))
        .collect();
    assert_eq!(numbers.len(), listed.len(), "no number twice");
    let highest = *numbers.last().unwrap();

    let next = create(&client, &base, "B-after-restore").await;
    assert_eq!(
        number_value(&next),
        highest + 1,
        "the restored service numbers on from the copy"
    );
    assert!(
        served
            .terminate_within(Duration::from_secs(20))
            .await
            .is_some()
    );
}

#[test]
fn backup_keep_leaves_the_newest_copies_and_never_another_file() {
    let live = tempfile::tempdir().unwrap();
    assert!(cli(live.path(), &["migrate"]).status.success());
    let backups = tempfile::tempdir().unwrap();
    let old = [
        "orders-hook-20200101T000000Z.db",
        "orders-hook-20210101T000000Z.db",
        "orders-hook-20220101T000000Z.db",
        "orders-hook-20230101T000000Z.db",
        "orders-hook-20240101T000000Z.db",
    ];
    let others = [
        "notes.txt",
        "orders-hook-before-upgrade.db",
        "orders-hook-20190101T000000Z.db.bak",
        "orders-hook.db",
    ];
    for name in old.iter().chain(&others) {
        std::fs::write(backups.path().join(name), "not a copy").unwrap();
    }
    // A directory with a copy's name is not a copy either.
    std::fs::create_dir(backups.path().join("orders-hook-20180101T000000Z.db")).unwrap();

    let summary = json_of(&cli(
        live.path(),
        &[
            "backup",
            backups.path().to_str().unwrap(),
            "--keep",
            "3",
            "--json",
        ],
    ));
    let written = Path::new(summary["path"].as_str().unwrap());
    assert_eq!(written.parent().unwrap(), backups.path());
    let name = written.file_name().unwrap().to_str().unwrap().to_owned();
    assert!(orders_hook::backup::is_backup_name(&name), "{name}");
    assert_eq!(summary["orders"], 0);
    assert_eq!(summary["removed"].as_array().unwrap().len(), 3);

    let mut left: Vec<String> = std::fs::read_dir(backups.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    let mut expected: Vec<String> = others
        .iter()
        .chain(&old[3..])
        .map(|name| name.to_string())
        .chain([name, "orders-hook-20180101T000000Z.db".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(left, expected);
}

#[test]
fn backup_keep_needs_a_directory_and_at_least_one_copy() {
    let live = tempfile::tempdir().unwrap();
    assert!(cli(live.path(), &["migrate"]).status.success());
    let dest = live.path().join("copy.db");
    let output = cli(
        live.path(),
        &["backup", dest.to_str().unwrap(), "--keep", "3"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--keep needs a directory"));
    assert!(!dest.exists());
    let output = cli(
        live.path(),
        &["backup", live.path().to_str().unwrap(), "--keep", "0"],
    );
    assert_eq!(output.status.code(), Some(2), "clap refuses --keep 0");
}

#[test]
fn backup_on_postgresql_names_pg_dump_and_exits_2_without_connecting() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "postgres://nobody:secret@127.0.0.1:1/orders",
        "postgresql://nobody:secret@127.0.0.1:1/orders",
    ] {
        let output = binary()
            .args(["backup", dir.path().to_str().unwrap()])
            .env("ORDERS_HOOK_DATABASE_URL", url)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{url}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("pg_dump -Fc"), "{stderr}");
        assert!(!stderr.contains("secret"), "{stderr}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_backup_into_a_missing_directory_fails_with_status_1() {
    let live = tempfile::tempdir().unwrap();
    assert!(cli(live.path(), &["migrate"]).status.success());
    let dest = live.path().join("no-such-dir").join("copy.db");
    let output = cli(live.path(), &["backup", dest.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-dir"), "{stderr}");
    assert!(!live.path().join("no-such-dir").exists());
}

#[tokio::test]
async fn a_backup_that_fails_after_copying_leaves_no_temporary_file() {
    // A SQLite database, but not orders-hook's: the copy is made, then has no orders to count.
    let live = tempfile::tempdir().unwrap();
    let other = rusqlite::Connection::open(live.path().join("x.db")).unwrap();
    other
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    drop(other);

    let backups = tempfile::tempdir().unwrap();
    let output = cli(live.path(), &["backup", backups.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("count the orders"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(backups.path()).unwrap().count(),
        0,
        "neither the copy nor its temporary file is left"
    );
}
