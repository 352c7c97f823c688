//! The in-memory inverted index ([`MemPostings`]) on series shaped like
//! the live benchmark (`bench/`): targets of 100 pods × 100 series, ids
//! given in exposition order (family by family, then pod), labels `job`,
//! `instance`, `pod`, `__name__` and the family's own (`handler`,
//! `method`, `code`, `le`, `resource`, `version`, `revision`).
//!
//! Prints the index's live heap bytes per series (counted by a global
//! allocator) at 100,000 and 500,000 series, then times indexing a new
//! series (`MemPostings::add`) and [`postings_for_matchers`] on the
//! 500,000-series index.
//!
//! ```sh
//! cargo bench -p hestia-tsdb --bench postings
//! ```

// criterion_main! generates an undocumented function.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::sync::Arc;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hestia_model::{MatchType, Matcher};
use hestia_tsdb::index::{postings_for_matchers, MemPostings};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{live, Counting};

#[global_allocator]
static ALLOC: Counting = Counting;

type Pair = (Arc<str>, Arc<str>);

const HANDLERS: [&str; 8] = [
    "/api/v1/users",
    "/api/v1/orders",
    "/api/v1/items",
    "/api/v1/search",
    "/api/v1/login",
    "/healthz",
    "/metrics",
    "/static",
];
const METHOD_CODE: [(&str, &str); 5] = [
    ("GET", "200"),
    ("GET", "404"),
    ("GET", "500"),
    ("POST", "200"),
    ("POST", "500"),
];
const LE: [&str; 11] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "+Inf",
];

/// One pod's 100 series (name and own labels) grouped by family, in
/// exposition order, as `bench/src/workload.rs` lists them.
fn families() -> Vec<Vec<Vec<(&'static str, String)>>> {
    let name = |n: &str| ("__name__", n.to_string());
    let mut requests = Vec::new();
    for h in HANDLERS {
        for (m, c) in METHOD_CODE {
            requests.push(vec![
                name("http_requests_total"),
                ("handler", h.into()),
                ("method", m.into()),
                ("code", c.into()),
            ]);
        }
    }
    let mut histogram = Vec::new();
    for h in &HANDLERS[..4] {
        for le in LE {
            histogram.push(vec![
                name("http_request_duration_seconds_bucket"),
                ("handler", h.to_string()),
                ("le", le.into()),
            ]);
        }
        for suffix in ["count", "sum"] {
            histogram.push(vec![
                name(&format!("http_request_duration_seconds_{suffix}")),
                ("handler", h.to_string()),
            ]);
        }
    }
    let cost = ["compute", "egress"]
        .map(|r| vec![name("cost_dollars_total"), ("resource", r.into())])
        .to_vec();
    let mut out = vec![requests, histogram, cost];
    for g in [
        "process_resident_memory_bytes",
        "queue_length",
        "worker_threads",
        "temperature_celsius",
    ] {
        out.push(vec![vec![name(g)]]);
    }
    out.push(vec![vec![
        name("app_build_info"),
        ("version", "1.4.2".into()),
        ("revision", "9f3c2a1".into()),
    ]]);
    out.push(vec![vec![name("max_connections")]]);
    out
}

/// The label pairs of `targets × 10,000` series in id order, strings
/// shared as the head's symbol table shares them.
fn live_series(targets: usize) -> Vec<Vec<Pair>> {
    let mut strings: HashMap<String, Arc<str>> = HashMap::new();
    let mut intern = |s: &str| -> Arc<str> {
        Arc::clone(strings.entry(s.to_string()).or_insert_with(|| Arc::from(s)))
    };
    let families = families();
    let mut out = Vec::with_capacity(targets * 10_000);
    for t in 0..targets {
        let instance = format!("127.0.0.1:{}", 9101 + t);
        for family in &families {
            for p in 0..100 {
                let pod = format!("pod-{:05}", t * 100 + p);
                for own in family {
                    let mut pairs: Vec<Pair> = vec![
                        (intern("job"), intern("bench")),
                        (intern("instance"), intern(&instance)),
                        (intern("pod"), intern(&pod)),
                    ];
                    pairs.extend(own.iter().map(|(n, v)| (intern(n), intern(v))));
                    pairs.sort();
                    out.push(pairs);
                }
            }
        }
    }
    out
}

fn build(series: &[Vec<Pair>]) -> MemPostings {
    let mut p = MemPostings::new();
    for (id, pairs) in series.iter().enumerate() {
        p.add(id as u32, pairs.iter().map(|(n, v)| (n, v)));
    }
    p
}

/// Prints the index's heap bytes per series.
fn report_memory(series: &[Vec<Pair>]) {
    let base = live();
    let p = build(series);
    let bytes = live() - base;
    let labels: usize = series.iter().map(Vec::len).sum();
    println!(
        "MemPostings, {} series ({:.2} labels each, {} label pairs): {:.2} heap B/series",
        series.len(),
        labels as f64 / series.len() as f64,
        p.pairs(),
        bytes as f64 / series.len() as f64
    );
    drop(p);
}

fn m(kind: MatchType, name: &str, value: &str) -> Matcher {
    Matcher::new(kind, name, value).unwrap()
}

/// The selectors timed, by name.
fn cases() -> Vec<(&'static str, Vec<Matcher>)> {
    use MatchType::{Equal as Eq, NotEqual as Ne, Regex as Re};
    vec![
        (
            "eq_big (200k)",
            vec![m(Eq, "__name__", "http_requests_total")],
        ),
        ("eq_job (500k)", vec![m(Eq, "job", "bench")]),
        (
            "and_name_code",
            vec![
                m(Eq, "__name__", "http_requests_total"),
                m(Eq, "code", "500"),
            ],
        ),
        (
            "and_pod_job",
            vec![m(Eq, "job", "bench"), m(Eq, "pod", "pod-01234")],
        ),
        (
            "and_bucket_le",
            vec![
                m(Eq, "__name__", "http_request_duration_seconds_bucket"),
                m(Eq, "le", "0.5"),
            ],
        ),
        ("regex_prefix (100 pods)", vec![m(Re, "pod", "pod-001..")]),
        (
            "regex_scan",
            vec![
                m(Eq, "__name__", "http_requests_total"),
                m(Re, "handler", ".*(orders|items)"),
            ],
        ),
        (
            "ne_name_code",
            vec![
                m(Eq, "__name__", "http_requests_total"),
                m(Ne, "code", "200"),
            ],
        ),
        ("ne_alone", vec![m(Ne, "code", "200")]),
    ]
}

/// With `POSTINGS_REPEAT=n` in the environment, runs each case `n` times
/// instead of timing it, for instruction counts:
///
/// ```sh
/// POSTINGS_REPEAT=1 valgrind --tool=callgrind --dump-before='*run_*' \
///     target/release/deps/postings-* --bench
/// ```
/// Each case is one call of [`run_add`] or [`run_case`], so
/// `--dump-before='*run_*'` gives one profile per case (the last one in
/// the profile at exit).
fn repeat(n: usize, series: &[Vec<Pair>]) {
    let index = build(series);
    let small = live_series(1);
    let cases = cases();
    run_add(n, &small);
    for (_, ms) in &cases {
        run_case(n, &index, ms);
    }
    // Ends the last case's profile.
    run_case(0, &index, &[]);
}

#[inline(never)]
fn run_add(n: usize, series: &[Vec<Pair>]) {
    for _ in 0..n {
        black_box(build(black_box(series)));
    }
}

#[inline(never)]
fn run_case(n: usize, index: &MemPostings, ms: &[Matcher]) {
    for _ in 0..n {
        black_box(postings_for_matchers(black_box(index), black_box(ms)));
    }
}

fn bench(c: &mut Criterion) {
    report_memory(&live_series(10));
    let series = live_series(50);
    report_memory(&series);
    if let Some(n) = std::env::var("POSTINGS_REPEAT")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        repeat(n, &series);
        return;
    }

    let small = live_series(1);
    let mut g = c.benchmark_group("postings_add");
    g.throughput(criterion::Throughput::Elements(small.len() as u64));
    g.bench_function("10k series", |b| b.iter(|| build(black_box(&small))));
    g.finish();

    let index = build(&series);
    let mut g = c.benchmark_group("postings_for_matchers_500k");
    for (name, ms) in &cases() {
        g.bench_function(*name, |b| {
            b.iter(|| postings_for_matchers(black_box(&index), black_box(ms)))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
