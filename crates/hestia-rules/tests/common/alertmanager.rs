//! A real Alertmanager 0.25 (Debian's `prometheus-alertmanager`, which
//! `scripts/test` installs) on `127.0.0.1` for end-to-end tests: started
//! without clustering on a free port with a given configuration, killed
//! on drop, read through its own API (`/api/v2/alerts`). Shared by
//! `hestia-rules`' and `hestia`'s tests (the latter include this file by
//! path).

#![allow(dead_code)]

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Alertmanager's configuration with one receiver that does nothing.
pub const NULL_RECEIVER: &str = "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n";

/// A port free at the time of asking.
pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn binary() -> PathBuf {
    let path = Path::new("/usr/bin/prometheus-alertmanager");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/test, which installs Debian's prometheus-alertmanager, \
         or `apt-get install -y prometheus-alertmanager`",
        path.display()
    );
    path.to_path_buf()
}

/// A running Alertmanager, killed on drop.
pub struct Alertmanager {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Alertmanager {
    /// Starts Alertmanager with a null receiver (see [`start_with`]).
    ///
    /// [`start_with`]: Alertmanager::start_with
    pub async fn start() -> Alertmanager {
        Alertmanager::start_with(NULL_RECEIVER).await
    }

    /// Starts Alertmanager with the configuration `config`, without
    /// clustering, and waits until it is ready (a port taken in between
    /// is retried).
    pub async fn start_with(config: &str) -> Alertmanager {
        let mut last_log = String::new();
        for _attempt in 0..3 {
            let dir = tempfile::Builder::new()
                .prefix("hestia-alertmanager-")
                .tempdir()
                .unwrap();
            let config_path = dir.path().join("alertmanager.yml");
            std::fs::write(&config_path, config).unwrap();
            let log = dir.path().join("alertmanager.log");
            let log_file = std::fs::File::create(&log).unwrap();
            let port = free_port();
            let child = Command::new(binary())
                .arg(format!("--config.file={}", config_path.display()))
                .arg(format!(
                    "--storage.path={}",
                    dir.path().join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--cluster.listen-address=")
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().unwrap())
                .stderr(log_file)
                .spawn()
                .expect("cannot start prometheus-alertmanager");
            let mut am = Alertmanager {
                child,
                base: format!("http://127.0.0.1:{port}"),
                log,
                _dir: dir,
            };
            match am.wait_ready().await {
                Ok(()) => return am,
                Err(e) => {
                    last_log = am.log_tail();
                    if !last_log.contains("address already in use") {
                        panic!(
                            "Alertmanager did not become ready: {e}\n--- its log ---\n{last_log}"
                        );
                    }
                }
            }
        }
        panic!("Alertmanager could not bind a port in 3 attempts\n--- its log ---\n{last_log}");
    }

    /// `127.0.0.1:PORT`, as a static target.
    pub fn address(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("it exited with {status}"));
            }
            if let Ok(r) = client.get(format!("{}/-/ready", self.base)).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err("not ready after 60 s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last 40 lines of its log.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<_> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// `GET /api/v2/alerts`: the alerts Alertmanager holds that have not
    /// resolved.
    pub async fn alerts(&self) -> Result<Vec<Value>, String> {
        let body = reqwest::get(format!("{}/api/v2/alerts", self.base))
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        let json: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
        json.as_array()
            .cloned()
            .ok_or_else(|| format!("not an array: {body}"))
    }

    /// Polls `check` over the alerts until it holds, for up to 30 s.
    pub async fn eventually(&self, what: &str, check: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let alerts = self.alerts().await;
            match alerts {
                Ok(a) if check(&a) => return a,
                other if Instant::now() > deadline => panic!(
                    "{what}: not after 30 s; last answer {other:?}\n--- Alertmanager log ---\n{}",
                    self.log_tail()
                ),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}
