//! The `Db` against a plain model of the append rules (`common::model`,
//! queried through `hestia_storage::MemStorage`): random appends (in
//! order, duplicates, out of order inside and outside a random
//! out-of-order window, NaNs, stale markers, large gaps), queried after
//! every step, with head cuts, compaction, deletes of block data, reopen
//! and retention in between.
//!
//! What retention promises, and is checked here: after it runs, the
//! database holds exactly the model's samples at or after some cut `c`
//! (the start of the oldest block left, or the head's minimum valid time
//! when no block is left), minus deletions; and with a time limit only,
//! `c` is at most the retention bound (`newest + 1 − retention_time`), so
//! nothing at or after the bound is ever lost. The newest block is never
//! deleted, so the head's lower bound survives a reopen.
//!
//! A deletion removes the samples that exist when it runs
//! ([`Db::delete_series`]'s contract); a sample appended later into the
//! same range (possible after a reopen, when the head's lower bound falls
//! back to the newest block's end) is kept. The model records the deleted
//! samples themselves, not the range.

mod common;

use common::TestClock;

use std::sync::Arc;

use common::head::read_all;
use common::model::{Batch, Model};
use hestia_model::{Labels, Matcher, Sample, STALE_NAN};
use hestia_storage::{Appendable, MemStorage, Queryable, SelectHints};
use hestia_tsdb::{BlockOptions, Db, DbOptions, HeadOptions, SyncPolicy, WalOptions};
use proptest::prelude::*;

fn db_opts(range: i64, retention_time: Option<i64>, retention_bytes: Option<u64>) -> DbOptions {
    db_opts_ooo(range, retention_time, retention_bytes, 0)
}

fn db_opts_ooo(
    range: i64,
    retention_time: Option<i64>,
    retention_bytes: Option<u64>,
    window: i64,
) -> DbOptions {
    DbOptions {
        head: HeadOptions {
            samples_per_chunk: 5,
            wal: WalOptions {
                segment_size: 4096,
                sync: SyncPolicy::Never,
            },
            ..HeadOptions::default()
        },
        block: BlockOptions {
            max_chunk_samples: 7,
            sync: false,
        },
        block_range: range,
        max_block_range: Some(range * 9),
        retention_time,
        retention_bytes,
        verify_chunks: true,
        clock: Arc::new(TestClock::default()),
    }
    .with_out_of_order_window(window)
}

fn pool() -> Vec<Labels> {
    let mut out = Vec::new();
    for name in ["a", "b"] {
        for job in ["x", "y"] {
            out.push(Labels::new([("__name__", name), ("job", job)]).unwrap());
        }
    }
    out.push(Labels::new([("job", "z")]).unwrap());
    out
}

#[derive(Debug, Clone)]
enum Op {
    /// Appends to a series: step forward (negative: back, 0: same).
    Append(usize, i64, f64),
    Compact,
    Reopen,
    /// Deletes `[from, to]` relative to the head's minimum valid time
    /// (both before it) on series matching `job`.
    Delete(usize, i64, i64),
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => (0i64..5).prop_map(|v| v as f64),
        1 => any::<f64>(),
        1 => Just(f64::NAN),
        1 => Just(STALE_NAN),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        30 => (0usize..5, prop_oneof![
            8 => 1i64..30,
            1 => Just(0i64),
            1 => -20i64..0,
            1 => 100i64..2_000,
        ], value()).prop_map(|(s, d, v)| Op::Append(s, d, v)),
        3 => Just(Op::Compact),
        1 => Just(Op::Reopen),
        1 => (0usize..3, 1i64..200, 0i64..200).prop_map(|(j, a, b)| Op::Delete(j, a, b)),
    ]
}

type Dump = Vec<(Labels, Vec<(i64, u64)>)>;

fn bits(series: Vec<(Labels, Vec<Sample>)>) -> Dump {
    series
        .into_iter()
        .map(|(l, s)| (l, s.iter().map(|s| (s.t, s.v.to_bits())).collect()))
        .collect()
}

fn dump(q: &dyn Queryable, min_t: i64, max_t: i64) -> Dump {
    let q = q.querier(min_t, max_t).unwrap();
    bits(read_all(q.select(true, &SelectHints::default(), &[])))
}

/// Samples a deletion removed: series and timestamp.
type Deleted = std::collections::BTreeSet<(Labels, i64)>;

/// The model's samples at or after `cut`, minus `deleted`.
fn expected(model: &MemStorage, cut: i64, deleted: &Deleted) -> Dump {
    dump(model, cut, i64::MAX)
        .into_iter()
        .map(|(l, s)| {
            let kept = s
                .into_iter()
                .filter(|&(t, _)| !deleted.contains(&(l.clone(), t)))
                .collect::<Vec<_>>();
            (l, kept)
        })
        .filter(|(_, s)| !s.is_empty())
        .collect()
}

/// Where the database's data starts: the oldest block, else the head's
/// bound.
fn data_start(db: &Db) -> i64 {
    db.blocks()
        .first()
        .map_or(db.head().min_valid_time(), |b| b.meta().min_t)
}

/// The out-of-order windows tried: none, less than the head's span, and
/// more than the head ever holds (then its start limits).
fn window() -> impl Strategy<Value = i64> {
    prop_oneof![Just(0i64), 1i64..40, Just(1_000)]
}

fn run(ops: Vec<Op>, retention_time: Option<i64>, retention_bytes: Option<u64>, window: i64) {
    const RANGE: i64 = 100;
    let dir = tempfile::tempdir().unwrap();
    let opts = || db_opts_ooo(RANGE, retention_time, retention_bytes, window);
    let (mut db, _) = Db::open(dir.path(), opts()).unwrap();
    let mut model = Model::new(window, i64::MIN, None);
    let labels = pool();
    let mut last_t = [0i64; 5];
    let mut deleted = Deleted::new();
    for op in ops {
        match op {
            Op::Append(s, d, v) => {
                let t = last_t[s] + d;
                if deleted.contains(&(labels[s].clone(), t)) {
                    // The model cannot forget a sample; the database did.
                    continue;
                }
                // Before the head's bound (blocks own that time), samples
                // are out of bounds.
                model.set_min_valid(db.head().min_valid_time());
                let mut app = db.appender();
                let mut batch = Batch::default();
                let got = app.append(None, &labels[s], t, v);
                let want = model.append(&mut batch, &labels[s], t, v);
                assert_eq!(
                    format!("{:?}", got.as_ref().err()),
                    format!("{:?}", want.as_ref().err()),
                    "append ({t}, {v:?})"
                );
                app.commit().unwrap();
                model.commit(batch);
                if got.is_ok() {
                    last_t[s] = t;
                }
            }
            Op::Compact => {
                db.compact().unwrap();
            }
            Op::Reopen => {
                drop(db);
                let (again, report) = Db::open(dir.path(), opts()).unwrap();
                assert!(report.dropped.is_empty(), "{:?}", report.dropped);
                db = again;
            }
            Op::Delete(j, a, b) => {
                let bound = db.head().min_valid_time();
                if bound == i64::MIN {
                    continue;
                }
                let hi = bound - 1 - b;
                let lo = hi - a;
                let job = ["x", "y", "z"][j];
                db.delete_series(&[Matcher::equal("job", job)], lo, hi)
                    .unwrap();
                for (l, samples) in dump(&model.mem(), lo, hi) {
                    if l.get("job") == Some(job) {
                        deleted.extend(samples.into_iter().map(|(t, _)| (l.clone(), t)));
                    }
                }
            }
        }
        let start = data_start(&db);
        let mem = model.mem();
        let want = expected(&mem, start, &deleted);
        if let (Some(bound), None) = (db.retention_bound(), retention_bytes) {
            // Nothing at or after the bound is lost.
            assert_eq!(
                expected(&mem, start.min(bound), &deleted),
                want,
                "bound {bound}"
            );
        }
        assert_eq!(dump(&db, i64::MIN, i64::MAX), want, "after {op:?}");
    }
    // A narrower window agrees too.
    let (lo, hi) = (RANGE, 5 * RANGE);
    let got = dump(&db, lo, hi);
    let want: Dump = expected(&model.mem(), data_start(&db), &deleted)
        .into_iter()
        .map(|(l, s)| {
            (
                l,
                s.into_iter()
                    .filter(|&(t, _)| lo <= t && t <= hi)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, s)| !s.is_empty())
        .collect();
    assert_eq!(got, want);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn db_matches_the_model(ops in proptest::collection::vec(op(), 1..150), window in window()) {
        run(ops, None, None, window);
    }

    #[test]
    fn db_matches_the_model_under_time_retention(
        ops in proptest::collection::vec(op(), 1..150),
        window in window(),
    ) {
        run(ops, Some(350), None, window);
    }

    #[test]
    fn db_matches_the_model_under_size_retention(
        ops in proptest::collection::vec(op(), 1..150),
        window in window(),
    ) {
        run(ops, None, Some(1_500), window);
    }
}

#[test]
fn time_retention_never_loses_data_after_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(dir.path(), db_opts(100, Some(300), None)).unwrap();
    let l = Labels::new([("__name__", "m")]).unwrap();
    for t in 0..2_000 {
        let mut app = db.appender();
        app.append(None, &l, t * 5, t as f64).unwrap();
        app.commit().unwrap();
        if t % 50 == 0 {
            db.compact().unwrap();
            let bound = db.retention_bound().unwrap();
            let Some(start) = db.blocks().first().map(|b| b.meta().min_t) else {
                continue;
            };
            // The data starts at 0.
            assert!(start <= bound.max(0), "data from {start}, bound {bound}");
            // Block granularity: less than one largest block before it.
            assert!(
                bound - start < 900 + 150,
                "kept too much: {start} vs {bound}"
            );
        }
    }
}

/// Found by the property test: after a compaction, a deletion and a
/// reopen, the head's lower bound falls back to the newest block's end, and
/// an append into the deleted range is kept (a deletion removes what exists
/// when it runs).
#[test]
fn regression_delete_then_reopen_then_append() {
    use Op::*;
    run(
        vec![
            Append(0, 1, 0.0),
            Append(0, 1, 0.0),
            Append(3, 875, 0.0),
            Append(1, 1310, 1.0),
            Append(1, 1101, 1.0),
            Compact,
            Delete(1, 154, 100),
            Reopen,
            Append(3, 1170, 4.0),
        ],
        None,
        None,
        0,
    );
}
