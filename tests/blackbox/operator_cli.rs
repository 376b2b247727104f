use crate::fake_telegram::{BOT_TOKEN, FakeTelegram, Reply};
use crate::harness::{Backend, TestApp, eventually, fixture, fixture_for};
use orders_hook::on_both_backends;
use serde_json::{Value, json};
use std::io::Read;
use std::process::{Command, Stdio};

on_both_backends!(
    catalog_names_and_csv_imports_reach_the_documents_and_notices,
    lists_filter_by_status_and_store,
    notify_alone_sends_what_serve_queued,
);

async fn catalog_names_and_csv_imports_reach_the_documents_and_notices(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let catalog = app.file(
        "catalog.csv",
        "sku,name,unit,zone\n2000000012345,\"Яблоки Гала <весовые>\",кг,A3\n4607001771234,Молоко Домик в деревне,,Молочка\n4600000000017,Соль\n",
    );
    assert_eq!(
        app.cli(&["catalog", "import", &catalog]),
        json!({"imported": 3})
    );
    let skus = ["2000000012345", "4607001771234", "4600000000017"]
        .map(|sku| orders_hook::domain::Sku::parse(sku).unwrap());
    let read = app.store().catalog(&skus).await.expect("the catalog");
    let zones: Vec<Option<&str>> = skus.iter().map(|sku| read[sku].zone.as_deref()).collect();
    assert_eq!(
        zones,
        [Some("A3"), Some("Молочка"), None],
        "the zone column"
    );
    assert_eq!(read[&skus[1]].unit, None, "an empty unit is none");
    let stock = app.file(
        "stock.csv",
        "store,sku,quantity\n77-001,2000000012345,\"3,125\"\n77-002,X-1,1\n",
    );
    assert_eq!(
        app.cli(&["stock", "import", &stock]),
        json!({"imported": 2})
    );
    let all = app.cli(&["stock", "show"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(app.balance("2000000012345").as_deref(), Some("3.125"));

    app.post(&fixture("order.created")).await;
    let text = app.outbox()[0]["text"].as_str().unwrap().to_owned();
    assert!(
        text.contains("Яблоки Гала &lt;весовые&gt; — 1.5 кг"),
        "{text}"
    );
    assert!(text.contains("Молоко Домик в деревне — 2 шт"), "{text}");
    assert!(
        text.contains("Хлеб Бородинский 400 г"),
        "a name from the payload when the catalog has none: {text}"
    );

    app.post(&fixture("order.received")).await;
    assert_eq!(app.balance("2000000012345").as_deref(), Some("1.625"));

    for (content, line) in [
        ("store,sku,quantity\n77-001,123,много\n", 2),
        ("77-001,124,1,5\n", 1),
    ] {
        let bad = app.file("bad.csv", content);
        let output = app.cli_raw(&["stock", "import", &bad]);
        assert!(!output.status.success(), "{content}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("bad.csv:{line}")), "{stderr}");
    }
    assert_eq!(app.balance("124"), None, "a refused file imports nothing");
    assert_eq!(app.cli(&["migrate"]), json!({"migrated": true}));
    app.stop().await;
}

async fn lists_filter_by_status_and_store(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture_for("order.created", "A1")).await;
    app.post(&fixture_for("order.created", "A2")).await;
    let mut other_store = fixture_for("order.created", "B1");
    other_store["payload"]
        .as_object_mut()
        .unwrap()
        .remove("storeID");
    other_store["payload"]["store_id"] = json!(12);
    app.post(&other_store).await;
    app.post(&fixture_for("order.canceled", "A2")).await;

    let ids = |list: Value| -> Vec<String> {
        let mut ids: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["originalOrderId"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(app.cli(&["orders", "list"])), ["A1", "A2", "B1"]);
    assert_eq!(
        ids(app.cli(&["orders", "list", "--status", "cancelled"])),
        ["A2"]
    );
    assert_eq!(ids(app.cli(&["orders", "list", "--store", "12"])), ["B1"]);
    let first = &app.cli(&["orders", "list", "--store", "12"])[0];
    for key in ["originalOrderId", "number", "status", "storeId"] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    let pending = app.cli(&["outbox", "list", "--status", "pending"]);
    assert_eq!(
        pending.as_array().unwrap().len(),
        6,
        "A1, A2 (created + cancelled); B1 is unrouted"
    );
    assert_eq!(app.cli(&["outbox", "list", "--status", "sent"]), json!([]));
    for key in [
        "id",
        "originalOrderId",
        "kind",
        "chat",
        "status",
        "attempts",
        "text",
    ] {
        assert!(pending[0].get(key).is_some(), "{key} in {}", pending[0]);
    }
    app.stop().await;
}

/// The built binary, with none of this process's `ORDERS_HOOK_*` variables.
pub(crate) fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orders-hook"));
    for (name, _) in std::env::vars() {
        if name.starts_with("ORDERS_HOOK_") {
            command.env_remove(name);
        }
    }
    command
}

#[test]
fn serve_without_a_token_refuses_to_start_and_says_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let output = binary()
        .args(["serve"])
        .env(
            "ORDERS_HOOK_DATABASE_URL",
            format!("sqlite://{}/x.db", dir.path().display()),
        )
        .env("ORDERS_HOOK_LISTEN", "127.0.0.1:0")
        .env("ORDERS_HOOK_CONSOLE_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ORDERS_HOOK_CLIENT_TOKENS"), "{stderr}");
    assert!(
        !dir.path().join("x.db").exists(),
        "nothing is started or created"
    );
}

/// The real binary, with tokens from a file, verbose logging, a right and a wrong token, and a
/// bot token whose sends time out and fail: no token appears anywhere in what it logs or stores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_never_reach_the_logs() {
    let fake = FakeTelegram::start().await;
    fake.script("-1001", [Reply::Hang(std::time::Duration::from_secs(3))]);
    fake.script("-1002", [Reply::ServerError]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orders-hook.toml");
    std::fs::write(&config, crate::harness::ROUTING).unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "valid-SECRET-4711\n").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = binary()
        .args(["serve"])
        .env(
            "ORDERS_HOOK_DATABASE_URL",
            format!("sqlite://{}/x.db", dir.path().display()),
        )
        .env("ORDERS_HOOK_LISTEN", format!("127.0.0.1:{port}"))
        .env("ORDERS_HOOK_CONSOLE_LISTEN", "127.0.0.1:0")
        .env("ORDERS_HOOK_CLIENT_TOKENS_FILE", &tokens)
        .env("ORDERS_HOOK_CONFIG", &config)
        .env("ORDERS_HOOK_TELEGRAM_API_URL", &fake.base)
        .env("ORDERS_HOOK_TELEGRAM_BOT_TOKEN", BOT_TOKEN)
        .env("ORDERS_HOOK_TELEGRAM_TIMEOUT_MS", "300")
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/sbermarket/orders/hook/");
    let mut ready = false;
    for _ in 0..100 {
        if client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the service came up");
    let body = fixture("order.created").to_string();
    for (token, expected) in [("valid-SECRET-4711", 200), ("wrong-SECRET-0815", 403)] {
        let response = client
            .post(&url)
            .header("Client-token", token)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected);
    }
    // Both notices fail once (a timeout, a 502), then go on the retry after the back-off.
    let retried = eventually(std::time::Duration::from_secs(30), || async {
        fake.delivered().len() == 2
    })
    .await;
    assert!(retried, "{:?}", fake.calls());
    // SIGTERM: the service stops by itself, cleanly.
    let (status, logs) = terminate(child);
    assert!(status.success(), "clean exit on SIGTERM: {logs}");
    assert!(logs.contains("orders-hook is serving"), "{logs}");
    assert!(
        !logs.contains("SECRET"),
        "a token leaked into the logs:\n{logs}"
    );
    assert!(logs.contains("notice not sent, will retry"), "{logs}");
    assert!(logs.contains("timed out"), "{logs}");
    let secret_part = BOT_TOKEN.split(':').nth(1).unwrap();
    assert!(
        !logs.contains(secret_part),
        "the bot token leaked into the logs:\n{logs}"
    );
    let outbox = binary()
        .args(["outbox", "list", "--json"])
        .env(
            "ORDERS_HOOK_DATABASE_URL",
            format!("sqlite://{}/x.db", dir.path().display()),
        )
        .output()
        .unwrap();
    let outbox = String::from_utf8_lossy(&outbox.stdout);
    assert!(outbox.contains("\"sent\""), "{outbox}");
    assert!(!outbox.contains(secret_part), "{outbox}");
}

/// `orders-hook notify`, the worker alone, sends what a `serve` without a bot token queued, and
/// stops cleanly on SIGTERM; without a bot token it refuses to start.
async fn notify_alone_sends_what_serve_queued(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    assert_eq!(app.outbox_in("pending").await.len(), 2);
    let with_app = |command: &mut Command| {
        command
            .args(["notify"])
            .env("ORDERS_HOOK_DATABASE_URL", &app.database_url)
            .env("ORDERS_HOOK_CONFIG", &app.config_path);
    };
    let mut refused = binary();
    with_app(&mut refused);
    let refused = refused.output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("ORDERS_HOOK_TELEGRAM_BOT_TOKEN"));

    let mut notify = binary();
    with_app(&mut notify);
    let child = notify
        .env("ORDERS_HOOK_TELEGRAM_API_URL", &fake.base)
        .env("ORDERS_HOOK_TELEGRAM_BOT_TOKEN", BOT_TOKEN)
        .env("ORDERS_HOOK_NOTIFY_SWEEP_MS", "100")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let delivered = eventually(std::time::Duration::from_secs(30), || async {
        fake.delivered().len() == 2
    })
    .await;
    let (status, logs) = terminate(child);
    assert!(delivered, "{logs}");
    assert!(status.success(), "clean exit on SIGTERM: {logs}");
    assert!(logs.contains("Telegram notice worker stopped"), "{logs}");
    assert_eq!(app.outbox_in("sent").await.len(), 2);
    app.stop().await;
}

/// SIGTERM to a started binary; how it exited and everything it logged.
pub(crate) fn terminate(mut child: std::process::Child) -> (std::process::ExitStatus, String) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    (status, logs)
}
