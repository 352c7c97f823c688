//! `examples/demo/` (what `scripts/run` starts the server with): the
//! configuration and its rules pass `hestia check` and `hestia test
//! rules`, and the installed `promtool` agrees (`scripts/test` installs
//! it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo")
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir())
        .output()
        .unwrap_or_else(|e| panic!("{program} (run scripts/test to install it): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{program} {args:?} failed:\n{text}");
    text
}

#[test]
fn the_demo_configuration_and_rules_pass_hestia_and_promtool() {
    for program in [env!("CARGO_BIN_EXE_hestia"), "promtool"] {
        let out = run(program, &["check", "config", "prometheus.yml"]);
        assert!(out.contains("SUCCESS"), "{out}");
        run(program, &["check", "rules", "rules.yml"]);
        let out = run(program, &["test", "rules", "rules.test.yml"]);
        assert!(out.contains("SUCCESS"), "{out}");
    }
}
