//! Every input that once crashed, hung or misled the assembly reader (found by the fuzz target in
//! `publish/fuzz`, or by hand), fed through it again: each must give a result or an error.

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn past_crash_inputs_are_read_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "bin"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no regression inputs in {}", dir.display());
    for input in inputs {
        let bytes = std::fs::read(&input).unwrap();
        let start = Instant::now();
        let result = aotinterop::scan::read_bytes(&bytes, "regression");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{} took {:?}",
            input.display(),
            start.elapsed()
        );
        if let Err(fault) = result {
            assert!(
                !fault.message.is_empty(),
                "{}: empty error message",
                input.display()
            );
        }
    }
}
