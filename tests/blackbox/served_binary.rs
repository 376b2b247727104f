//! The real `orders-hook serve` as a child process: on a free loopback port, against a SQLite
//! file, logging to a file (at trace level a pipe nobody reads would fill and block it).

use crate::harness::{TOKEN, eventually};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

pub struct ServedBinary {
    pub child: Child,
    pub addr: SocketAddr,
    log_path: PathBuf,
}

impl ServedBinary {
    /// Starts the binary with the test token, `RUST_LOG=trace` and `vars`, and waits until it
    /// answers `/healthz`.
    pub async fn start(dir: &Path, vars: &[(&str, &str)]) -> ServedBinary {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("its address")
            .port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log_path = dir.join("stderr.log");
        let mut command = crate::operator_cli::binary();
        command
            .args(["serve"])
            .env(
                "ORDERS_HOOK_DATABASE_URL",
                format!("sqlite://{}/x.db", dir.display()),
            )
            .env("ORDERS_HOOK_LISTEN", addr.to_string())
            .env("ORDERS_HOOK_CONSOLE_LISTEN", "127.0.0.1:0")
            .env("ORDERS_HOOK_CLIENT_TOKENS", TOKEN)
            .env("RUST_LOG", "trace")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log_path).expect("log file"));
        for (name, value) in vars {
            command.env(name, value);
        }
        let child = command.spawn().expect("start orders-hook serve");
        let served = ServedBinary {
            child,
            addr,
            log_path,
        };
        let client = reqwest::Client::new();
        let up = eventually(Duration::from_secs(10), || async {
            client
                .get(format!("{}/healthz", served.base()))
                .send()
                .await
                .is_ok()
        })
        .await;
        assert!(up, "the service came up: {}", served.logs());
        served
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Sends SIGTERM and waits up to `bound` for the exit: the status and how long it took, or
    /// `None` (the process is then killed).
    pub async fn terminate_within(&mut self, bound: Duration) -> Option<(ExitStatus, Duration)> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let signalled = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some((status, signalled.elapsed()));
            }
            if signalled.elapsed() > bound {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
