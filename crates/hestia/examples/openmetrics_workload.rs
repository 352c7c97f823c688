//! Writes a realistic OpenMetrics backfill file to stdout, to measure
//! `hestia tsdb import` on: `<series>` series (default 10 000) with
//! `<samples>` samples each (default 720: two hours at 10 s), family by
//! family, each series' samples together (as `promtool tsdb
//! dump-openmetrics` writes them), ending with `# EOF`.
//!
//! The values are `hestia_tsdb::workload`'s (64 series per target, one
//! `instance` each), named as a web service exposes them: HTTP request
//! counters by endpoint, method and status; two 11-bucket latency
//! histograms (with `+Inf`, `_count` and `_sum`); CPU seconds; float cost
//! counters; integer, decimal and float random-walk gauges; constant
//! gauges.
//!
//! ```sh
//! cargo run --release -p hestia --example openmetrics_workload -- 10000 720 > /tmp/backfill.om
//! target/release/hestia tsdb import /tmp/backfill.om --output-dir /tmp/backfill
//! ```

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};

use hestia_tsdb::workload::{generate, Part, Spec};

/// A family: its `# TYPE`, and each series as (sample name, label text
/// without `instance`, index into the generated series).
type Families = BTreeMap<(&'static str, &'static str), Vec<(String, String, usize)>>;

const ENDPOINTS: [&str; 4] = ["/api/orders", "/api/users", "/checkout", "/login"];

/// The family, sample name and labels of the `k`-th series of `part`
/// within a target (`k` counts from 0 per part).
fn name(part: Part, k: usize) -> (&'static str, &'static str, String, String) {
    match part {
        Part::Counter => {
            let (endpoint, method, status) = (
                ENDPOINTS[k / 4],
                ["GET", "POST"][k / 2 % 2],
                ["200", "500"][k % 2],
            );
            (
                "http_requests",
                "counter",
                "http_requests_total".into(),
                format!("endpoint=\"{endpoint}\",method=\"{method}\",status=\"{status}\""),
            )
        }
        Part::HistogramBucket | Part::HistogramSum => {
            // 13 per histogram: 11 buckets, `+Inf`, `_count`; then the sums.
            const LE: [&str; 12] = [
                "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0",
                "10.0", "+Inf",
            ];
            let family = ("http_request_duration_seconds", "histogram");
            if part == Part::HistogramSum {
                let endpoint = ENDPOINTS[k];
                return (
                    family.0,
                    family.1,
                    "http_request_duration_seconds_sum".into(),
                    format!("endpoint=\"{endpoint}\""),
                );
            }
            let (h, i) = (k / 13, k % 13);
            let endpoint = format!("endpoint=\"{}\"", ENDPOINTS[h]);
            if i == 12 {
                return (
                    family.0,
                    family.1,
                    "http_request_duration_seconds_count".into(),
                    endpoint,
                );
            }
            (
                family.0,
                family.1,
                "http_request_duration_seconds_bucket".into(),
                format!("{endpoint},le=\"{}\"", LE[i]),
            )
        }
        Part::CpuSeconds => (
            "process_cpu_seconds",
            "counter",
            "process_cpu_seconds_total".into(),
            format!("mode=\"{}\"", ["user", "system"][k]),
        ),
        Part::FloatCost => (
            "cloud_cost_dollars",
            "counter",
            "cloud_cost_dollars_total".into(),
            format!("service=\"{}\"", ["storage", "egress"][k]),
        ),
        Part::IntGauge => {
            let pool = format!("pool=\"{}\"", ["a", "b"][k / 3]);
            let family = ["memory_bytes", "queue_length", "threads"][k % 3];
            (family, "gauge", family.into(), pool)
        }
        Part::DecimalGauge => {
            let family = ["temperature_celsius", "load_average"][k];
            (family, "gauge", family.into(), String::new())
        }
        Part::FloatGauge => {
            let family = ["cache_hit_ratio", "request_latency_p99_seconds"][k];
            (family, "gauge", family.into(), String::new())
        }
        Part::ConstantGauge => {
            let family = [
                "up",
                "build_info",
                "process_max_fds",
                "gc_target_ratio",
                "process_start_time_seconds",
                "cpu_count",
            ][k];
            (family, "gauge", family.into(), String::new())
        }
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let series = args.next().and_then(Result::ok).unwrap_or(10_000);
    let samples = args.next().and_then(Result::ok).unwrap_or(720);
    let spec = Spec {
        targets: series.div_ceil(64),
        samples,
        interval_ms: 10_000,
        ..Spec::default()
    };
    let all = generate(&spec);
    let mut families = Families::new();
    let mut counts: BTreeMap<(usize, Part), usize> = BTreeMap::new();
    for (i, s) in all.iter().enumerate().take(series) {
        let k = counts.entry((s.target, s.part)).or_default();
        // The histogram sums come after both histograms' buckets.
        let (family, kind, sample, labels) = name(s.part, *k);
        *k += 1;
        let instance = format!(
            "instance=\"10.0.{}.{}:8080\"",
            s.target / 256,
            s.target % 256
        );
        let labels = if labels.is_empty() {
            format!("{instance},job=\"web\"")
        } else {
            format!("{labels},{instance},job=\"web\"")
        };
        families
            .entry((family, kind))
            .or_default()
            .push((sample, labels, i));
    }
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut line = Vec::with_capacity(256);
    for ((family, kind), members) in &families {
        writeln!(out, "# TYPE {family} {kind}")?;
        for (sample, labels, i) in members {
            let head = format!("{sample}{{{labels}}} ");
            for s in &all[*i].samples {
                line.clear();
                line.extend_from_slice(head.as_bytes());
                hestia_expfmt::write_float(&mut line, s.v);
                writeln!(line, " {}.{:03}", s.t / 1000, s.t % 1000)?;
                out.write_all(&line)?;
            }
        }
    }
    writeln!(out, "# EOF")?;
    out.flush()
}
