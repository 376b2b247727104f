//! The marketplace as the pool sees it: every event is sent through nginx over TLS, waited for
//! 5 s, and on a timeout or any 4xx/5xx sent again, up to 7 times, after pauses that double
//! (the marketplace's start at 1 s; the pool test scales them down to 100 ms, the HA test
//! keeps them).

use crate::pool::Nginx;
use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const CLIENT_TOKEN: &str = "pool-client-token";
const PATIENCE: Duration = Duration::from_secs(5);
const RETRIES: usize = 7;
/// The pool test's pauses: the marketplace's, scaled down ten times.
const FIRST_PAUSE: Duration = Duration::from_millis(100);
/// The marketplace's own first pause (then 2, 4 … 64 s).
pub const MARKETPLACE_FIRST_PAUSE: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Tally {
    /// Events sent (each counted once, however many attempts it took).
    pub events: AtomicUsize,
    pub attempts: AtomicUsize,
    /// Attempts answered 5xx, 4xx or not at all.
    pub failures: AtomicUsize,
    /// Events that never got a 200.
    pub unresolved: AtomicUsize,
    /// When each failed attempt was answered (or gave up), in order.
    pub failed_at: Mutex<Vec<Instant>>,
}

pub struct Marketplace {
    client: reqwest::Client,
    url: String,
    first_pause: Duration,
}

impl Marketplace {
    pub fn new(nginx: &Nginx) -> Self {
        Marketplace::with_first_pause(nginx, FIRST_PAUSE)
    }

    /// Retrying after `first_pause`, then twice as long each time.
    pub fn with_first_pause(nginx: &Nginx, first_pause: Duration) -> Self {
        // The test's certificate is self-signed: rustls will not take it as its own anchor, so
        // this client trusts whatever nginx shows. TLS is still spoken end to end.
        let client = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .resolve("hook.test", nginx.address())
            .timeout(PATIENCE)
            .build()
            .expect("marketplace client");
        Marketplace {
            client,
            url: format!(
                "https://hook.test:{}/sbermarket/orders/hook/",
                nginx.address().port()
            ),
            first_pause,
        }
    }

    /// What nginx answers on `path` (GET), to check what is public.
    pub async fn status_of(&self, path: &str) -> u16 {
        let url = self.url.replace("/sbermarket/orders/hook/", path);
        match self.client.get(url).send().await {
            Ok(response) => response.status().as_u16(),
            Err(error) => panic!("nginx did not answer {path}: {error:?}"),
        }
    }

    /// Sends one event once with `token`: the status nginx answered, 0 for none.
    pub async fn post_once(&self, token: &str, body: &Value) -> u16 {
        self.client
            .post(&self.url)
            .header("Client-token", token)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map(|response| response.status().as_u16())
            .unwrap_or(0)
    }

    /// Sends one event until it is answered 200; the answer's body, or `None` if it never was.
    pub async fn deliver(&self, body: &Value, tally: &Tally) -> Option<String> {
        let text = body.to_string();
        let mut pause = self.first_pause;
        for attempt in 0..=RETRIES {
            if attempt > 0 {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            tally.attempts.fetch_add(1, Ordering::SeqCst);
            let sent = self
                .client
                .post(&self.url)
                .header("Client-token", CLIENT_TOKEN)
                .header("Content-Type", "application/json")
                .body(text.clone())
                .send()
                .await;
            if let Ok(response) = sent
                && response.status().as_u16() == 200
                && let Ok(answer) = response.text().await
            {
                tally.events.fetch_add(1, Ordering::SeqCst);
                return Some(answer);
            }
            tally.failures.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut failed_at) = tally.failed_at.lock() {
                failed_at.push(Instant::now());
            }
        }
        tally.events.fetch_add(1, Ordering::SeqCst);
        tally.unresolved.fetch_add(1, Ordering::SeqCst);
        None
    }
}
