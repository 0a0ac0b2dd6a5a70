//! Every input that once crashed or hung the image readers (found by the `inspect_image` and
//! `read_present_library` fuzz targets in `publish/fuzz`), fed through `inspect` and the
//! present-library reader again: each must give a result or an error.

use aotinterop_image::availability;
use std::path::Path;

#[test]
fn past_crash_inputs_are_inspected_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    aotinterop_testkit::replay_regression_inputs(&dir, |_, bytes| {
        for rid in ["linux-x64", "win-x86", "osx-arm64"] {
            let target = rid
                .parse::<aotinterop_model::Rid>()
                .ok()
                .and_then(|r| r.target())
                .unwrap();
            let _ = aotinterop_image::present::read_bytes(bytes, Path::new("libfuzz.so"), &target);
        }
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
