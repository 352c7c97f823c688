//! Prints the compression table of the crate README: chunk bytes per
//! sample of each encoding on the synthetic scrape workload
//! (`hestia_tsdb::workload`), per kind of series and overall.
//!
//! ```sh
//! cargo run --release -p hestia-tsdb --example compression
//! cargo run --release -p hestia-tsdb --example compression --features zstd-eval  # adds zstd columns
//! ```

use hestia_tsdb::workload::{generate, Part, Series, Spec, Timing};
use hestia_tsdb::{Chunk, Encoding};

/// The columns: encoding, chunk length, and the zstd level of a second
/// stage over 64 KiB groups of chunks (needs `--features zstd-eval`).
const COLUMNS: &[(Encoding, usize, Option<i32>)] = &[
    (Encoding::Xor, 120, None),
    (Encoding::Xor, 720, None),
    (Encoding::Packed, 120, None),
    (Encoding::PackedV1, 720, None),
    (Encoding::Packed, 720, None),
    (Encoding::Packed, 8640, None),
    (Encoding::Xor, 120, Some(3)),
    (Encoding::Xor, 720, Some(19)),
    (Encoding::Packed, 720, Some(3)),
    (Encoding::Packed, 720, Some(19)),
];

type Col = (Encoding, usize, Option<i32>);

fn name(&(encoding, len, level): &Col) -> String {
    match level {
        None => format!("{encoding} {len}"),
        Some(l) => format!("{encoding} {len} + zstd-{l}"),
    }
}

/// Total bytes of `series` stored as `col` says.
fn bytes(series: &[&Series], &(encoding, len, level): &Col) -> usize {
    let chunks = series.iter().flat_map(|s| s.samples.chunks(len)).map(|c| {
        Chunk::encode(encoding, c)
            .expect("workload encodes")
            .into_bytes()
    });
    match level {
        None => chunks.map(|c| c.len()).sum(),
        Some(level) => zstd_groups(chunks, level),
    }
}

/// Concatenates chunks in block order (series sorted by metric name, then
/// target) and compresses 64 KiB groups, as a block writer compressing its
/// chunk file page by page would.
#[cfg(feature = "zstd-eval")]
fn zstd_groups(chunks: impl Iterator<Item = Vec<u8>>, level: i32) -> usize {
    let mut total = 0;
    let mut group = Vec::new();
    let mut flush = |group: &mut Vec<u8>| {
        if !group.is_empty() {
            total += zstd::bulk::compress(group, level).expect("zstd").len();
            group.clear();
        }
    };
    for c in chunks {
        group.extend_from_slice(&c);
        if group.len() >= 64 << 10 {
            flush(&mut group);
        }
    }
    flush(&mut group);
    total
}

#[cfg(not(feature = "zstd-eval"))]
fn zstd_groups(_: impl Iterator<Item = Vec<u8>>, _: i32) -> usize {
    unreachable!("zstd columns are only listed with --features zstd-eval")
}

/// The columns this build can compute.
fn columns() -> Vec<Col> {
    COLUMNS
        .iter()
        .copied()
        .filter(|c| c.2.is_none() || cfg!(feature = "zstd-eval"))
        .collect()
}

fn row(label: &str, mut series: Vec<&Series>, cols: &[Col]) {
    // Block order: by metric name, then target (then `le`, kept from
    // generation order by the stable sort).
    series.sort_by_key(|s| (s.metric, s.target));
    let series = &series[..];
    let samples: usize = series.iter().map(|s| s.samples.len()).sum();
    let cells: Vec<String> = cols
        .iter()
        .map(|c| format!("{:.3}", bytes(series, c) as f64 / samples as f64))
        .collect();
    println!("| {label} | {} | {} |", series.len(), cells.join(" | "));
}

fn main() {
    let spec = Spec::default();
    let exact = generate(&spec);
    let jitter = generate(&Spec {
        timing: Timing::Jitter { max_ms: 2 },
        ..spec.clone()
    });
    let cols = columns();
    println!(
        "{} targets × 64 series × {} samples at {} s; bytes per sample (chunk bytes incl. headers)\n",
        spec.targets,
        spec.samples,
        spec.interval_ms / 1000
    );
    let names: Vec<String> = cols.iter().map(name).collect();
    println!("| series | count | {} |", names.join(" | "));
    println!("|---|---:|{}", "---:|".repeat(cols.len()));
    for part in Part::ALL {
        let of_part: Vec<&Series> = exact.iter().filter(|s| s.part == part).collect();
        row(part.name(), of_part, &cols);
    }
    row("**all, exact 10 s**", exact.iter().collect(), &cols);
    let decimal = |s: &&Series| {
        !matches!(
            s.part,
            Part::HistogramSum | Part::FloatCost | Part::FloatGauge
        )
    };
    row(
        "all but arbitrary-precision floats, exact",
        exact.iter().filter(decimal).collect(),
        &cols,
    );
    row("**all, ±2 ms jitter**", jitter.iter().collect(), &cols);
}
