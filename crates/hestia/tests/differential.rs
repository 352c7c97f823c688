//! Differential test against the real Prometheus 2.42 (the Debian package
//! `prometheus`, which `scripts/test` installs): both servers scrape the
//! same deterministic targets with the same `prometheus.yml` for 150 s,
//! then every query goes to both HTTP APIs and the answers must agree:
//! result type, label sets and timestamps exactly, values within 1e-6
//! relative (NaN equals NaN).
//!
//! Making the stored samples identical: the targets (`differential/
//! target.rs`) expose, at any moment, the values of the current 5 s slot
//! with the slot's start as an explicit timestamp, each value a pure
//! function of (series, slot). Both servers scrape every second with
//! `honor_timestamps` (the default), so both see every slot, and repeated
//! identical samples are no-ops in both. The targets expose nothing before
//! the first slot, which starts once both servers scrape them all, and
//! queries are evaluated no later than the last slot both have stored, so
//! the first check compares every stored sample, bit for bit.
//!
//! The configuration sets `evaluation_interval: 15s`, as the seeds do:
//! Prometheus takes it as the step of subqueries written without one
//! (`x[2m:]`).
//!
//! Slot starts are 1234 ms past a multiple of 5 s and evaluation times are
//! 500 ms past a whole second, with whole-second ranges and steps, so no
//! sample ever sits on a window's boundary: that is where Prometheus 3
//! (and Hestia) deliberately differ from 2.42, whose range selectors and
//! lookback windows include their left end. The queries (`differential/
//! queries.rs`) are every PromQL expression of the seed guides that names
//! only served metrics, plus Hestia's own, each sent as an instant query
//! at six times and as two range queries.
//!
//! The Prometheus 3 differences, each asserted as such, not skipped:
//!
//! * **`rate` extrapolation to the zero point.** When a counter starts
//!   inside the range, 2.42 limits the extrapolation to the counter's
//!   zero point before capping it at half a sampling interval, Prometheus
//!   3 after (prometheus/prometheus#13725, in 2.51); a counter whose first
//!   sample is one interval's increase shows it. Every other counter and
//!   histogram bucket starts at 0 or at more than 1.1 times its largest
//!   increase per slot, where both rules agree.
//! * **Left-open windows.** At an evaluation time that is exactly a
//!   sample's timestamp, `count_over_time(x[1m])` counts 13 samples in
//!   2.42 and 12 in Hestia; the instant selector's lookback likewise
//!   includes a sample exactly 5 m old in 2.42 only (checked with `@`).
//! * **`holt_winters` is `double_exponential_smoothing`.** Hestia refuses
//!   the old name; the new name gives 2.42's values (Prometheus 3 also
//!   wants `--enable-feature=promql-experimental-functions` for it).
//! * **`le` normalization.** A histogram written as Go's client writes it
//!   (`le="1"`) is stored as written by 2.42 and as `le="1.0"` by Hestia;
//!   answers are compared after normalizing 2.42's `le` values.
//! * **`topk`/`bottomk` ties.** 2.42 replaces the heap's smallest kept
//!   element by `Pop` and `Push`, Prometheus 3 (since 2.44,
//!   prometheus/prometheus#12190) overwrites it and calls `Fix`, so of
//!   several series with equal values they may keep different ones. Such
//!   answers must agree on every other series and on the multiset of
//!   kept values, and one case checks each server against a replay of its
//!   heap.
//! * **Regex `.` matches a newline** in Hestia, not in 2.42.
//! * **Delayed `__name__` removal** (Prometheus 3's opt-in
//!   `promql-delayed-name-removal`, always on in Hestia, so Prometheus 3
//!   without the flag errs as 2.42 does): `count by (job)
//!   (timestamp({job="x"}))` is 2.42's error "vector cannot contain
//!   metrics with the same labelset" because the names go before the
//!   aggregation; Hestia drops them at the end.
//!
//! To look at a difference by hand, `HESTIA_DIFFERENTIAL_PAUSE=600`
//! keeps both servers running for that many seconds after the
//! comparisons and prints their addresses.
//!
//! Not compared: warnings and info annotations (2.42 has none of
//! Prometheus 3's, such as "metric might not be a counter"), and the
//! synthetic series other than `up`, whose timestamps are each server's
//! own scrape times. Same in both and checked: series with explicit
//! timestamps get no stale markers when they disappear (Prometheus keeps
//! `track_timestamps_staleness` off by default), so a gone series is still
//! returned within the lookback.

#[path = "differential/catalogue.rs"]
mod catalogue;
#[path = "differential/compare.rs"]
mod compare;
#[path = "differential/documented.rs"]
mod documented;
#[path = "differential/queries.rs"]
mod queries;
#[path = "differential/servers.rs"]
mod servers;
#[path = "differential/target.rs"]
mod target;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use compare::{compare, show, Answer, Verdict};
use queries::Query;
use servers::{query, query_range, seconds, Endpoint, Server};
use target::{now_ms, Targets, SLOT_MS};

/// Slots of data after the first one (5 s each).
const SLOTS: i64 = 30;
/// Instant query times, seconds after the window's base (see `Window`).
const INSTANT_AT: &[i64] = &[2, 23, 61, 98, 127, 149];
/// Range queries: (first, last, step), seconds after the base.
const RANGES: &[(i64, i64, i64)] = &[(1, 148, 7), (90, 149, 2)];
/// Queries in flight at once (each goes to both servers).
const PARALLEL: usize = 8;

/// The configuration both servers load.
fn config(target: SocketAddr) -> String {
    let mut yml = String::from(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 15s\n\
         scrape_configs:\n",
    );
    for (job, labels) in target::jobs() {
        yml.push_str(&format!(
            "  - job_name: {job}\n    metrics_path: /metrics/{job}\n    static_configs:\n      - targets: ['{target}']\n"
        ));
        if !labels.is_empty() {
            yml.push_str("        labels:\n");
            for (n, v) in labels {
                yml.push_str(&format!("          {n}: {v}\n"));
            }
        }
    }
    yml
}

/// The data's time window.
#[derive(Clone, Copy)]
struct Window {
    /// The first slot's start, milliseconds.
    start: i64,
    /// The whole second at or before `start`.
    base: i64,
    /// The last slot's start: both servers hold every slot up to here.
    end: i64,
}

impl Window {
    /// `x` seconds and 500 ms after the base.
    fn at(&self, x: i64) -> i64 {
        self.base + x * 1000 + 500
    }
}

/// One instant or range evaluation.
#[derive(Debug, Clone, Copy)]
enum Eval {
    Instant(i64),
    Range(i64, i64, i64),
}

impl std::fmt::Display for Eval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Eval::Instant(t) => write!(f, "instant at {}", seconds(t)),
            Eval::Range(s, e, step) => write!(
                f,
                "range {}..{} step {}",
                seconds(s),
                seconds(e),
                seconds(step)
            ),
        }
    }
}

/// Both servers' answers to one evaluation.
async fn ask(
    client: &reqwest::Client,
    servers: &[Endpoint; 2],
    q: &Query,
    eval: Eval,
) -> Result<(Answer, Answer), String> {
    let run = |server: &Endpoint, expr: &str| {
        let (client, server, expr) = (client.clone(), server.clone(), expr.to_string());
        async move {
            match eval {
                Eval::Instant(t) => query(&client, &server, &expr, t).await,
                Eval::Range(s, e, step) => query_range(&client, &server, &expr, s, e, step).await,
            }
        }
    };
    let (p, h) = tokio::join!(run(&servers[0], &q.prometheus), run(&servers[1], &q.hestia));
    let mut p = Answer::parse(&p).map_err(|e| format!("prometheus: {e}"))?;
    let h = Answer::parse(&h).map_err(|e| format!("hestia: {e}"))?;
    if q.prometheus.contains(target::GO_LE_HISTOGRAM) {
        p.canonicalize_le();
    }
    Ok((p, h))
}

/// Polls `expr` on both servers until it is a one-element vector of
/// `want`, failing after `deadline`.
async fn wait_for(
    client: &reqwest::Client,
    servers: &mut [&mut Server; 2],
    expr: &str,
    want: usize,
    deadline: Instant,
    what: &str,
) {
    loop {
        let mut done = true;
        let mut seen = Vec::new();
        for server in servers.iter_mut() {
            server.assert_running();
            let answer = Answer::parse(&query(client, &server.endpoint(), expr, now_ms()).await);
            let ok = matches!(&answer, Ok(Answer::Vector(v)) if v.len() == 1 && v[0].2 == want.to_string());
            done &= ok;
            seen.push(format!("{}: {answer:?}", server.name));
        }
        if done {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "timed out waiting until {what} ({expr} == {want}):\n{}\nprometheus log:\n{}\nhestia log:\n{}",
                seen.join("\n"),
                servers[0].log_tail(),
                servers[1].log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What the comparisons found.
#[derive(Default)]
struct Tally {
    evaluations: usize,
    exact: usize,
    close: usize,
    /// `topk`/`bottomk` evaluations that kept other tied series.
    ties: Vec<String>,
    empty: usize,
    failures: Vec<String>,
    /// Queries whose answers held no series at any evaluation.
    always_empty: Vec<String>,
}

/// Sends every query at every evaluation to both servers.
async fn compare_all(
    client: &reqwest::Client,
    servers: &[Endpoint; 2],
    all: &[Query],
    evals: &[Eval],
) -> Tally {
    let permits = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, q) in all.iter().enumerate() {
        let (client, servers, q, evals) =
            (client.clone(), servers.clone(), q.clone(), evals.to_vec());
        let permit = permits.clone().acquire_owned().await.unwrap();
        tasks.spawn(async move {
            let _permit = permit;
            let mut out = Vec::new();
            for eval in evals {
                let verdict = match ask(&client, &servers, &q, eval).await {
                    Ok((p, h)) => match compare(&p, &h, q.ordered()) {
                        Ok(v) => Ok((v, p.is_empty())),
                        Err(_) if q.keeps_k() && compare::same_but_ties(&p, &h).is_ok() => {
                            Ok((Verdict::Ties, false))
                        }
                        Err(e) => Err(format!(
                            "{} query `{}`{} ({eval}): {e}\n  prometheus: {}\n  hestia:     {}",
                            q.origin,
                            q.prometheus,
                            if q.hestia != q.prometheus {
                                format!(" (hestia: `{}`)", q.hestia)
                            } else {
                                String::new()
                            },
                            show(&p),
                            show(&h)
                        )),
                    },
                    Err(e) => Err(format!("`{}` ({eval}): {e}", q.prometheus)),
                };
                out.push(verdict);
            }
            (index, q, out)
        });
    }
    let mut results = Vec::new();
    while let Some(done) = tasks.join_next().await {
        results.push(done.expect("a comparison task panicked"));
    }
    results.sort_by_key(|r| r.0);
    let mut tally = Tally::default();
    for (_, q, out) in results {
        let mut any = false;
        for (verdict, eval) in out.into_iter().zip(evals) {
            tally.evaluations += 1;
            match verdict {
                Ok((v, empty)) => {
                    match v {
                        Verdict::Exact => tally.exact += 1,
                        Verdict::Close => tally.close += 1,
                        Verdict::Ties => tally.ties.push(format!("{} ({eval})", q.prometheus)),
                    }
                    if empty {
                        tally.empty += 1;
                    } else {
                        any = true;
                    }
                }
                Err(e) => {
                    any = true;
                    tally.failures.push(e);
                }
            }
        }
        if !any {
            tally.always_empty.push(q.prometheus.clone());
        }
    }
    tally
}

/// Every stored sample of the served series, compared bit for bit (as the
/// API prints them). Returns the number of series and samples, and how
/// many `le` values 2.42 stored unnormalized.
async fn raw_samples(
    client: &reqwest::Client,
    servers: &[Endpoint; 2],
    w: Window,
) -> Result<(usize, usize, usize), String> {
    let expr = r#"{job=~".+", __name__!~"up|scrape_.+"}[3m]"#;
    let t = w.at(149);
    let p = query(client, &servers[0], expr, t).await;
    let h = query(client, &servers[1], expr, t).await;
    let mut p = Answer::parse(&p)?;
    let h = Answer::parse(&h)?;
    let normalized = p.canonicalize_le();
    let verdict = compare(&p, &h, false).map_err(|e| {
        format!(
            "the stored samples differ (`{expr}` at {}; a server that scraped no sample of some 5 s slot, \
             being more than 4 s late, shows here too): {e}",
            seconds(t)
        )
    })?;
    if verdict != Verdict::Exact {
        return Err("stored sample values are not bit-identical".into());
    }
    let Answer::Matrix(m) = &p else {
        return Err(format!("`{expr}` is not a matrix"));
    };
    let samples = m.iter().map(|s| s.1.len()).sum();
    // Every slot of every series present throughout is stored.
    let full = m.iter().filter(|s| s.1.len() == SLOTS as usize).count();
    if full + 8 < m.len() {
        return Err(format!(
            "only {full} of {} series hold all {SLOTS} slots: a server missed a slot",
            m.len()
        ));
    }
    Ok((m.len(), samples, normalized))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hestia_answers_like_prometheus_2_42() {
    let began = Instant::now();
    let version = servers::prometheus_version();
    assert!(
        version.contains("version 2.42."),
        "expected Prometheus 2.42 (the Debian package; the documented differences are 2.42's), found {version:?}; run scripts/test"
    );

    let (seed_applied, seed_skipped) = queries::applicable();

    let targets = Arc::new(Targets::default());
    let addr = target::serve(targets.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, config(addr)).unwrap();
    let mut prom = servers::start_prometheus(&config_path, &dir.path().join("prometheus")).await;
    let mut hestia = servers::start_hestia(&config_path, &dir.path().join("hestia"));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let endpoints = [prom.endpoint(), hestia.endpoint()];
    let jobs = target::jobs().count();

    wait_for(
        &client,
        &mut [&mut prom, &mut hestia],
        "count(up == 1)",
        jobs,
        Instant::now() + Duration::from_secs(60),
        "both servers scrape every target",
    )
    .await;
    let start = target::slot_start_after(now_ms() + 2_000);
    targets.arm(start);
    let w = Window {
        start,
        base: start.div_euclid(1000) * 1000,
        end: start + SLOTS * SLOT_MS,
    };
    assert!(w.at(*INSTANT_AT.last().unwrap()) <= w.end);
    let stored = format!(
        r#"count(timestamp({{__name__=~"{}"}}) > {})"#,
        target::heartbeats().join("|"),
        seconds(w.end - 1)
    );
    let wait = Duration::from_millis((w.end - now_ms()).max(0) as u64 + 30_000);
    wait_for(
        &client,
        &mut [&mut prom, &mut hestia],
        &stored,
        jobs,
        Instant::now() + wait,
        "both servers hold the last slot of every job",
    )
    .await;
    let data_done = began.elapsed();

    let mut failures = Vec::new();
    let (series, samples, le_changed) = match raw_samples(&client, &endpoints, w).await {
        Ok(counts) => counts,
        Err(e) => {
            failures.push(e);
            (0, 0, 0)
        }
    };
    if series > 0 && le_changed == 0 {
        failures.push(format!(
            "documented difference not seen: 2.42 should store {}'s `le` as written (`le=\"1\"`)",
            target::GO_LE_HISTOGRAM
        ));
    }

    // The queries, with `@` times inside the window.
    let at = seconds(w.at(100));
    let all: Vec<Query> = seed_applied
        .iter()
        .map(|e| Query::new("seed", e, &at))
        .chain(queries::OWN.iter().map(|e| Query::new("own", e, &at)))
        .collect();
    let mut evals: Vec<Eval> = INSTANT_AT.iter().map(|&x| Eval::Instant(w.at(x))).collect();
    evals.extend(
        RANGES
            .iter()
            .map(|&(a, b, step)| Eval::Range(w.at(a), w.at(b), step * 1000)),
    );
    let tally = compare_all(&client, &endpoints, &all, &evals).await;
    failures.extend(tally.failures.iter().cloned());

    let (notes, doc_failures) = documented::documented(&client, &endpoints, w).await;
    failures.extend(doc_failures);

    let mut by_origin: BTreeMap<&str, usize> = BTreeMap::new();
    for q in &all {
        *by_origin.entry(q.origin).or_default() += 1;
    }
    println!("differential: {version} vs hestia");
    println!(
        "  data: {} jobs, {} slots of 5 s from {}; {series} series, {samples} samples identical in both ({le_changed} `le` values normalized)",
        jobs,
        SLOTS + 1,
        seconds(w.start)
    );
    println!(
        "  seed queries: {} of {} apply; not applying (metrics not served): {:?}",
        seed_applied.len(),
        seed_applied.len() + seed_skipped.len(),
        seed_skipped
    );
    println!(
        "  compared: {} queries ({} seed, {} own) x {} evaluations ({} instant times, {} range queries) = {}: {} exact, {} within 1e-6, {} other ties kept by topk/bottomk, {} differ; {} empty on both",
        all.len(),
        by_origin.get("seed").copied().unwrap_or(0),
        by_origin.get("own").copied().unwrap_or(0),
        evals.len(),
        INSTANT_AT.len(),
        RANGES.len(),
        tally.evaluations,
        tally.exact,
        tally.close,
        tally.ties.len(),
        tally.failures.len(),
        tally.empty
    );
    for t in &tally.ties {
        println!("    tie kept differently (documented): {t}");
    }
    if !tally.always_empty.is_empty() {
        println!(
            "  empty at every evaluation on both: {:?}",
            tally.always_empty
        );
    }
    println!("  documented differences:");
    for n in &notes {
        println!("    {n}");
    }
    println!(
        "  runtime: {:.0} s ({:.0} s collecting data)",
        began.elapsed().as_secs_f64(),
        data_done.as_secs_f64()
    );
    if let Ok(pause) = std::env::var("HESTIA_DIFFERENTIAL_PAUSE") {
        println!(
            "  pausing {pause} s: prometheus {} hestia {}",
            prom.base, hestia.base
        );
        let secs = pause.parse().expect("HESTIA_DIFFERENTIAL_PAUSE: seconds");
        tokio::time::sleep(Duration::from_secs(secs)).await;
    }
    prom.assert_running();
    hestia.assert_running();
    assert!(
        seed_applied.len() >= 100,
        "only {} seed queries apply",
        seed_applied.len()
    );
    if !failures.is_empty() {
        println!("  differences:");
        for f in &failures {
            println!("    {}", f.lines().next().unwrap_or_default());
        }
        let shown: Vec<&str> = failures.iter().take(30).map(String::as_str).collect();
        panic!(
            "{} differences between Prometheus 2.42 and Hestia:\n\n{}",
            failures.len(),
            shown.join("\n\n")
        );
    }
}

/// The seed reader finds the guides' queries whole (multi-line ones
/// joined, comments dropped) and the names they select.
#[test]
fn seed_queries_are_read_whole() {
    let all = queries::seed_expressions();
    assert!(all.len() >= 120, "{} seed expressions", all.len());
    for expected in [
        r#"sum(rate(allsource_schema_validations_total{result="success"}[5m])) / sum(rate(allsource_schema_validations_total[5m]))"#,
        "histogram_quantile(0.95, rate(allsource_query_duration_seconds_bucket[5m]) ) > 1.0",
        "allsource_wal_segments_total > 100",
        r#"rate(processor_events_processed{result="success"}[5m]) / rate(processor_events_received[5m]) * 100"#,
    ] {
        assert!(
            all.iter().any(|e| e == expected),
            "{expected} not found in {all:#?}"
        );
    }
    assert_eq!(
        queries::metric_names(
            r#"histogram_quantile(0.99, sum by (query_type, le) (rate(a_bucket{x="y"}[5m] offset 1m))) / on (le) group_left (z) b @ 12.5"#
        ),
        ["a_bucket", "b"]
    );
    assert!(
        queries::metric_names(r#"topk(10, count by (__name__) ({__name__=~".+"}))"#).is_empty()
    );
    assert_eq!(
        queries::metric_names("sum without (status) (rate(x[2m])) or max by (a) (y)"),
        ["x", "y"]
    );
    let (applied, skipped) = queries::applicable();
    assert!(
        skipped.is_empty(),
        "seed queries not applying: {skipped:#?}"
    );
    assert!(applied.len() >= 120, "{} seed queries apply", applied.len());
}
