//! `serve`: synthetic scrape targets. Target `i` listens on `port + 1 + i`
//! and serves `/metrics` (text format 0.0.4) for its pods; the control
//! port `port` serves `/stats` (JSON: scrapes served so far), so the
//! harness counts the samples handed to the system under test without
//! trusting that system's own counters.
//!
//! Values advance on the wall clock: at a request, the target's pods are
//! stepped up to the current interval, and the body is rendered once per
//! interval (a second scrape within the same interval gets the same body).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::workload::{catalog, push_value, Pod, FAMILIES, SERIES_PER_POD};

pub struct ServeArgs {
    pub targets: usize,
    pub pods_per_target: usize,
    pub port: u16,
    pub interval: f64,
}

struct Target {
    pods: Vec<Pod>,
    /// Per pod and series, `name{pod="…",labels} `.
    prefixes: Vec<Vec<u8>>,
    step: i64,
    body: Arc<Vec<u8>>,
    body_step: i64,
}

struct Stats {
    scrapes: AtomicU64,
    bytes: AtomicU64,
    series_per_target: u64,
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

impl Target {
    fn new(first_pod: usize, pods: usize) -> Target {
        let cat = catalog();
        let mut prefixes = Vec::with_capacity(pods * SERIES_PER_POD);
        for p in first_pod..first_pod + pods {
            for (name, labels) in &cat {
                let sep = if labels.is_empty() { "" } else { "," };
                prefixes.push(format!("{name}{{pod=\"pod-{p:05}\"{sep}{labels}}} ").into_bytes());
            }
        }
        Target {
            pods: (first_pod..first_pod + pods)
                .map(|p| Pod::new(p as u64))
                .collect(),
            prefixes,
            step: -1,
            body: Arc::new(Vec::new()),
            body_step: -2,
        }
    }

    fn body(&mut self, interval: f64) -> Arc<Vec<u8>> {
        let t = now();
        let cur = (t / interval).floor() as i64;
        if self.step < 0 {
            self.step = cur - 1;
        }
        // Catch up, but never more than 100 intervals at once.
        self.step = self.step.max(cur - 100);
        while self.step < cur {
            self.step += 1;
            let ts = self.step as f64 * interval;
            for pod in &mut self.pods {
                pod.step(ts, interval);
            }
        }
        if self.body_step != cur {
            let mut buf = Vec::with_capacity(self.body.len().max(1 << 16) + 4096);
            let mut vals = vec![[0f64; SERIES_PER_POD]; self.pods.len()];
            for (pod, v) in self.pods.iter().zip(vals.iter_mut()) {
                pod.values(v);
            }
            for fam in FAMILIES.iter() {
                buf.extend_from_slice(
                    format!("# TYPE {} {}\n", fam.text_name, fam.kind).as_bytes(),
                );
                for (p, v) in vals.iter().enumerate() {
                    let (start, end) = fam.range;
                    let prefixes =
                        &self.prefixes[p * SERIES_PER_POD + start..p * SERIES_PER_POD + end];
                    for (prefix, value) in prefixes.iter().zip(&v[start..end]) {
                        buf.extend_from_slice(prefix);
                        push_value(&mut buf, *value);
                        buf.push(b'\n');
                    }
                }
            }
            self.body = Arc::new(buf);
            self.body_step = cur;
        }
        self.body.clone()
    }
}

/// Reads one request head; returns the path, or None at end of stream.
fn read_request(r: &mut BufReader<TcpStream>) -> Option<String> {
    let mut first = String::new();
    loop {
        first.clear();
        if r.read_line(&mut first).ok()? == 0 {
            return None;
        }
        if !first.trim().is_empty() {
            break;
        }
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
    }
    Some(path)
}

fn respond(w: &mut TcpStream, status: &str, ctype: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    w.write_all(head.as_bytes())?;
    w.write_all(body)
}

fn handle_target(stream: TcpStream, target: Arc<Mutex<Target>>, stats: Arc<Stats>, interval: f64) {
    let _ = stream.set_nodelay(true);
    let mut w = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut r = BufReader::new(stream);
    while let Some(path) = read_request(&mut r) {
        let res = if path.starts_with("/metrics") {
            let body = target.lock().unwrap().body(interval);
            stats.scrapes.fetch_add(1, Ordering::Relaxed);
            stats.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
            respond(
                &mut w,
                "200 OK",
                "text/plain; version=0.0.4; charset=utf-8",
                &body,
            )
        } else {
            respond(&mut w, "404 Not Found", "text/plain", b"not found\n")
        };
        if res.is_err() {
            return;
        }
    }
}

fn handle_control(stream: TcpStream, stats: Arc<Stats>) {
    let mut w = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut r = BufReader::new(stream);
    while let Some(path) = read_request(&mut r) {
        let body = if path.starts_with("/stats") {
            let scrapes = stats.scrapes.load(Ordering::Relaxed);
            format!(
                "{{\"scrapes\": {scrapes}, \"bytes\": {}, \"series_per_target\": {}, \"samples\": {}}}\n",
                stats.bytes.load(Ordering::Relaxed),
                stats.series_per_target,
                scrapes * stats.series_per_target
            )
        } else {
            "ok\n".to_string()
        };
        if respond(&mut w, "200 OK", "application/json", body.as_bytes()).is_err() {
            return;
        }
    }
}

pub fn run(a: &ServeArgs) -> std::io::Result<()> {
    let stats = Arc::new(Stats {
        scrapes: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        series_per_target: (a.pods_per_target * SERIES_PER_POD) as u64,
    });
    let mut listeners = Vec::new();
    for i in 0..a.targets {
        let l = TcpListener::bind(("127.0.0.1", a.port + 1 + i as u16))?;
        let target = Arc::new(Mutex::new(Target::new(
            i * a.pods_per_target,
            a.pods_per_target,
        )));
        listeners.push((l, target));
    }
    let control = TcpListener::bind(("127.0.0.1", a.port))?;
    let interval = a.interval;
    for (l, target) in listeners {
        let stats = stats.clone();
        std::thread::spawn(move || {
            for stream in l.incoming().flatten() {
                let (target, stats) = (target.clone(), stats.clone());
                std::thread::spawn(move || handle_target(stream, target, stats, interval));
            }
        });
    }
    eprintln!(
        "serving {} targets x {} series on 127.0.0.1:{}..{}, stats on :{}",
        a.targets,
        a.pods_per_target * SERIES_PER_POD,
        a.port + 1,
        a.port as usize + a.targets,
        a.port
    );
    for stream in control.incoming().flatten() {
        let stats = stats.clone();
        std::thread::spawn(move || handle_control(stream, stats));
    }
    Ok(())
}
