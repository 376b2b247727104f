//! `journal replay` and the console's replay, over the real binary and HTTP, on both backends:
//! a request refused for a limit is created by its replay once the limit is raised; a payment
//! answered 404 is applied by its replay once its order exists; a bulk replay counts first,
//! its summary matches, and a second run changes nothing; replays are journaled as replays
//! with who asked; a store's session may not replay.

use crate::console_client::ConsoleClient;
use crate::harness::{Backend, OPERATOR_TOKEN, STORE_TOKEN, TestApp, fixture, fixture_for};
use orders_hook::on_both_backends;
use serde_json::Value;

on_both_backends!(
    a_request_refused_for_a_limit_is_created_by_its_replay_once_the_limit_is_raised,
    a_payment_answered_404_is_applied_by_its_replay_after_its_creation,
    a_bulk_replay_counts_first_and_a_second_run_changes_nothing,
    the_operator_replays_from_the_console_and_a_store_may_not,
);

/// The binary with extra settings in its environment (a raised limit), and `--json`.
fn cli_with(app: &TestApp, vars: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_orders-hook"));
    command
        .args(args)
        .arg("--json")
        .env("ORDERS_HOOK_DATABASE_URL", &app.database_url)
        .env("ORDERS_HOOK_CONFIG", &app.config_path)
        .env("RUST_LOG", "warn");
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("run orders-hook")
}

fn json_of(output: &std::process::Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--json output")
}

/// The journal rows of `order` with `outcome`.
fn rows(app: &TestApp, order: &str, outcome: &str) -> Vec<Value> {
    app.journal(Some(order))
        .into_iter()
        .filter(|row| row["outcome"] == outcome)
        .collect()
}

async fn a_request_refused_for_a_limit_is_created_by_its_replay_once_the_limit_is_raised(
    backend: Backend,
) {
    // Two positions at most: the fixture's three are refused.
    let Some(app) = TestApp::spawn_with(backend, &[("ORDERS_HOOK_MAX_LINES", "2")]).await else {
        return;
    };
    let (status, answer) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 413, "{answer}");
    let refused = rows(&app, "R246801357", "invalid");
    assert_eq!(refused.len(), 1, "journaled with its body");
    let id = refused[0]["id"].as_i64().expect("an id");

    // The limit is raised (the replay's configuration has the default), and the replay creates
    // the order as the marketplace's next retry would have.
    let raised = [("ORDERS_HOOK_MAX_LINES", "5000")];
    let id_text = id.to_string();
    let replayed = json_of(&cli_with(&app, &raised, &["journal", "replay", &id_text]));
    let line = &replayed["replayed"][0];
    assert_eq!(line["outcome"], "applied", "{replayed}");
    assert_eq!(line["status"], 200);
    let number = line["number"]
        .as_str()
        .expect("the partner number")
        .to_owned();
    assert_eq!(app.order("R246801357")["number"], number.as_str());
    let journal = app.journal(Some("R246801357"));
    let replay_row = journal
        .iter()
        .find(|row| row["replayOf"] == id)
        .expect("a row marked as the replay");
    assert_eq!(replay_row["outcome"], "applied");
    let detail = replay_row["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("replay of #{id} asked by ")),
        "{detail}"
    );
    assert!(detail.contains("(cli)"), "who asked: {detail}");

    // Idempotent: a second replay answers the same number and changes nothing.
    let again = json_of(&cli_with(&app, &raised, &["journal", "replay", &id_text]));
    assert_eq!(again["replayed"][0]["outcome"], "duplicate", "{again}");
    assert_eq!(again["replayed"][0]["number"], number.as_str());
    // A request answered 200 is replayed only when forced.
    let ok_id = replay_row["id"].as_i64().unwrap().to_string();
    let refused = cli_with(&app, &[], &["journal", "replay", &ok_id]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    let forced = json_of(&cli_with(
        &app,
        &[],
        &["journal", "replay", &ok_id, "--force"],
    ));
    assert_eq!(forced["replayed"][0]["outcome"], "duplicate");
    app.stop().await;
}

async fn a_payment_answered_404_is_applied_by_its_replay_after_its_creation(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.paid")).await.0, 404);
    let not_found = rows(&app, "R246801357", "not_found");
    let id = not_found[0]["id"].as_i64().expect("an id").to_string();
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    assert_eq!(app.order("R246801357")["status"], "new");
    let replayed = json_of(&cli_with(&app, &[], &["journal", "replay", &id]));
    assert_eq!(replayed["replayed"][0]["outcome"], "applied", "{replayed}");
    assert_eq!(app.order("R246801357")["status"], "paid");
    app.stop().await;
}

async fn a_bulk_replay_counts_first_and_a_second_run_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let orders = ["R-1", "R-2", "R-3"];
    for order in orders {
        assert_eq!(app.post(&fixture_for("order.paid", order)).await.0, 404);
    }
    // A request answered 200 is left alone.
    assert_eq!(app.post(&fixture_for("order.created", "R-OK")).await.0, 200);
    let filter = [
        "journal",
        "replay",
        "--outcome",
        "not_found",
        "--event",
        "order.paid",
    ];
    let dry = json_of(&cli_with(
        &app,
        &[],
        &[&filter[..], &["--dry-run"]].concat(),
    ));
    assert_eq!(
        (dry["matched"].as_u64(), dry["dryRun"].as_bool()),
        (Some(3), Some(true))
    );
    assert_eq!(dry["toReplay"].as_array().map(Vec::len), Some(3));
    assert!(
        rows(&app, "R-1", "applied").is_empty(),
        "a dry run does nothing"
    );
    // Without --yes and without a terminal, nothing is guessed.
    let unasked = cli_with(&app, &[], &filter);
    assert_eq!(unasked.status.code(), Some(2), "{unasked:?}");

    for order in orders {
        assert_eq!(app.post(&fixture_for("order.created", order)).await.0, 200);
    }
    let run = json_of(&cli_with(
        &app,
        &[],
        &[&filter[..], &["--yes", "--rate", "100"]].concat(),
    ));
    assert_eq!(run["outcomes"]["applied"], 3, "{run}");
    assert_eq!(run["replayed"].as_array().map(Vec::len), Some(3));
    let ids: Vec<i64> = run["replayed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["of"].as_i64().unwrap())
        .collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "oldest first: {ids:?}"
    );
    let paid: Vec<Value> = orders.iter().map(|order| app.order(order)).collect();
    assert!(paid.iter().all(|order| order["status"] == "paid"));

    // The same rows again: every replay is a duplicate, nothing moves.
    let second = json_of(&cli_with(
        &app,
        &[],
        &[&filter[..], &["--yes", "--rate", "100"]].concat(),
    ));
    assert_eq!(second["outcomes"]["duplicate"], 3, "{second}");
    let after: Vec<Value> = orders.iter().map(|order| app.order(order)).collect();
    assert_eq!(after, paid, "a second run changes nothing");
    app.stop().await;
}

async fn the_operator_replays_from_the_console_and_a_store_may_not(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.paid")).await.0, 404);
    let id = rows(&app, "R246801357", "not_found")[0]["id"]
        .as_i64()
        .unwrap();

    // A store's session sees its story but may not replay.
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let store = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    let store_csrf = store.csrf("/stores/77-001").await;
    let (status, _) = store
        .post_form(&format!("/journal/{id}/replay"), &[("csrf", &store_csrf)])
        .await;
    assert_eq!(status, 403);
    let (status, _) = store
        .post_form(
            "/journal/replay",
            &[("csrf", &store_csrf), ("outcome", "not_found")],
        )
        .await;
    assert_eq!(status, 403);

    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let csrf = operator.csrf("/journal").await;
    // The story offers «Повторить» on the refused row.
    let (_, story) = operator.get("/orders/R246801357?by=id").await;
    assert!(
        story.contains(&format!(r#"action="/journal/{id}/replay""#)),
        "{story}"
    );
    // Without the CSRF token: refused.
    let (status, _) = operator
        .post_form(&format!("/journal/{id}/replay"), &[])
        .await;
    assert_eq!(status, 403);
    assert_eq!(app.order("R246801357")["status"], "new");

    // The search's replay: the count first, then, confirmed, the summary.
    let (status, page) = operator
        .post_form(
            "/journal/replay",
            &[
                ("csrf", &csrf),
                ("outcome", "not_found"),
                ("order", "R246801357"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(r#"<strong data-matched>1</strong>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<strong data-to-replay>1</strong>"#),
        "{page}"
    );
    assert_eq!(
        app.order("R246801357")["status"],
        "new",
        "nothing before the confirmation"
    );
    let (status, page) = operator
        .post_form(
            "/journal/replay",
            &[
                ("csrf", &csrf),
                ("outcome", "not_found"),
                ("order", "R246801357"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("data-summary"), "{page}");
    assert!(page.contains("Принято: <strong>1</strong>"), "{page}");
    assert_eq!(app.order("R246801357")["status"], "paid");
    // Journaled as a replay, with the operator's name.
    let replay_row = app
        .journal(Some("R246801357"))
        .into_iter()
        .find(|row| row["replayOf"] == id)
        .expect("the replay's row");
    assert!(
        replay_row["detail"]
            .as_str()
            .unwrap()
            .contains("asked by Дежурный оператор (operator, session "),
        "{replay_row}"
    );
    // One row from the story: back to the story; the order is paid already, a duplicate.
    let (status, _) = operator
        .post_form(&format!("/journal/{id}/replay"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    assert_eq!(rows(&app, "R246801357", "duplicate").len(), 1);
    app.stop().await;
}
