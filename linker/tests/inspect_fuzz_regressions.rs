//! Every input that once crashed or hung the image reader (found by the `inspect_image` fuzz
//! target in `publish/fuzz`), fed through `inspect` again: each must give a result or an error.

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn past_crash_inputs_are_inspected_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no regression inputs in {}", dir.display());
    for input in inputs {
        let bytes = std::fs::read(&input).unwrap();
        let start = Instant::now();
        let result = aotinterop_linker::inspect::inspect_bytes(&bytes);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{} took {:?}",
            input.display(),
            start.elapsed()
        );
        if let Ok(ins) = result {
            let _ = aotinterop_linker::inspect::render_text(&ins);
        }
    }
}
