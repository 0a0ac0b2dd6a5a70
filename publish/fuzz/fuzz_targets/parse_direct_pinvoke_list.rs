//! Feeds arbitrary text to the DirectPInvokeList parser for each platform, then decides a few
//! imports against it: never a panic.
#![no_main]

use aotinterop::direct_pinvoke::{DirectPInvokePolicy, SourceKind};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for rid in ["linux-x64", "win-x64", "osx-arm64"] {
        let mut policy = DirectPInvokePolicy::new(rid.parse().unwrap());
        if policy.add_list_text(Path::new("list.txt"), text, SourceKind::List).is_err() {
            continue;
        }
        for line in text.lines().take(8) {
            let (module, entry) = line.split_once('!').unwrap_or((line, "f"));
            let mut imp = aotinterop::Import::new(module, entry);
            imp.charset = aotinterop_model::Charset::Unicode;
            let _ = policy.decide(&imp);
        }
        let _ = policy.take_warnings();
    }
});
