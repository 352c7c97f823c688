//! Prints the on-disk size table of the crate README: bytes per sample of
//! a block written from `hestia_tsdb::workload` (10 048 series, 2 h at a
//! 10 s interval), by file, with exact and jittered timestamps.
//!
//! Given a block directory instead, breaks that block's chunk bytes down
//! by kind of series (metric name) and by part of the packed chunk
//! (header, timestamps, values), re-encoding each series in one chunk:
//!
//! ```sh
//! cargo run --release -p hestia-tsdb --example block_size
//! cargo run --release -p hestia-tsdb --example block_size -- /tmp/hA/<block id>
//! ```

use std::collections::BTreeMap;

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
    chunks: Vec<u8>,
    rice: f64,
    gauss: f64,
    int_samples: usize,
    int_bytes: usize,
}

/// Bytes of `chunks` compressed in 64 KiB groups at the pages' level.
fn zstd_len(chunks: &[u8]) -> usize {
    chunks
        .chunks(64 << 10)
        .map(|g| zstd::bulk::compress(g, 9).unwrap().len())
        .sum()
}

fn zz(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// (Rice bits with a per-frame median base and best k, Gaussian-fit
/// entropy bits) of the first differences of integer values.
fn int_costs(vals: &[i64]) -> (f64, f64) {
    let d: Vec<i64> = vals.windows(2).map(|w| w[1] - w[0]).collect();
    let (mut rice, mut gauss) = (64.0, 64.0);
    for f in d.chunks(128) {
        let mut s = f.to_vec();
        s.sort();
        let med = s[s.len() / 2];
        let best = (0..40)
            .map(|k| {
                f.iter()
                    .map(|&x| (k + 1 + (zz(x - med) >> k)) as f64)
                    .sum::<f64>()
            })
            .fold(f64::MAX, f64::min);
        rice += best
            + 8.0
            + 8.0
                * ((64 - zz(med).leading_zeros()) as f64 / 7.0)
                    .ceil()
                    .max(1.0);
        let n = f.len() as f64;
        let mean = f.iter().sum::<i64>() as f64 / n;
        let var = f.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        gauss += if var < 0.01 {
            0.0
        } else {
            n * (0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E * var).log2()).max(0.0)
        } + 16.0;
    }
    (rice, gauss)
}

/// Value bytes of integer values as a packed chunk.
fn col_len(t: &[Sample], vals: &[f64]) -> usize {
    let s: Vec<Sample> = t
        .iter()
        .zip(vals)
        .map(|(a, &v)| Sample::new(a.t, v))
        .collect();
    let c = Chunk::encode(Encoding::Packed, &s).unwrap();
    parts(c.as_bytes()).2
}

fn hist_experiment(hists: &BTreeMap<String, BTreeMap<String, Vec<Sample>>>) {
    let (mut plain, mut vs_inf, mut vs_next, mut best1, mut n) = (0, 0, 0, 0, 0);
    for buckets in hists.values() {
        let mut les: Vec<(&String, &Vec<Sample>)> = buckets.iter().collect();
        les.sort_by(|a, b| {
            let f = |s: &str| {
                if s == "inf" {
                    f64::INFINITY
                } else {
                    s.parse().unwrap()
                }
            };
            f(a.0).partial_cmp(&f(b.0)).unwrap()
        });
        let vals: Vec<Vec<f64>> = les
            .iter()
            .map(|(_, s)| s.iter().map(|x| x.v).collect())
            .collect();
        let t = les[0].1;
        let inf = vals.len() - 1;
        for i in 0..vals.len() {
            n += t.len();
            let p = col_len(t, &vals[i]);
            plain += p;
            if i == inf {
                vs_inf += p;
                vs_next += p;
                best1 += p;
                continue;
            }
            let di: Vec<f64> = vals[i].iter().zip(&vals[inf]).map(|(a, b)| b - a).collect();
            let dn: Vec<f64> = vals[i]
                .iter()
                .zip(&vals[i + 1])
                .map(|(a, b)| b - a)
                .collect();
            let (ci, cn) = (col_len(t, &di), col_len(t, &dn));
            vs_inf += ci.min(p);
            vs_next += cn.min(p);
            best1 += ci.min(p);
        }
    }
    let per = |b: usize| b as f64 / n as f64;
    println!("\nhistogram buckets ({n} samples), value B/sample: plain {:.4}, min(plain, +Inf - b) {:.4}, min(plain, next - b) {:.4}", per(plain), per(vs_inf), per(vs_next));
    let _ = best1;
}

fn analyze(dir: &std::path::Path) {
    let (block, _) = Block::open(dir, false, false).unwrap();
    let meta = block.meta().clone();
    let q = block.querier_owned(meta.min_t, meta.max_t);
    let all = Matcher::new(MatchType::Regex, "__name__", ".+").unwrap();
    let mut kinds: BTreeMap<String, Kind> = BTreeMap::new();
    let mut total = Kind::default();
    let mut framed = Vec::new();
    let mut no_ts = Vec::new();
    let (mut sum_floor, mut sum_n) = (0.0f64, 0.0f64);
    let (mut pois_bits, mut pois_n) = (0.0f64, 0.0f64);
    let mut lam_classes: BTreeMap<usize, (usize, f64, usize)> = BTreeMap::new();
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
    let mut originals = Vec::new();
    let t_write = std::time::Instant::now();
    // Histogram buckets by (labels without le) then le.
    let mut hists: BTreeMap<String, BTreeMap<String, Vec<Sample>>> = BTreeMap::new();
    for s in q.select_owned(meta.min_t, meta.max_t, &[all]) {
        let s = s.unwrap();
        let labels = s.labels().clone();
        let name = labels.get("__name__").unwrap_or_default().to_string();
        let kind = match labels.get("le") {
            Some("+Inf") => format!("{name}{{le=+Inf}}"),
            _ => name,
        };
        let samples: Vec<Sample> = s
            .into_samples()
            .unwrap()
            .into_iter()
            .map(|x| Sample::new(x.t, x.v))
            .collect();
        if std::env::var_os("HX_DEBUG").is_some() {
            eprintln!("KIND {kind}{}", labels.get("le").unwrap_or(""));
        }
        w.add_series(&labels, &samples).unwrap();
        originals.push(samples.clone());
        if labels.get("__name__") == Some("http_requests_total") {
            let d: Vec<f64> = samples.windows(2).map(|w| w[1].v - w[0].v).collect();
            let lam = d.iter().sum::<f64>() / d.len() as f64;
            let class = [0.1, 0.5, 2.0, 10.0, 50.0, f64::MAX]
                .iter()
                .position(|&c| lam < c)
                .unwrap();
            let before = pois_bits;
            let c = Chunk::encode(Encoding::Packed, &samples).unwrap();
            let vb = parts(c.as_bytes()).2;
            for &k in &d {
                // -log2 of the Poisson probability of k at the series' mean.
                let mut lf = 0.0;
                for i in 1..=(k as u64) {
                    lf += (i as f64).ln();
                }
                let lp = if lam > 0.0 {
                    k * lam.ln() - lam - lf
                } else {
                    0.0
                };
                pois_bits += -lp / std::f64::consts::LN_2;
                pois_n += 1.0;
            }
            let e = lam_classes.entry(class).or_insert((0usize, 0.0f64, 0usize));
            e.0 += 1;
            e.1 += (pois_bits - before) / 8.0;
            e.2 += vb;
        }
        if labels.get("__name__") == Some("http_request_duration_seconds_sum") {
            let o: Vec<i64> = samples
                .iter()
                .map(|s| {
                    let i = s.v.to_bits() as i64;
                    i ^ ((i >> 63) & i64::MAX)
                })
                .collect();
            let d: Vec<f64> = o.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
            for f in d.chunks(32) {
                let n = f.len() as f64;
                let m = f.iter().sum::<f64>() / n;
                let var = f.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
                sum_floor +=
                    n * (0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E * var).log2());
                sum_n += n;
            }
        }
        if let Some(le) = labels.get("le") {
            let key = format!(
                "{}",
                labels
                    .iter()
                    .filter(|l| l.0 != "le")
                    .map(|l| l.1.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let le = if le == "+Inf" {
                "inf".to_string()
            } else {
                le.to_string()
            };
            hists.entry(key).or_default().insert(le, samples.clone());
        }
        let chunk = Chunk::encode(Encoding::Packed, &samples).unwrap();
        let (h, ts, v, mode) = parts(chunk.as_bytes());
        framed.push(chunk.as_bytes().len() as u8);
        framed.extend_from_slice(chunk.as_bytes());
        no_ts.push(chunk.as_bytes().len() as u8);
        no_ts.extend_from_slice(&chunk.as_bytes()[h + ts..]);
        let ints: Option<Vec<i64>> = samples
            .iter()
            .map(|s| (s.v.fract() == 0.0 && s.v.abs() < 1e15).then_some(s.v as i64))
            .collect();
        for k in [kinds.entry(kind).or_default(), &mut total] {
            k.series += 1;
            k.samples += samples.len();
            k.header += h;
            k.ts += ts;
            k.values += v;
            *k.modes.entry(mode).or_default() += 1;
            k.chunks.extend_from_slice(chunk.as_bytes());
            if let Some(ints) = &ints {
                let (r, g) = int_costs(ints);
                k.rice += r / 8.0;
                k.gauss += g / 8.0;
                k.int_samples += samples.len();
                k.int_bytes += v;
            }
        }
    }
    println!("| kind | series | samples | header B/s | ts B/s | values B/s | share of bytes | zstd B/s | int values B/s | rice | gauss | value modes |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    let all_bytes = (total.header + total.ts + total.values) as f64;
    let row = |name: &str, k: &Kind| {
        let per = |b: usize| b as f64 / k.samples as f64;
        println!(
            "| {name} | {} | {} | {:.4} | {:.4} | {:.4} | {:.1}% | {:.4} | {:.4} | {:.4} | {:.4} | {:?} |",
            k.series,
            k.samples,
            per(k.header),
            per(k.ts),
            per(k.values),
            100.0 * (k.header + k.ts + k.values) as f64 / all_bytes,
            per(zstd_len(&k.chunks)),
            k.int_bytes as f64 / k.int_samples as f64,
            k.rice / k.int_samples as f64,
            k.gauss / k.int_samples as f64,
            k.modes
        );
    };
    for (name, k) in &kinds {
        row(name, k);
    }
    row("all", &total);
    hist_experiment(&hists);
    for (c, (n, ideal, got)) in &lam_classes {
        println!("counters with mean increment class {c}: {n} series, ideal {:.3} B/sample, values {:.3} B/sample", ideal / (*n as f64 * 719.0), *got as f64 / (*n as f64 * 720.0));
    }
    println!(
        "http_requests_total Poisson code length at each series mean rate: {:.3} B/sample",
        pois_bits / pois_n / 8.0
    );
    println!(
        "_sum Gaussian entropy of ordered increments over windows of 32: {:.2} bits/sample",
        sum_floor / sum_n
    );
    println!("encoding and paging took {:?}", t_write.elapsed());
    let t0 = std::time::Instant::now();
    let new = w.finish().unwrap().unwrap();
    let new_dir = out.path().join(new.id.to_string());
    println!(
        "rewritten block in {:?}: chunks {} B, index {} B, all {} B = {:.4} B/sample",
        t0.elapsed(),
        size(&new_dir.join("chunks")),
        size(&new_dir.join("index")),
        size(&new_dir),
        size(&new_dir) as f64 / total.samples as f64
    );
    let (block, _) = Block::open(&new_dir, true, false).unwrap();
    let q = block.querier_owned(meta.min_t, meta.max_t);
    let all = Matcher::new(MatchType::Regex, "__name__", ".+").unwrap();
    let t0 = std::time::Instant::now();
    let mut n = 0;
    for (s, want) in q
        .select_owned(meta.min_t, meta.max_t, &[all])
        .zip(&originals)
    {
        let got = s.unwrap().into_samples().unwrap();
        assert_eq!(got.len(), want.len());
        for (a, b) in got.iter().zip(want) {
            assert!(a.t == b.t && a.v.to_bits() == b.v.to_bits());
        }
        n += got.len();
    }
    assert_eq!(n, total.samples);
    println!("read back bit-exactly in {:?}", t0.elapsed());
    let z = |b: &[u8]| {
        b.chunks(64 << 10)
            .map(|g| zstd::bulk::compress(g, 9).unwrap().len())
            .sum::<usize>()
    };
    println!(
        "64 KiB pages, zstd-9: with timestamps {} B, without {} B",
        z(&framed),
        z(&no_ts)
    );
    for page in [64usize << 10, 256 << 10, 1 << 20] {
        for level in [3, 9, 15, 19] {
            let t0 = std::time::Instant::now();
            let n: usize = framed
                .chunks(page)
                .map(|g| zstd::bulk::compress(g, level).unwrap().len())
                .sum();
            println!(
                "pages {page} level {level}: {n} B ({:.4} B/sample) in {:?}",
                n as f64 / total.samples as f64,
                t0.elapsed()
            );
        }
    }
    let files = size(dir);
    println!(
        "\nraw chunks {} B; block files {} B = {:.4} B/sample (chunks dir {} B, index {} B)",
        all_bytes,
        files,
        files as f64 / total.samples as f64,
        size(&dir.join("chunks")),
        size(&dir.join("index")),
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
