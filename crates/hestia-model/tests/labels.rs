//! Label sets as tables: construction rules, lookups, projections, order,
//! both textual forms, the builder and the grouping hashes.

use hestia_model::{labels, Error, Labels, LabelsBuilder, METRIC_NAME};

fn pairs(l: &Labels) -> Vec<(&str, &str)> {
    l.iter().collect()
}

/// Label pairs.
type Pairs = &'static [(&'static str, &'static str)];

#[test]
fn construction() {
    // (input pairs, stored pairs or the duplicated name)
    let cases: &[(Pairs, Result<Pairs, &str>)] = &[
        (&[], Ok(&[])),
        (&[("b", "2"), ("a", "1")], Ok(&[("a", "1"), ("b", "2")])),
        (
            &[("job", "x"), ("__name__", "up"), ("Z", "z")],
            Ok(&[("Z", "z"), ("__name__", "up"), ("job", "x")]),
        ),
        (&[("a", ""), ("b", "2")], Ok(&[("b", "2")])),
        (&[("a", "")], Ok(&[])),
        (&[("a", "1"), ("a", "2")], Err("a")),
        (&[("a", "1"), ("a", "1")], Err("a")),
        (&[("a", ""), ("a", "1")], Err("a")),
        (
            &[("my.label", "ü"), ("", "x")],
            Ok(&[("", "x"), ("my.label", "ü")]),
        ),
    ];
    for (input, want) in cases {
        let got = Labels::new(input.iter().copied());
        match want {
            Ok(stored) => assert_eq!(pairs(got.as_ref().unwrap()), *stored, "{input:?}"),
            Err(name) => assert_eq!(got, Err(Error::DuplicateLabelName(name.to_string()))),
        }
    }
    let owned = Labels::new(vec![("a".to_string(), "1".to_string())]).unwrap();
    assert_eq!(owned, labels! { "a" => "1" });
}

#[test]
fn lookups() {
    let l = labels! { "__name__" => "up", "job" => "api", "a" => "1" };
    assert_eq!(l.len(), 3);
    assert!(!l.is_empty());
    assert_eq!(l.get("job"), Some("api"));
    assert_eq!(l.get("a"), Some("1"));
    assert_eq!(l.get("nope"), None);
    assert!(l.contains("__name__") && !l.contains("x"));
    assert_eq!(l.metric_name(), Some("up"));
    assert_eq!(labels! { "a" => "1" }.metric_name(), None);
    assert_eq!(
        l.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        ["__name__", "a", "job"]
    );
    assert_eq!((&l).into_iter().len(), 3);
    assert!(Labels::default().is_empty());
}

#[test]
fn projections() {
    let l = labels! { "__name__" => "up", "job" => "api", "instance" => "h:1" };
    // (operation, expected)
    let cases = [
        (
            l.without_metric_name(),
            labels! { "job" => "api", "instance" => "h:1" },
        ),
        (l.keep(&["job", "zone"]), labels! { "job" => "api" }),
        (
            l.keep(&["instance", "__name__"]),
            labels! { "__name__" => "up", "instance" => "h:1" },
        ),
        (l.keep::<&str>(&[]), Labels::default()),
        (
            l.drop(&["job"]),
            labels! { "__name__" => "up", "instance" => "h:1" },
        ),
        (l.drop(&["zone"]), l.clone()),
        (l.drop(&[METRIC_NAME.to_string()]), l.without_metric_name()),
        (
            labels! { "a" => "1" }.without_metric_name(),
            labels! { "a" => "1" },
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

#[test]
fn order_is_prometheus_compare() {
    // Each set sorts strictly before the next.
    let sorted = [
        Labels::default(),
        labels! { "a" => "1" },
        labels! { "a" => "1", "b" => "1" },
        labels! { "a" => "1", "c" => "0" },
        labels! { "a" => "2" },
        labels! { "a" => "20" },
        labels! { "a" => "3" },
        labels! { "aa" => "0" },
        labels! { "b" => "0" },
    ];
    for w in sorted.windows(2) {
        assert!(w[0] < w[1], "{} < {}", w[0], w[1]);
    }
    let mut shuffled = sorted.to_vec();
    shuffled.reverse();
    shuffled.sort();
    assert_eq!(shuffled, sorted);
}

#[test]
fn textual_forms() {
    // (labels, Display as Prometheus' Labels.String(), PromQL form)
    let cases = [
        (Labels::default(), "{}", "{}"),
        (labels! { "__name__" => "up" }, r#"{__name__="up"}"#, "up"),
        (
            labels! { "__name__" => "up", "job" => "api", "a" => "1" },
            r#"{__name__="up", a="1", job="api"}"#,
            r#"up{a="1", job="api"}"#,
        ),
        (
            labels! { "job" => "api" },
            r#"{job="api"}"#,
            r#"{job="api"}"#,
        ),
        (
            labels! { "__name__" => "node:cpu:rate", "x" => "y" },
            r#"{__name__="node:cpu:rate", x="y"}"#,
            r#"node:cpu:rate{x="y"}"#,
        ),
        (
            labels! { "__name__" => "my.metric", "job" => "api" },
            r#"{__name__="my.metric", job="api"}"#,
            r#"{"my.metric", job="api"}"#,
        ),
        (
            labels! { "__name__" => "my.metric" },
            r#"{__name__="my.metric"}"#,
            r#"{"my.metric"}"#,
        ),
        (
            labels! { "my.label" => "x", "ok" => "a\"b\\c\nd\te" },
            r#"{"my.label"="x", ok="a\"b\\c\nd\te"}"#,
            r#"{"my.label"="x", ok="a\"b\\c\nd\te"}"#,
        ),
        (
            labels! { "k" => "日本 ü \u{7f} \u{200b}" },
            r#"{k="日本 ü \x7f \u200b"}"#,
            r#"{k="日本 ü \x7f \u200b"}"#,
        ),
    ];
    for (l, display, promql) in cases {
        assert_eq!(l.to_string(), display);
        assert_eq!(format!("{l:?}"), display);
        assert_eq!(l.promql().to_string(), promql);
    }
}

#[test]
fn builder() {
    let base = labels! { "__name__" => "up", "job" => "api", "instance" => "h:1" };
    type Step = fn(&mut LabelsBuilder);
    // (edits in order, expected result)
    let cases: [(&[Step], Labels); 8] = [
        (&[], base.clone()),
        (
            &[|b| _ = b.set("job", "web")],
            labels! { "__name__" => "up", "job" => "web", "instance" => "h:1" },
        ),
        (
            &[|b| _ = b.set("zone", "eu")],
            labels! { "__name__" => "up", "job" => "api", "instance" => "h:1", "zone" => "eu" },
        ),
        (
            &[|b| _ = b.set("job", "")],
            labels! { "__name__" => "up", "instance" => "h:1" },
        ),
        (
            &[|b| _ = b.del("job").del("nope")],
            labels! { "__name__" => "up", "instance" => "h:1" },
        ),
        (
            &[|b| _ = b.del("job"), |b| _ = b.set("job", "again")],
            base.builder().set("job", "again").build(),
        ),
        (
            &[
                |b| _ = b.set("zone", "eu"),
                |b| _ = b.keep(&["zone", "job"]),
            ],
            labels! { "job" => "api", "zone" => "eu" },
        ),
        (
            &[|b| _ = b.keep(&["x"]), |b| _ = b.set("a", "1")],
            labels! { "a" => "1" },
        ),
    ];
    for (steps, want) in cases {
        let mut b = LabelsBuilder::new(&base);
        for step in steps {
            step(&mut b);
        }
        assert_eq!(b.build(), want);
        assert_eq!(b.build(), want, "build leaves the builder usable");
    }
    let mut b = base.builder();
    b.set("job", "web");
    assert_eq!(b.get("job"), Some("web"));
    assert_eq!(b.get("zone"), None);
    b.reset(&labels! { "a" => "1" });
    assert_eq!(b.build(), labels! { "a" => "1" });
    assert_eq!(
        LabelsBuilder::default().set("a", "1").build(),
        labels! { "a" => "1" }
    );
}

#[test]
fn grouping_hashes() {
    let a = labels! { "__name__" => "x", "job" => "api", "instance" => "1" };
    let b = labels! { "__name__" => "y", "job" => "api", "instance" => "2" };
    assert_eq!(a.hash_for_labels(&["job"]), b.hash_for_labels(&["job"]));
    assert_ne!(
        a.hash_for_labels(&["instance"]),
        b.hash_for_labels(&["instance"])
    );
    assert_eq!(
        a.hash_without_labels(&["instance"]),
        b.hash_without_labels(&["instance"])
    );
    assert_eq!(a.hash_for_labels(&["job", "zone"]), a.keep(&["job"]).hash());
    assert_eq!(
        a.hash_for_labels(&["job", "instance"]),
        a.hash_for_labels(&["instance", "job"])
    );
    assert_eq!(
        a.hash_without_labels::<&str>(&[]),
        a.without_metric_name().hash()
    );
    // The separator keeps name/value boundaries apart.
    assert_ne!(
        labels! { "a" => "bc" }.hash(),
        labels! { "ab" => "c" }.hash()
    );
    assert_ne!(
        labels! { "a" => "b", "c" => "d" }.hash(),
        labels! { "a" => "b\u{ff}c" }.hash()
    );
}
