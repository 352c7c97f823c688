//! Import round trips (OpenMetrics text → blocks → the blocks' querier),
//! block alignment, errors and what they leave behind.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hestia_model::{MatchType, Matcher, STALE_NAN};
use hestia_tsdb::Block;

use super::*;
use crate::openmetrics::DEFAULT_PIECE;

const HOUR: i64 = 3_600_000;

fn opts() -> ImportOptions {
    ImportOptions {
        block_duration: HOUR,
        block: BlockOptions {
            max_chunk_samples: 50,
            sync: false,
        },
        first_id: Some(BlockId::at(1_700_000_000_000)),
    }
}

type Stored = BTreeMap<Labels, Vec<(i64, u64)>>;

/// Every block in `dir`: its meta and samples.
fn read_blocks(dir: &Path) -> (Vec<BlockMeta>, Stored) {
    let mut metas = Vec::new();
    let mut out = Stored::new();
    let mut dirs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let all = Matcher::new(MatchType::Regex, "__name__", ".+").unwrap();
    for path in dirs {
        let (block, report) = Block::open(&path, true, false).unwrap();
        assert!(report.is_clean(), "{report:?}");
        let meta = block.meta().clone();
        for s in block.querier_owned(i64::MIN, i64::MAX).select_owned(
            i64::MIN,
            i64::MAX,
            std::slice::from_ref(&all),
        ) {
            let s = s.unwrap();
            let labels = s.labels().clone();
            let samples = s.into_samples().unwrap();
            for x in &samples {
                assert!(meta.min_t <= x.t && x.t < meta.max_t);
            }
            out.entry(labels)
                .or_default()
                .extend(samples.iter().map(|x| (x.t, x.v.to_bits())));
        }
        metas.push(meta);
    }
    (metas, out)
}

/// The samples the reader finds in `text`, by series.
fn parsed(text: &str) -> Stored {
    let mut r = SampleReader::with_piece_size(text.as_bytes(), DEFAULT_PIECE);
    let mut got = Vec::new();
    r.for_each(|e, _| {
        got.push(e);
        Ok(())
    })
    .unwrap();
    let mut out = Stored::new();
    for e in got {
        out.entry(r.labels()[e.series as usize].clone())
            .or_default()
            .push((e.t, e.v.to_bits()));
    }
    out
}

/// Three series over three hours and a bit, two of them interleaved,
/// with special values, a histogram whose `le` is made canonical and a
/// label value with escapes.
fn backfill() -> String {
    let t0 = 1_700_000_000i64;
    let mut om = String::from("# TYPE temp gauge\n");
    let specials = ["NaN", "+Inf", "-Inf", "-0.0", "1e-300", "3.5"];
    for k in 0..400i64 {
        let v = specials[k as usize % specials.len()];
        writeln!(
            om,
            "temp{{room=\"a\\\"b\\\\c\\n\"}} {v} {}.{:03}",
            t0 + 30 * k,
            k % 1000
        )
        .unwrap();
    }
    om.push_str("# TYPE h histogram\n");
    for k in 0..300i64 {
        for le in ["1", "+Inf"] {
            writeln!(om, "h_bucket{{le=\"{le}\"}} {k} {}", t0 + 40 * k).unwrap();
        }
    }
    om.push_str("# EOF\n");
    om
}

#[test]
fn round_trips_through_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let text = backfill();
    let want = parsed(&text);
    assert_eq!(want.len(), 3);
    assert!(want.keys().any(|l| l.get("le") == Some("1.0")));
    let report = import(text.as_bytes(), dir.path(), &opts(), &mut |_| {}).unwrap();
    assert_eq!(report.samples, 1000);
    assert_eq!(report.series, 3);
    let (metas, got) = read_blocks(dir.path());
    assert_eq!(got, want);
    assert_eq!(metas.len(), report.blocks.len());
    // Each block inside one aligned hour, oldest first, ids counting up.
    for (k, m) in report.blocks.iter().enumerate() {
        assert_eq!(m.min_t.div_euclid(HOUR), (m.max_t - 1).div_euclid(HOUR));
        assert_eq!(m.id, BlockId(opts().first_id.unwrap().0 + k as u128));
        assert_eq!(m.level, 1);
    }
    assert_eq!(report.blocks.len(), 4);
    let total: u64 = report.blocks.iter().map(|m| m.stats.samples).sum();
    assert_eq!(total, 1000);
}

#[test]
fn writes_stale_markers_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    let labels = vec![Labels::new([("__name__", "up")]).unwrap()];
    let samples = [
        Sample::new(1_000, 1.0),
        Sample::new(2_000, STALE_NAN),
        Sample::new(3_000, f64::NAN),
        Sample::new(HOUR + 1, f64::NEG_INFINITY),
    ];
    let (tx, rx) = sync_channel(4);
    let mut runs = Runs::new(tx, HOUR, 100, OPEN_SAMPLES_BUDGET);
    for (i, s) in samples.iter().enumerate() {
        let e = Entry {
            series: 0,
            t: s.t,
            v: s.v,
            line: i as u64 + 1,
            family: 0,
        };
        runs.add(e).unwrap();
    }
    runs.finish().unwrap();
    drop(runs);
    let windows = encode(&Mutex::new(rx), HOUR).unwrap();
    assert_eq!(windows.len(), 2);
    write_blocks(dir.path(), &opts(), &labels, windows, &mut |_| {}).unwrap();
    let (_, got) = read_blocks(dir.path());
    let want: Vec<(i64, u64)> = samples.iter().map(|s| (s.t, s.v.to_bits())).collect();
    assert_eq!(got[&labels[0]], want);
}

#[test]
fn errors_name_the_line_and_leave_nothing() {
    let table: &[(&str, &str)] = &[
        (
            "up 1 1\nup 2\n# EOF\n",
            "line 2, column 1: sample of {__name__=\"up\"} has no timestamp",
        ),
        ("up 1 1\nup 2 3\n", "line 3, column 1: missing `# EOF`"),
        ("up 1 1\nup{ 2 3\n# EOF\n", "line 2, column 4:"),
        (
            "up 1 2\nup 2 1\n# EOF\n",
            "line 2, column 1: sample of {__name__=\"up\"} at 1000 ms is not after",
        ),
        (
            "up 1 1\n# EOF\nup 2 2\n",
            "line 3, column 1: data after `# EOF`",
        ),
    ];
    for (input, message) in table {
        for piece in [PIECE, 1, 8] {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("data");
            let e = import_with(input.as_bytes(), &out, &opts(), &mut |_| {}, 1 << 20, piece)
                .unwrap_err();
            assert!(e.to_string().contains(message), "{input:?}: {e}");
            assert!(!out.exists(), "{input:?}");
        }
    }
}

#[test]
fn block_durations_as_promtool_picks_them() {
    for (max, want) in [
        (0, 2 * HOUR),
        (2 * HOUR, 2 * HOUR),
        (6 * HOUR - 1, 2 * HOUR),
        (6 * HOUR, 6 * HOUR),
        (24 * HOUR, 18 * HOUR),
        (i64::MAX, 2 * HOUR * 3i64.pow(9)),
    ] {
        assert_eq!(compatible_block_duration(max), want, "{max}");
    }
}

#[test]
fn refuses_a_non_positive_duration() {
    let o = ImportOptions {
        block_duration: 0,
        ..opts()
    };
    let dir = tempfile::tempdir().unwrap();
    assert!(import(&b"# EOF\n"[..], dir.path(), &o, &mut |_| {}).is_err());
}

#[test]
fn interleaved_series_get_one_chunk_per_window() {
    let mut o = opts();
    o.block.max_chunk_samples = 8_640;
    let text = backfill();
    // The histogram's two series alternate point by point: still one
    // chunk per series and window.
    let dir = tempfile::tempdir().unwrap();
    let report = import(text.as_bytes(), dir.path(), &o, &mut |_| {}).unwrap();
    for m in &report.blocks {
        assert_eq!(m.stats.chunks, m.stats.series, "{m:?}");
    }
    // With a tiny budget of open samples, runs are cut but nothing is lost.
    let dir = tempfile::tempdir().unwrap();
    let report = import_with(text.as_bytes(), dir.path(), &o, &mut |_| {}, 7, PIECE).unwrap();
    assert!(report
        .blocks
        .iter()
        .any(|m| m.stats.chunks > m.stats.series));
    assert_eq!(read_blocks(dir.path()).1, parsed(&text));
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn pieces_and_threads_write_the_same_blocks() {
    let text = backfill();
    let whole = tempfile::tempdir().unwrap();
    import_with(
        text.as_bytes(),
        whole.path(),
        &opts(),
        &mut |_| {},
        OPEN_SAMPLES_BUDGET,
        DEFAULT_PIECE,
    )
    .unwrap();
    let want = files(whole.path());
    assert!(want.keys().any(|k| k.ends_with("index")));
    for piece in [1, 100, 4096] {
        let dir = tempfile::tempdir().unwrap();
        let report = import_with(
            text.as_bytes(),
            dir.path(),
            &opts(),
            &mut |_| {},
            OPEN_SAMPLES_BUDGET,
            piece,
        )
        .unwrap();
        assert_eq!(report.bytes, text.len() as u64);
        assert_eq!(files(dir.path()), want, "{piece}");
    }
}
