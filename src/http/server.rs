//! The listener: our own accept loop instead of `axum::serve`, because the marketplace waits 5 s
//! and a connection that never finishes its request must neither hold a slot for ever nor keep a
//! stopping instance alive. Each connection gets the read timeout on its request head, the open
//! connections are bounded, and on shutdown they are drained within a deadline.
//!
//! The caller owns the listener and the shutdown token, so tests bind port 0.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// What the listener allows a client; see docs/configuration.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// The longest a client may take to send a request head (the hook bounds its body with
    /// the same value). An idle keep-alive connection is closed after it too.
    pub read_timeout: Duration,
    /// Connections open at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// On shutdown, how long requests in flight may take to finish before every connection
    /// still open is closed.
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then drains: no new
/// connections, idle ones closed at once, requests in flight finished, and whatever is still
/// open at the deadline (a half-sent request, a client reading slowly) closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.read_timeout);
    // Whether the last connection was refused, so that a flood logs once, not once a socket.
    let mut refusing = false;

    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        reap(&mut connections);
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                accept_failed(error, &shutdown).await;
                continue;
            }
        };
        // When full, the connection is accepted and closed at once rather than left waiting in
        // the kernel's backlog: nginx sees the close, replays the request to another instance
        // and marks this one down for a while; the marketplace, talking to us directly, sees an
        // error and retries. Waiting would let the marketplace's 5 s run out in a queue that
        // slow clients may be holding up, and a request that times out is one nginx never
        // replays.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            if !refusing {
                tracing::warn!(
                    %peer,
                    limit = limits.max_connections,
                    "connection limit reached: closing new connections until one ends \
                     (ORDERS_HOOK_MAX_CONNECTIONS)"
                );
            }
            refusing = true;
            drop(stream);
            continue;
        };
        refusing = false;
        let connection = http.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            if let Err(error) = connection.await {
                // A header read timeout, a client gone mid-request: the client's affair.
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(slot);
        });
    }

    // Not one connection more: closing the listener refuses those still in the backlog, and
    // nginx replays them elsewhere.
    drop(listener);
    drain(graceful, connections, limits.shutdown_grace).await;
}

/// Tells every connection to finish and waits for them up to `grace`, then closes the rest.
async fn drain(graceful: GracefulShutdown, mut connections: JoinSet<()>, grace: Duration) {
    let open = graceful.count();
    if open > 0 {
        tracing::info!(open, "draining connections");
    }
    // Idle keep-alive connections close at once; a request in flight is answered (and bounded
    // by the request deadline), then its connection closes.
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            left = connections.len(),
            grace_ms = grace.as_millis(),
            "closing connections still open at the drain deadline (ORDERS_HOOK_SHUTDOWN_GRACE_MS)"
        );
        connections.abort_all();
    }
    while let Some(ended) = connections.join_next().await {
        log_panic(ended);
    }
}

/// Collects connections that have ended, so the set holds only open ones.
fn reap(connections: &mut JoinSet<()>) {
    while let Some(ended) = connections.try_join_next() {
        log_panic(ended);
    }
}

fn log_panic(ended: Result<(), tokio::task::JoinError>) {
    if let Err(error) = ended
        && error.is_panic()
    {
        tracing::error!(%error, "a connection task panicked");
    }
}

/// A failed `accept`. A client that gave up between its handshake and our accept is no matter;
/// anything else (out of file descriptors, most likely) is logged, and the loop pauses so that
/// ending connections can free what it needs.
async fn accept_failed(error: io::Error, shutdown: &CancellationToken) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept connections; trying again in 1 s");
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
    }
}
