//! The marketplace as the pool sees it: every event is sent through nginx over TLS, waited for
//! 5 s, and on a timeout or any 4xx/5xx sent again, up to 7 times, after growing pauses (the
//! marketplace's are minutes; here they start at 100 ms).

use crate::pool::Nginx;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub const CLIENT_TOKEN: &str = "pool-client-token";
const PATIENCE: Duration = Duration::from_secs(5);
const RETRIES: usize = 7;
const FIRST_PAUSE: Duration = Duration::from_millis(100);

#[derive(Default)]
pub struct Tally {
    /// Events sent (each counted once, however many attempts it took).
    pub events: AtomicUsize,
    pub attempts: AtomicUsize,
    /// Attempts answered 5xx, 4xx or not at all.
    pub failures: AtomicUsize,
    /// Events that never got a 200.
    pub unresolved: AtomicUsize,
}

pub struct Marketplace {
    client: reqwest::Client,
    url: String,
}

impl Marketplace {
    pub fn new(nginx: &Nginx) -> Self {
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

    /// Sends one event until it is answered 200; the answer's body, or `None` if it never was.
    pub async fn deliver(&self, body: &Value, tally: &Tally) -> Option<String> {
        let text = body.to_string();
        let mut pause = FIRST_PAUSE;
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
        }
        tally.events.fetch_add(1, Ordering::SeqCst);
        tally.unresolved.fetch_add(1, Ordering::SeqCst);
        None
    }
}
