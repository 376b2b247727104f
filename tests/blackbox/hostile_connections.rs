//! Clients that do not play along: a request head sent a byte at a time, a request never
//! finished, more connections than the bound, unknown paths and methods, a token in the URL.
//! The marketplace waits 5 s; none of these may hold a slot, or a stopping instance, for longer.
//! Timings here are bounds with generous margins, not measurements.

use crate::harness::{Backend, HOOK, TOKEN, TestApp, eventually, fixture};
use crate::served_binary::ServedBinary;
use orders_hook::on_both_backends;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

on_both_backends!(
    a_request_head_sent_byte_by_byte_is_cut_off,
    a_half_sent_request_does_not_hold_up_the_stop,
    connections_beyond_the_bound_are_not_served,
    unknown_paths_and_methods_answer_the_json_error,
    a_token_in_the_url_stays_out_of_the_logs,
);

/// What a client that stopped half-way through its request head has sent.
const HALF_SENT: &[u8] = b"POST /sbermarket/orders/hook/ HTTP/1.1\r\nHost: x\r\n";

fn addr(app: &TestApp) -> SocketAddr {
    app.running.as_ref().expect("running service").addr
}

/// `GET path` on a new connection: the whole answer as text (empty if nobody listens yet).
async fn get_once(addr: SocketAddr, path: &str) -> String {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return String::new();
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Reads until `end` has arrived (or the connection ends): what was read.
async fn read_until(stream: &mut TcpStream, end: &str) -> String {
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains(end) {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// Whether the server closed the connection (end of stream or reset) within `within`, having
/// answered nothing.
async fn closed_unanswered(stream: &mut TcpStream, within: Duration) -> bool {
    let mut answer = Vec::new();
    match tokio::time::timeout(within, stream.read_to_end(&mut answer)).await {
        Ok(Ok(_)) => answer.is_empty(),
        Ok(Err(_)) => true,
        Err(_) => false,
    }
}

async fn a_request_head_sent_byte_by_byte_is_cut_off(backend: Backend) {
    let read_timeout = Duration::from_secs(1);
    let Some(app) = TestApp::spawn_with(backend, &[("ORDERS_HOOK_READ_TIMEOUT_MS", "1000")]).await
    else {
        return;
    };
    // At one byte every 200 ms this head would take about 16 s to arrive.
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(30)
    );
    let stream = TcpStream::connect(addr(&app)).await.expect("connect");
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let closed = tokio::spawn(async move {
        let mut answer = Vec::new();
        let _ = reader.read_to_end(&mut answer).await;
        (
            started.elapsed(),
            String::from_utf8_lossy(&answer).into_owned(),
        )
    });
    for byte in head.as_bytes() {
        if closed.is_finished() || writer.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (after, answer) = tokio::time::timeout(Duration::from_secs(10), closed)
        .await
        .expect("the connection ends")
        .expect("reader task");
    assert!(
        after < read_timeout + Duration::from_secs(2),
        "the slow head was allowed {after:?} (read timeout {read_timeout:?})"
    );
    assert!(
        !answer.contains(" 200 "),
        "the slow head was served: {answer}"
    );
    app.stop().await;
}

async fn a_half_sent_request_does_not_hold_up_the_stop(backend: Backend) {
    let grace = Duration::from_millis(1500);
    // Longer than the whole test: only the drain deadline can close the half-sent request.
    let Some(mut app) = TestApp::spawn_with(
        backend,
        &[
            ("ORDERS_HOOK_SHUTDOWN_GRACE_MS", "1500"),
            ("ORDERS_HOOK_READ_TIMEOUT_MS", "10000"),
        ],
    )
    .await
    else {
        return;
    };
    let addr = addr(&app);
    let mut half_sent = TcpStream::connect(addr).await.expect("connect");
    half_sent.write_all(HALF_SENT).await.expect("send");

    // A real order, in flight when the stop begins: its head is in and the handler waits for
    // the body (the 100 Continue says so), which is sent only after the stop has started.
    // Connections are accepted in order, so the half-sent one is being served too by then.
    let body = fixture("order.created").to_string();
    let mut in_flight = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST {HOOK} HTTP/1.1\r\nHost: x\r\nClient-token: {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.expect("send");
    let interim = read_until(&mut in_flight, "\r\n\r\n").await;
    assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");

    let running = app.running.take().expect("running service");
    running.shutdown.cancel();
    let started = Instant::now();
    let stopping = tokio::spawn(async move {
        running.stop().await.expect("clean stop");
        started.elapsed()
    });
    in_flight.write_all(body.as_bytes()).await.expect("send");
    let mut answer = String::new();
    in_flight
        .read_to_string(&mut answer)
        .await
        .expect("the answer");
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the request in flight is answered: {answer}"
    );
    assert!(answer.contains("SM-000001"), "{answer}");

    let stopped = tokio::time::timeout(grace + Duration::from_secs(8), stopping)
        .await
        .expect("the stop returns although a request was never finished")
        .expect("stop task");
    assert!(
        stopped < grace + Duration::from_millis(2500),
        "stop took {stopped:?} with a {grace:?} grace"
    );
    assert!(
        closed_unanswered(&mut half_sent, Duration::from_secs(1)).await,
        "the half-sent request's connection is closed"
    );
    assert_eq!(
        app.order("R246801357")["number"],
        "SM-000001",
        "the order in flight is stored"
    );
}

async fn connections_beyond_the_bound_are_not_served(backend: Backend) {
    let Some(app) = TestApp::spawn_with(
        backend,
        &[
            ("ORDERS_HOOK_MAX_CONNECTIONS", "2"),
            // The two kept-alive connections below hold their slots for the whole test.
            ("ORDERS_HOOK_READ_TIMEOUT_MS", "20000"),
        ],
    )
    .await
    else {
        return;
    };
    let addr = addr(&app);
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("send");
        let answer = read_until(&mut stream, "ok\n").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        held.push(stream);
    }

    // A third is closed at once, unanswered: the bound holds.
    let mut third = TcpStream::connect(addr).await.expect("connect");
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await;
    assert!(
        closed_unanswered(&mut third, Duration::from_secs(3)).await,
        "a connection beyond the bound of 2 was served or left hanging"
    );

    // One ends, and a new connection is served again.
    drop(held.pop());
    let served = eventually(Duration::from_secs(5), || async {
        get_once(addr, "/healthz").await.starts_with("HTTP/1.1 200")
    })
    .await;
    assert!(served, "a freed slot is used again");
    drop(held);
    app.stop().await;
}

async fn unknown_paths_and_methods_answer_the_json_error(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for (method, path, status, code) in [
        ("GET", "/nope", 404, "not_found"),
        ("POST", "/nope", 404, "not_found"),
        ("POST", "/healthz", 405, "method_not_allowed"),
        ("DELETE", "/readyz", 405, "method_not_allowed"),
        // `/metrics` lives on the console's listener now.
        ("GET", "/metrics", 404, "not_found"),
        // The hook's own refusal, for comparison: the same shape.
        ("GET", HOOK, 405, "method_not_allowed"),
    ] {
        let response = app
            .client
            .request(method.parse().unwrap(), format!("{}{path}", app.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        let content_type = response.headers()["content-type"].clone();
        assert_eq!(content_type, "application/json", "{method} {path}");
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(body["error"], code, "{method} {path}: {body}");
        assert!(body["detail"].is_string(), "{method} {path}: {body}");
    }
    app.stop().await;
}

async fn a_token_in_the_url_stays_out_of_the_logs(backend: Backend) {
    let logs = captured_logs();
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let marker = format!("/nope-{}", std::process::id());
    let (status, _) = app.get(&format!("{marker}?token=url-SECRET-1")).await;
    assert_eq!(status, 404);
    let response = app
        .client
        .post(format!("{}{HOOK}?token=url-SECRET-2", app.base))
        .header("Client-token", TOKEN)
        .body(fixture("order.created").to_string())
        .send()
        .await
        .expect("hook request");
    assert_eq!(response.status(), 200);
    app.stop().await;

    let logs = String::from_utf8_lossy(&logs.lock().expect("log buffer")).into_owned();
    assert!(
        !logs.contains("url-SECRET"),
        "the query string reached the logs:\n{logs}"
    );
    assert!(
        logs.contains(&format!("path={marker}")),
        "the request span is logged with its path: {logs}"
    );
}

/// The suite's log lines from the HTTP layer, from the first call on. The server's tasks run on
/// every worker thread, so only a global subscriber sees them; it is installed once for the
/// whole test binary and takes only the request spans and what is logged inside them.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "tower_http=debug,orders_hook::http=debug",
            ))
            .with_ansi(false)
            .with_writer(move || SharedBuffer(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        buffer
    })
    .clone()
}

struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The real binary: SIGTERM ends it within the grace although a connection holds a request
/// that will never be finished; and a token in a URL never reaches its trace-level log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_stops_on_sigterm_despite_a_half_sent_request() {
    let grace = Duration::from_secs(2);
    let dir = tempfile::tempdir().unwrap();
    let mut served = ServedBinary::start(
        dir.path(),
        &[
            ("ORDERS_HOOK_SHUTDOWN_GRACE_MS", "2000"),
            // Far past the bound below: only the drain deadline can close the half-sent request.
            ("ORDERS_HOOK_READ_TIMEOUT_MS", "30000"),
            // JSON: no colour codes between a field's name and its value.
            ("ORDERS_HOOK_LOG_FORMAT", "json"),
        ],
    )
    .await;
    let addr = served.addr;

    let response = reqwest::Client::new()
        .post(format!("http://{addr}{HOOK}?token=url-SECRET-4711"))
        .header("Client-token", TOKEN)
        .body(fixture("order.created").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let mut half_sent = TcpStream::connect(addr).await.unwrap();
    half_sent.write_all(HALF_SENT).await.unwrap();
    // Accepted in order: once a later connection is answered, the half-sent one is held.
    assert!(get_once(addr, "/healthz").await.starts_with("HTTP/1.1 200"));

    let bound = grace + Duration::from_secs(3);
    let stopped = served.terminate_within(bound).await;
    let logs = served.logs();
    let Some((status, exited_after)) = stopped else {
        panic!("still running {bound:?} after SIGTERM with a half-sent request");
    };
    assert!(status.success(), "clean exit on SIGTERM: {logs}");
    assert!(
        exited_after < bound,
        "exited {exited_after:?} after SIGTERM"
    );
    assert!(
        !logs.contains("url-SECRET"),
        "the query string reached the logs:\n{logs}"
    );
    assert!(
        logs.contains(&format!(r#""path":"{HOOK}""#)),
        "the request span is logged with its path:\n{logs}"
    );
}
