//! The rule-file loader (hestia-config's `rules`, with PromQL and
//! template checks from this crate) against Prometheus' fixtures, read at
//! run time: `rules/fixtures` (the rule manager's) and
//! `model/rulefmt/testdata` (the parser's, `*.bad.yaml` refused with the
//! message upstream expects).

mod common;

use hestia_config::rules::{load_rule_file, RuleLoadOptions};
use hestia_config::NameValidation;
use hestia_rules::load::{groups_from_files, LoadOptions};
use hestia_rules::PromqlChecker;

fn load(rel: &str, names: NameValidation) -> Result<hestia_config::rules::RuleFile, Vec<String>> {
    let options = RuleLoadOptions {
        name_validation: names,
        ..RuleLoadOptions::default()
    };
    load_rule_file(&common::conformance(rel), &options, &PromqlChecker)
        .map_err(|e| e.iter().map(ToString::to_string).collect())
}

#[test]
fn rule_manager_fixtures() {
    let dir = common::conformance("prometheus/rules/fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = load(
            &format!("prometheus/rules/fixtures/{name}"),
            NameValidation::Utf8,
        );
        seen += 1;
        if name == "invalid_rules.yaml" {
            let errors = result.expect_err("unknown field must be refused");
            assert!(errors[0].contains("unexpected_field"), "{errors:?}");
            assert!(errors[0].contains("invalid_rules.yaml:6:"), "{errors:?}");
        } else {
            let file = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert!(file.rule_count() > 0, "{name}");
            assert_eq!(
                file.warnings.is_empty(),
                name != "rules_multi_doc.yaml",
                "{name}"
            );
        }
    }
    assert_eq!(seen, 15);
}

#[test]
fn rulefmt_fixtures() {
    let utf8 = NameValidation::Utf8;
    let legacy = NameValidation::Legacy;
    // (file, validation, expected error fragment; None: loads)
    let cases = [
        (
            "duplicate_grp.bad.yaml",
            utf8,
            Some("groupname: \"yolo\" is repeated in the same file"),
        ),
        (
            "bad_expr.bad.yaml",
            utf8,
            Some("could not parse expression"),
        ),
        (
            "record_and_alert.bad.yaml",
            utf8,
            Some("only one of 'record' and 'alert' must be set"),
        ),
        (
            "no_rec_alert.bad.yaml",
            utf8,
            Some("one of 'record' or 'alert' must be set"),
        ),
        (
            "noexpr.bad.yaml",
            utf8,
            Some("field 'expr' must be set in rule"),
        ),
        (
            "invalid_record_name.bad.yaml",
            utf8,
            Some("braces present in the recording rule name"),
        ),
        (
            "invalid_record_name.bad.yaml",
            legacy,
            Some("invalid recording rule name"),
        ),
        (
            "bad_field.bad.yaml",
            utf8,
            Some("unknown field `annotation`"),
        ),
        (
            "invalid_label_name.bad.yaml",
            utf8,
            Some("invalid label name: __name__"),
        ),
        (
            "record_and_for.bad.yaml",
            utf8,
            Some("invalid field 'for' in recording rule"),
        ),
        (
            "record_and_keep_firing_for.bad.yaml",
            utf8,
            Some("invalid field 'keep_firing_for' in recording rule"),
        ),
        (
            "legacy_validation_annotation.bad.yaml",
            legacy,
            Some("invalid annotation name: ins-tance"),
        ),
        ("legacy_validation_annotation.good.yaml", legacy, None),
        ("utf-8_annotation.good.yaml", utf8, None),
        ("utf-8_lname.good.yaml", utf8, None),
        ("test.yaml", utf8, None),
        ("test_aliases.yaml", utf8, None),
    ];
    for (file, names, want) in cases {
        let result = load(&format!("prometheus/model/rulefmt/testdata/{file}"), names);
        match (want, result) {
            (None, Ok(_)) => {}
            (None, Err(e)) => panic!("{file}: {e:?}"),
            (Some(w), Ok(_)) => panic!("{file} loaded; want {w:?}"),
            (Some(w), Err(e)) => assert!(e[0].contains(w), "{file}: {e:?} lacks {w:?}"),
        }
    }
}

#[test]
fn errors_name_file_line_group_and_rule() {
    let e = load(
        "prometheus/model/rulefmt/testdata/bad_expr.bad.yaml",
        NameValidation::Utf8,
    )
    .unwrap_err();
    assert!(
        e[0].starts_with("") && e[0].contains("bad_expr.bad.yaml:5:15: group \"yolo\", rule 1, \"yolo\": could not parse expression: "),
        "{e:?}"
    );
    let e = load(
        "prometheus/cmd/promtool/testdata/bad-rules-syntax.yml",
        NameValidation::Utf8,
    )
    .unwrap_err();
    assert!(
        e[0].contains("group \"bad-syntax\", rule 1, \"x\": could not parse expression"),
        "{e:?}"
    );
}

#[test]
fn promtool_rule_files_build_groups() {
    let files = vec![
        common::conformance("prometheus/cmd/promtool/testdata/rules.yml")
            .to_string_lossy()
            .into_owned(),
    ];
    let groups = groups_from_files(&files, &LoadOptions::default()).unwrap();
    let names: Vec<_> = groups
        .iter()
        .map(|g| (g.name().to_string(), g.rules.len()))
        .collect();
    assert_eq!(names, [("alerts".to_string(), 2), ("rules".to_string(), 3)]);
    assert_eq!(groups[0].options.interval_ms, 60_000);
}

#[test]
fn group_settings_from_the_file_reach_the_groups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yml");
    std::fs::write(
        &path,
        r#"groups:
  - name: tuned
    interval: 2s
    limit: 3
    query_offset: 1s
    labels:
      team: storage
      severity: low
    rules:
      - record: r
        expr: vector(1)
      - alert: A
        expr: vector(1)
        labels:
          severity: page
  - name: defaults
    rules:
      - record: r2
        expr: vector(2)
"#,
    )
    .unwrap();
    let options = LoadOptions {
        default_interval_ms: 15_000,
        default_query_offset_ms: 500,
        ..LoadOptions::default()
    };
    let groups = groups_from_files(&[path.to_string_lossy().into_owned()], &options).unwrap();
    let settings: Vec<_> = groups
        .iter()
        .map(|g| {
            let o = &g.options;
            (o.name.as_str(), o.interval_ms, o.limit, o.query_offset_ms)
        })
        .collect();
    assert_eq!(
        settings,
        [("tuned", 2_000, 3, 1_000), ("defaults", 15_000, 0, 500)]
    );
    // Group labels reach every rule; a rule's own labels win.
    let labels = |i: usize| match &groups[0].rules[i] {
        hestia_rules::Rule::Recording(r) => r.labels.clone(),
        hestia_rules::Rule::Alerting(a) => a.labels.clone(),
    };
    let pairs = |l: std::collections::BTreeMap<String, String>| {
        l.into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(pairs(labels(0)), ["severity=low", "team=storage"]);
    assert_eq!(pairs(labels(1)), ["severity=page", "team=storage"]);
    assert!(groups[1].rules.iter().all(|r| match r {
        hestia_rules::Rule::Recording(r) => r.labels.is_empty(),
        hestia_rules::Rule::Alerting(_) => false,
    }));
}
