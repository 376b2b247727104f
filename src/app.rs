//! Wiring: store, router, notice worker, housekeeping, listener and shutdown. The caller owns
//! the listener and the shutdown token, so tests bind port 0 and stop the service without
//! signals.

use crate::config::Config;
use crate::console::{self, ConsoleState, changes::Changes};
use crate::housekeeping::Housekeeper;
use crate::http::{self, AppState};
use crate::ingest::Ingest;
use crate::notify::{BotApi, SystemClock, Worker};
use crate::reload::{Reloadable, Reloader};
use crate::store::{self, Store};
use anyhow::Context as _;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A started service.
pub struct Running {
    pub addr: SocketAddr,
    /// The console's listener (and `/metrics`), when `console_listen` is set.
    pub console_addr: Option<SocketAddr>,
    pub store: Arc<dyn Store>,
    pub shutdown: CancellationToken,
    /// Applies a new configuration's tokens and stores (SIGHUP; tests call it directly).
    pub reloader: Arc<Reloader>,
    task: tokio::task::JoinHandle<()>,
    console: Option<tokio::task::JoinHandle<()>>,
    worker: Option<tokio::task::JoinHandle<()>>,
    housekeeping: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish within the shutdown grace, closes what
    /// is left, and returns when the server is down.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.wait().await
    }

    /// Runs until the shutdown token is cancelled; the notice worker settles what it is sending.
    pub async fn wait(self) -> anyhow::Result<()> {
        let served = self.task.await.context("server task");
        // However the server ended, the worker is told to finish too.
        self.shutdown.cancel();
        if let Some(worker) = self.worker {
            worker.await.context("notice worker")?;
        }
        self.housekeeping.await.context("housekeeping")?;
        if let Some(console) = self.console {
            console.await.context("console")?;
        }
        served?;
        Ok(())
    }
}

/// Opens the database (migrating it) and serves on `listener` until `shutdown` is cancelled.
pub async fn start(
    config: &Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<Running> {
    config.require_client_tokens()?;
    // Counted from the first request on, not from the first scrape.
    crate::telemetry::metrics();
    let store = open_store(config).await?;
    let outbox_committed = Arc::new(tokio::sync::Notify::new());
    let worker = if config.notify_enabled {
        spawn_worker(config, &store, outbox_committed.clone(), shutdown.clone())?
    } else {
        tracing::info!(
            "the notice worker is off (ORDERS_HOOK_NOTIFY=false): run `orders-hook notify` to \
             send the outbox to Telegram"
        );
        None
    };
    let housekeeper = Housekeeper::new(
        store.clone(),
        Arc::new(SystemClock),
        config.housekeeping.clone(),
    );
    let housekeeping = {
        let shutdown = shutdown.clone();
        tokio::spawn(async move { housekeeper.run(shutdown).await })
    };
    let (changes, _listening) = change_feed(config, &store, shutdown.clone());
    let live = Reloadable::new(config);
    // One door for every request: the hook's, and the operator's replays from the console.
    let ingest = Ingest {
        store: store.clone(),
        group: group_commit(config, &store),
        rules: live.rules.clone(),
        deadline: config.request_deadline,
        outbox_committed,
        changes: changes.clone(),
        database: Default::default(),
    };
    let (console_addr, console) = match &config.console.listen {
        Some(listen) => {
            let (addr, task) = start_console(
                config,
                listen,
                &store,
                ingest.clone(),
                &live,
                shutdown.clone(),
            )
            .await?;
            (Some(addr), Some(task))
        }
        None => {
            tracing::info!(
                "the console is off (ORDERS_HOOK_CONSOLE_LISTEN is empty): no /metrics either"
            );
            (None, None)
        }
    };
    let state = AppState {
        ingest,
        tokens: live.tokens.clone(),
        read_timeout: config.server.read_timeout,
    };
    let router = http::router(state, &config.hook_path);
    let addr = listener.local_addr()?;
    let task = tokio::spawn(http::server::serve(
        listener,
        router,
        config.server,
        shutdown.clone(),
    ));
    tracing::info!(
        %addr,
        hook = config.hook_path,
        database = %config.database_url,
        "orders-hook is serving"
    );
    let sessions: Arc<dyn store::ConsoleAccess> = store.clone();
    let reloader = Arc::new(Reloader::new(config, live, sessions));
    Ok(Running {
        addr,
        console_addr,
        store,
        shutdown,
        reloader,
        task,
        console,
        worker,
        housekeeping,
    })
}

/// The feed of order changes for the live boards: this process's own with one instance; in a
/// pool (PostgreSQL) published to, and heard from, every instance over the store's bus (the
/// listener runs only when this instance serves boards, and ends with `shutdown`).
fn change_feed(
    config: &Config,
    store: &Arc<dyn Store>,
    shutdown: CancellationToken,
) -> (Changes, Option<tokio::task::JoinHandle<()>>) {
    match store.change_bus() {
        Some(bus) => console::pool_changes::start(bus, config.console.listen.is_some(), shutdown),
        None => (Changes::default(), None),
    }
}

/// The store's group commit writer: SQLite only, where a commit is an fsync on the one
/// connection, so batching is the way past one fsync per order. PostgreSQL commits the pool's
/// connections side by side already, and a batch would hold each order's advisory lock until
/// its last event, against every other instance (ARCHITECTURE.md, "Group commit").
fn group_commit(
    config: &Config,
    store: &Arc<dyn Store>,
) -> Option<crate::ingest::group::GroupCommit> {
    let on_sqlite = !config.database_url.is_postgres();
    (config.group_commit.enabled && on_sqlite).then(|| {
        let ingest: Arc<dyn store::IngestStore> = store.clone();
        crate::ingest::group::GroupCommit::start(ingest, config.group_commit.max_events)
    })
}

/// Binds the console's listener and serves it until `shutdown`.
async fn start_console(
    config: &Config,
    listen: &str,
    store: &Arc<dyn Store>,
    ingest: Ingest,
    live: &Reloadable,
    shutdown: CancellationToken,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(listen).await.with_context(|| {
        format!("listen on {listen} for the console (ORDERS_HOOK_CONSOLE_LISTEN)")
    })?;
    let addr = listener.local_addr()?;
    let state = ConsoleState::new(
        store.clone(),
        ingest,
        &config.console,
        live.grants.clone(),
        live.routing.clone(),
        shutdown.clone(),
    )
    .with_telegram(bot_api(config)?);
    if state.grants.get().is_empty() {
        tracing::warn!(
            "no console tokens (ORDERS_HOOK_CONSOLE_TOKENS_FILE): only a store's one-time link \
             signs anybody in"
        );
    }
    let task = tokio::spawn(http::server::serve(
        listener,
        console::router(state),
        config.server,
        shutdown,
    ));
    tracing::info!(%addr, "the console is serving");
    Ok((addr, task))
}

/// The configured database, brought up to date; every command starts here.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let store = store::open(&config.database_url, &config.store_options)
        .await
        .with_context(|| format!("open {}", config.database_url))?;
    store.migrate().await.context("migrate the database")?;
    Ok(store)
}

/// The configured bot's client (the worker's, the console's test, the `telegram` commands);
/// `None` without a bot token.
pub fn bot_api(config: &Config) -> anyhow::Result<Option<BotApi>> {
    let Some(token) = &config.telegram_bot_token else {
        return Ok(None);
    };
    BotApi::new(
        &config.telegram_api_url,
        token.clone(),
        config.telegram_timeout,
    )
    .map(Some)
    .map_err(anyhow::Error::msg)
}

/// Starts the notice worker, or says once why notices stay queued.
fn spawn_worker(
    config: &Config,
    store: &Arc<dyn Store>,
    wake: Arc<tokio::sync::Notify>,
    shutdown: CancellationToken,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(api) = bot_api(config)? else {
        tracing::warn!(
            "ORDERS_HOOK_TELEGRAM_BOT_TOKEN is not set: notices are queued in the outbox and \
             wait there until a bot token is configured"
        );
        return Ok(None);
    };
    let worker = Arc::new(Worker::new(
        store.clone(),
        api,
        Arc::new(SystemClock),
        config.notify.clone(),
    ));
    Ok(Some(tokio::spawn(supervise(worker, wake, shutdown))))
}

/// Runs the worker, and starts it again should it ever panic: a hook that takes orders while
/// nothing tells the pickers is worse than a loud log line and a second try.
async fn supervise(
    worker: Arc<Worker>,
    wake: Arc<tokio::sync::Notify>,
    shutdown: CancellationToken,
) {
    loop {
        let running = {
            let (worker, wake, shutdown) = (worker.clone(), wake.clone(), shutdown.clone());
            tokio::spawn(async move { worker.run(wake, shutdown).await })
        };
        match running.await {
            Ok(()) => return,
            Err(error) => {
                tracing::error!(%error, "the notice worker failed; starting it again");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                }
            }
        }
    }
}

/// `orders-hook notify`: only the notice worker, for a deployment that sends apart from the
/// hook. Stops on SIGTERM or Ctrl-C after settling what it is sending.
pub async fn notify(config: Config) -> anyhow::Result<()> {
    crate::telemetry::metrics();
    if config.telegram_bot_token.is_none() {
        anyhow::bail!(
            "nothing to send with: set ORDERS_HOOK_TELEGRAM_BOT_TOKEN (or \
             ORDERS_HOOK_TELEGRAM_BOT_TOKEN_FILE) to the bot's token"
        );
    }
    let store = open_store(&config).await?;
    let shutdown = CancellationToken::new();
    let stopping = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: settling notices in flight");
        stopping.cancel();
    });
    // Nobody commits in this process: the sweep finds what the hook instances queued.
    let wake = Arc::new(tokio::sync::Notify::new());
    if let Some(worker) = spawn_worker(&config, &store, wake, shutdown)? {
        worker.await.context("notice worker")?;
    }
    Ok(())
}

/// `orders-hook serve`: binds the configured address, reloads the configuration (read again from
/// `file`, as at start) on SIGHUP, and stops on SIGTERM or Ctrl-C.
pub async fn serve(config: Config, file: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    config.require_client_tokens()?;
    // Before anything serves: a SIGHUP that found no handler would end the process.
    #[cfg(unix)]
    let hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .context("listen for SIGHUP")?;
    let listener = TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listen on {}", config.listen))?;
    let shutdown = CancellationToken::new();
    let running = start(&config, listener, shutdown.clone()).await?;
    running.reloader.read_from(file);
    #[cfg(unix)]
    tokio::spawn(crate::reload::on_hangup(
        running.reloader.clone(),
        hangups,
        shutdown.clone(),
    ));
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        shutdown.cancel();
    });
    running.wait().await
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
