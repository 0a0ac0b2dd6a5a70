//! Feeds arbitrary bytes to the image reader (`inspect`: ELF, PE, Mach-O, the stub records and
//! native AOT's fixup cells) and, when they read as an image, to `inspect --check`'s loader
//! rules (RPATH/RUNPATH, LC_RPATH, weak dylibs, the lazy modules' probing) against a sysroot that
//! does not exist: each must return an error or a result, never panic or hang.
#![no_main]

use aotinterop::inspect::availability;
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};

fuzz_target!(|data: &[u8]| {
    if let Ok(ins) = aotinterop::inspect::inspect_bytes(data) {
        let _ = aotinterop::inspect::render_text(&ins);
        let machine = availability::Machine {
            sysroot: Some(PathBuf::from("/nonexistent-sysroot")),
            path_dirs: Vec::new(),
        };
        let a = availability::check(Path::new("/nonexistent/image"), data, &ins, &machine);
        let _ = availability::render_text(&a, machine.sysroot.as_deref());
    }
});
