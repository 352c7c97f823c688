//! The append rules, as tables of steps run against `MemStorage`, plus
//! series references, visibility of commits, and concurrent appenders.

mod common;

use common::{samples, select};
use hestia_model::{labels, Labels, STALE_NAN};
use hestia_storage::{AppendError, Appendable, MemStorage, Queryable, SeriesRef};

/// What an append should return.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Accepted,
    OutOfOrder,
    Duplicate,
    OutOfBounds,
    SeriesLimit,
    Invalid,
}

/// One step; after `Commit` and `Rollback` the next append opens a new
/// appender.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Append to the series named (`""`: the empty label set).
    A(&'static str, i64, f64, Want),
    Commit,
    Rollback,
}

use Step::{Commit, Rollback, A};
use Want::*;

fn series(name: &str) -> Labels {
    if name.is_empty() {
        Labels::default()
    } else {
        labels! { "__name__" => name, "job" => "test" }
    }
}

fn kind(result: &Result<SeriesRef, AppendError>) -> Want {
    match result {
        Ok(_) => Accepted,
        Err(AppendError::OutOfOrder { .. }) => OutOfOrder,
        Err(AppendError::DuplicateSampleForTimestamp { .. }) => Duplicate,
        Err(AppendError::OutOfBounds { .. }) => OutOfBounds,
        Err(AppendError::SeriesLimit { .. }) => SeriesLimit,
        Err(AppendError::InvalidLabels(_)) => Invalid,
        Err(other) => panic!("unexpected {other:?}"),
    }
}

struct Case {
    name: &'static str,
    storage: fn() -> MemStorage,
    steps: &'static [Step],
    /// Committed contents: (series, samples).
    want: &'static [(&'static str, &'static [(i64, f64)])],
}

const CASES: &[Case] = &[
    Case {
        name: "in order",
        storage: MemStorage::new,
        steps: &[A("a", 1, 1.0, Accepted), A("a", 2, 2.0, Accepted), Commit],
        want: &[("a", &[(1, 1.0), (2, 2.0)])],
    },
    Case {
        name: "out of order within a batch",
        storage: MemStorage::new,
        steps: &[A("a", 2, 2.0, Accepted), A("a", 1, 1.0, OutOfOrder), Commit],
        want: &[("a", &[(2, 2.0)])],
    },
    Case {
        name: "out of order against committed",
        storage: MemStorage::new,
        steps: &[
            A("a", 5, 5.0, Accepted),
            Commit,
            A("a", 4, 4.0, OutOfOrder),
            A("a", 6, 6.0, Accepted),
            Commit,
        ],
        want: &[("a", &[(5, 5.0), (6, 6.0)])],
    },
    Case {
        name: "exact repeat is stored once",
        storage: MemStorage::new,
        steps: &[
            A("a", 1, 1.0, Accepted),
            A("a", 1, 1.0, Accepted),
            Commit,
            A("a", 1, 1.0, Accepted),
            Commit,
        ],
        want: &[("a", &[(1, 1.0)])],
    },
    Case {
        name: "same timestamp, other value",
        storage: MemStorage::new,
        steps: &[
            A("a", 1, 1.0, Accepted),
            A("a", 1, 2.0, Duplicate),
            Commit,
            A("a", 1, 3.0, Duplicate),
            Commit,
        ],
        want: &[("a", &[(1, 1.0)])],
    },
    Case {
        name: "values compare by bits",
        storage: MemStorage::new,
        steps: &[
            A("a", 1, f64::NAN, Accepted),
            A("a", 1, f64::NAN, Accepted),
            A("a", 1, STALE_NAN, Duplicate),
            A("a", 2, STALE_NAN, Accepted),
            A("a", 2, STALE_NAN, Accepted),
            A("a", 2, f64::NAN, Duplicate),
            A("a", 3, 0.0, Accepted),
            A("a", 3, -0.0, Duplicate),
            Commit,
        ],
        want: &[("a", &[(1, f64::NAN), (2, STALE_NAN), (3, 0.0)])],
    },
    Case {
        name: "rollback discards the batch",
        storage: MemStorage::new,
        steps: &[
            A("a", 5, 1.0, Accepted),
            Rollback,
            A("a", 1, 2.0, Accepted),
            Commit,
        ],
        want: &[("a", &[(1, 2.0)])],
    },
    Case {
        name: "series are independent",
        storage: MemStorage::new,
        steps: &[
            A("a", 5, 1.0, Accepted),
            A("b", 1, 1.0, Accepted),
            A("a", 1, 1.0, OutOfOrder),
            A("b", 5, 1.0, Accepted),
            Commit,
        ],
        want: &[("a", &[(5, 1.0)]), ("b", &[(1, 1.0), (5, 1.0)])],
    },
    Case {
        name: "negative and extreme timestamps",
        storage: MemStorage::new,
        steps: &[
            A("a", i64::MIN, 1.0, Accepted),
            A("a", -1, 2.0, Accepted),
            A("a", i64::MAX, 3.0, Accepted),
            Commit,
        ],
        want: &[("a", &[(i64::MIN, 1.0), (-1, 2.0), (i64::MAX, 3.0)])],
    },
    Case {
        name: "oldest appendable time",
        storage: || MemStorage::new().with_min_valid_time(10),
        steps: &[
            A("a", 9, 1.0, OutOfBounds),
            A("a", 10, 1.0, Accepted),
            Commit,
        ],
        want: &[("a", &[(10, 1.0)])],
    },
    Case {
        name: "series limit",
        storage: || MemStorage::new().with_series_limit(1),
        steps: &[
            A("a", 1, 1.0, Accepted),
            A("b", 1, 1.0, SeriesLimit),
            A("a", 2, 1.0, Accepted),
            Commit,
        ],
        want: &[("a", &[(1, 1.0), (2, 1.0)])],
    },
    Case {
        name: "empty label set",
        storage: MemStorage::new,
        steps: &[A("", 1, 1.0, Invalid), Commit],
        want: &[],
    },
    Case {
        name: "nothing committed",
        storage: MemStorage::new,
        steps: &[A("a", 1, 1.0, Accepted), Rollback],
        want: &[],
    },
];

#[test]
fn append_rules() {
    for case in CASES {
        let storage = (case.storage)();
        let mut appender = Some(storage.appender());
        for (i, step) in case.steps.iter().enumerate() {
            let app = appender.get_or_insert_with(|| storage.appender());
            match *step {
                A(name, t, v, want) => {
                    let got = app.append(None, &series(name), t, v);
                    assert_eq!(
                        kind(&got),
                        want,
                        "{}: step {i} {step:?} gave {got:?}",
                        case.name
                    );
                }
                Commit => appender.take().unwrap().commit().unwrap(),
                Rollback => appender.take().unwrap().rollback().unwrap(),
            }
        }
        let want: Vec<_> = case
            .want
            .iter()
            .map(|(n, s)| (series(n), samples(s)))
            .collect();
        assert_eq!(storage.dump(), want, "{}", case.name);
        assert_eq!(
            select(&storage, i64::MIN, i64::MAX, &[]),
            want,
            "{}: select",
            case.name
        );
    }
}

#[test]
fn errors_carry_the_details() {
    let storage = MemStorage::new().with_min_valid_time(0);
    let mut app = storage.appender();
    let l = series("a");
    app.append(None, &l, 10, 1.0).unwrap();
    assert_eq!(
        app.append(None, &l, 5, 1.0),
        Err(AppendError::OutOfOrder { t: 5, latest: 10 })
    );
    assert_eq!(
        app.append(None, &l, 10, 2.0),
        Err(AppendError::DuplicateSampleForTimestamp {
            t: 10,
            existing: 1.0,
            new: 2.0
        })
    );
    assert_eq!(
        app.append(None, &l, -1, 2.0),
        Err(AppendError::OutOfBounds { t: -1, min_t: 0 })
    );
    let e = AppendError::OutOfOrder { t: 5, latest: 10 };
    assert!(e.to_string().contains("out of order"), "{e}");
}

#[test]
fn series_references() {
    let storage = MemStorage::new();
    let (a, b) = (series("a"), series("b"));
    let mut app = storage.appender();
    let ra = app.append(None, &a, 1, 1.0).unwrap();
    let rb = app.append(None, &b, 1, 1.0).unwrap();
    assert_ne!(ra, rb);
    assert_eq!(app.append(Some(ra), &a, 2, 2.0), Ok(ra));
    assert_eq!(app.append(Some(rb), &b, 2, 2.0), Ok(rb));
    // A reference naming no series falls back to the labels.
    assert_eq!(app.append(Some(SeriesRef(999)), &a, 3, 3.0), Ok(ra));
    app.commit().unwrap();
    let mut app = storage.appender();
    assert_eq!(
        app.append(None, &a, 4, 4.0),
        Ok(ra),
        "references are stable"
    );
    app.commit().unwrap();
    assert_eq!(
        storage.dump(),
        vec![
            (a, samples(&[(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0)])),
            (b, samples(&[(1, 1.0), (2, 2.0)])),
        ]
    );
    assert_eq!(storage.series_count(), 2);
    assert_eq!(storage.sample_count(), 6);
}

/// What appending with a reference and empty labels gives.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ByRef {
    /// Appended to the series `a` (reference and value).
    ToA,
    /// A new series (the labels given) was created.
    Created,
    UnknownRef,
    Invalid,
}

#[test]
fn appends_by_reference_without_labels() {
    // (case, reference: the live one or a dead one, labels, want).
    let cases: &[(&str, Option<bool>, &str, ByRef)] = &[
        ("live reference, empty labels", Some(true), "", ByRef::ToA),
        ("live reference, its labels", Some(true), "a", ByRef::ToA),
        (
            "dead reference, empty labels",
            Some(false),
            "",
            ByRef::UnknownRef,
        ),
        ("dead reference, known labels", Some(false), "a", ByRef::ToA),
        (
            "dead reference, new labels",
            Some(false),
            "c",
            ByRef::Created,
        ),
        ("no reference, empty labels", None, "", ByRef::Invalid),
    ];
    let dead = SeriesRef(1_000);
    for &(name, live, labels, want) in cases {
        let storage = MemStorage::new();
        let mut app = storage.appender();
        let ra = app.append(None, &series("a"), 1, 1.0).unwrap();
        let hint = live.map(|live| if live { ra } else { dead });
        let got = app.append(hint, &series(labels), 2, 2.0);
        let kind = match got {
            Ok(r) if r == ra => ByRef::ToA,
            Ok(_) => ByRef::Created,
            Err(AppendError::UnknownSeriesRef(r)) => {
                assert_eq!(r, dead, "{name}");
                ByRef::UnknownRef
            }
            Err(AppendError::InvalidLabels(_)) => ByRef::Invalid,
            Err(e) => panic!("{name}: unexpected {e:?}"),
        };
        assert_eq!(kind, want, "{name}");
        // The appender stays usable after a refusal.
        assert_eq!(app.append(Some(ra), &Labels::default(), 3, 3.0), Ok(ra));
        app.commit().unwrap();
        let a_samples: &[(i64, f64)] = if want == ByRef::ToA {
            &[(1, 1.0), (2, 2.0), (3, 3.0)]
        } else {
            &[(1, 1.0), (3, 3.0)]
        };
        let mut expected = vec![(series("a"), samples(a_samples))];
        if want == ByRef::Created {
            expected.push((series(labels), samples(&[(2, 2.0)])));
        }
        assert_eq!(storage.dump(), expected, "{name}");
        let count = if want == ByRef::Created { 2 } else { 1 };
        assert_eq!(storage.series_count(), count, "{name}: no empty series");
    }
}

#[test]
fn commits_are_visible_to_later_queriers_only() {
    let storage = MemStorage::new();
    let a = series("a");
    let mut app = storage.appender();
    app.append(None, &a, 1, 1.0).unwrap();
    assert!(
        select(&storage, 0, 10, &[]).is_empty(),
        "pending samples are invisible"
    );
    let before = storage.querier(0, 10).unwrap();
    app.commit().unwrap();
    assert_eq!(
        common::read_all(before.select(true, &Default::default(), &[])),
        vec![]
    );
    assert_eq!(
        select(&storage, 0, 10, &[]),
        vec![(a.clone(), samples(&[(1, 1.0)]))]
    );

    // A rolled-back series exists but has no samples, so is not selected.
    let mut app = storage.appender();
    app.append(None, &series("b"), 1, 1.0).unwrap();
    drop(app);
    assert_eq!(storage.series_count(), 2);
    assert_eq!(
        select(&storage, 0, 10, &[]),
        vec![(a, samples(&[(1, 1.0)]))]
    );
}

#[test]
fn overlapping_appenders_drop_what_the_first_commit_overtook() {
    let storage = MemStorage::new();
    let a = series("a");
    let mut first = storage.appender();
    let mut second = storage.appender();
    first.append(None, &a, 10, 1.0).unwrap();
    second.append(None, &a, 5, 2.0).unwrap();
    second.append(None, &a, 10, 2.0).unwrap();
    second.append(None, &a, 20, 2.0).unwrap();
    first.commit().unwrap();
    second.commit().unwrap();
    assert_eq!(storage.dump(), vec![(a, samples(&[(10, 1.0), (20, 2.0)]))]);
}

#[test]
fn appenders_on_many_threads() {
    let storage = MemStorage::new();
    let threads = 4;
    let per_thread = 50;
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let storage = &storage;
            scope.spawn(move || {
                let mut app = storage.appender();
                let mut reference = None;
                let l = labels! { "__name__" => "m", "thread" => thread.to_string() };
                for t in 0..per_thread {
                    reference = Some(app.append(reference, &l, t, t as f64).unwrap());
                }
                app.commit().unwrap();
            });
        }
    });
    let all = select(&storage, 0, per_thread, &[]);
    assert_eq!(all.len(), threads);
    for (labels, s) in all {
        assert_eq!(s.len(), per_thread as usize, "{labels}");
    }
}
