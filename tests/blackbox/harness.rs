//! A started service on a random port, a fresh database, the fixtures, and the CLI.

use orders_hook::app::{self, Running};
use orders_hook::config::Config;
pub use orders_hook::test_support::Backend;
use orders_hook::test_support::fresh_database;
pub use orders_hook::test_support::{eventually, fixture};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

pub const TOKEN: &str = "test-token";
pub const ROTATED_TOKEN: &str = "rotated-token";
pub const HOOK: &str = "/sbermarket/orders/hook/";

pub const ROUTING: &str = r#"
[stores."77-001"]
name = "Лесная"
store_chat = "-1001"
pickers_chat = "-1002"
pickers = ["Анна", "Иван"]
"#;

/// The console's sign-in tokens of every test app (`console_tokens_file`).
pub const OPERATOR_TOKEN: &str = "operator-token-0123456789";
/// Store 77-001's token.
pub const STORE_TOKEN: &str = "store-77-001-token-0123456789";
/// Store 77-002's token: another store.
pub const OTHER_STORE_TOKEN: &str = "store-77-002-token-0123456789";

pub struct TestApp {
    pub base: String,
    /// The console's listener (and `/metrics`).
    pub console_base: String,
    pub client: reqwest::Client,
    pub database_url: String,
    pub config_path: PathBuf,
    pub running: Option<Running>,
    pub dir: tempfile::TempDir,
    env: HashMap<String, String>,
}

/// A fixture for another order id, so that several orders can live in one test.
pub fn fixture_for(name: &str, order_id: &str) -> Value {
    let mut body = fixture(name);
    body["payload"]["originalOrderId"] = Value::String(order_id.to_owned());
    body
}

impl TestApp {
    /// `None` when the backend is PostgreSQL and no test cluster is available (the skip is loud).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        TestApp::spawn_with(backend, &[]).await
    }

    pub async fn spawn_with(backend: Backend, vars: &[(&str, &str)]) -> Option<TestApp> {
        TestApp::spawn_routed(backend, vars, ROUTING).await
    }

    /// With the given TOML routing (and any other file settings) instead of [`ROUTING`].
    pub async fn spawn_routed(
        backend: Backend,
        vars: &[(&str, &str)],
        routing: &str,
    ) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = fresh_database(backend, dir.path()).await?;
        let config_path = dir.path().join("orders-hook.toml");
        std::fs::write(&config_path, routing).expect("write config");
        let console_tokens = dir.path().join("console-tokens");
        std::fs::write(
            &console_tokens,
            format!(
                "operator {OPERATOR_TOKEN} Дежурный оператор\n\
                 store:77-001 {STORE_TOKEN} Лесная, планшет\n\
                 store:77-002 {OTHER_STORE_TOKEN} Садовая, планшет\n"
            ),
        )
        .expect("write console tokens");
        let env: HashMap<String, String> = HashMap::from([
            ("ORDERS_HOOK_DATABASE_URL".into(), database_url.clone()),
            (
                "ORDERS_HOOK_CLIENT_TOKENS".into(),
                format!("{TOKEN},{ROTATED_TOKEN}"),
            ),
            // A free port of its own: tests run side by side.
            ("ORDERS_HOOK_CONSOLE_LISTEN".into(), "127.0.0.1:0".into()),
            ("ORDERS_HOOK_CONSOLE_SECURE_COOKIE".into(), "false".into()),
            (
                "ORDERS_HOOK_CONSOLE_TOKENS_FILE".into(),
                console_tokens.display().to_string(),
            ),
        ]);
        let mut app = TestApp {
            base: String::new(),
            console_base: String::new(),
            client: reqwest::Client::new(),
            database_url,
            config_path,
            running: None,
            dir,
            env,
        };
        app.start(vars).await;
        Some(app)
    }

    async fn start(&mut self, vars: &[(&str, &str)]) {
        for (name, value) in vars {
            self.env.insert(name.to_string(), value.to_string());
        }
        let config =
            Config::load_with(Some(&self.config_path), &|name| self.env.get(name).cloned())
                .expect("test configuration");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let running = app::start(
            &config,
            listener,
            tokio_util::sync::CancellationToken::new(),
        )
        .await
        .expect("start service");
        self.base = format!("http://{}", running.addr);
        self.console_base = running
            .console_addr
            .map(|addr| format!("http://{addr}"))
            .unwrap_or_default();
        self.running = Some(running);
    }

    /// Another instance on this one's database and configuration, with ports of its own: a
    /// pool of two, for what must cross instances (PostgreSQL).
    pub async fn spawn_beside(&self) -> TestApp {
        let mut app = TestApp {
            base: String::new(),
            console_base: String::new(),
            client: reqwest::Client::new(),
            database_url: self.database_url.clone(),
            config_path: self.config_path.clone(),
            running: None,
            dir: tempfile::tempdir().expect("temp dir"),
            env: self.env.clone(),
        };
        app.start(&[]).await;
        app
    }

    /// Reloads the running service as SIGHUP does, from this app's file and variables (with
    /// `vars` added): what `Reloader::reload` did.
    pub async fn reload(&mut self, vars: &[(&str, &str)]) -> orders_hook::reload::Reloaded {
        for (name, value) in vars {
            self.env.insert(name.to_string(), value.to_string());
        }
        let newer = Config::load_with(Some(&self.config_path), &|name| self.env.get(name).cloned());
        let running = self.running.as_ref().expect("running service");
        running.reloader.reload(newer).await
    }

    /// Stops the service and starts it again on the same database, with `vars` added.
    pub async fn restart_with(&mut self, vars: &[(&str, &str)]) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("clean stop");
        }
        self.start(vars).await;
    }

    /// The running service's store, for driving a notice worker by hand.
    pub fn store(&self) -> std::sync::Arc<dyn orders_hook::store::Store> {
        self.running
            .as_ref()
            .expect("running service")
            .store
            .clone()
    }

    /// Posts a body to the hook with the valid token: (status, body text).
    pub async fn post(&self, body: &Value) -> (u16, String) {
        self.post_raw(body.to_string().into_bytes(), Some(TOKEN))
            .await
    }

    pub async fn post_raw(&self, body: Vec<u8>, token: Option<&str>) -> (u16, String) {
        let mut request = self
            .client
            .post(format!("{}{HOOK}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.header("Client-token", token);
        }
        let response = request.send().await.expect("hook request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("hook answer"))
    }

    /// `/metrics`, from the console's listener.
    pub async fn metrics(&self) -> String {
        let response = self
            .client
            .get(format!("{}/metrics", self.console_base))
            .send()
            .await
            .expect("GET /metrics");
        assert_eq!(response.status(), 200, "/metrics on the console's listener");
        response.text().await.expect("metrics text")
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// Runs the real binary against this app's database and configuration.
    pub fn cli_raw(&self, args: &[&str]) -> std::process::Output {
        self.cli_raw_with(args, &[])
    }

    /// Runs the real binary with `vars` set besides (a bot token, the fake Bot API's address).
    pub fn cli_raw_with(&self, args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_orders-hook"))
            .args(args)
            .env("ORDERS_HOOK_DATABASE_URL", &self.database_url)
            .env("ORDERS_HOOK_CONFIG", &self.config_path)
            .env("RUST_LOG", "warn")
            .envs(vars.iter().copied())
            .output()
            .expect("run orders-hook")
    }

    /// Runs a CLI command with `--json` and parses its one JSON document.
    pub fn cli(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let output = self.cli_raw(&all);
        assert!(
            output.status.success(),
            "orders-hook {all:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("CLI --json output is JSON")
    }

    pub fn order(&self, key: &str) -> Value {
        self.cli(&["order", "show", key])
    }

    pub fn outbox(&self) -> Vec<Value> {
        self.cli(&["outbox", "list"])
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Outbox rows in `status`, read through the store (cheaper than the CLI when polling).
    pub async fn outbox_in(&self, status: &str) -> Vec<orders_hook::store::OutboxRow> {
        self.store()
            .outbox(&orders_hook::store::OutboxFilter {
                status: Some(
                    orders_hook::store::OutboxStatus::parse(status).expect("an outbox status"),
                ),
                order_id: None,
            })
            .await
            .expect("read outbox")
    }

    pub fn journal(&self, order: Option<&str>) -> Vec<Value> {
        let mut args = vec!["journal", "list", "--limit", "1000"];
        if let Some(order) = order {
            args.extend(["--order", order]);
        }
        self.cli(&args).as_array().cloned().unwrap_or_default()
    }

    /// Stock balance of one sku at store 77-001, as exact text.
    pub fn balance(&self, sku: &str) -> Option<String> {
        self.cli(&["stock", "show", "--store", "77-001"])
            .as_array()?
            .iter()
            .find(|row| row["sku"] == sku)
            .map(|row| decimal_text(&row["quantity"]))
    }

    /// Writes a CSV into the test's directory and returns its path.
    pub fn file(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write file");
        path.to_string_lossy().into_owned()
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("clean stop");
        }
    }
}

/// Decimals may be JSON strings or numbers in the CLI output; compare them as normalised text.
pub fn decimal_text(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.parse::<rust_decimal::Decimal>()
        .map(|d| d.normalize().to_string())
        .unwrap_or(text)
}
