//! Engine behaviour through the public API over `MemStorage`: vector
//! matching errors, `count_values` label collisions, `histogram_quantile`
//! on broken bucket sets, staleness, annotations with positions, and the
//! limits (samples, timeout, cancellation) failing cleanly.

use std::time::Duration;

use hestia_model::{labels, Labels, STALE_NAN};
use hestia_promql::{Cancel, Engine, EngineOptions, Error, QueryRange, Value};
use hestia_storage::{Appendable, MemStorage};

/// Loads `(labels, [(t_seconds, value)])` into a fresh storage.
fn storage(series: &[(Labels, &[(i64, f64)])]) -> MemStorage {
    let storage = MemStorage::new();
    let mut app = storage.appender();
    for (labels, samples) in series {
        for &(t, v) in *samples {
            app.append(None, labels, t * 1000, v).unwrap();
        }
    }
    app.commit().unwrap();
    storage
}

/// The instant vector as `(labels text, value)`, sorted.
fn vector(value: &Value) -> Vec<(String, f64)> {
    let Value::Vector(samples) = value else {
        panic!("expected a vector, got {value:?}");
    };
    let mut out: Vec<(String, f64)> = samples
        .iter()
        .map(|s| (s.labels.to_string(), s.v))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn matching_data() -> MemStorage {
    storage(&[
        (
            labels! { "__name__" => "a", "job" => "x", "i" => "1" },
            &[(0, 1.0)],
        ),
        (
            labels! { "__name__" => "a", "job" => "x", "i" => "2" },
            &[(0, 2.0)],
        ),
        (labels! { "__name__" => "b", "job" => "x" }, &[(0, 10.0)]),
        (
            labels! { "__name__" => "b", "job" => "x", "extra" => "e" },
            &[(0, 20.0)],
        ),
        (
            labels! { "__name__" => "c", "job" => "x", "i" => "1" },
            &[(0, 5.0)],
        ),
    ])
}

#[test]
fn vector_matching_errors() {
    let s = matching_data();
    let engine = Engine::default();
    // (query, expected error text)
    let cases = [
        (
            "a + on(job) b",
            "found duplicate series for the match group {job=\"x\"} on the right hand-side of \
             the operation: [{__name__=\"b\", extra=\"e\", job=\"x\"}, {__name__=\"b\", job=\"x\"}];\
             many-to-many matching not allowed: matching labels must be unique on one side",
        ),
        (
            "c + on(job) a",
            "found duplicate series for the match group {job=\"x\"} on the right hand-side of \
             the operation: [{__name__=\"a\", i=\"1\", job=\"x\"}, {__name__=\"a\", i=\"2\", job=\"x\"}];\
             many-to-many matching not allowed: matching labels must be unique on one side",
        ),
        (
            "a + on(job) group_left(extra) b",
            "found duplicate series for the match group {job=\"x\"} on the right hand-side of \
             the operation: [{__name__=\"b\", extra=\"e\", job=\"x\"}, {__name__=\"b\", job=\"x\"}];\
             many-to-many matching not allowed: matching labels must be unique on one side",
        ),
        (
            "{__name__=~\"a|c\", i=\"1\"} * on(job) group_left b{extra=\"\"}",
            "multiple matches for labels: grouping labels must ensure unique matches",
        ),
        (
            "a - on(job) c",
            "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
        ),
        (
            "label_replace(a, \"i\", \"same\", \"i\", \".*\")",
            "vector cannot contain metrics with the same labelset",
        ),
        // `* 1` drops `__name__` only at the end, where a and c collide.
        (
            "{__name__=~\"a|c\"} * 1",
            "vector cannot contain metrics with the same labelset",
        ),
    ];
    for (query, want) in cases {
        match engine.instant(&s, query, 0) {
            Err(e) => assert_eq!(e.to_string(), want, "{query}"),
            Ok(r) => panic!("{query}: expected an error, got {:?}", r.value),
        }
    }
}

#[test]
fn vector_matching_results() {
    let s = matching_data();
    let engine = Engine::default();
    // (query, expected (labels, value) sorted)
    let cases: &[(&str, &[(&str, f64)])] = &[
        (
            "a * on(job, i) group_left c",
            &[("{i=\"1\", job=\"x\"}", 5.0)],
        ),
        ("c > bool on(job, i) a", &[("{i=\"1\", job=\"x\"}", 1.0)]),
        (
            "a unless on(i) c",
            &[("{__name__=\"a\", i=\"2\", job=\"x\"}", 2.0)],
        ),
        (
            "c * on(job) group_right(i) b{extra=\"\"}",
            &[("{i=\"1\", job=\"x\"}", 50.0)],
        ),
    ];
    for (query, want) in cases {
        let got = vector(&engine.instant(&s, query, 0).unwrap().value);
        let want: Vec<(String, f64)> = want.iter().map(|(l, v)| (l.to_string(), *v)).collect();
        assert_eq!(got, want, "{query}");
    }
}

#[test]
fn count_values_label_collisions() {
    let s = storage(&[
        (
            labels! { "__name__" => "m", "job" => "a", "v" => "old" },
            &[(0, 1.0)],
        ),
        (
            labels! { "__name__" => "m", "job" => "b", "v" => "old" },
            &[(0, 1.0)],
        ),
        (
            labels! { "__name__" => "m", "job" => "c", "v" => "old" },
            &[(0, 2.5)],
        ),
    ]);
    let engine = Engine::default();
    let cases: &[(&str, &[(&str, f64)])] = &[
        // The value label replaces an existing label of the same name.
        (
            "count_values(\"job\", m)",
            &[("{job=\"1\"}", 2.0), ("{job=\"2.5\"}", 1.0)],
        ),
        (
            "count_values by (job) (\"job\", m)",
            &[("{job=\"1\"}", 2.0), ("{job=\"2.5\"}", 1.0)],
        ),
        (
            "count_values without (job) (\"v\", m)",
            &[("{v=\"1\"}", 2.0), ("{v=\"2.5\"}", 1.0)],
        ),
        (
            "count_values by (v) (\"value\", m)",
            &[
                ("{v=\"old\", value=\"1\"}", 2.0),
                ("{v=\"old\", value=\"2.5\"}", 1.0),
            ],
        ),
    ];
    for (query, want) in cases {
        let got = vector(&engine.instant(&s, query, 0).unwrap().value);
        let want: Vec<(String, f64)> = want.iter().map(|(l, v)| (l.to_string(), *v)).collect();
        assert_eq!(got, want, "{query}");
    }
    let err = engine
        .instant(&s, "count_values(\"a\\xc5z\", m)", 0)
        .unwrap_err();
    assert_eq!(err.to_string(), "invalid label name \"a\\xc5z\"");
}

#[test]
fn histogram_quantile_on_broken_buckets() {
    let bucket = |le: &str, v: f64| {
        (
            labels! { "__name__" => "h_bucket", "le" => le.to_string(), "job" => "j" },
            v,
        )
    };
    // (name, buckets (le, count), expected quantile (None: NaN), info raised)
    type Case<'a> = (&'a str, &'a [(&'a str, f64)], Option<f64>, bool);
    let sets: &[Case<'_>] = &[
        ("no +Inf bucket", &[("1", 2.0), ("2", 4.0)], None, false),
        (
            "regular",
            &[("1", 2.0), ("2", 6.0), ("+Inf", 8.0)],
            Some(1.5),
            false,
        ),
        (
            "non-monotonic",
            &[("1", 4.0), ("2", 3.0), ("+Inf", 8.0)],
            Some(1.0),
            true,
        ),
    ];
    for (name, buckets, want, info) in sets {
        let series: Vec<(Labels, Vec<(i64, f64)>)> = buckets
            .iter()
            .map(|(le, v)| {
                let (l, v) = bucket(le, *v);
                (l, vec![(0, v)])
            })
            .collect();
        let refs: Vec<(Labels, &[(i64, f64)])> = series
            .iter()
            .map(|(l, s)| (l.clone(), s.as_slice()))
            .collect();
        let s = storage(&refs);
        let r = Engine::default()
            .instant(&s, "histogram_quantile(0.5, h_bucket)", 0)
            .unwrap();
        let got = vector(&r.value);
        assert_eq!(got.len(), 1, "{name}");
        assert_eq!(got[0].0, "{job=\"j\"}", "{name}");
        match want {
            Some(w) => assert_eq!(got[0].1, *w, "{name}"),
            None => assert!(got[0].1.is_nan(), "{name}"),
        }
        assert_eq!(
            r.annotations
                .iter()
                .any(|a| a.message.contains("needed to be fixed for monotonicity")),
            *info,
            "{name}"
        );
    }
}

#[test]
fn default_subquery_step_follows_the_configuration() {
    let points: Vec<(i64, f64)> = (0..=60).map(|i| (i * 5, i as f64)).collect();
    let s = storage(&[(labels! { "__name__" => "m" }, &points)]);
    let engine = Engine::default();
    let clone = engine.clone();
    let count = |e: &Engine| {
        vector(
            &e.instant(&s, "count_over_time(m[2m:])", 300_000)
                .unwrap()
                .value,
        )[0]
        .1
    };
    // Left-open (180 s, 300 s]: every 60 s by default, then every 15 s
    // once the evaluation interval says so, for clones too.
    assert_eq!(count(&engine), 2.0);
    engine.set_default_subquery_step(15_000);
    assert_eq!(count(&clone), 8.0);
    assert_eq!(clone.default_subquery_step(), 15_000);
    engine.set_default_subquery_step(0);
    assert_eq!(count(&engine), 8.0, "a non-positive step is ignored");
}

#[test]
fn staleness_and_lookback() {
    let stale = STALE_NAN;
    let s = storage(&[(
        labels! { "__name__" => "m" },
        &[(0, 1.0), (60, 2.0), (120, stale), (600, 3.0)],
    )]);
    let engine = Engine::default();
    // (time s, expected value or none)
    let cases = [
        (0, Some(1.0)),
        (119, Some(2.0)),
        (120, None),
        (300, None),
        (359, None),
        (600, Some(3.0)),
        (899, Some(3.0)),
        (900, None),
    ];
    for (t, want) in cases {
        let got = vector(&engine.instant(&s, "m", t * 1000).unwrap().value);
        assert_eq!(got.first().map(|g| g.1), want, "at {t}s");
    }
}

#[test]
fn annotations_carry_positions() {
    let s = storage(&[(labels! { "__name__" => "series", "a" => "1" }, &[(0, 1.0)])]);
    let engine = Engine::default();
    let r = engine
        .range(&s, "sum(sort(series))", 0, 60_000, 60_000)
        .unwrap();
    let messages: Vec<&str> = r.annotations.iter().map(|a| a.message.as_str()).collect();
    assert_eq!(
        messages,
        ["PromQL warning: sort is ineffective for range queries since results are always ordered by labels (1:5)"]
    );
    let r = engine.instant(&s, "quantile(2, series)", 0).unwrap();
    assert_eq!(
        r.annotations[0].message,
        "PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)"
    );
    let r = engine.instant(&s, "rate(series[5m])", 0).unwrap();
    assert!(
        r.annotations.is_empty(),
        "one sample gives no rate, no info"
    );
}

#[test]
fn limits_fail_cleanly() {
    let samples: Vec<(i64, f64)> = (0..100).map(|i| (i * 15, i as f64)).collect();
    let s = storage(&[(labels! { "__name__" => "m" }, &samples)]);
    let small = Engine::new(EngineOptions {
        max_samples: 10,
        ..EngineOptions::default()
    });
    let err = small
        .instant(&s, "sum_over_time(m[20m])", 1_500_000)
        .unwrap_err();
    assert!(matches!(err, Error::TooManySamples { limit: 10 }), "{err}");
    assert_eq!(
        err.to_string(),
        "query processing would load too many samples into memory in query execution"
    );
    let no_time = Engine::new(EngineOptions {
        timeout: Some(Duration::ZERO),
        ..EngineOptions::default()
    });
    assert!(matches!(no_time.instant(&s, "m", 0), Err(Error::Timeout)));
    let cancel = Cancel::new();
    cancel.cancel();
    let engine = Engine::default();
    let err = engine
        .execute(&s, "m", QueryRange::Instant(0), &cancel)
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled));
    // Wrong query shapes are errors, not panics.
    let cases = [
        (
            "m[5m]",
            QueryRange::Range {
                start: 0,
                end: 60_000,
                step: 15_000,
            },
        ),
        (
            "m",
            QueryRange::Range {
                start: 0,
                end: 60_000,
                step: 0,
            },
        ),
        (
            "m",
            QueryRange::Range {
                start: 60_000,
                end: 0,
                step: 1,
            },
        ),
        ("sum(", QueryRange::Instant(0)),
        ("{}", QueryRange::Instant(0)),
    ];
    for (query, range) in cases {
        assert!(
            engine.execute(&s, query, range, &Cancel::new()).is_err(),
            "{query}"
        );
    }
}
