//! The alert rules in `examples/rules/` (the seeds' `alerts.yml` files)
//! and their unit tests: `hestia check rules` and `hestia test rules`
//! pass on every file, so does the installed `promtool` (which
//! `scripts/test` provides), and every alerting rule has a case where it
//! fires and one where it stays quiet.

use std::path::{Path, PathBuf};
use std::process::Command;

use hestia_config::rules::unittest::UnitTestFile;
use hestia_config::rules::{load_rule_file, NoChecks, RuleKind, RuleLoadOptions};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/rules")
}

/// The rule files and the unit-test files, by name.
fn files() -> (Vec<String>, Vec<String>) {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    names.sort();
    let (tests, rules) = names.into_iter().partition(|n| n.ends_with(".test.yml"));
    (rules, tests)
}

fn run(program: &str, args: &[&str], files: &[String]) {
    let out = Command::new(program)
        .args(args)
        .args(files)
        .current_dir(dir())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn hestia_checks_and_tests_pass() {
    let (rules, tests) = files();
    // One per seed with alert rules: 000, 001, 003, 004 (002 has none).
    assert_eq!(rules.len(), 4, "{rules:?}");
    assert_eq!(tests.len(), rules.len(), "{tests:?}");
    run(env!("CARGO_BIN_EXE_hestia"), &["check", "rules"], &rules);
    run(env!("CARGO_BIN_EXE_hestia"), &["test", "rules"], &tests);
}

#[test]
fn promtool_passes_them_too() {
    let (rules, tests) = files();
    run("promtool", &["check", "rules"], &rules);
    run("promtool", &["test", "rules"], &tests);
}

#[test]
fn every_alert_has_a_firing_and_a_quiet_case() {
    let (rules, _) = files();
    for file in rules {
        let loaded = load_rule_file(&dir().join(&file), &RuleLoadOptions::default(), &NoChecks)
            .unwrap_or_else(|e| panic!("{file}: {e:?}"));
        let test_file = file.replace(".yml", ".test.yml");
        let unit = UnitTestFile::load(&dir().join(&test_file)).unwrap();
        let cases: Vec<_> = unit
            .tests
            .iter()
            .flat_map(|t| &t.alert_rule_tests)
            .collect();
        let alerts = loaded.groups.iter().flat_map(|g| &g.rules);
        for alert in alerts.filter(|r| r.kind == RuleKind::Alerting) {
            let of_alert = || cases.iter().filter(|c| c.alertname == alert.name);
            assert!(
                of_alert().any(|c| !c.exp_alerts.is_empty()),
                "{test_file}: no case where {} fires",
                alert.name
            );
            assert!(
                of_alert().any(|c| c.exp_alerts.is_empty()),
                "{test_file}: no case where {} stays quiet",
                alert.name
            );
        }
    }
}
