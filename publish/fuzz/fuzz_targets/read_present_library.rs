//! Feeds arbitrary bytes to the reader of a direct import's real library (what preflight reads
//! for `generate_import_libraries`: names, exports, their kinds and versions) as a library of
//! each format: it must return a library or nothing, never panic.
#![no_main]

use aotinterop_image::present;
use aotinterop_model::{Rid, Target};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    for rid in ["linux-x64", "linux-arm", "win-x64", "win-x86", "osx-arm64"] {
        let target: Target = rid.parse::<Rid>().ok().and_then(|r| r.target()).unwrap();
        let _ = present::read_bytes(data, Path::new("libfuzz.so"), &target);
    }
});
