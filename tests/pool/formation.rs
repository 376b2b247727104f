//! A real pg_auto_failover formation for the HA tests: one monitor and two PostgreSQL 15 nodes,
//! `node1` and `node2`, on free loopback ports, with `--auth trust` and without TLS. With one
//! healthy standby the monitor makes replication synchronous, so a write the primary confirmed
//! is on the standby too.
//!
//! Everything runs as the `postgres` user when the test runs as root (PostgreSQL refuses root),
//! under one temporary directory: the data directories, pg_autoctl's configuration and state
//! (`HOME` and the XDG directories point inside), the Unix sockets and the keepers' logs. Each
//! `pg_autoctl` runs in a process group of its own, so a node can be killed whole, like a
//! machine lost; dropping the `Formation` stops everything and removes the directory.
//!
//! The application connects with `uri()` as the `postgres` superuser, which `--auth trust` lets
//! in without a password: the simplest role for a test.

use orders_hook::test_support::eventually;
use sqlx::{Connection, PgConnection};
use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The PostgreSQL the Debian package `postgresql-15-auto-failover` builds the monitor's
/// extension for; another major version on the machine would not load it.
const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const EXTENSION: &str = "/usr/share/postgresql/15/extension/pgautofailover.control";

/// The database the formation creates on its nodes, and the role every URL here connects as.
pub const DATABASE: &str = "orders";
const USER: &str = "postgres";

/// The monitor's defaults (health check every 5 s; a primary unreachable for 20 s is failed
/// over; the monitor then waits 30 s for it to demote itself) make a lost primary cost about
/// 50 s of writes. These, all reloadable, bring that to about 20 s. The demote timeout guards
/// against two primaries when the old one is only cut off; here it is dead, and with
/// synchronous replication a cut-off primary could not confirm a write anyway.
const MONITOR_SETTINGS: [&str; 3] = [
    "ALTER SYSTEM SET pgautofailover.health_check_period = 2000",
    "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 10000",
    "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 10000",
];

/// A formation comes up in about 5 s on an idle machine; a test run compiling beside it on two
/// cores may take many times that.
const START_PATIENCE: Duration = Duration::from_secs(180);

/// How long the monitor's view may take to settle after a change (a planned failover ends with
/// the old primary caught up as the standby: about 7 s).
const SETTLE_PATIENCE: Duration = Duration::from_secs(90);

/// One connection attempt or one write probe; longer means the node is not serving.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// The states in which the monitor lets a node take writes.
const WRITABLE_STATES: [&str; 3] = ["single", "wait_primary", "primary"];

pub struct Formation {
    dir: tempfile::TempDir,
    tools: Tools,
    /// The monitor first, then the nodes in the order they joined.
    services: Vec<Service>,
    /// The application's URL, as `pg_autoctl show uri` gives it, with the user added.
    uri: String,
    /// When `kill_primary` last struck: `wait_for_new_primary` measures from there.
    killed_at: Option<Instant>,
}

/// What the monitor reports about one node.
#[derive(Debug, Clone)]
pub struct NodeState {
    pub name: String,
    pub port: u16,
    pub reported: String,
    pub goal: String,
}

impl NodeState {
    /// The node has reached what the monitor asked of it.
    fn settled_in(&self, states: &[&str]) -> bool {
        self.reported == self.goal && states.contains(&self.reported.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Monitor,
    Node,
}

/// One `pg_autoctl` service (monitor or keeper) and the PostgreSQL it runs.
struct Service {
    name: String,
    role: Role,
    port: u16,
    pgdata: PathBuf,
    log: PathBuf,
    /// `None` once the service has been killed or stopped.
    keeper: Option<Child>,
    /// Postmasters that died by SIGKILL: their shared memory is removed at the end.
    killed_postmasters: Vec<u32>,
}

/// The programs, and the user to run them as.
struct Tools {
    pg_autoctl: PathBuf,
    /// The `postgres` user's uid and gid when we are root; `None` runs them as ourselves.
    run_as: Option<(u32, u32)>,
}

impl Tools {
    /// `None`, loudly, when something is missing; in CI (`ORDERS_HOOK_REQUIRE_POSTGRES=1`,
    /// which asks that every test really run) a failure instead.
    fn find() -> Option<Tools> {
        let pg_autoctl = std::env::var("ORDERS_HOOK_TEST_PG_AUTOCTL")
            .ok()
            .filter(|path| !path.is_empty())
            .map(PathBuf::from)
            .or_else(|| on_path("pg_autoctl"));
        let mut missing = Vec::new();
        if !pg_autoctl.as_ref().is_some_and(|path| path.exists()) {
            missing.push("pg_autoctl".to_string());
        }
        for needed in [
            format!("{PG_BIN}/pg_ctl"),
            format!("{PG_BIN}/postgres"),
            EXTENSION.into(),
        ] {
            if !Path::new(&needed).exists() {
                missing.push(needed);
            }
        }
        let root = std::fs::metadata("/proc/self").is_ok_and(|me| me.uid() == 0);
        let run_as = if root { postgres_user() } else { None };
        if root && run_as.is_none() {
            missing.push("the postgres user".into());
        }
        match pg_autoctl {
            Some(pg_autoctl) if missing.is_empty() => Some(Tools { pg_autoctl, run_as }),
            _ => {
                let why = format!(
                    "the HA test needs pg_auto_failover and PostgreSQL 15, not found: {}. \
                     scripts/test installs them (apt-get install -y pg-auto-failover-cli \
                     postgresql-15-auto-failover) when run as root",
                    missing.join(", ")
                );
                if std::env::var("ORDERS_HOOK_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                    panic!("ORDERS_HOOK_REQUIRE_POSTGRES=1: every test must run here, and {why}");
                }
                eprintln!("SKIPPED: {why}");
                None
            }
        }
    }
}

impl Formation {
    /// The monitor and two nodes, `node1` the primary and `node2` its synchronous standby, with
    /// the monitor's quicker failover settings. `None` with a loud "SKIPPED" when pg_autoctl or
    /// PostgreSQL 15 is missing. Panics (stopping what was started) when it does not come up.
    pub async fn start() -> Option<Formation> {
        let tools = Tools::find()?;
        let dir = tempfile::Builder::new()
            .prefix("orders-hook-ha.")
            .tempdir()
            .expect("create the formation's temporary directory");
        // pg_autoctl and PostgreSQL write everywhere in here, as the postgres user.
        for sub in ["", "run", "config", "share"] {
            let path = dir.path().join(sub);
            std::fs::create_dir_all(&path).expect("create the formation's directories");
            if let Some((uid, gid)) = tools.run_as {
                std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                    .expect("give the formation's directories to the postgres user");
            }
        }
        let mut formation = Formation {
            dir,
            tools,
            services: Vec::new(),
            uri: String::new(),
            killed_at: None,
        };

        let started = Instant::now();
        let monitor_port = free_port();
        let monitor = formation.spawn(
            "monitor",
            Role::Monitor,
            monitor_port,
            "create monitor --hostname 127.0.0.1 --auth trust --no-ssl",
        );
        formation.services.push(monitor);
        // The extension's tables exist once the monitor can take a node's registration.
        let this = &formation;
        let up = eventually(START_PATIENCE, || async move {
            this.monitor_states().await.is_some()
        })
        .await;
        formation.fail_unless(up, "the monitor did not come up");
        formation.tune_monitor().await;

        let monitor_url = formation.monitor_url("autoctl_node");
        for name in ["node1", "node2"] {
            let node = formation.spawn(
                name,
                Role::Node,
                free_port(),
                &format!(
                    "create postgres --name {name} --hostname 127.0.0.1 --dbname {DATABASE} \
                     --monitor {monitor_url} --auth trust --no-ssl"
                ),
            );
            formation.services.push(node);
            if name == "node1" {
                let up = formation
                    .settles(START_PATIENCE, &[("node1", "single")])
                    .await;
                formation.fail_unless(up, "node1 did not come up as a single node");
            }
        }
        // The standby's base backup starts at the primary's next checkpoint, which on an idle
        // primary is minutes away (checkpoint_timeout): ask for checkpoints until it has joined.
        let primary_url = formation.node_url("node1");
        let this = &formation;
        let joined = eventually(START_PATIENCE, || {
            let primary_url = primary_url.clone();
            async move {
                if let Some(mut primary) = connect(&primary_url).await {
                    let _ = sqlx::query("CHECKPOINT").execute(&mut primary).await;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                this.is_settled(&[("node1", "primary"), ("node2", "secondary")])
                    .await
            }
        })
        .await;
        formation.fail_unless(joined, "node2 did not join node1 as its standby");

        formation.uri = formation.show_uri();
        eprintln!(
            "pg_auto_failover formation up in {:.1} s under {}: {}",
            started.elapsed().as_secs_f64(),
            formation.dir.path().display(),
            formation.uri
        );
        Some(formation)
    }

    /// The formation's URL for the application: every node, `target_session_attrs=read-write`
    /// (libpq's way of finding the primary), as the `postgres` user, e.g.
    /// `postgres://postgres@127.0.0.1:P1,127.0.0.1:P2/orders?target_session_attrs=read-write&sslmode=disable`.
    /// For the service's `database_url` and psql; sqlx's own `PgConnection` takes one host, so
    /// connect to a node directly with `node_urls`, `primary_url` or `standby_url`.
    pub fn uri(&self) -> String {
        self.uri.clone()
    }

    /// Each node's name and single-host URL, in the order they joined.
    pub fn node_urls(&self) -> Vec<(String, String)> {
        self.nodes()
            .map(|node| (node.name.clone(), self.node_url(&node.name)))
            .collect()
    }

    /// The directory everything of the formation lives in (gone after the drop).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The node the monitor has settled as the primary (or the lone writable node while its
    /// standby is lost). Right after `kill_primary` this is still the dead node, until the
    /// monitor notices.
    pub async fn primary(&self) -> String {
        self.settled_node(&WRITABLE_STATES, "a primary").await
    }

    pub async fn primary_url(&self) -> String {
        self.node_url(&self.primary().await)
    }

    /// The single-host URL of the node the monitor has settled as the standby.
    pub async fn standby_url(&self) -> String {
        let standby = self.settled_node(&["secondary"], "a standby").await;
        self.node_url(&standby)
    }

    /// What the monitor reports about the nodes, by SQL on the monitor (`pgautofailover.node`,
    /// the table behind `pg_autoctl show state`).
    pub async fn states(&self) -> Vec<NodeState> {
        self.monitor_states()
            .await
            .unwrap_or_else(|| panic!("could not read the monitor's state\n{}", self.logs()))
    }

    /// A planned failover, by the monitor's function that `pg_autoctl perform failover` calls
    /// (which would then only watch the events): returns how long after asking the other node
    /// took a write. Returns once the formation has settled again with the old primary as the
    /// synchronous standby, so a failure can follow at once.
    pub async fn perform_failover(&self) -> Duration {
        let old = self.primary().await;
        // The monitor refuses a failover without a standby ready to take over.
        self.standby_url().await;
        let asked = Instant::now();
        let mut monitor = connect(&self.monitor_url(USER))
            .await
            .unwrap_or_else(|| panic!("could not connect to the monitor\n{}", self.logs()));
        sqlx::query("SELECT pgautofailover.perform_failover('default', 0)")
            .execute(&mut monitor)
            .await
            .unwrap_or_else(|e| panic!("the monitor refused a failover: {e}\n{}", self.logs()));
        let this = self;
        let old = old.as_str();
        let moved = eventually(SETTLE_PATIENCE, || async move {
            this.writable_primary_other_than(old).await.is_some()
        })
        .await;
        self.fail_unless(moved, "no other node took writes after a planned failover");
        let took = asked.elapsed();
        let settled = eventually(SETTLE_PATIENCE, || async move {
            let Some(states) = this.monitor_states().await else {
                return false;
            };
            states
                .iter()
                .any(|n| n.name != old && n.settled_in(&["primary"]))
                && states
                    .iter()
                    .any(|n| n.name == old && n.settled_in(&["secondary"]))
        })
        .await;
        self.fail_unless(settled, "the old primary did not come back as the standby");
        took
    }

    /// Kills the primary node whole with SIGKILL (its pg_autoctl keeper, its postmaster and
    /// every backend), as if its machine were lost, and leaves it down; returns its name.
    /// Waits first for a settled standby, without which the monitor would have nothing to
    /// promote.
    pub async fn kill_primary(&mut self) -> String {
        self.standby_url().await;
        let primary = self.primary().await;
        let service = self
            .services
            .iter_mut()
            .find(|s| s.role == Role::Node && s.name == primary)
            .expect("the monitor's primary is one of our nodes");
        service.kill();
        self.killed_at = Some(Instant::now());
        primary
    }

    /// Waits until a node other than `old` takes writes as the monitor's primary; returns the
    /// time since `kill_primary` struck (or since this call, without a kill). Panics with the
    /// logs after `within`.
    pub async fn wait_for_new_primary(&self, old: &str, within: Duration) -> Duration {
        let since = self.killed_at.unwrap_or_else(Instant::now);
        let this = self;
        let promoted = eventually(within, || async move {
            this.writable_primary_other_than(old).await.is_some()
        })
        .await;
        self.fail_unless(
            promoted,
            &format!("no node took over from {old} within {within:?}"),
        );
        since.elapsed()
    }

    /// The end of each service's log and of its PostgreSQL's newest log, for a failure message.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for service in &self.services {
            out += &format!(
                "--- {} (pg_autoctl) ---\n{}",
                service.name,
                tail(&service.log, 40)
            );
            if let Some(server_log) = newest_file(&service.pgdata.join("log")) {
                out += &format!(
                    "--- {} (postgres) ---\n{}",
                    service.name,
                    tail(&server_log, 15)
                );
            }
        }
        out
    }

    fn nodes(&self) -> impl Iterator<Item = &Service> {
        self.services.iter().filter(|s| s.role == Role::Node)
    }

    fn node_url(&self, name: &str) -> String {
        let node = self
            .nodes()
            .find(|node| node.name == name)
            .unwrap_or_else(|| panic!("no node is named {name}"));
        format!(
            "postgres://{USER}@127.0.0.1:{}/{DATABASE}?sslmode=disable",
            node.port
        )
    }

    fn monitor_url(&self, user: &str) -> String {
        let port = self.services[0].port;
        format!("postgres://{user}@127.0.0.1:{port}/pg_auto_failover?sslmode=disable")
    }

    /// Starts `pg_autoctl ARGS --pgdata … --pgport … --pgctl … --run` for a service, with its
    /// output in its log file. No argument in `args` holds a space.
    fn spawn(&self, name: &str, role: Role, port: u16, args: &str) -> Service {
        let pgdata = self.dir.path().join(name);
        let log = self.dir.path().join(format!("{name}.log"));
        let output = File::create(&log).expect("create a pg_autoctl log file");
        let pg_ctl = format!("{PG_BIN}/pg_ctl");
        let port_text = port.to_string();
        let mut command = self.pg_autoctl(&pgdata);
        command
            .args(args.split_whitespace())
            .args(["--pgdata".as_ref(), pgdata.as_os_str()])
            .args(["--pgport", &port_text, "--pgctl", &pg_ctl, "--run"])
            // Never the test's own stdout: a keeper outliving the test would hold cargo's pipe.
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("share the pg_autoctl log file"))
            .stderr(output)
            // Its own process group, so the node can be frozen and killed as one. pg_autoctl
            // keeps its postmaster in its group; the backends make sessions of their own and
            // are found through /proc instead.
            .process_group(0);
        let keeper = command
            .spawn()
            .unwrap_or_else(|e| panic!("start pg_autoctl for {name}: {e}"));
        Service {
            name: name.into(),
            role,
            port,
            pgdata,
            log,
            keeper: Some(keeper),
            killed_postmasters: Vec::new(),
        }
    }

    /// `pg_autoctl` as the postgres user, with nothing of the test's environment: its files
    /// under our directory, its sockets there too (pg_autoctl passes `PG_REGRESS_SOCK_DIR` to
    /// postgres as `-k`; `PGHOST` tells pg_autoctl itself), and UTF-8 databases.
    fn pg_autoctl(&self, pgdata: &Path) -> Command {
        let dir = self.dir.path();
        let run = dir.join("run");
        // pg_autoctl runs its own subcommands and PostgreSQL's tools found on the PATH.
        let own_dir = match self.tools.pg_autoctl.parent() {
            Some(own_dir) => format!("{}:", own_dir.display()),
            None => String::new(),
        };
        let mut command = Command::new(&self.tools.pg_autoctl);
        command
            .current_dir(dir)
            .env_clear()
            .env("PATH", format!("{own_dir}{PG_BIN}:/usr/bin:/bin"))
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("share"))
            .env("XDG_RUNTIME_DIR", &run)
            .env("PGHOST", &run)
            .env("PG_REGRESS_SOCK_DIR", &run)
            .env("PGDATA", pgdata)
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8");
        if let Some((uid, gid)) = self.tools.run_as {
            command.uid(uid).gid(gid);
        }
        command
    }

    /// The quicker failover settings, by `ALTER SYSTEM` and a reload: pg_autoctl has no command
    /// for the monitor's own settings.
    async fn tune_monitor(&self) {
        let mut monitor = connect(&self.monitor_url(USER))
            .await
            .unwrap_or_else(|| panic!("could not connect to the monitor\n{}", self.logs()));
        for setting in MONITOR_SETTINGS {
            sqlx::query(setting)
                .execute(&mut monitor)
                .await
                .unwrap_or_else(|e| panic!("{setting} on the monitor: {e}"));
        }
        sqlx::query("SELECT pg_reload_conf()")
            .execute(&mut monitor)
            .await
            .expect("reload the monitor's settings");
    }

    /// `pg_autoctl show uri --formation default`, with the `postgres` user put in: pg_autoctl
    /// leaves the user to the application.
    fn show_uri(&self) -> String {
        let monitor_url = self.monitor_url("autoctl_node");
        let output = self
            .pg_autoctl(&self.services[0].pgdata)
            .args(
                format!("show uri --formation default --monitor {monitor_url}").split_whitespace(),
            )
            .stdin(Stdio::null())
            .output()
            .expect("run pg_autoctl show uri");
        let printed = String::from_utf8_lossy(&output.stdout).trim().to_string();
        let Some(hosts_and_rest) = printed.strip_prefix("postgres://") else {
            panic!(
                "pg_autoctl show uri printed {printed:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        assert!(
            !hosts_and_rest.contains('@'),
            "pg_autoctl show uri named a user already: {printed}"
        );
        format!("postgres://{USER}@{hosts_and_rest}")
    }

    async fn monitor_states(&self) -> Option<Vec<NodeState>> {
        let mut monitor = connect(&self.monitor_url(USER)).await?;
        let rows: Vec<(String, i32, String, String)> = sqlx::query_as(
            "SELECT nodename, nodeport, reportedstate::text, goalstate::text \
             FROM pgautofailover.node WHERE formationid = 'default' ORDER BY nodeid",
        )
        .fetch_all(&mut monitor)
        .await
        .ok()?;
        Some(
            rows.into_iter()
                .map(|(name, port, reported, goal)| NodeState {
                    name,
                    port: u16::try_from(port).expect("the monitor's node port fits a u16"),
                    reported,
                    goal,
                })
                .collect(),
        )
    }

    /// Each named node has settled in the given state.
    async fn is_settled(&self, wanted: &[(&str, &str)]) -> bool {
        let Some(states) = self.monitor_states().await else {
            return false;
        };
        wanted.iter().all(|(name, state)| {
            states
                .iter()
                .any(|node| node.name == *name && node.settled_in(&[state]))
        })
    }

    async fn settles(&self, within: Duration, wanted: &[(&str, &str)]) -> bool {
        eventually(within, || self.is_settled(wanted)).await
    }

    /// The one node settled in one of `states`, waiting for the monitor to settle.
    async fn settled_node(&self, states: &[&str], what: &str) -> String {
        let deadline = Instant::now() + SETTLE_PATIENCE;
        loop {
            let nodes = self.monitor_states().await.unwrap_or_default();
            if let [one] = nodes
                .iter()
                .filter(|n| n.settled_in(states))
                .collect::<Vec<_>>()[..]
            {
                return one.name.clone();
            }
            if Instant::now() >= deadline {
                panic!(
                    "the monitor settled on no single node as {what} within \
                     {SETTLE_PATIENCE:?}: {nodes:?}\n{}",
                    self.logs()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A node other than `old` that the monitor lets take writes and that does take one.
    async fn writable_primary_other_than(&self, old: &str) -> Option<String> {
        let states = self.monitor_states().await?;
        for node in states
            .iter()
            .filter(|n| n.name != old && n.settled_in(&WRITABLE_STATES))
        {
            if accepts_writes(&self.node_url(&node.name)).await {
                return Some(node.name.clone());
            }
        }
        None
    }

    fn fail_unless(&self, ok: bool, what: &str) {
        if !ok {
            panic!("{what}\n{}", self.logs());
        }
    }
}

impl Drop for Formation {
    /// Leaves no process behind: every keeper first (so none restarts its PostgreSQL or acts on
    /// the others' end), then each PostgreSQL by an immediate shutdown, SIGQUIT to the
    /// postmaster (what `pg_ctl stop -m immediate` sends), which removes its shared memory and
    /// sockets; then SIGKILL for anything left, and the directory goes with the `TempDir`.
    fn drop(&mut self) {
        let mut postmasters = Vec::new();
        let mut everything = BTreeSet::new();
        for service in &mut self.services {
            let Some(mut keeper) = service.keeper.take() else {
                continue;
            };
            let group = keeper.id();
            let tree = descendants(group);
            let postmaster = postmaster_pid(&service.pgdata).filter(|pid| tree.contains(pid));
            let postgres = postmaster.map(descendants).unwrap_or_default();
            let keepers: Vec<u32> = tree.difference(&postgres).copied().collect();
            signal(&keepers, "KILL");
            let _ = keeper.wait();
            postmasters.extend(postmaster);
            everything.extend(tree);
        }
        signal(&postmasters, "QUIT");
        if !wait_gone(&postmasters, Duration::from_secs(15)) {
            eprintln!("the formation's postgres did not stop on SIGQUIT; killing it");
        }
        let everything: Vec<u32> = everything.into_iter().collect();
        signal(&everything, "KILL");
        if !wait_gone(&everything, Duration::from_secs(10)) {
            eprintln!("some of the formation's processes outlived SIGKILL: {everything:?}");
        }
        let killed: Vec<u32> = self
            .services
            .iter()
            .flat_map(|s| s.killed_postmasters.iter().copied())
            .collect();
        remove_orphaned_shared_memory(&killed);
    }
}

impl Service {
    /// SIGKILL for the whole node, like a machine lost: its process group is frozen first (the
    /// keeper and the postmaster, so nothing restarts or forks), its processes are listed
    /// through /proc, then all of them are killed.
    fn kill(&mut self) {
        let Some(mut keeper) = self.keeper.take() else {
            return;
        };
        let group = keeper.id();
        signal_group(group, "STOP");
        let tree: Vec<u32> = descendants(group).into_iter().collect();
        self.killed_postmasters
            .extend(postmaster_pid(&self.pgdata).filter(|pid| tree.contains(pid)));
        signal_group(group, "KILL");
        signal(&tree, "KILL");
        let _ = keeper.wait();
        if !wait_gone(&tree, Duration::from_secs(10)) {
            panic!("{}'s processes outlived SIGKILL: {tree:?}", self.name);
        }
    }
}

/// The processes whose working directory is under `dir`: pg_autoctl runs in it and every
/// PostgreSQL process in its data directory, so after the drop there should be none.
pub fn leftover_processes(dir: &Path) -> Vec<u32> {
    all_processes()
        .into_keys()
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(dir))
        })
        .collect()
}

/// Connects, or `None` when the node does not answer within `PROBE_TIMEOUT`.
async fn connect(url: &str) -> Option<PgConnection> {
    tokio::time::timeout(PROBE_TIMEOUT, PgConnection::connect(url))
        .await
        .ok()?
        .ok()
}

/// The node is out of recovery and commits a transaction that writes: one that takes a
/// transaction id writes a commit record, which waits for the synchronous standby when the
/// primary has one. A commit stuck there counts as no write.
async fn accepts_writes(url: &str) -> bool {
    let probe = async {
        let mut conn = PgConnection::connect(url).await.ok()?;
        let in_recovery: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
            .fetch_one(&mut conn)
            .await
            .ok()?;
        if in_recovery {
            return None;
        }
        sqlx::query("SELECT txid_current()")
            .execute(&mut conn)
            .await
            .ok()?;
        let _ = conn.close().await;
        Some(())
    };
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, probe).await,
        Ok(Some(()))
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("find a free loopback port")
        .port()
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The `postgres` user's uid and gid, from /etc/passwd.
fn postgres_user() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            ["postgres", _, uid, gid, ..] => Some((uid.parse().ok()?, gid.parse().ok()?)),
            _ => None,
        }
    })
}

/// The postmaster's pid, the first line of `postmaster.pid`.
fn postmaster_pid(pgdata: &Path) -> Option<u32> {
    let file = std::fs::read_to_string(pgdata.join("postmaster.pid")).ok()?;
    file.lines().next()?.trim().parse().ok()
}

/// Every live process and its parent, from /proc.
fn all_processes() -> HashMap<u32, u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect()
}

/// The parent of a live process; `None` for one gone or a zombie (already dead).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (command) state ppid …": the command may hold spaces and parentheses.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    fields.next()?.parse().ok()
}

/// `root` and every process below it.
fn descendants(root: u32) -> BTreeSet<u32> {
    let parents = all_processes();
    let mut found = BTreeSet::from([root]);
    loop {
        let more: Vec<u32> = parents
            .iter()
            .filter(|(pid, parent)| found.contains(parent) && !found.contains(pid))
            .map(|(pid, _)| *pid)
            .collect();
        if more.is_empty() {
            return found;
        }
        found.extend(more);
    }
}

/// `kill -SIGNAL PIDS`; a process already gone is no error here.
fn signal(pids: &[u32], name: &str) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg("--")
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn signal_group(group: u32, name: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg("--")
        .arg(format!("-{group}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether every one of `pids` has exited within `within`.
fn wait_gone(pids: &[u32], within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if pids.iter().all(|pid| parent_of(*pid).is_none()) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A postmaster killed by SIGKILL leaves its small System V segment behind (PostgreSQL removes
/// it on a next start in that data directory, which never comes): remove the ones our killed
/// postmasters created that nothing has attached any more.
fn remove_orphaned_shared_memory(postmasters: &[u32]) {
    let Ok(table) = std::fs::read_to_string("/proc/sysvipc/shm") else {
        return;
    };
    for line in table.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // key shmid perms size cpid lpid nattch …
        let (Some(shmid), Some(cpid), Some(attached)) =
            (fields.get(1), fields.get(4), fields.get(6))
        else {
            continue;
        };
        if *attached == "0"
            && cpid
                .parse()
                .is_ok_and(|cpid: u32| postmasters.contains(&cpid))
        {
            let _ = Command::new("ipcrm")
                .args(["-m", shmid])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The last `lines` lines of a file, or a note that it cannot be read.
fn tail(path: &Path, lines: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            let mut out = all[all.len().saturating_sub(lines)..].join("\n");
            out.push('\n');
            out
        }
        Err(e) => format!("({}: {e})\n", path.display()),
    }
}

fn newest_file(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok())
        .max_by_key(|entry| entry.metadata().and_then(|m| m.modified()).ok())
        .map(|entry| entry.path())
}
