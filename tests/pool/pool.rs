//! The pieces of the pool: the test cluster (roles, migrations, a stop and a start), the
//! instances (the built binary), and nginx with the `deploy/` site file.

use crate::marketplace::CLIENT_TOKEN;
use orders_hook::test_support::{Backend, eventually, fresh_database};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");
/// The tests of this binary restart the cluster or read it whole: one at a time.
pub static CLUSTER_IN_USE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub const SERVICE_ROLE: &str = "sbermarket_orders_hook";
const OWNER_ROLE: &str = "orders_hook_owner";
const INSTANCES: usize = 3;
/// The console's operator token of every instance.
pub const OPERATOR_TOKEN: &str = "pool-operator-token-0123456789";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// nginx from the Debian package (`scripts/test` installs it); `None`, loudly, without it.
pub fn nginx_binary() -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists());
    if found.is_none() {
        eprintln!(
            "SKIPPED: nginx is not installed, the pool test did not run. scripts/test installs \
             it (apt-get install -y nginx) when run as root."
        );
    }
    found
}

/// The throw-away cluster of `scripts/test`.
pub struct Cluster {
    admin_url: String,
    bin: String,
    data: String,
    options: String,
    log: String,
}

impl Cluster {
    pub fn from_env() -> Option<Cluster> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let admin_url = orders_hook::test_support::postgres_admin_url()?;
        match (
            var("ORDERS_HOOK_TEST_PG_BIN"),
            var("ORDERS_HOOK_TEST_PG_DATA"),
            var("ORDERS_HOOK_TEST_PG_OPTS"),
            var("ORDERS_HOOK_TEST_PG_LOG"),
        ) {
            (Some(bin), Some(data), Some(options), Some(log)) => Some(Cluster {
                admin_url,
                bin,
                data,
                options,
                log,
            }),
            _ => {
                eprintln!(
                    "SKIPPED: the pool test restarts PostgreSQL and needs the cluster of \
                     scripts/test (ORDERS_HOOK_TEST_PG_BIN, _DATA, _OPTS, _LOG)"
                );
                None
            }
        }
    }

    /// A fresh database with the roles of `deploy/postgres/roles.sql`, migrated by the owner.
    pub async fn prepare_database(&self) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = fresh_database(Backend::Postgres, dir.path())
            .await
            .expect("a database on the test cluster");
        prepare(&url, &url).await;
        url
    }

    pub async fn admin(&self, database_url: &str) -> sqlx::PgPool {
        let _ = &self.admin_url;
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(database_url)
            .await
            .expect("admin connection")
    }

    fn pg_ctl(&self, args: &[&str]) {
        let mut command = if running_as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]);
            c.arg(format!("{}/pg_ctl", self.bin));
            c
        } else {
            Command::new(format!("{}/pg_ctl", self.bin))
        };
        let status = command
            .args(["-D", &self.data])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run pg_ctl");
        assert!(status.success(), "pg_ctl {args:?}");
    }

    pub fn stop(&self) {
        self.pg_ctl(&["-m", "fast", "-w", "stop"]);
    }

    pub fn start(&self) {
        self.pg_ctl(&[
            "-l",
            &self.log,
            "-o",
            &self.options,
            "-w",
            "-t",
            "60",
            "start",
        ]);
    }
}

/// Runs `deploy/postgres/roles.sql` as the superuser on `admin_url` (one host: the primary),
/// then `orders-hook migrate` as the owner role on `url` (the URL the instances are given,
/// which may list several hosts).
pub async fn prepare(admin_url: &str, url: &str) {
    let roles = std::fs::read_to_string(format!("{DEPLOY}/postgres/roles.sql"))
        .expect("deploy/postgres/roles.sql");
    let admin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await
        .expect("an admin connection");
    sqlx::raw_sql(sqlx::AssertSqlSafe(roles))
        .execute(&admin)
        .await
        .expect("deploy/postgres/roles.sql runs");
    admin.close().await;
    let migrated = Command::new(env!("CARGO_BIN_EXE_orders-hook"))
        .args(["migrate"])
        .env("ORDERS_HOOK_DATABASE_URL", as_role(url, OWNER_ROLE))
        .output()
        .expect("run orders-hook migrate");
    assert!(
        migrated.status.success(),
        "migrate as the owner: {}",
        String::from_utf8_lossy(&migrated.stderr)
    );
}

/// The same database URL, logging in as `role` (the test cluster trusts loopback).
pub fn as_role(url: &str, role: &str) -> String {
    url.replacen("://postgres@", &format!("://{role}@"), 1)
}

struct Instance {
    port: u16,
    console_port: u16,
    child: Option<Child>,
    log: PathBuf,
    notify: bool,
}

pub struct Pool {
    instances: Vec<Instance>,
    env: Vec<(String, String)>,
    client: reqwest::Client,
    /// `ORDERS_HOOK_CLIENT_TOKENS_FILE` of every instance, read again on SIGHUP.
    client_tokens_file: PathBuf,
}

impl Pool {
    /// Three instances as the service role. The third sends no notices: it is the one killed,
    /// and a kill between Telegram's "ok" and the database write is the one window in which a
    /// notice may go twice (docs/telegram.md, "Delivery"); the other two share the outbox.
    pub async fn start(
        dir: &Path,
        database_url: &str,
        telegram: &str,
        routing: &str,
        stock_csv: &str,
    ) -> Pool {
        Pool::start_sized(
            dir,
            database_url,
            telegram,
            routing,
            stock_csv,
            INSTANCES,
            false,
        )
        .await
    }

    /// `instances` instances as the service role; all of them send notices with
    /// `all_notify`, else all but the last.
    pub async fn start_sized(
        dir: &Path,
        database_url: &str,
        telegram: &str,
        routing: &str,
        stock_csv: &str,
        instances: usize,
        all_notify: bool,
    ) -> Pool {
        let config = dir.join("orders-hook.toml");
        std::fs::write(&config, routing).unwrap();
        let client_tokens_file = dir.join("client-tokens");
        std::fs::write(&client_tokens_file, "# read again on SIGHUP\n").unwrap();
        let console_tokens = dir.join("console-tokens");
        std::fs::write(
            &console_tokens,
            format!("operator {OPERATOR_TOKEN} Дежурный\n"),
        )
        .unwrap();
        let env = vec![
            (
                "ORDERS_HOOK_DATABASE_URL".to_owned(),
                as_role(database_url, SERVICE_ROLE),
            ),
            (
                "ORDERS_HOOK_CONFIG".to_owned(),
                config.display().to_string(),
            ),
            (
                "ORDERS_HOOK_CLIENT_TOKENS".to_owned(),
                CLIENT_TOKEN.to_owned(),
            ),
            (
                "ORDERS_HOOK_CLIENT_TOKENS_FILE".to_owned(),
                client_tokens_file.display().to_string(),
            ),
            (
                "ORDERS_HOOK_TELEGRAM_API_URL".to_owned(),
                telegram.to_owned(),
            ),
            (
                "ORDERS_HOOK_TELEGRAM_BOT_TOKEN".to_owned(),
                crate::fake_telegram::BOT_TOKEN.to_owned(),
            ),
            ("ORDERS_HOOK_NOTIFY_SWEEP_MS".to_owned(), "200".to_owned()),
            (
                "ORDERS_HOOK_CONSOLE_TOKENS_FILE".to_owned(),
                console_tokens.display().to_string(),
            ),
            (
                "ORDERS_HOOK_CONSOLE_SECURE_COOKIE".to_owned(),
                "false".to_owned(),
            ),
            ("RUST_LOG".to_owned(), "info".to_owned()),
        ];
        let stock = dir.join("stock.csv");
        std::fs::write(&stock, stock_csv).unwrap();
        let imported = Command::new(env!("CARGO_BIN_EXE_orders-hook"))
            .args(["stock", "import", &stock.display().to_string()])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        assert!(
            imported.status.success(),
            "stock import as the service role: {}",
            String::from_utf8_lossy(&imported.stderr)
        );
        let mut pool = Pool {
            instances: (0..instances)
                .map(|n| Instance {
                    port: free_port(),
                    console_port: free_port(),
                    child: None,
                    log: dir.join(format!("instance-{n}.log")),
                    notify: all_notify || n + 1 < instances,
                })
                .collect(),
            env,
            client: reqwest::Client::new(),
            client_tokens_file,
        };
        for n in 0..instances {
            pool.spawn(n);
        }
        pool.wait_ready().await;
        pool
    }

    pub fn ports(&self) -> Vec<u16> {
        self.instances.iter().map(|i| i.port).collect()
    }

    /// Instance `n`'s console (and `/metrics`).
    pub fn console_base(&self, n: usize) -> String {
        format!("http://127.0.0.1:{}", self.instances[n].console_port)
    }

    /// Instance `n`'s hook listener (`/readyz`).
    pub fn base(&self, n: usize) -> String {
        format!("http://127.0.0.1:{}", self.instances[n].port)
    }

    /// The process ids of the instances: the same before and after means none was restarted.
    pub fn pids(&self) -> Vec<Option<u32>> {
        self.instances
            .iter()
            .map(|i| i.child.as_ref().map(Child::id))
            .collect()
    }

    /// Instance `n`'s `/metrics`.
    pub async fn metrics(&self, n: usize) -> String {
        let url = format!("{}/metrics", self.console_base(n));
        match self.client.get(&url).send().await {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(error) => panic!("{url}: {error}"),
        }
    }

    fn spawn(&mut self, n: usize) {
        let instance = &mut self.instances[n];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&instance.log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_orders-hook"))
            .arg("serve")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("ORDERS_HOOK_LISTEN", format!("127.0.0.1:{}", instance.port))
            .env(
                "ORDERS_HOOK_CONSOLE_LISTEN",
                format!("127.0.0.1:{}", instance.console_port),
            )
            .env("ORDERS_HOOK_NOTIFY", instance.notify.to_string())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start an instance");
        instance.child = Some(child);
    }

    pub async fn wait_ready(&self) {
        for instance in &self.instances {
            let url = format!("http://127.0.0.1:{}/readyz", instance.port);
            let ready = eventually(Duration::from_secs(30), || async {
                matches!(self.client.get(&url).send().await, Ok(r) if r.status() == 200)
            })
            .await;
            assert!(
                ready,
                "instance on {} not ready; {}",
                instance.port,
                self.log_tails()
            );
        }
    }

    /// The client tokens file every instance reads (beside `ORDERS_HOOK_CLIENT_TOKENS`).
    pub fn client_tokens_file(&self) -> &Path {
        &self.client_tokens_file
    }

    /// SIGHUP to every instance, as `systemctl reload orders-hook@N` sends each unit.
    pub fn hang_up_all(&self) {
        for child in self.instances.iter().filter_map(|i| i.child.as_ref()) {
            let sent = Command::new("kill")
                .args(["-HUP", &child.id().to_string()])
                .status()
                .expect("run kill");
            assert!(sent.success(), "kill -HUP {}", child.id());
        }
    }

    pub fn kill(&mut self, n: usize) {
        if let Some(mut child) = self.instances[n].child.take() {
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
    }

    pub async fn restart(&mut self, n: usize) {
        self.spawn(n);
        self.wait_ready().await;
    }

    /// With the database stopped: the hook of the first instance, asked directly, twice, and
    /// its `/readyz`. Asserts 503s, the second without waiting out any deadline.
    pub async fn probe_while_database_is_down(&self) -> String {
        let base = format!("http://127.0.0.1:{}", self.instances[0].port);
        let body = serde_json::json!({
            "event_type": "order.created",
            "payload": {"originalOrderId": "R-PROBE", "storeID": "p1", "positions": []}
        })
        .to_string();
        let mut said = Vec::new();
        let mut last = Duration::ZERO;
        for _ in 0..2 {
            let started = Instant::now();
            let status = self
                .client
                .post(format!("{base}/sbermarket/orders/hook/"))
                .header("Client-token", CLIENT_TOKEN)
                .body(body.clone())
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            last = started.elapsed();
            assert_eq!(status, 503, "the hook with the database down");
            said.push(format!("hook 503 in {} ms", last.as_millis()));
        }
        assert!(
            last < Duration::from_secs(2),
            "the hook waited {last:?} for a database known to be down"
        );
        let ready = self
            .client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        assert_eq!(ready, 503, "/readyz with the database down");
        said.push("/readyz 503".to_owned());
        said.join(", ")
    }

    pub fn log_tails(&self) -> String {
        let mut text = String::new();
        for instance in &self.instances {
            let log = std::fs::read_to_string(&instance.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            text.push_str(&format!("\n--- instance {} ---\n", instance.port));
            for line in tail.into_iter().rev() {
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }

    /// SIGTERM to every instance; each must stop cleanly.
    pub async fn stop_all(&mut self) {
        for instance in &mut self.instances {
            if let Some(mut child) = instance.child.take() {
                let _ = Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
                let status = child.wait().expect("instance exit");
                assert!(
                    status.success(),
                    "instance {} stopped uncleanly",
                    instance.port
                );
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for instance in &mut self.instances {
            if let Some(mut child) = instance.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// nginx as a child process, with its own prefix, running `deploy/nginx/orders-hook.conf` as it
/// is; only the small include files that a deployment fills in are written here.
pub struct Nginx {
    child: Child,
    address: SocketAddr,
}

impl Nginx {
    pub async fn start(binary: &Path, dir: &Path, upstream_ports: &[u16]) -> Nginx {
        let prefix = dir.join("nginx");
        let includes = prefix.join("orders-hook");
        let temp = prefix.join("temp");
        std::fs::create_dir_all(&includes).unwrap();
        std::fs::create_dir_all(&temp).unwrap();
        // Run as root, nginx's workers are `nobody`: they need to reach their temp files.
        for path in [dir, prefix.as_path(), temp.as_path()] {
            let _ = Command::new("chmod")
                .args(["0777", &path.display().to_string()])
                .status();
        }
        let generated = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args([
                "-subj",
                "/CN=hook.test",
                "-addext",
                "subjectAltName=DNS:hook.test",
            ])
            .arg("-keyout")
            .arg(prefix.join("key.pem"))
            .arg("-out")
            .arg(prefix.join("cert.pem"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run openssl");
        assert!(generated.success(), "a self-signed certificate");
        let port = free_port();
        let upstreams: String = upstream_ports
            .iter()
            .map(|p| format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n"))
            .collect();
        std::fs::write(includes.join("upstreams.conf"), upstreams).unwrap();
        std::fs::write(
            includes.join("listen.conf"),
            format!(
                "listen 127.0.0.1:{port} ssl;\nserver_name hook.test;\naccess_log {} orders_hook;\n",
                prefix.join("access.log").display()
            ),
        )
        .unwrap();
        std::fs::write(
            includes.join("tls.conf"),
            format!(
                "ssl_certificate {};\nssl_certificate_key {};\n",
                prefix.join("cert.pem").display(),
                prefix.join("key.pem").display()
            ),
        )
        .unwrap();
        // The marketplace's addresses, as an operator fills them in: here, loopback.
        std::fs::write(
            includes.join("allowlist.conf"),
            "allow 127.0.0.1;\ndeny all;\n",
        )
        .unwrap();
        let temp = temp.display();
        std::fs::write(
            prefix.join("nginx.conf"),
            format!(
                "worker_processes 2;\npid {p}/nginx.pid;\nerror_log {p}/error.log warn;\n\
                 events {{ worker_connections 1024; }}\n\
                 http {{\n  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n\
                 fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n\
                 scgi_temp_path {temp}/scgi;\n  access_log off;\n\
                 include {DEPLOY}/nginx/orders-hook.conf;\n}}\n",
                p = prefix.display()
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(prefix.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let up = eventually(Duration::from_secs(10), || async {
            tokio::net::TcpStream::connect(address).await.is_ok()
        })
        .await;
        let error_log = std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default();
        assert!(up, "nginx did not start: {error_log}");
        Nginx { child, address }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for Nginx {
    /// SIGTERM, so that the master takes its workers down with it (a SIGKILLed master leaves
    /// them running); SIGKILL only if it does not go within a few seconds.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
