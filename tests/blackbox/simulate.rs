//! `orders-hook simulate`: a short load run against the real service ends with a good verdict
//! and one number per order; `--check` passes against the real service and fails, naming the
//! check, against a wrong deployment.

use crate::harness::{Backend, HOOK, TOKEN, TestApp};
use orders_hook::on_both_backends;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Output;

on_both_backends!(
    a_load_run_ends_with_a_good_verdict_and_one_number_per_order,
    a_closed_loop_of_creations_only_makes_one_numbered_order_each,
    one_seed_sends_the_same_plans_twice,
    the_check_passes_against_the_service_and_fails_with_a_wrong_token,
);

/// The real binary, with no configuration or database of its own: simulate needs neither.
async fn simulate(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_orders-hook"))
            .arg("simulate")
            .args(&args)
            .env_remove("ORDERS_HOOK_DATABASE_URL")
            .env_remove("ORDERS_HOOK_CONFIG")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run orders-hook simulate")
    })
    .await
    .expect("simulate ran")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "simulate --json printed no JSON: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn count(value: &Value) -> u64 {
    value.as_u64().expect("a count")
}

async fn a_load_run_ends_with_a_good_verdict_and_one_number_per_order(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let url = format!("{}{HOOK}", app.base);
    let output = simulate(&[
        "--url",
        &url,
        "--token",
        TOKEN,
        "--rate",
        "40",
        "--duration",
        "2",
        "--cancel-share",
        "0.3",
        "--duplicate-share",
        "0.3",
        "--drop-share",
        "0.2",
        "--unknown-share",
        "0.2",
        "--retry-scale",
        "0.01",
        "--json",
    ])
    .await;
    let report = json_of(&output);
    assert!(
        output.status.success(),
        "the verdict is good: {report:#}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(report["verdict"]["ok"], true, "{report:#}");

    // The counts add up: every request is an event's first attempt, a duplicate or a retry,
    // and the rows add up to the total.
    let total = &report["total"];
    assert_eq!(
        count(&total["requests"]),
        count(&total["events"]) + count(&total["duplicates"]) + count(&total["retries"]),
        "{report:#}"
    );
    let rows = report["byEvent"].as_object().expect("byEvent");
    for field in [
        "requests",
        "events",
        "delivered",
        "retries",
        "duplicates",
        "dropped",
    ] {
        let sum: u64 = rows.values().map(|row| count(&row[field])).sum();
        assert_eq!(
            sum,
            count(&total[field]),
            "byEvent.*.{field} adds up to total"
        );
    }
    let orders = count(&report["orders"]);
    assert!(
        orders >= 5,
        "a 2 s run at 40 req/s starts several orders: {orders}"
    );
    assert_eq!(count(&report["ordersCompleted"]), orders);
    assert_eq!(count(&rows["order.created"]["delivered"]), orders);
    assert_eq!(count(&report["verdict"]["ordersNumbered"]), orders);
    // Drops were answered, then retried: the retries cover at least every drop.
    assert!(count(&total["retries"]) >= count(&total["dropped"]));
    assert!(total["latencyMs"]["p999"].as_f64().expect("p99.9") > 0.0);

    // In the database: exactly these orders, each with one number of its own.
    let listed = app.cli(&["orders", "list", "--store", "sim-store"]);
    let listed = listed.as_array().expect("orders list");
    assert_eq!(listed.len() as u64, orders, "one order per simulated order");
    let numbers: BTreeSet<&str> = listed
        .iter()
        .map(|order| {
            assert!(
                order["originalOrderId"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("SIM-")),
                "test orders are marked: {order}"
            );
            order["number"].as_str().expect("every order has a number")
        })
        .collect();
    assert_eq!(numbers.len(), listed.len(), "no number is shared");
    app.stop().await;
}

/// The saturation pace: a fixed number of senders, orders only created, a fixed count of them.
async fn a_closed_loop_of_creations_only_makes_one_numbered_order_each(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let url = format!("{}{HOOK}", app.base);
    let output = simulate(&[
        "--url",
        &url,
        "--token",
        TOKEN,
        "--in-flight",
        "4",
        "--created-only",
        "--orders",
        "30",
        "--duplicate-share",
        "0.3",
        "--drop-share",
        "0.2",
        "--retry-scale",
        "0.01",
        "--json",
    ])
    .await;
    let report = json_of(&output);
    assert!(output.status.success(), "the verdict is good: {report:#}");
    assert!(report["rate"].is_null(), "no rate in a closed loop");
    assert_eq!(report["inFlight"], 4);
    assert_eq!(count(&report["orders"]), 30, "exactly the orders asked");
    assert_eq!(count(&report["ordersCompleted"]), 30);
    let rows = report["byEvent"].as_object().expect("byEvent");
    assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        ["order.created"],
        "only creations were sent"
    );
    assert_eq!(count(&rows["order.created"]["delivered"]), 30);
    assert_eq!(count(&report["verdict"]["ordersNumbered"]), 30);
    assert!(count(&report["total"]["duplicates"]) > 0, "{report:#}");
    let listed = app.cli(&["orders", "list", "--store", "sim-store"]);
    let listed = listed.as_array().expect("orders list");
    assert_eq!(listed.len(), 30);
    assert!(
        listed.iter().all(|order| order["status"] == "new"),
        "{listed:?}"
    );
    let numbers: BTreeSet<&str> = listed
        .iter()
        .filter_map(|order| order["number"].as_str())
        .collect();
    assert_eq!(numbers.len(), 30, "one number of its own per order");
    app.stop().await;
}

/// `--seed`: two runs at a fixed rate with one seed repeat, drop and cancel the same events.
async fn one_seed_sends_the_same_plans_twice(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let url = format!("{}{HOOK}", app.base);
    let mut plans = Vec::new();
    for run in ["A-", "B-"] {
        let output = simulate(&[
            "--url",
            &url,
            "--token",
            TOKEN,
            "--rate",
            "100",
            "--orders",
            "15",
            "--seed",
            "7",
            "--id-prefix",
            run,
            "--cancel-share",
            "0.3",
            "--duplicate-share",
            "0.3",
            "--drop-share",
            "0.3",
            "--unknown-share",
            "0.3",
            "--retry-scale",
            "0.01",
            "--json",
        ])
        .await;
        let report = json_of(&output);
        assert!(output.status.success(), "{report:#}");
        let rows = report["byEvent"].as_object().expect("byEvent").clone();
        let plan: Vec<(String, u64, u64, u64)> = rows
            .iter()
            .map(|(event, row)| {
                let counts = ["events", "duplicates", "dropped"].map(|field| count(&row[field]));
                (event.clone(), counts[0], counts[1], counts[2])
            })
            .collect();
        plans.push(plan);
    }
    let total = |field: usize| -> u64 {
        plans[0]
            .iter()
            .map(|row| [row.1, row.2, row.3][field])
            .sum()
    };
    assert!(
        total(1) > 0 && total(2) > 0,
        "the plans repeat and drop: {plans:?}"
    );
    assert!(
        plans[0].iter().any(|row| row.0 == "order.canceled"),
        "{plans:?}"
    );
    assert_eq!(plans[0], plans[1], "the same seed, the same plans");
    app.stop().await;
}

async fn the_check_passes_against_the_service_and_fails_with_a_wrong_token(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let url = format!("{}{HOOK}", app.base);
    let good = simulate(&["--check", "--url", &url, "--token", TOKEN]).await;
    let text = String::from_utf8_lossy(&good.stdout);
    assert!(good.status.success(), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("PASS ")).count(),
        9,
        "{text}"
    );
    assert!(!text.contains("FAIL"), "{text}");

    // A token the deployment does not know: the 403 check is right, every other one fails.
    let wrong = simulate(&[
        "--check",
        "--url",
        &url,
        "--token",
        "not-the-token",
        "--json",
    ])
    .await;
    assert_eq!(wrong.status.code(), Some(1));
    let report = json_of(&wrong);
    assert_eq!(report["passed"], false);
    let checks = report["checks"].as_array().expect("checks");
    assert_eq!(checks[0]["pass"], true, "{checks:#?}");
    let created = checks
        .iter()
        .find(|c| c["name"] == "order.created answers the number")
        .expect("the created check");
    assert_eq!(created["pass"], false);
    assert!(
        created["got"].as_str().unwrap().starts_with("403"),
        "{created}"
    );

    // The check's test orders are marked too.
    let listed = app.cli(&["orders", "list", "--store", "sim-store"]);
    assert!(listed.as_array().expect("orders").iter().all(|o| {
        o["originalOrderId"]
            .as_str()
            .is_some_and(|id| id.starts_with("SIM-"))
    }));
    app.stop().await;
}

/// A deployment that answers created without a number (and accepts any token): the check names
/// what is wrong and exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_check_fails_against_a_hook_that_answers_no_number() {
    use axum::Router;
    use axum::http::StatusCode;
    let router = Router::new().fallback(|body: String| async move {
        if body.contains("\"order.created\"") {
            (StatusCode::OK, r#"{"status":"created"}"#.to_owned())
        } else {
            (StatusCode::OK, String::new())
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}{HOOK}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let output = simulate(&["--check", "--url", &url, "--token", TOKEN]).await;
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("FAIL a wrong Client-token is refused")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("FAIL order.created answers the number") && l.contains("number")),
        "{text}"
    );
    assert!(
        text.contains("PASS order.paid answers an empty 200"),
        "{text}"
    );
    server.abort();
}
