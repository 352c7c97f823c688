//! The out-of-order window: the accept/refuse edges as a table, then
//! out-of-order data through closed chunks, replay (with the window
//! turned off), a checkpoint, and a head cut into a block.

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use common::head::{dump, opts_for_test};
use hestia_model::{labels, Labels, Sample, STALE_NAN};
use hestia_storage::{AppendError, Appendable, Queryable, SelectHints};
use hestia_tsdb::head::Rejected;
use hestia_tsdb::{Clock, Db, DbOptions, Head, HeadOptions};

fn a() -> Labels {
    labels! { "__name__" => "m", "s" => "a" }
}

fn b() -> Labels {
    labels! { "__name__" => "m", "s" => "b" }
}

fn head_with(window: i64, per_chunk: usize) -> Head {
    Head::new(HeadOptions {
        out_of_order_window: window,
        samples_per_chunk: per_chunk,
        min_valid_time: 100,
        ..HeadOptions::default()
    })
    .unwrap()
}

fn commit(head: &Head, samples: &[(&Labels, i64, f64)]) {
    let mut app = head.appender();
    for &(l, t, v) in samples {
        app.append(None, l, t, v).unwrap();
    }
    app.commit().unwrap();
}

#[test]
fn accept_and_refuse_at_the_edges() {
    // Committed: a at 950 and 1000 (the head's newest), b at 960; an
    // out-of-order 920 in a. Window 100: samples from 900 on are accepted.
    type Case = (
        &'static str,
        i64,
        Labels,
        i64,
        f64,
        Option<AppendError>,
        Rejected,
    );
    let none = Rejected::default();
    let too_old = Rejected { too_old: 1, ..none };
    let duplicate = Rejected {
        duplicate: 1,
        ..none
    };
    let cases: Vec<Case> = vec![
        ("exactly at max − W", 100, a(), 900, 1.0, None, none),
        (
            "one ms before",
            100,
            a(),
            899,
            1.0,
            Some(AppendError::TooOld { t: 899, min_t: 900 }),
            too_old,
        ),
        (
            "another series, by the head's max",
            100,
            b(),
            900,
            1.0,
            None,
            none,
        ),
        (
            "another series, one ms before",
            100,
            b(),
            899,
            1.0,
            Some(AppendError::TooOld { t: 899, min_t: 900 }),
            too_old,
        ),
        ("between in-order samples", 100, a(), 990, 1.0, None, none),
        ("same as an in-order sample", 100, a(), 950, 5.0, None, none),
        (
            "other value at an in-order sample",
            100,
            a(),
            950,
            6.0,
            Some(AppendError::DuplicateSampleForTimestamp {
                t: 950,
                existing: 5.0,
                new: 6.0,
            }),
            duplicate,
        ),
        (
            "same as an out-of-order sample",
            100,
            a(),
            920,
            2.0,
            None,
            none,
        ),
        (
            "other value at an out-of-order sample",
            100,
            a(),
            920,
            3.0,
            Some(AppendError::DuplicateSampleForTimestamp {
                t: 920,
                existing: 2.0,
                new: 3.0,
            }),
            duplicate,
        ),
        (
            "stale marker at an out-of-order sample",
            100,
            a(),
            920,
            STALE_NAN,
            Some(AppendError::DuplicateSampleForTimestamp {
                t: 920,
                existing: 2.0,
                new: STALE_NAN,
            }),
            duplicate,
        ),
        (
            "after the newest: in order",
            100,
            a(),
            1001,
            1.0,
            None,
            none,
        ),
        (
            "before the head's minimum valid time",
            2_000,
            a(),
            99,
            1.0,
            Some(AppendError::OutOfBounds { t: 99, min_t: 100 }),
            Rejected {
                out_of_bounds: 1,
                ..none
            },
        ),
        (
            "no window",
            0,
            a(),
            999,
            1.0,
            Some(AppendError::OutOfOrder {
                t: 999,
                latest: 1000,
            }),
            Rejected {
                out_of_order: 1,
                ..none
            },
        ),
        ("window without limit", i64::MAX, a(), 100, 1.0, None, none),
    ];
    for (what, window, labels, t, v, want, counters) in cases {
        let head = head_with(window, 120);
        let (la, lb) = (a(), b());
        commit(&head, &[(&la, 950, 5.0), (&la, 1000, 1.0), (&lb, 960, 1.0)]);
        if window > 0 {
            commit(&head, &[(&la, 920, 2.0)]);
        }
        let before = dump(&head);
        let mut app = head.appender();
        let got = app.append(None, &labels, t, v).err();
        // Debug text: NaN is not equal to itself.
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "{what}");
        app.commit().unwrap();
        assert_eq!(head.stats().rejected, counters, "{what}");
        let after = dump(&head);
        let stored = |d: &[(Labels, Vec<Sample>)]| {
            d.iter()
                .find(|(l, _)| *l == labels)
                .and_then(|(_, s)| s.iter().find(|s| s.t == t).map(|s| s.v.to_bits()))
        };
        match (&want, stored(&before)) {
            (Some(_), _) => assert_eq!(after, before, "{what}: refused but changed"),
            (None, Some(bits)) => assert_eq!(bits, v.to_bits(), "{what}"),
            (None, None) => assert_eq!(stored(&after), Some(v.to_bits()), "{what}"),
        }
    }
}

#[test]
fn duplicates_within_a_batch_and_against_closed_chunks() {
    // Two samples per chunk: the in-order samples are in closed chunks.
    let head = head_with(1_000, 2);
    let l = a();
    commit(
        &head,
        &(0..20)
            .map(|i| (&l, 200 + i * 10, i as f64))
            .collect::<Vec<_>>(),
    );
    let mut app = head.appender();
    // 230 is in a closed chunk.
    assert!(matches!(
        app.append(None, &l, 230, 9.0),
        Err(AppendError::DuplicateSampleForTimestamp { t: 230, .. })
    ));
    app.append(None, &l, 230, 3.0).unwrap();
    app.append(None, &l, 235, 1.0).unwrap();
    app.append(None, &l, 235, 1.0).unwrap();
    assert!(matches!(
        app.append(None, &l, 235, 2.0),
        Err(AppendError::DuplicateSampleForTimestamp { t: 235, .. })
    ));
    // In order, then out of order behind it in the same batch.
    app.append(None, &l, 500, 1.0).unwrap();
    app.append(None, &l, 495, 1.0).unwrap();
    assert!(matches!(
        app.append(None, &l, 500, 2.0),
        Err(AppendError::DuplicateSampleForTimestamp { t: 500, .. })
    ));
    app.commit().unwrap();
    let stats = head.stats();
    assert_eq!(stats.out_of_order_appended, 2);
    assert_eq!(stats.samples_appended, 20 + 3);
    let ts: Vec<i64> = dump(&head)[0].1.iter().map(|s| s.t).collect();
    let mut want: Vec<i64> = (0..20).map(|i| 200 + i * 10).collect();
    want.extend([235, 495, 500]);
    want.sort_unstable();
    assert_eq!(ts, want);
}

/// Many out-of-order samples (several closed out-of-order chunks),
/// queried over ranges and with seeks, then after a reopen without the
/// window, and after a truncation (checkpoint) and another reopen.
#[test]
fn out_of_order_data_survives_replay_and_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let opts = |window| HeadOptions {
        out_of_order_window: window,
        samples_per_chunk: 7,
        ..opts_for_test(4096)
    };
    let (head, _) = Head::open(dir.path(), opts(10_000)).unwrap();
    let (la, lb) = (a(), b());
    // In order every 10 ms, then the odd milliseconds backwards; b gets
    // a stale marker and a NaN payload out of order.
    commit(
        &head,
        &(0..100)
            .map(|i| (&la, i * 10, i as f64))
            .collect::<Vec<_>>(),
    );
    for i in (0..100).rev() {
        commit(&head, &[(&la, i * 10 + 3, -(i as f64))]);
    }
    let nan = f64::from_bits(0x7ff8_0000_0000_1234);
    commit(&head, &[(&lb, 990, 1.0)]);
    commit(&head, &[(&lb, 500, STALE_NAN), (&lb, 400, nan)]);
    let mut want: Vec<(i64, u64)> = (0..100)
        .flat_map(|i| {
            [
                (i * 10, (i as f64).to_bits()),
                (i * 10 + 3, (-(i as f64)).to_bits()),
            ]
        })
        .collect();
    want.sort_unstable();
    let want_b = vec![
        (400, nan.to_bits()),
        (500, STALE_NAN.to_bits()),
        (990, 1f64.to_bits()),
    ];
    let check = |head: &Head, from: i64| {
        let d = dump(head);
        let bits = |s: &[Sample]| s.iter().map(|s| (s.t, s.v.to_bits())).collect::<Vec<_>>();
        let a_want: Vec<_> = want.iter().copied().filter(|&(t, _)| t >= from).collect();
        assert_eq!(bits(&d[0].1), a_want);
        assert_eq!(bits(&d[1].1), want_b);
        // A narrow range and a seek land between the two kinds.
        let q = head.querier(251, 275).unwrap();
        let mut set = q.select(true, &SelectHints::default(), &[]);
        let mut s = set.next().unwrap().unwrap();
        let it = s.samples();
        assert_eq!(it.seek(262).map(|s| s.t), Some(263));
        assert_eq!(it.next().map(|s| s.t), Some(270));
        assert_eq!(it.next().map(|s| s.t), Some(273));
        assert_eq!(it.next(), None);
    };
    check(&head, 0);
    // 993 came after 990: in order.
    assert_eq!(head.stats().out_of_order_appended, 101);
    head.close().unwrap();

    // The window is off now; what was accepted stays.
    let (head, report) = Head::open(dir.path(), opts(0)).unwrap();
    assert_eq!(report.replay.out_of_order_samples, 101);
    assert_eq!(report.replay.dropped_samples, 0);
    check(&head, 0);
    head.truncate(200).unwrap();
    check(&head, 200);
    head.close().unwrap();
    let (head, report) = Head::open(
        dir.path(),
        HeadOptions {
            min_valid_time: 200,
            ..opts(0)
        },
    )
    .unwrap();
    assert!(report.replay.checkpoint.is_some());
    check(&head, 200);
}

#[derive(Debug, Default)]
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

/// A head cut writes the out-of-order samples into the block of their
/// time; blocks do not overlap, and queries see every sample once.
#[test]
fn a_head_cut_writes_out_of_order_samples_into_the_block() {
    let dir = tempfile::tempdir().unwrap();
    let opts = || {
        DbOptions {
            block_range: 100,
            clock: Arc::new(TestClock::default()),
            head: opts_for_test(4096),
            ..DbOptions::default()
        }
        .with_out_of_order_window(80)
    };
    let (db, _) = Db::open(dir.path(), opts()).unwrap();
    assert_eq!(db.options().out_of_order_window(), 80);
    let l = a();
    let mut want = Vec::new();
    for t in (0..300).step_by(10) {
        let mut app = db.appender();
        app.append(None, &l, t, t as f64).unwrap();
        // Five back, within the window.
        if t >= 10 {
            app.append(None, &l, t - 5, -(t as f64)).unwrap();
            want.push((t - 5, -(t as f64)));
        }
        app.commit().unwrap();
        want.push((t, t as f64));
    }
    want.sort_by_key(|s| s.0);
    let report = db.compact().unwrap();
    assert_eq!(report.head_blocks.len(), 2);
    let blocks = db.blocks();
    assert_eq!((blocks[0].meta().min_t, blocks[0].meta().max_t), (0, 100));
    assert_eq!((blocks[1].meta().min_t, blocks[1].meta().max_t), (100, 200));
    assert_eq!(db.head().min_valid_time(), 200);
    let got = |db: &Db| -> Vec<(i64, f64)> {
        let q = db.querier(i64::MIN, i64::MAX).unwrap();
        let mut set = q.select(true, &SelectHints::default(), &[]);
        let s = set.next().unwrap().unwrap();
        s.into_samples()
            .unwrap()
            .iter()
            .map(|s| (s.t, s.v))
            .collect()
    };
    assert_eq!(got(&db), want);
    // The block holds the out-of-order samples of its range.
    let q = blocks[0].querier(0, 99).unwrap();
    let mut set = q.select(true, &SelectHints::default(), &[]);
    let in_block = set.next().unwrap().unwrap().into_samples().unwrap();
    assert_eq!(in_block.len(), 10 + 10);
    // Behind the cut, even within the window: out of bounds.
    let mut app = db.appender();
    assert!(matches!(
        app.append(None, &l, 195, 1.0),
        Err(AppendError::OutOfBounds { t: 195, min_t: 200 })
    ));
    drop(app);
    drop(db);
    let (db, _) = Db::open(dir.path(), opts()).unwrap();
    assert_eq!(got(&db), want);
}
