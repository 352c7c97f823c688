//! Golden tests of `hestia tsdb analyze` and `hestia tsdb dump` on a small
//! deterministic database: blocks imported from OpenMetrics text plus a
//! head with a staleness marker, read by the real binary. Refresh the
//! files in `tests/golden/` with `HESTIA_BLESS=1 cargo test -p hestia
//! --test golden` and review the diff.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use hestia::import::{import, ImportOptions};
use hestia_model::{Labels, STALE_NAN};
use hestia_storage::Appendable;
use hestia_tsdb::{BlockId, Db, DbOptions};

const T0: i64 = 1_700_000_000; // seconds

/// Three hours of samples every ten minutes: `up` of three instances (one
/// gone after an hour), requests by code and path, a label value with
/// escapes, special values.
fn backfill() -> String {
    let mut om = String::from("# HELP up Whether the target is up.\n# TYPE up gauge\n");
    for (instance, until) in [("a:9100", 18), ("b:9100", 18), ("c:9100", 6)] {
        for k in 0..until {
            let v = u8::from(k % 7 != 3);
            writeln!(
                om,
                "up{{instance=\"{instance}\",job=\"node\"}} {v} {}",
                T0 + 600 * k
            )
            .unwrap();
        }
    }
    om.push_str("# TYPE http_requests counter\n");
    for (code, path) in [
        ("200", "/"),
        ("200", "/api"),
        ("500", "/api"),
        ("404", "/x\"y\\z\n"),
    ] {
        for k in 0..18 {
            let v = (k * k) as f64 * 1.5 + f64::from(code.parse::<u16>().unwrap()) / 100.0;
            writeln!(
                om,
                "http_requests_total{{code=\"{code}\",job=\"api\",path=\"{}\"}} {v} {}.250",
                path.replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n"),
                T0 + 600 * k
            )
            .unwrap();
        }
    }
    om.push_str("# TYPE temperature gauge\n");
    for (k, v) in ["NaN", "+Inf", "-Inf", "-0.5", "1e+21", "1e-07"]
        .iter()
        .enumerate()
    {
        writeln!(
            om,
            "temperature{{room=\"lab\"}} {v} {}",
            T0 + 1800 * k as i64
        )
        .unwrap();
    }
    om.push_str("# EOF\n");
    om
}

fn build(dir: &Path) {
    let opts = ImportOptions {
        block_duration: 3_600_000,
        first_id: Some(BlockId::at(1_700_000_000_000)),
        ..ImportOptions::default()
    };
    import(backfill().as_bytes(), dir, &opts, &mut |_| {}).unwrap();
    let (db, report) = Db::open(dir, DbOptions::default()).unwrap();
    assert!(report.dropped.is_empty());
    let mut app = db.appender();
    let up = |i: &str| Labels::new([("__name__", "up"), ("instance", i), ("job", "node")]).unwrap();
    let t = (T0 + 600 * 18) * 1000;
    app.append(None, &up("a:9100"), t, 1.0).unwrap();
    app.append(None, &up("a:9100"), t + 600_000, STALE_NAN)
        .unwrap();
    app.append(None, &up("d:9100"), t + 600_000, 1.0).unwrap();
    app.commit().unwrap();
    db.head().sync().unwrap();
}

fn hestia(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hestia"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn check(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("HESTIA_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (HESTIA_BLESS=1 writes it)", path.display()));
    assert!(
        got == want,
        "{name} differs from {} (HESTIA_BLESS=1 refreshes it):\n{got}",
        path.display()
    );
}

#[test]
fn analyze_and_dump() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let d = dir.path().to_str().unwrap();
    let table: &[(&str, &[&str])] = &[
        ("analyze.txt", &["tsdb", "analyze", d]),
        (
            "analyze_limit_match.txt",
            &["tsdb", "analyze", d, "--limit", "3", "--match", "up"],
        ),
        ("dump.txt", &["tsdb", "dump", d]),
        (
            "dump_match.txt",
            &[
                "tsdb",
                "dump",
                d,
                "--match",
                r#"{__name__="up",instance=~"a.*"}"#,
                "--match",
                r#"http_requests_total{path!~"/.*api"}"#,
                "--min-time",
                "1700004000000",
                "--max-time",
                "1700011200000",
            ],
        ),
    ];
    for (golden, args) in table {
        check(golden, &hestia(args));
    }
}

#[test]
fn refuses_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let table: &[(&[&str], &str)] = &[
        (&["tsdb", "dump", "/nonexistent/db"], "no database at"),
        (
            &["tsdb", "dump", d, "--match", "sum(up)"],
            "not a series selector",
        ),
        (
            &["tsdb", "dump", d, "--min-time", "5", "--max-time", "4"],
            "is after",
        ),
        (
            &["tsdb", "import", "/nonexistent.om"],
            "opening /nonexistent.om",
        ),
        (
            &["tsdb", "import", "x", "--block-duration", "2x"],
            "invalid duration",
        ),
    ];
    for (args, message) in table {
        let out = Command::new(env!("CARGO_BIN_EXE_hestia"))
            .args(*args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(message),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn import_reports_parse_errors_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.om");
    std::fs::write(&input, "up 1 1\nup 2 0.5\n# EOF\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hestia"))
        .args(["tsdb", "import"])
        .arg(&input)
        .arg("--output-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("line 2, column 1: sample of {__name__=\"up\"} at 500 ms is not after"),
        "{err}"
    );
    // Said once: the message is not repeated as its own cause.
    assert_eq!(err.matches("line 2, column 1").count(), 1, "{err}");
    assert!(
        !dir.path().join("data").exists()
            || std::fs::read_dir(dir.path().join("data"))
                .unwrap()
                .next()
                .is_none()
    );
}
