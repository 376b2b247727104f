//! A headless chromium driven over WebDriver: Debian's `chromium` and `chromium-driver`, which
//! `scripts/test` installs and names in `ORDERS_HOOK_TEST_CHROMIUM` and
//! `ORDERS_HOOK_TEST_CHROMEDRIVER`. chromedriver runs as this test's child on a free loopback
//! port and is killed when the test ends, whatever the outcome.

use fantoccini::{Client, ClientBuilder, Locator};
use orders_hook::test_support::eventually;
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long a page may take to show what the test waits for: a live update travels from the
/// hook's commit through the change feed, the event stream and a refetch of the table.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// The two binaries, found where `scripts/test` says or where Debian puts them.
pub struct Binaries {
    chromedriver: PathBuf,
    chromium: PathBuf,
}

impl Binaries {
    /// `None`, loudly, without them; in CI (`ORDERS_HOOK_REQUIRE_POSTGRES=1`, which asks that
    /// every test really run) a missing browser fails instead.
    pub fn from_env() -> Option<Binaries> {
        let named = |var: &str, default: &str| {
            std::env::var(var)
                .ok()
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from(default), PathBuf::from)
        };
        let chromedriver = named("ORDERS_HOOK_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = named("ORDERS_HOOK_TEST_CHROMIUM", "/usr/bin/chromium");
        let missing: Vec<String> = [&chromedriver, &chromium]
            .into_iter()
            .filter(|path| !path.exists())
            .map(|path| path.display().to_string())
            .collect();
        if missing.is_empty() {
            return Some(Binaries {
                chromedriver,
                chromium,
            });
        }
        let why = format!(
            "the browser test needs chromium and chromedriver, not found: {}. scripts/test \
             installs them (apt-get install -y chromium chromium-driver) when run as root",
            missing.join(", ")
        );
        if std::env::var("ORDERS_HOOK_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("ORDERS_HOOK_REQUIRE_POSTGRES=1: every test must run here, and {why}");
        }
        eprintln!("SKIPPED: {why}");
        None
    }
}

/// A browser session, and the chromedriver that serves it.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Browser {
    pub async fn start(binaries: &Binaries) -> Browser {
        let port = free_port();
        let mut driver = Command::new(&binaries.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let up = eventually(Duration::from_secs(20), || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        })
        .await;
        if !up {
            let _ = driver.kill();
            let _ = driver.wait();
            panic!("chromedriver did not listen on 127.0.0.1:{port}");
        }
        let capabilities = json!({
            "goog:chromeOptions": {
                // --no-sandbox: the suite runs as root in CI, where chromium's sandbox refuses to
                // start; --disable-dev-shm-usage: containers give /dev/shm a few megabytes.
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--window-size=1024,768",
                    "--lang=ru-RU",
                ],
                "binary": binaries.chromium.display().to_string(),
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("an object")
        };
        let client = match ClientBuilder::rustls()
            .expect("rustls connector")
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => client,
            Err(error) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!("chromium did not start under chromedriver: {error}");
            }
        };
        // --window-size is the whole window; the pages must be looked at (and screenshotted)
        // at a 1024x768 viewport, the store PC's screen.
        let frame = client
            .execute(
                "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
                vec![],
            )
            .await
            .ok()
            .and_then(|value| serde_json::from_value::<(u32, u32)>(value).ok())
            .unwrap_or((0, 0));
        let _ = client.set_window_size(1024 + frame.0, 768 + frame.1).await;
        Browser { client, driver }
    }

    /// Ends the session; chromedriver goes with the drop.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Waits for an element matching `css`, and fails the test naming the step and the page.
    pub async fn expect(&self, step: &str, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(error) => {
                self.screenshot(&format!("failed-{step}")).await;
                panic!(
                    "{step}: no `{css}` within {PATIENCE:?} ({error}) on {}",
                    self.where_now().await
                )
            }
        }
    }

    /// Polls `check` until it holds; fails the test naming the step and the page.
    pub async fn expect_that<F, Fut>(&self, step: &str, check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        if !eventually(PATIENCE, check).await {
            self.screenshot(&format!("failed-{step}")).await;
            panic!(
                "{step}: not so within {PATIENCE:?} on {}",
                self.where_now().await
            );
        }
    }

    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|url| url.path().to_owned())
            .unwrap_or_default()
    }

    /// The page's address and the start of its text, for a failure's message.
    async fn where_now(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .map(|url| url.to_string())
            .unwrap_or_default();
        let text = match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let text: String = text.chars().take(400).collect();
        format!("{url}: «{text}»")
    }

    /// Saves the window as `target/screenshots/{name}.png`, for people to look at.
    pub async fn screenshot(&self, name: &str) {
        let dir = screenshots_dir();
        let _ = std::fs::create_dir_all(&dir);
        match self.client.screenshot().await {
            Ok(png) => {
                // A step's words make the name of a failure's picture: keep it to a plain file name.
                let name: String = name
                    .chars()
                    .map(|c| {
                        if c.is_alphanumeric() || c == '-' {
                            c
                        } else {
                            '-'
                        }
                    })
                    .collect();
                let path = dir.join(format!("{name}.png"));
                std::fs::write(&path, png).expect("write a screenshot");
                eprintln!("screenshot: {}", path.display());
            }
            Err(error) => eprintln!("no screenshot {name}: {error}"),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `target/screenshots/`: the test binary lives in `target/<profile>/deps/`, wherever
/// CARGO_TARGET_DIR puts `target`.
fn screenshots_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(|target| target.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target")))
        .join("screenshots")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
