//! Every `.aotimp` table that once crashed or aborted a reader (found by the `read_aotimp` fuzz
//! target in `publish/fuzz`, or by hand: counts the section cannot hold), read again: each must
//! give the imports or an error.

use std::path::Path;

#[test]
fn past_crash_inputs_are_read_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    aotinterop_testkit::replay_regression_inputs(&dir, |input, bytes| {
        let header = aotinterop_runtime::abi::parse_header(bytes);
        let imports = aotinterop_runtime::abi::read_lazy_imports(bytes);
        // Every one of these is damaged: the reader must say so.
        assert!(
            header.is_err() || imports.is_err(),
            "{}: read as a whole table",
            input.display()
        );
    });
}
