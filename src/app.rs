//! Wiring: store, router, listener and shutdown. The caller owns the listener and the shutdown
//! token, so tests bind port 0 and stop the service without signals.

use crate::config::Config;
use crate::http::{self, AppState, auth::TokenSet};
use crate::store::{self, Store};
use anyhow::Context as _;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A started service.
pub struct Running {
    pub addr: SocketAddr,
    pub store: Arc<dyn Store>,
    pub shutdown: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, and returns when the server is down.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.task.await.context("server task")??;
        Ok(())
    }

    /// Runs until the shutdown token is cancelled.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task")??;
        Ok(())
    }
}

/// Opens the database (migrating it) and serves on `listener` until `shutdown` is cancelled.
pub async fn start(config: &Config, listener: TcpListener) -> anyhow::Result<Running> {
    config.require_client_tokens()?;
    // Counted from the first request on, not from the first scrape.
    crate::telemetry::metrics();
    let store = store::open(&config.database_url, &config.store_options)
        .await
        .with_context(|| format!("open {}", store::redact_url(&config.database_url)))?;
    store.migrate().await.context("migrate the database")?;
    if config.telegram_bot_token.is_none() {
        tracing::warn!(
            "ORDERS_HOOK_TELEGRAM_BOT_TOKEN is not set: notices are queued in the outbox and \
             wait there until a bot token is configured"
        );
    }
    let state = AppState {
        store: store.clone(),
        rules: Arc::new(config.rules.clone()),
        tokens: Arc::new(TokenSet::new(&config.client_tokens)),
        deadline: config.request_deadline,
        outbox_committed: Arc::new(tokio::sync::Notify::new()),
    };
    let router = http::router(state, &config.hook_path);
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let stopping = shutdown.clone();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move { stopping.cancelled().await })
            .await
    });
    tracing::info!(
        %addr,
        hook = config.hook_path,
        database = store::redact_url(&config.database_url),
        "orders-hook is serving"
    );
    Ok(Running {
        addr,
        store,
        shutdown,
        task,
    })
}

/// `orders-hook serve`: binds the configured address and stops on SIGTERM or Ctrl-C.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    config.require_client_tokens()?;
    let listener = TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listen on {}", config.listen))?;
    let running = start(&config, listener).await?;
    let shutdown = running.shutdown.clone();
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
