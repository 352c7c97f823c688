//! Prints the on-disk size table of the crate README: bytes per sample of
//! a block written from `hestia_tsdb::workload` (10 048 series, 2 h at a
//! 10 s interval), by file, with exact and jittered timestamps.
//!
//! Given a block directory instead (such as one `hestia tsdb import`
//! wrote from the benchmark's workload), breaks its data down by kind of
//! series (metric name; `+Inf` buckets apart) and by part of a packed
//! chunk (header, timestamps, values), compares some kinds with what
//! their distribution allows, then writes the block again with this
//! build's writer, reports its size and checks that it reads back
//! bit-exactly:
//!
//! ```sh
//! cargo run --release -p hestia-tsdb --example block_size
//! cargo run --release -p hestia-tsdb --example block_size -- /tmp/hA/<block id>
//! ```

use std::collections::BTreeMap;
use std::f64::consts::{E, LN_2, PI};

use hestia_model::{MatchType, Matcher};
use hestia_tsdb::block::{BlockId, BlockOptions, BlockPlan, BlockWriter};
use hestia_tsdb::workload::{generate, labels, Spec, Timing};
use hestia_tsdb::{Block, Chunk, Encoding, Sample};

fn size(path: &std::path::Path) -> u64 {
    if path.is_dir() {
        std::fs::read_dir(path)
            .unwrap()
            .map(|e| size(&e.unwrap().path()))
            .sum()
    } else {
        std::fs::metadata(path).unwrap().len()
    }
}

fn uvarint(b: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0;
    for i in 0.. {
        let byte = b[*pos];
        *pos += 1;
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            break;
        }
    }
    v
}

/// Header, timestamp column and value column bytes of a packed chunk,
/// and its value mode byte.
fn parts(chunk: &[u8]) -> (usize, usize, usize, u8) {
    let mut pos = 1;
    uvarint(chunk, &mut pos);
    let ts = uvarint(chunk, &mut pos) as usize;
    (pos, ts, chunk.len() - pos - ts, chunk[pos + ts])
}

#[derive(Default)]
struct Kind {
    series: usize,
    samples: usize,
    header: usize,
    ts: usize,
    values: usize,
    modes: BTreeMap<u8, usize>,
}

/// Value column bytes of `values` at the timestamps of `t`.
fn value_bytes(t: &[Sample], values: &[f64]) -> usize {
    let s: Vec<Sample> = t
        .iter()
        .zip(values)
        .map(|(a, &v)| Sample::new(a.t, v))
        .collect();
    parts(Chunk::encode(Encoding::Packed, &s).unwrap().as_bytes()).2
}

/// Bytes per sample of histogram buckets stored alone, or as the
/// difference from their `+Inf` bucket where that is smaller.
fn buckets_vs_inf(hists: &BTreeMap<String, BTreeMap<String, Vec<Sample>>>) -> (f64, f64) {
    let (mut plain, mut relative, mut n) = (0, 0, 0);
    for buckets in hists.values() {
        let Some(inf) = buckets.get("+Inf") else {
            continue;
        };
        let inf_v: Vec<f64> = inf.iter().map(|s| s.v).collect();
        for samples in buckets.values() {
            let own: Vec<f64> = samples.iter().map(|s| s.v).collect();
            let diff: Vec<f64> = own.iter().zip(&inf_v).map(|(a, b)| b - a).collect();
            let p = value_bytes(samples, &own);
            plain += p;
            relative += p.min(value_bytes(samples, &diff));
            n += samples.len();
        }
    }
    (plain as f64 / n as f64, relative as f64 / n as f64)
}

/// Bits of the Poisson code of each increment at the series' mean.
fn poisson_bits(samples: &[Sample]) -> f64 {
    let d: Vec<f64> = samples.windows(2).map(|w| w[1].v - w[0].v).collect();
    let lambda = d.iter().sum::<f64>() / d.len() as f64;
    if lambda <= 0.0 {
        return 0.0;
    }
    d.iter()
        .map(|&k| {
            let ln_fact: f64 = (1..=k as u64).map(|i| (i as f64).ln()).sum();
            -(k * lambda.ln() - lambda - ln_fact) / LN_2
        })
        .sum()
}

/// Gaussian entropy (bits) of a float sum's increments in units in the
/// last place, over windows of 32 samples.
fn sum_entropy_bits(samples: &[Sample]) -> f64 {
    let o: Vec<i64> = samples
        .iter()
        .map(|s| {
            let i = s.v.to_bits() as i64;
            i ^ ((i >> 63) & i64::MAX)
        })
        .collect();
    let d: Vec<f64> = o
        .windows(2)
        .map(|w| w[1].wrapping_sub(w[0]) as f64)
        .collect();
    d.chunks(32)
        .map(|f| {
            let n = f.len() as f64;
            let m = f.iter().sum::<f64>() / n;
            let var = f.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
            n * 0.5 * (2.0 * PI * E * var.max(1.0)).log2()
        })
        .sum()
}

fn analyze(dir: &std::path::Path) {
    let (block, _) = Block::open(dir, false, false).unwrap();
    let meta = block.meta().clone();
    let all = || Matcher::new(MatchType::Regex, "__name__", ".+").unwrap();
    let out = tempfile::tempdir().unwrap();
    let plan = BlockPlan {
        id: BlockId::at(1),
        min_t: meta.min_t,
        max_t: meta.max_t,
        level: 1,
        sources: vec![],
        parents: vec![],
    };
    let mut w = BlockWriter::new(out.path(), plan, BlockOptions::default()).unwrap();
    let mut kinds: BTreeMap<String, Kind> = BTreeMap::new();
    let mut total = Kind::default();
    let mut originals = Vec::new();
    // Histogram buckets by their labels but `le`, then `le`.
    let mut hists: BTreeMap<String, BTreeMap<String, Vec<Sample>>> = BTreeMap::new();
    let (mut counter, mut counter_ideal, mut counter_bytes) = (0usize, 0.0, 0usize);
    let (mut sums, mut sum_ideal, mut sum_bytes) = (0usize, 0.0, 0usize);
    let t_write = std::time::Instant::now();
    let q = block.querier_owned(meta.min_t, meta.max_t);
    for s in q.select_owned(meta.min_t, meta.max_t, &[all()]) {
        let s = s.unwrap();
        let labels = s.labels().clone();
        let name = labels.get("__name__").unwrap_or_default().to_string();
        let samples: Vec<Sample> = s
            .into_samples()
            .unwrap()
            .into_iter()
            .map(|x| Sample::new(x.t, x.v))
            .collect();
        w.add_series(&labels, &samples).unwrap();
        let chunk = Chunk::encode(Encoding::Packed, &samples).unwrap();
        let (h, ts, v, mode) = parts(chunk.as_bytes());
        match name.as_str() {
            "http_requests_total" => {
                counter += samples.len();
                counter_ideal += poisson_bits(&samples) / 8.0;
                counter_bytes += v;
            }
            "http_request_duration_seconds_sum" => {
                sums += samples.len();
                sum_ideal += sum_entropy_bits(&samples) / 8.0;
                sum_bytes += v;
            }
            _ => {}
        }
        let kind = match labels.get("le") {
            Some(le) => {
                let key: Vec<&str> = labels.iter().filter(|l| l.0 != "le").map(|l| l.1).collect();
                hists
                    .entry(key.join(","))
                    .or_default()
                    .insert(le.to_string(), samples.clone());
                if le == "+Inf" {
                    format!("{name}{{le=+Inf}}")
                } else {
                    name
                }
            }
            None => name,
        };
        for k in [kinds.entry(kind).or_default(), &mut total] {
            k.series += 1;
            k.samples += samples.len();
            k.header += h;
            k.ts += ts;
            k.values += v;
            *k.modes.entry(mode).or_default() += 1;
        }
        originals.push(samples);
    }
    println!("Each series as one packed chunk:\n");
    println!("| kind | series | samples | header B/sample | timestamps | values | share of bytes | value modes |");
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    let all_bytes = (total.header + total.ts + total.values) as f64;
    let row = |name: &str, k: &Kind| {
        let per = |b: usize| b as f64 / k.samples as f64;
        println!(
            "| {name} | {} | {} | {:.4} | {:.4} | {:.4} | {:.1}% | {:?} |",
            k.series,
            k.samples,
            per(k.header),
            per(k.ts),
            per(k.values),
            100.0 * (k.header + k.ts + k.values) as f64 / all_bytes,
            k.modes
        );
    };
    for (name, k) in &kinds {
        row(name, k);
    }
    row("all", &total);
    let (plain, relative) = buckets_vs_inf(&hists);
    println!("\nvalue column B/sample, packed chunk vs what the data allows:");
    println!("* histogram buckets: {plain:.4} alone, {relative:.4} as the difference from +Inf where smaller");
    println!(
        "* http_requests_total: {:.4}; Poisson code at each series' mean rate {:.4}",
        counter_bytes as f64 / counter as f64,
        counter_ideal / counter as f64
    );
    println!(
        "* _sum: {:.4}; Gaussian entropy of increments (windows of 32) {:.4}",
        sum_bytes as f64 / sums as f64,
        sum_ideal / sums as f64
    );
    let new = w.finish().unwrap().unwrap();
    let written = t_write.elapsed();
    let new_dir = out.path().join(new.id.to_string());
    let (block, _) = Block::open(&new_dir, true, false).unwrap();
    let q = block.querier_owned(meta.min_t, meta.max_t);
    let t_read = std::time::Instant::now();
    let mut n = 0;
    for (s, want) in q
        .select_owned(meta.min_t, meta.max_t, &[all()])
        .zip(&originals)
    {
        let got = s.unwrap().into_samples().unwrap();
        assert_eq!(got.len(), want.len());
        assert!(got
            .iter()
            .zip(want)
            .all(|(a, b)| a.t == b.t && a.v.to_bits() == b.v.to_bits()));
        n += got.len();
    }
    assert_eq!(n, total.samples);
    let read = t_read.elapsed();
    let per = |b: u64| b as f64 / total.samples as f64;
    println!(
        "\ngiven block: {} B = {:.4} B/sample (chunks {} B, index {} B)",
        size(dir),
        per(size(dir)),
        size(&dir.join("chunks")),
        size(&dir.join("index")),
    );
    println!(
        "written again: {} B = {:.4} B/sample (chunks {} B, index {} B); read back bit-exactly in {read:?} (the analysis and writing took {written:?})",
        size(&new_dir),
        per(size(&new_dir)),
        size(&new_dir.join("chunks")),
        size(&new_dir.join("index")),
    );
}

fn main() {
    if let Some(dir) = std::env::args().nth(1) {
        analyze(std::path::Path::new(&dir));
        return;
    }
    println!(
        "| timestamps | series | samples | chunks | index | meta + tombstones | total B/sample |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, timing) in [
        ("exact 10 s", Timing::Exact),
        ("±2 ms jitter", Timing::Jitter { max_ms: 2 }),
    ] {
        let spec = Spec {
            targets: 157,
            samples: 720,
            timing,
            ..Spec::default()
        };
        let series = generate(&spec);
        let mut all: Vec<_> = labels(&series).into_iter().zip(&series).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let min_t = series.iter().map(|s| s.samples[0].t).min().unwrap();
        let max_t = series
            .iter()
            .map(|s| s.samples.last().unwrap().t)
            .max()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let plan = BlockPlan {
            id: BlockId::at(1),
            min_t,
            max_t: max_t + 1,
            level: 1,
            sources: vec![],
            parents: vec![],
        };
        let mut w = BlockWriter::new(dir.path(), plan, BlockOptions::default()).unwrap();
        let mut samples = 0u64;
        for (l, s) in &all {
            w.add_series(l, &s.samples).unwrap();
            samples += s.samples.len() as u64;
        }
        let meta = w.finish().unwrap().unwrap();
        let block = dir.path().join(meta.id.to_string());
        let chunks = size(&block.join("chunks"));
        let index = size(&block.join("index"));
        let rest = size(&block.join("meta")) + size(&block.join("tombstones"));
        let per = |b: u64| b as f64 / samples as f64;
        println!(
            "| {name} | {} | {samples} | {:.3} | {:.3} | {:.4} | **{:.3}** |",
            all.len(),
            per(chunks),
            per(index),
            per(rest),
            per(chunks + index + rest),
        );
    }
}
