//! The CI-stable part of the benchmarks: instruction counts of the call paths under callgrind,
//! compared with the committed baseline (`bench/baseline/callgrind.json`) by the same command
//! `scripts/bench-check` runs, and shown to fail when a deliberate slowdown is built in.

use std::process::Command;

fn check(extra: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aotinterop-bench"))
        .arg("check")
        .args(extra)
        .output()
        .expect("run aotinterop-bench");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "aotinterop-bench check could not measure ({:?}):\n{text}",
        out.status
    );
    (out.status.success(), text)
}

#[test]
fn call_paths_match_the_baseline() {
    let (ok, text) = check(&[]);
    assert!(
        ok,
        "instruction counts regressed against bench/baseline/callgrind.json:\n{text}"
    );
    assert!(text.contains("lazy_int"), "{text}");
}

#[test]
fn an_injected_slowdown_fails_the_check() {
    // Two extra instructions per lazy call: 9 -> 11 on the one-integer path.
    let (ok, text) = check(&["--slowdown", "2"]);
    assert!(!ok, "the check passed with a slowdown built in:\n{text}");
    assert!(text.contains("REGRESSION lazy_int"), "{text}");
    assert!(text.contains("more than the direct PLT call"), "{text}");
}
