//! The head's behaviour one rule at a time: refusals and their counters,
//! the series limit, references across restarts, bit-exact values through
//! chunks and the WAL, concurrent appenders, replay of bad records, and
//! option checks.

mod common;

use common::head::{dump, opts_for_test};
use hestia_model::{labels, Labels, Sample, STALE_NAN};
use hestia_storage::{AppendError, Appendable, Queryable, SelectHints, SeriesRef};
use hestia_tsdb::head::Rejected;
use hestia_tsdb::{Error, Head, HeadOptions, Wal};

fn up() -> Labels {
    labels! { "__name__" => "up", "job" => "api" }
}

#[test]
fn refusals_follow_the_contract_and_are_counted() {
    // (committed samples, sample to append, expected error, expected counters)
    type Case = (
        &'static [(i64, f64)],
        (i64, f64),
        Option<AppendError>,
        Rejected,
    );
    let none = Rejected::default();
    let cases: &[Case] = &[
        (&[], (10, 1.0), None, none),
        (&[(10, 1.0)], (11, 1.0), None, none),
        (&[(10, 1.0)], (10, 1.0), None, none),
        (
            &[(10, 1.0)],
            (9, 1.0),
            Some(AppendError::OutOfOrder { t: 9, latest: 10 }),
            Rejected {
                out_of_order: 1,
                ..none
            },
        ),
        (
            &[(10, 1.0)],
            (10, 2.0),
            Some(AppendError::DuplicateSampleForTimestamp {
                t: 10,
                existing: 1.0,
                new: 2.0,
            }),
            Rejected {
                duplicate: 1,
                ..none
            },
        ),
        (
            &[],
            (-5, 1.0),
            Some(AppendError::OutOfBounds { t: -5, min_t: 0 }),
            Rejected {
                out_of_bounds: 1,
                ..none
            },
        ),
    ];
    for (committed, (t, v), want, counters) in cases {
        let head = Head::new(HeadOptions {
            min_valid_time: 0,
            ..HeadOptions::default()
        })
        .unwrap();
        let mut app = head.appender();
        for &(t, v) in *committed {
            app.append(None, &up(), t, v).unwrap();
        }
        app.commit().unwrap();
        let mut app = head.appender();
        let got = app.append(None, &up(), *t, *v).err();
        assert_eq!(got, *want, "{committed:?} then ({t}, {v})");
        app.commit().unwrap();
        assert_eq!(
            head.stats().rejected,
            *counters,
            "{committed:?} then ({t}, {v})"
        );
    }
}

#[test]
fn stale_markers_conflict_with_values_at_the_same_time() {
    let head = Head::new(HeadOptions::default()).unwrap();
    let mut app = head.appender();
    app.append(None, &up(), 10, 1.0).unwrap();
    // Within the batch, too.
    let err = app.append(None, &up(), 10, STALE_NAN).unwrap_err();
    assert!(matches!(
        err,
        AppendError::DuplicateSampleForTimestamp { t: 10, .. }
    ));
    app.append(None, &up(), 20, STALE_NAN).unwrap();
    app.append(None, &up(), 20, STALE_NAN).unwrap();
    assert!(app.append(None, &up(), 20, f64::NAN).is_err());
    app.commit().unwrap();
    assert_eq!(head.stats().samples, 2);
    assert_eq!(head.stats().rejected.duplicate, 2);
}

#[test]
fn invalid_labels_are_refused() {
    let head = Head::new(HeadOptions::default()).unwrap();
    let mut app = head.appender();
    for labels in [Labels::default(), Labels::new([("", "x")]).unwrap()] {
        assert!(matches!(
            app.append(None, &labels, 1, 1.0),
            Err(AppendError::InvalidLabels(_))
        ));
    }
    assert_eq!(head.stats().rejected.invalid_labels, 2);
    assert_eq!(head.stats().series, 0);
}

#[test]
fn appends_by_reference_without_labels() {
    // `a` is dropped by the truncation, `b` stays.
    let (a, b) = (up(), labels! { "__name__" => "up", "job" => "db" });
    let head = Head::new(HeadOptions::default()).unwrap();
    let mut app = head.appender();
    let ra = app.append(None, &a, 1, 1.0).unwrap();
    let rb = app.append(None, &b, 1_000, 1.0).unwrap();
    app.commit().unwrap();
    head.truncate(500).unwrap();
    assert_eq!(head.stats().series, 1);
    let empty = Labels::default();
    // (reference, labels, expected reference (`None`: a new one) or error)
    type Want = Result<Option<SeriesRef>, AppendError>;
    let cases: Vec<(SeriesRef, &Labels, Want)> = vec![
        (rb, &empty, Ok(Some(rb))),
        (rb, &b, Ok(Some(rb))),
        (ra, &empty, Err(AppendError::UnknownSeriesRef(ra))),
        (
            SeriesRef(1 << 40),
            &empty,
            Err(AppendError::UnknownSeriesRef(SeriesRef(1 << 40))),
        ),
        // Re-created with a new id, and then found by its labels.
        (ra, &a, Ok(None)),
    ];
    let mut app = head.appender();
    for (i, (r, labels, want)) in cases.into_iter().enumerate() {
        let t = 2_000 + i as i64;
        let got = app.append(Some(r), labels, t, 2.0);
        match want {
            Ok(Some(want)) => assert_eq!(got, Ok(want), "case {i}"),
            Ok(None) => assert!(got.is_ok_and(|new| new != ra), "case {i}"),
            Err(e) => assert_eq!(got, Err(e), "case {i}"),
        }
    }
    app.commit().unwrap();
    let stats = head.stats();
    assert_eq!((stats.series, stats.rejected.invalid_labels), (2, 0));
    let samples: Vec<(Labels, usize)> =
        dump(&head).into_iter().map(|(l, s)| (l, s.len())).collect();
    assert_eq!(samples, [(a, 1), (b, 3)]);
}

#[test]
fn the_series_limit_refuses_new_series_only() {
    let head = Head::new(HeadOptions {
        max_series: Some(2),
        ..HeadOptions::default()
    })
    .unwrap();
    let series: Vec<Labels> = (0..4).map(|i| labels! { "i" => i.to_string() }).collect();
    let mut app = head.appender();
    app.append(None, &series[0], 1, 1.0).unwrap();
    app.append(None, &series[1], 1, 1.0).unwrap();
    assert_eq!(
        app.append(None, &series[2], 1, 1.0),
        Err(AppendError::SeriesLimit { limit: 2 })
    );
    assert!(app.append(None, &series[3], 1, 1.0).is_err());
    // Existing series still take samples.
    app.append(None, &series[0], 2, 1.0).unwrap();
    app.commit().unwrap();
    let stats = head.stats();
    assert_eq!(
        (stats.series, stats.samples, stats.rejected.series_limit),
        (2, 3, 2)
    );
}

#[test]
fn references_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let series: Vec<Labels> = (0..50)
        .map(|i| labels! { "__name__" => "m", "i" => i.to_string() })
        .collect();
    let (head, _) = Head::open(dir.path(), opts_for_test(4096)).unwrap();
    let mut app = head.appender();
    let refs: Vec<SeriesRef> = series
        .iter()
        .map(|l| app.append(None, l, 1, 1.0).unwrap())
        .collect();
    app.commit().unwrap();
    head.close().unwrap();

    let (head, report) = Head::open(dir.path(), opts_for_test(4096)).unwrap();
    assert_eq!((report.replay.series, report.replay.samples), (50, 50));
    for (r, l) in refs.iter().zip(&series) {
        assert_eq!(head.series_labels(*r).as_ref(), Some(l));
    }
    // A kept reference is trusted; new series get new ids.
    let mut app = head.appender();
    assert_eq!(app.append(Some(refs[7]), &series[7], 2, 2.0), Ok(refs[7]));
    let new = app
        .append(None, &labels! { "__name__" => "new" }, 2, 2.0)
        .unwrap();
    assert!(!refs.contains(&new));
    app.commit().unwrap();
}

#[test]
fn values_round_trip_bit_exactly_through_chunks_and_wal() {
    let values = [
        STALE_NAN,
        f64::NAN,
        f64::from_bits(0x7ff8_dead_beef_0001),
        f64::from_bits(0xfff0_0000_0000_0001),
        -0.0,
        0.0,
        f64::INFINITY,
        f64::MIN_POSITIVE / 2.0,
        1.5,
    ];
    let dir = tempfile::tempdir().unwrap();
    let opts = HeadOptions {
        samples_per_chunk: 4,
        ..opts_for_test(1 << 16)
    };
    let (head, _) = Head::open(dir.path(), opts.clone()).unwrap();
    let mut app = head.appender();
    let want: Vec<Sample> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| Sample::new(i as i64 * 7, v))
        .collect();
    for s in &want {
        app.append(None, &up(), s.t, s.v).unwrap();
    }
    app.commit().unwrap();
    assert_eq!(dump(&head), vec![(up(), want.clone())]);
    drop(head); // a crash: no close
    let (head, _) = Head::open(dir.path(), opts).unwrap();
    assert_eq!(dump(&head), vec![(up(), want)]);
}

#[test]
fn an_overtaken_commit_drops_its_stale_samples() {
    let head = Head::new(HeadOptions::default()).unwrap();
    let mut first = head.appender();
    let mut second = head.appender();
    first.append(None, &up(), 10, 1.0).unwrap();
    second.append(None, &up(), 20, 2.0).unwrap();
    second.commit().unwrap();
    first.commit().unwrap();
    assert_eq!(dump(&head), vec![(up(), vec![Sample::new(20, 2.0)])]);
    assert_eq!(head.stats().dropped_at_commit, 1);
}

#[test]
fn rolled_back_series_exist_without_samples() {
    let head = Head::new(HeadOptions::default()).unwrap();
    let mut app = head.appender();
    app.append(None, &up(), 1, 1.0).unwrap();
    app.rollback().unwrap();
    assert_eq!(head.stats().series, 1);
    assert!(dump(&head).is_empty());
    let q = head.querier(i64::MIN, i64::MAX).unwrap();
    assert_eq!(q.select(true, &SelectHints::default(), &[]).count(), 0);
}

#[test]
fn concurrent_writers_and_readers() {
    let head = Head::new(HeadOptions {
        samples_per_chunk: 8,
        ..HeadOptions::default()
    })
    .unwrap();
    std::thread::scope(|s| {
        for w in 0..3 {
            let head = &head;
            s.spawn(move || {
                let labels = labels! { "w" => w.to_string() };
                let mut r = None;
                for batch in 0..50 {
                    let mut app = head.appender();
                    for i in 0..10 {
                        r = Some(app.append(r, &labels, batch * 10 + i, i as f64).unwrap());
                    }
                    app.commit().unwrap();
                }
            });
        }
        let head = &head;
        s.spawn(move || {
            for _ in 0..50 {
                let q = head.querier(i64::MIN, i64::MAX).unwrap();
                for series in q.select(true, &SelectHints::default(), &[]) {
                    // Whole batches only: a multiple of 10 samples.
                    let n = series.unwrap().into_samples().unwrap().len();
                    assert_eq!(n % 10, 0);
                }
            }
        });
    });
    let all = dump(&head);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|(_, s)| s.len() == 500));
}

#[test]
fn replay_skips_undecodable_records_and_unknown_series() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (head, _) = Head::open(dir.path(), opts_for_test(4096)).unwrap();
        let mut app = head.appender();
        app.append(None, &up(), 1, 1.0).unwrap();
        app.commit().unwrap();
        head.close().unwrap();
    }
    {
        let (mut wal, _) = Wal::open(dir.path().join("wal"), opts_for_test(4096).wal).unwrap();
        let mut samples = Vec::new();
        hestia_tsdb::record::encode_samples(
            &[hestia_tsdb::record::RefSample {
                id: 999,
                t: 5,
                v: 1.0,
            }],
            &mut samples,
        );
        wal.log(&[&[0x7f, 1, 2][..], &[][..], &samples[..]])
            .unwrap();
        wal.close().unwrap();
    }
    let (head, report) = Head::open(dir.path(), opts_for_test(4096)).unwrap();
    assert!(report.repair.is_clean());
    assert_eq!(report.replay.corrupt_records, 2);
    assert_eq!(report.replay.unknown_series_samples, 1);
    assert_eq!(report.replay.samples, 1);
    // Appending after the bad records works and replays.
    let mut app = head.appender();
    app.append(None, &up(), 2, 2.0).unwrap();
    app.commit().unwrap();
    head.close().unwrap();
    let (head, _) = Head::open(dir.path(), opts_for_test(4096)).unwrap();
    assert_eq!(
        dump(&head),
        vec![(up(), vec![Sample::new(1, 1.0), Sample::new(2, 2.0)])]
    );
}

#[test]
fn invalid_options_are_refused() {
    let d = HeadOptions::default();
    let cases = [
        HeadOptions {
            samples_per_chunk: 0,
            ..d.clone()
        },
        HeadOptions {
            samples_per_chunk: 70_000,
            ..d.clone()
        },
        HeadOptions {
            out_of_order_window: -1,
            ..d.clone()
        },
        HeadOptions {
            samples_per_record: 0,
            ..d.clone()
        },
        HeadOptions {
            chunk_page_size: 0,
            ..d.clone()
        },
    ];
    for opts in cases {
        assert!(
            matches!(Head::new(opts.clone()), Err(Error::InvalidOptions(_))),
            "{opts:?}"
        );
    }
}

/// Closed chunks go to `chunks_head/`, are read back by queries over any
/// range, survive truncation from the cut on, and are written again from
/// the WAL on reopen.
#[test]
fn closed_chunks_live_on_disk_and_are_rebuilt_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let opts = HeadOptions {
        samples_per_chunk: 7,
        ..opts_for_test(1 << 16)
    };
    let series: Vec<Labels> = (0..5).map(|i| labels! { "i" => i.to_string() }).collect();
    let (head, _) = Head::open(dir.path(), opts.clone()).unwrap();
    for t in 0..100i64 {
        let mut app = head.appender();
        for (i, l) in series.iter().enumerate() {
            app.append(None, l, t * 10, (t * i as i64) as f64 / 3.0)
                .unwrap();
        }
        app.commit().unwrap();
    }
    let stats = head.stats();
    assert!(stats.closed_chunk_bytes > 0);
    assert_eq!((stats.arena_bytes, stats.chunk_write_errors), (0, 0));
    let segment = dir.path().join("chunks_head/00000001");
    assert!(std::fs::metadata(&segment).unwrap().len() > 8);
    let want = |lo: i64, hi: i64| -> Vec<Vec<i64>> {
        (0..5)
            .map(|_| {
                (0..100)
                    .map(|t| t * 10)
                    .filter(|t| (lo..=hi).contains(t))
                    .collect()
            })
            .collect()
    };
    let got = |head: &Head, lo: i64, hi: i64| -> Vec<Vec<i64>> {
        let q = head.querier(lo, hi).unwrap();
        common::head::read_all(q.select(true, &SelectHints::default(), &[]))
            .into_iter()
            .map(|(_, s)| s.iter().map(|s| s.t).collect())
            .collect()
    };
    // (range): within one closed chunk, across chunks, the open chunk only.
    for (lo, hi) in [(0, 990), (15, 45), (65, 700), (985, 990), (-100, -1)] {
        let want: Vec<Vec<i64>> = want(lo, hi).into_iter().filter(|v| !v.is_empty()).collect();
        assert_eq!(got(&head, lo, hi), want, "[{lo}, {hi}]");
    }
    let before = dump(&head);
    head.close().unwrap();
    let (head, report) = Head::open(dir.path(), opts.clone()).unwrap();
    assert_eq!(report.replay.samples, 500);
    let after = dump(&head);
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert!(a
            .1
            .iter()
            .zip(&b.1)
            .all(|(x, y)| x.t == y.t && x.v.to_bits() == y.v.to_bits()));
    }
    head.truncate(333).unwrap();
    assert_eq!(got(&head, i64::MIN, i64::MAX), want(333, 990));
    assert_eq!(head.time_range(), Some((333, 990)));
    head.close().unwrap();
    let (head, _) = Head::open(dir.path(), opts).unwrap();
    assert_eq!(got(&head, i64::MIN, i64::MAX), want(333, 990));
}
