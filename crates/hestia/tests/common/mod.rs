//! Helpers for end-to-end tests of the `hestia server` binary, shared by
//! the integration tests that spawn it (each test file includes this
//! module with `mod common;`, so not every helper is used by every file).
//!
//! * [`Server`]: the binary as a child process in a temporary directory,
//!   started with [`ServerBuilder`] on `127.0.0.1:0`; its address is read
//!   from the `hestia: listening on ADDR` line on stderr. The whole stderr
//!   is kept ([`Server::stderr`]) for failure messages. Dropping a
//!   `Server` kills the process.
//! * HTTP: [`get`], [`post_form`], [`Answer`] and their `Server` methods,
//!   blocking calls over reqwest on a shared tokio runtime ([`runtime`]).
//! * [`poll`]: retries a condition until a deadline; tests wait with it,
//!   never with a fixed sleep.
//! * [`Target`]: a real HTTP scrape target serving a `hestia-instrument`
//!   registry on `127.0.0.1:0`, stopped on drop.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use hestia_instrument::exporter::Exporter;
use hestia_instrument::Registry;
use serde_json::Value;

/// How long the server may take to print its address.
pub const STARTUP: Duration = Duration::from_secs(60);

/// The tokio runtime the HTTP helpers and [`Target`]s run on, shared by
/// every test of a binary.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("building the test runtime")
    })
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("building the HTTP client")
    })
}

/// Calls `f` until it returns `Some`, every 50 ms, and panics naming
/// `what` once `within` has passed.
pub fn poll<T>(what: &str, within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The current time, Unix milliseconds.
pub fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock before 1970");
    i64::try_from(d.as_millis()).expect("time fits i64")
}

/// An HTTP answer, read whole.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header (empty when absent).
    pub content_type: String,
    /// The body as text.
    pub body: String,
}

impl Answer {
    /// The body as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// The `data` of a `200` answer with `"status":"success"`; panics
    /// with the answer otherwise.
    pub fn data(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.body);
        assert!(
            self.content_type.starts_with("application/json"),
            "{}: {}",
            self.content_type,
            self.body
        );
        let mut json = self.json();
        assert_eq!(json["status"], "success", "{}", self.body);
        json["data"].take()
    }
}

async fn read(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response.text().await.expect("reading the body");
    Answer {
        status,
        content_type,
        body,
    }
}

/// `GET url`; panics when the request cannot be sent.
pub fn get(url: &str) -> Answer {
    try_get(url).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// `GET url`, or the transport error.
pub fn try_get(url: &str) -> Result<Answer, reqwest::Error> {
    runtime().block_on(async { Ok(read(client().get(url).send().await?).await) })
}

/// `POST url` with `form` as an `application/x-www-form-urlencoded` body
/// (already encoded; may be empty).
pub fn post_form(url: &str, form: &str) -> Answer {
    runtime()
        .block_on(async {
            Ok::<_, reqwest::Error>(
                read(
                    client()
                        .post(url)
                        .header(
                            reqwest::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        )
                        .body(form.to_owned())
                        .send()
                        .await?,
                )
                .await,
            )
        })
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

/// Percent-encodes a query parameter or form value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// How to start a [`Server`]: `hestia server` with its data under
/// `<dir>/data`, listening on `127.0.0.1:0`, with `--config.file` when
/// one is given, then the extra arguments.
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    dir: PathBuf,
    config: Option<PathBuf>,
    args: Vec<String>,
}

impl ServerBuilder {
    /// A server keeping its data in `<dir>/data`.
    pub fn new(dir: impl Into<PathBuf>) -> ServerBuilder {
        ServerBuilder {
            dir: dir.into(),
            config: None,
            args: Vec::new(),
        }
    }

    /// Passes `--config.file path`.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> ServerBuilder {
        self.config = Some(path.into());
        self
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl Into<String>) -> ServerBuilder {
        self.args.push(arg.into());
        self
    }

    /// Appends `--web.enable-lifecycle` and `--web.enable-admin-api`.
    pub fn lifecycle_and_admin(self) -> ServerBuilder {
        self.arg("--web.enable-lifecycle")
            .arg("--web.enable-admin-api")
    }

    /// The data directory, `<dir>/data`.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Starts the server and waits for its address; panics with its
    /// stderr when it does not start.
    pub fn spawn(&self) -> Server {
        self.try_spawn()
            .unwrap_or_else(|f| panic!("the server did not start ({}):\n{}", f.status, f.stderr))
    }

    /// Starts the server and waits for its address, or for it to exit.
    pub fn try_spawn(&self) -> Result<Server, Exited> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hestia"));
        cmd.arg("server")
            .arg("--storage.tsdb.path")
            .arg(self.data_dir())
            .args(["--web.listen-address", "127.0.0.1:0"]);
        if let Some(config) = &self.config {
            cmd.arg("--config.file").arg(config);
        }
        cmd.args(&self.args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawning hestia");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<SocketAddr>();
        let pipe = child.stderr.take().expect("stderr is piped");
        let log = stderr.clone();
        // Drains stderr for the child's whole life (a full pipe would block
        // it) and reports the address once.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("hestia: listening on ") {
                    if let (Some(tx), Ok(addr)) = (tx.take(), addr.trim().parse()) {
                        let _ = tx.send(addr);
                    }
                }
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        match rx.recv_timeout(STARTUP) {
            Ok(addr) => Ok(Server {
                child,
                addr,
                stderr,
                builder: self.clone(),
            }),
            Err(e) => {
                // Disconnected: stderr closed, so the process is exiting.
                if e == mpsc::RecvTimeoutError::Timeout {
                    let _ = child.kill();
                }
                let status = child.wait().expect("waiting for hestia");
                // The reader thread may still be appending the last lines.
                let text = poll("the end of stderr", Duration::from_secs(5), || {
                    (Arc::strong_count(&stderr) == 1).then(|| stderr.lock().unwrap().clone())
                });
                Err(Exited {
                    status,
                    stderr: text,
                })
            }
        }
    }
}

/// A server that exited instead of starting.
#[derive(Debug)]
pub struct Exited {
    /// Its exit status.
    pub status: ExitStatus,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

/// A running `hestia server`; killed on drop.
pub struct Server {
    child: Child,
    /// The address it listens on.
    pub addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    builder: ServerBuilder,
}

impl Server {
    /// `http://ADDR` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it started with (to start it again on the same directory).
    pub fn builder(&self) -> &ServerBuilder {
        &self.builder
    }

    /// Everything it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Answer {
        get(&self.url(path))
    }

    /// `POST path` with a form body.
    pub fn post_form(&self, path: &str, form: &str) -> Answer {
        post_form(&self.url(path), form)
    }

    /// The `data` of a successful `GET path`.
    pub fn data(&self, path: &str) -> Value {
        self.get(path).data()
    }

    /// The instant query `expr` at `time_ms` (now when `None`): the
    /// result array.
    pub fn query_at(&self, expr: &str, time_ms: Option<i64>) -> Vec<Value> {
        let mut path = format!("/api/v1/query?query={}", encode(expr));
        if let Some(t) = time_ms {
            path.push_str(&format!("&time={}", t as f64 / 1000.0));
        }
        let data = self.data(&path);
        match data["result"].as_array() {
            Some(result) => result.clone(),
            None => vec![data["result"].clone()],
        }
    }

    /// The instant query `expr` now: the result array.
    pub fn query(&self, expr: &str) -> Vec<Value> {
        self.query_at(expr, None)
    }

    /// The single value of a one-element vector result, if any.
    pub fn value(&self, expr: &str) -> Option<f64> {
        let result = self.query(expr);
        let v = result.first()?;
        v["value"][1].as_str()?.parse().ok()
    }

    /// The value of the sample `name` (its first series) on `/metrics`.
    pub fn self_metric(&self, name: &str) -> Option<f64> {
        let answer = self.get("/metrics");
        assert_eq!(answer.status, 200, "{}", answer.body);
        metric_value(&answer.body, name)
    }

    /// Sends `signal` (`HUP`, `TERM`, …) with `kill`.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.pid().to_string()])
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -s {signal} failed");
    }

    /// Waits for the process to exit by itself.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let child = &mut self.child;
        poll("the server to exit", within, || {
            child.try_wait().expect("waiting for hestia")
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of the first sample named `name` (with or without labels)
/// in a text exposition.
pub fn metric_value(text: &str, name: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let rest = l.strip_prefix(name)?;
        let rest = if rest.starts_with('{') {
            &rest[rest.find('}')? + 1..]
        } else {
            rest
        };
        let value = rest.strip_prefix(' ')?.split(' ').next()?;
        value.parse().ok()
    })
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path
}

/// A scrape target: an [`Exporter`] serving `registry` on `127.0.0.1:0`,
/// on the shared [`runtime`]; stops serving when dropped.
pub struct Target {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The registry it serves.
    pub registry: Registry,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Target {
    /// Serves `registry`.
    pub fn start(registry: Registry) -> Target {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let exporter = Exporter::new(registry.clone());
        let listener = runtime()
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("binding a target");
        let addr = listener.local_addr().expect("the target's address");
        runtime().spawn(async move {
            let _ = exporter
                .serve(listener, async {
                    let _ = stopped.await;
                })
                .await;
        });
        Target {
            addr,
            registry,
            stop: Some(stop),
        }
    }

    /// `127.0.0.1:PORT`, as a static config lists it.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
