//! The two servers under comparison, as child processes killed on drop,
//! and a small client of their query API.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A child process, killed and reaped on drop, with its log.
pub struct Server {
    /// `prometheus` or `hestia`.
    pub name: &'static str,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// The last lines the process wrote to stderr.
    pub fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Panics when the process has exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited ({status}):\n{}", self.name, self.log_tail());
        }
    }
}

/// Collects a child's stderr into `log`, sending each line to `lines`.
fn drain(
    stderr: std::process::ChildStderr,
    log: Arc<Mutex<String>>,
    lines: std::sync::mpsc::Sender<String>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            log.lock().unwrap().push_str(&format!("{line}\n"));
            let _ = lines.send(line);
        }
    });
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The installed Prometheus' version line; fails the test, saying how to
/// install it, when it is missing.
pub fn prometheus_version() -> String {
    let out = Command::new("prometheus").arg("--version").output();
    match out {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            text.lines().next().unwrap_or_default().to_string()
        }
        Ok(out) => panic!(
            "`prometheus --version` failed ({}); run scripts/test, which installs the Debian package `prometheus`",
            out.status
        ),
        Err(e) => panic!(
            "cannot run `prometheus` ({e}); this test compares Hestia with the real Prometheus 2.42: \
             run scripts/test, which installs the Debian package `prometheus` (/usr/bin/prometheus)"
        ),
    }
}

/// Starts Prometheus on a free port and waits until `/-/ready` answers.
pub async fn start_prometheus(config: &Path, data: &Path) -> Server {
    let client = reqwest::Client::new();
    let mut last = String::new();
    for _attempt in 0..5 {
        let port = free_port();
        let mut child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting prometheus: {e}; run scripts/test"));
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, _rx) = std::sync::mpsc::channel();
        drain(child.stderr.take().unwrap(), log.clone(), tx);
        let mut server = Server {
            name: "prometheus",
            base: format!("http://127.0.0.1:{port}"),
            child,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = server.child.try_wait() {
                break;
            }
            let ready = client
                .get(format!("{}/-/ready", server.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Exited (port taken since we looked?) or never ready: retry.
        last = server.log_tail();
    }
    panic!("prometheus did not become ready:\n{last}");
}

/// Starts `hestia server` on port 0 and reads the address it prints.
pub fn start_hestia(config: &Path, data: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hestia"))
        .arg("server")
        .arg("--config.file")
        .arg(config)
        .arg("--storage.tsdb.path")
        .arg(data)
        .arg("--web.listen-address")
        .arg("127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting hestia server");
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    drain(child.stderr.take().unwrap(), log.clone(), tx);
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(addr) = line.strip_prefix("hestia: listening on ") {
                    break addr.trim().to_string();
                }
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "hestia server did not print its address:\n{}",
                    log.lock().unwrap()
                );
            }
        }
    };
    Server {
        name: "hestia",
        base: format!("http://{addr}"),
        child,
        log,
    }
}

/// Where to reach a server's API (cheap to clone into tasks).
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `prometheus` or `hestia`.
    pub name: &'static str,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    /// The server's API address.
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            name: self.name,
            base: self.base.clone(),
        }
    }
}

/// The answer of one API request: the parsed JSON body (with the status
/// code folded in as `"httpStatus"` when it is not 200).
pub async fn api(
    client: &reqwest::Client,
    server: &Endpoint,
    path: &str,
    params: &[(&str, String)],
) -> Value {
    let url = format!("{}{path}", server.base);
    let mut tries = 0;
    loop {
        let sent = client.post(&url).form(params).send().await;
        match sent {
            Ok(resp) => {
                let status = resp.status();
                let text = resp.text().await.unwrap_or_default();
                let mut value: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
                    panic!("{} {path} {params:?}: not JSON ({e}): {text}", server.name)
                });
                if status != 200 {
                    value["httpStatus"] = status.as_u16().into();
                }
                return value;
            }
            Err(e) if tries < 3 => {
                tries += 1;
                eprintln!("{} {path}: {e}; retrying", server.name);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{} {path} {params:?}: {e}", server.name),
        }
    }
}

/// An instant query's answer.
pub async fn query(client: &reqwest::Client, server: &Endpoint, expr: &str, t: i64) -> Value {
    api(
        client,
        server,
        "/api/v1/query",
        &[("query", expr.to_string()), ("time", seconds(t))],
    )
    .await
}

/// A range query's answer.
pub async fn query_range(
    client: &reqwest::Client,
    server: &Endpoint,
    expr: &str,
    start: i64,
    end: i64,
    step_ms: i64,
) -> Value {
    api(
        client,
        server,
        "/api/v1/query_range",
        &[
            ("query", expr.to_string()),
            ("start", seconds(start)),
            ("end", seconds(end)),
            ("step", seconds(step_ms)),
        ],
    )
    .await
}

/// Milliseconds as the API's decimal seconds.
pub fn seconds(ms: i64) -> String {
    format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))
}
