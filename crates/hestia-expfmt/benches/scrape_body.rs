//! The parse work of one scrape of the live benchmark's targets: a text
//! 0.0.4 body of 10,000 series shaped like `bench/`'s loadgen (100 pods of
//! counters with three labels, classic histograms with `le`, float
//! counters, gauges without labels), parsed entry by entry with each
//! series' raw text read as a scrape cache does on a hit. A plain `main`
//! (no criterion) that runs a fixed number of passes, so that
//! `valgrind --tool=callgrind` gives repeatable instruction counts:
//!
//! ```sh
//! cargo bench -p hestia-expfmt --bench scrape_body            # 200 passes, ns/sample
//! valgrind --tool=callgrind target/release/deps/scrape_body-* 5  # Ir / 50,000 samples
//! ```
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use hestia_expfmt::parse::{Entry, TextParser};

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

/// The body of one target: 100 pods × 100 series, families in the
/// loadgen's order.
fn body() -> Vec<u8> {
    let pods = 100;
    let mut out = String::new();
    let mut v = 0u64;
    let mut value = |out: &mut String, float: bool| {
        v = v
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if float {
            out.push_str(&format!("{}\n", (v >> 40) as f64 / 1024.0));
        } else {
            out.push_str(&format!("{}\n", v >> 44));
        }
    };
    out.push_str("# TYPE http_requests_total counter\n");
    for p in 0..pods {
        for h in HANDLERS {
            for (m, c) in METHOD_CODE {
                out.push_str(&format!(
                    "http_requests_total{{pod=\"pod-{p:05}\",handler=\"{h}\",method=\"{m}\",code=\"{c}\"}} "
                ));
                value(&mut out, false);
            }
        }
    }
    out.push_str("# TYPE http_request_duration_seconds histogram\n");
    for p in 0..pods {
        for h in &HANDLERS[..4] {
            for le in LE {
                out.push_str(&format!(
                    "http_request_duration_seconds_bucket{{pod=\"pod-{p:05}\",handler=\"{h}\",le=\"{le}\"}} "
                ));
                value(&mut out, false);
            }
            for s in ["count", "sum"] {
                out.push_str(&format!(
                    "http_request_duration_seconds_{s}{{pod=\"pod-{p:05}\",handler=\"{h}\"}} "
                ));
                value(&mut out, s == "sum");
            }
        }
    }
    out.push_str("# TYPE cost_dollars_total counter\n");
    for p in 0..pods {
        for r in ["compute", "egress"] {
            out.push_str(&format!(
                "cost_dollars_total{{pod=\"pod-{p:05}\",resource=\"{r}\"}} "
            ));
            value(&mut out, true);
        }
    }
    for g in [
        "process_resident_memory_bytes",
        "queue_length",
        "worker_threads",
        "temperature_celsius",
    ] {
        out.push_str(&format!("# TYPE {g} gauge\n"));
        for p in 0..pods {
            out.push_str(&format!("{g}{{pod=\"pod-{p:05}\"}} "));
            value(&mut out, g == "temperature_celsius");
        }
    }
    out.push_str("# TYPE app_build_info gauge\n");
    for p in 0..pods {
        out.push_str(&format!(
            "app_build_info{{pod=\"pod-{p:05}\",version=\"1.4.2\",revision=\"9f3c2a1\"}} 1\n"
        ));
    }
    out.push_str("# TYPE max_connections gauge\n");
    for p in 0..pods {
        out.push_str(&format!("max_connections{{pod=\"pod-{p:05}\"}} 512\n"));
    }
    out.into_bytes()
}

/// One pass: every entry, and for each series what a cache hit reads.
fn pass(input: &[u8]) -> usize {
    let mut n = 0;
    for e in TextParser::new(input) {
        if let Entry::Series(s) = e.expect("the body parses") {
            n += 1;
            black_box(s.labels.raw_text());
            black_box(s.value);
        }
    }
    n
}

fn main() {
    let passes: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let input = body();
    assert_eq!(pass(&input), 10_000);
    let start = Instant::now();
    let mut samples = 0;
    for _ in 0..passes {
        samples += pass(black_box(&input));
    }
    let ns = start.elapsed().as_nanos() as f64 / samples as f64;
    println!(
        "{passes} passes over {} bytes: {samples} samples, {ns:.1} ns/sample",
        input.len()
    );
}
