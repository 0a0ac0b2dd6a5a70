//! Every input that once crashed, hung or misled the assembly reader (found by the fuzz target in
//! `publish/fuzz`, or by hand), fed through it again: each must give a result or an error.

use std::path::Path;

#[test]
fn past_crash_inputs_are_read_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    aotinterop_testkit::replay_regression_inputs(&dir, |input, bytes| {
        if let Err(fault) = aotinterop::scan::read_bytes(bytes, "regression") {
            assert!(
                !fault.message.is_empty(),
                "{}: empty error message",
                input.display()
            );
        }
    });
}
