//! Every input that once crashed or hung the image reader (found by the `inspect_image` fuzz
//! target in `publish/fuzz`), fed through `inspect` again: each must give a result or an error.

use aotinterop_image::availability;
use std::path::Path;

#[test]
fn past_crash_inputs_are_inspected_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    aotinterop_testkit::replay_regression_inputs(&dir, |_, bytes| {
        if let Ok(ins) = aotinterop_image::inspect_bytes(bytes) {
            let _ = aotinterop_image::render_text(&ins);
            // As the fuzz target does: the loader rules of `--check`, against no sysroot.
            let machine = availability::Machine {
                sysroot: Some("/nonexistent-sysroot".into()),
                path_dirs: Vec::new(),
            };
            let a = availability::check(Path::new("/nonexistent/image"), bytes, &ins, &machine);
            let _ = availability::render_text(&a, machine.sysroot.as_deref());
        }
    });
}
