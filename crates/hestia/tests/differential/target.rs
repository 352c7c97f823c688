//! The deterministic scrape targets: the series of `catalogue.rs` (the
//! five seed services), served over HTTP as Prometheus text 0.0.4 with
//! explicit timestamps.
//!
//! Time is cut into 5 s slots starting at `start` (a millisecond that is
//! 1234 modulo 5000, so no sample lies on a whole second). At any moment a
//! target exposes the samples of the current slot `k`, stamped with the
//! slot's start, their values a pure function of (series, `k`). Before
//! `start` it exposes nothing. Both servers scrape every second, so each
//! sees every slot several times and stores the same samples.
//!
//! Some series are special on purpose: `backfiller_repos_processed_total`
//! restarts at slot [`RESET_SLOT`]; `lynex_model_errors_total{model=
//! "claude-3"}` appears at [`APPEAR_SLOT`]; one `streamhouse_consumer_lag`
//! series disappears after [`GONE_SLOT`]; `lynex_ui_query_latency_seconds
//! {query_type="funnels"}` is NaN every fourth slot; one event type has a
//! newline in its label value; and `lynex_archive_batch_size` writes its
//! `le` values as Go's client does (`le="1"`), all other histograms in the
//! canonical form (`le="1.0"`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::catalogue::{Family, Kind, JOBS};

/// Length of a slot, milliseconds.
pub const SLOT_MS: i64 = 5_000;
/// Slot starts are this many milliseconds past a multiple of [`SLOT_MS`].
pub const SLOT_PHASE_MS: i64 = 1_234;
/// The slot at which `backfiller_repos_processed_total` restarts from 0.
pub const RESET_SLOT: i64 = 14;
/// The first slot of `lynex_model_errors_total{model="claude-3"}`.
pub const APPEAR_SLOT: i64 = 12;
/// The last slot of `streamhouse_consumer_lag{topic="payments"}`.
pub const GONE_SLOT: i64 = 17;
/// The series that disappears, as a selector.
pub const GONE_SELECTOR: &str = r#"streamhouse_consumer_lag{topic="payments"}"#;
/// The histogram whose `le` values are written the Go client's way.
pub const GO_LE_HISTOGRAM: &str = "lynex_archive_batch_size";
/// The counter that starts with the first slot at one slot's increase
/// (where 2.42's and Prometheus 3's `rate` extrapolation differ).
pub const LINEAR_COUNTER: &str = "allsource_replay_events_processed";
/// Its increase per slot.
pub const LINEAR_PER_SLOT: f64 = 30.0;
/// The label value with a newline.
pub const NEWLINE_EVENT_TYPE: &str = "bulk\nimport";

/// The jobs' names.
pub fn jobs() -> impl Iterator<Item = (&'static str, &'static [(&'static str, &'static str)])> {
    JOBS.iter().map(|(job, labels, _)| (*job, *labels))
}

/// One series name per job whose only labels are the target's, present
/// in every slot (histograms by their `_count`).
pub fn heartbeats() -> Vec<String> {
    JOBS.iter()
        .map(|(job, _, families)| {
            let f = families
                .iter()
                .find(|f| f.labels.is_empty())
                .unwrap_or_else(|| panic!("job {job} has no family without labels"));
            match f.kind {
                Kind::Histogram { .. } => format!("{}_count", f.name),
                _ => f.name.to_string(),
            }
        })
        .collect()
}

/// Every metric name the targets expose (histograms as their three
/// series names), plus `up`.
pub fn metric_names() -> Vec<String> {
    let mut names = vec!["up".to_string()];
    for (_, _, families) in JOBS {
        for f in *families {
            match f.kind {
                Kind::Histogram { .. } => {
                    for suffix in ["_bucket", "_sum", "_count"] {
                        names.push(format!("{}{suffix}", f.name));
                    }
                }
                _ => names.push(f.name.to_string()),
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// 64-bit FNV-1a.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A number in `[0, 1)` from the series, the slot and a salt.
fn unit(seed: u64, slot: i64, salt: u64) -> f64 {
    // splitmix64
    let mut z = seed
        .wrapping_add((slot as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .wrapping_add(salt.wrapping_mul(0xbf58_476d_1ce4_e5b9));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// `le` as written: canonical (`1.0`) or as Go's client writes it (`1`).
fn le_text(bound: f64, go_style: bool) -> String {
    if bound.fract() == 0.0 && !go_style {
        format!("{bound:.1}")
    } else {
        format!("{bound}")
    }
}

/// Escapes a label value for the text format.
fn escape(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('\n', r"\n")
        .replace('"', "\\\"")
}

/// Every label combination of a family, as `(name, value)` lists.
fn combinations(
    labels: &[(&'static str, &'static [&'static str])],
) -> Vec<Vec<(&'static str, &'static str)>> {
    let mut out = vec![Vec::new()];
    for (name, values) in labels {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push((*name, *v));
                    next
                })
            })
            .collect();
    }
    out
}

/// The slots in which a series exists, up to `k`: `None` when it does not
/// exist at `k`, else the first slot of its current life (counters count
/// from there).
fn life(name: &str, labels: &[(&str, &str)], k: i64) -> Option<i64> {
    let has = |n: &str, v: &str| labels.iter().any(|&(a, b)| a == n && b == v);
    if name == "lynex_model_errors_total" && has("model", "claude-3") {
        return (k >= APPEAR_SLOT).then_some(APPEAR_SLOT);
    }
    if name == "streamhouse_consumer_lag" && has("topic", "payments") {
        return (k <= GONE_SLOT).then_some(0);
    }
    if name == "backfiller_repos_processed_total" && k >= RESET_SLOT {
        return Some(RESET_SLOT);
    }
    Some(0)
}

/// Appends one sample line.
fn line(out: &mut String, name: &str, labels: &[(&str, String)], value: f64, t: i64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (n, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{n}=\"{}\"", escape(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value} {t}");
}

/// The exposition of `families` for slot `k` of a run starting at `start`.
fn exposition(families: &[Family], start: i64, k: i64) -> String {
    let t = start + k * SLOT_MS;
    let mut out = String::new();
    for f in families {
        let kind = match f.kind {
            Kind::Counter { .. } | Kind::Linear { .. } => "counter",
            Kind::Histogram { .. } => "histogram",
            _ => "gauge",
        };
        if f.typed {
            let _ = writeln!(out, "# HELP {} Seed catalogue metric.", f.name);
            let _ = writeln!(out, "# TYPE {} {kind}", f.name);
        }
        for combo in combinations(f.labels) {
            let Some(born) = life(f.name, &combo, k) else {
                continue;
            };
            let mut key = f.name.to_string();
            for (n, v) in &combo {
                key.push_str(&format!(",{n}={v}"));
            }
            let seed = fnv(key.as_bytes());
            let labels: Vec<(&str, String)> =
                combo.iter().map(|&(n, v)| (n, v.to_string())).collect();
            series(&mut out, f, seed, &labels, born, k, t);
        }
    }
    out
}

/// Appends the sample(s) of one series of `f` at slot `k`.
fn series(
    out: &mut String,
    f: &Family,
    seed: u64,
    labels: &[(&str, String)],
    born: i64,
    k: i64,
    t: i64,
) {
    match f.kind {
        Kind::Counter { mean, int } => {
            // Running since long before the first slot, unless born in
            // the window (then from 0). The base is at least 1.1 times
            // the largest increase per slot, so 2.42's and Prometheus 3's
            // limits of `rate`'s extrapolation to the zero point agree
            // (see `documented` in differential.rs).
            let mut v = if born == 0 {
                ((50.0 + 1000.0 * unit(seed, -1, 0)) * mean.max(1.0)).floor()
            } else {
                0.0
            };
            for i in born + 1..=k {
                let inc = 2.0 * mean * unit(seed, i, 1);
                // Whole counters round up with the fraction's probability.
                v += if int {
                    (inc + unit(seed, i, 5)).floor()
                } else {
                    inc
                };
            }
            line(out, f.name, labels, v, t);
        }
        Kind::Gauge { base, step, int } => {
            let mut v = base;
            for i in 0..=k {
                let d = step * (2.0 * unit(seed, i, 2) - 1.0);
                v += if int { d.round() } else { d };
            }
            let nan = f.name == "lynex_ui_query_latency_seconds"
                && labels.iter().any(|(_, v)| v == "funnels")
                && k % 4 == 3;
            line(out, f.name, labels, if nan { f64::NAN } else { v.abs() }, t);
        }
        Kind::Growing { base, step } => {
            let mut v = base;
            for i in 0..=k {
                v += (step * (1.0 + unit(seed, i, 2))).round();
            }
            line(out, f.name, labels, v, t);
        }
        Kind::Linear { per_slot } => {
            line(out, f.name, labels, per_slot * (k + 1) as f64, t);
        }
        Kind::Flag { p } => {
            let v = if unit(seed, k, 3) < p { 1.0 } else { 0.0 };
            line(out, f.name, labels, v, t);
        }
        Kind::Uptime => {
            let v = 3_600.0 + (unit(seed, -1, 0) * 100.0).floor() + (k * SLOT_MS / 1000) as f64;
            line(out, f.name, labels, v, t);
        }
        Kind::Histogram {
            bounds,
            mean,
            scale,
        } => {
            // The observations before the first slot, spread over the
            // buckets by the distribution; a bucket holds none or at least
            // 1.1 times the most observations of a slot (as for counters).
            let history = ((200.0 + 1000.0 * unit(seed, -1, 0)) * mean).floor();
            let least = (1.1 * (2.0 * mean + 1.0)).ceil();
            let mut buckets: Vec<f64> = bounds
                .iter()
                .map(|le| {
                    let raw = (history * (1.0 - (-le / scale).exp())).floor();
                    if raw < least / 2.0 {
                        0.0
                    } else {
                        raw.max(least)
                    }
                })
                .collect();
            let (mut sum, mut count) = (history * scale, history);
            for i in 1..=k {
                let n = (2.0 * mean * unit(seed, i, 4)).floor() as u64;
                for j in 0..n {
                    let obs = -scale * (1.0 - unit(seed, i, 100 + j)).ln();
                    sum += obs;
                    count += 1.0;
                    for (b, &le) in buckets.iter_mut().zip(bounds) {
                        if obs <= le {
                            *b += 1.0;
                        }
                    }
                }
            }
            let go_style = f.name == GO_LE_HISTOGRAM;
            let bucket = format!("{}_bucket", f.name);
            for (&le, &b) in bounds.iter().zip(&buckets) {
                let mut l = labels.to_vec();
                l.push(("le", le_text(le, go_style)));
                line(out, &bucket, &l, b, t);
            }
            let mut l = labels.to_vec();
            l.push(("le", "+Inf".into()));
            line(out, &bucket, &l, count, t);
            line(out, &format!("{}_sum", f.name), labels, sum, t);
            line(out, &format!("{}_count", f.name), labels, count, t);
        }
    }
}

/// The targets' shared state.
#[derive(Default)]
pub struct Targets {
    /// The first slot's start, milliseconds; 0 until armed.
    start: AtomicI64,
    /// Bodies already built, by job and slot.
    cache: Mutex<HashMap<(String, i64), Arc<String>>>,
}

impl Targets {
    /// Starts the data at `start` (a slot start, see [`slot_start_after`]).
    pub fn arm(&self, start: i64) {
        self.start.store(start, Ordering::SeqCst);
    }

    /// The body for `job` at `now` (milliseconds).
    fn body(&self, job: &str, now: i64) -> Option<Arc<String>> {
        let (_, _, families) = JOBS.iter().find(|(j, _, _)| *j == job)?;
        let start = self.start.load(Ordering::SeqCst);
        if start == 0 || now < start {
            return Some(Arc::new(String::new()));
        }
        let k = (now - start) / SLOT_MS;
        let mut cache = self.cache.lock().unwrap();
        let body = cache
            .entry((job.to_string(), k))
            .or_insert_with(|| Arc::new(exposition(families, start, k)));
        Some(body.clone())
    }
}

/// The first slot start at or after `t` (milliseconds).
pub fn slot_start_after(t: i64) -> i64 {
    let n = (t - SLOT_PHASE_MS + SLOT_MS - 1).div_euclid(SLOT_MS);
    n * SLOT_MS + SLOT_PHASE_MS
}

/// Now, milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn metrics(
    State(targets): State<Arc<Targets>>,
    Path(job): Path<String>,
) -> impl IntoResponse {
    match targets.body(&job, now_ms()) {
        Some(body) => (
            axum::http::StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            body.as_str().to_owned(),
        ),
        None => (
            axum::http::StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain")],
            format!("no job {job}\n"),
        ),
    }
}

/// Serves `/metrics/<job>` on 127.0.0.1:0; returns the address.
pub async fn serve(targets: Arc<Targets>) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/metrics/{job}", get(metrics))
        .with_state(targets);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}
