//! Feeds arbitrary bytes to the DirectPInvokeList reader (byte-order marks, UTF-8/16/32, line
//! ends) and parser for each platform and .NET version, then decides a few imports against it:
//! never a panic.
#![no_main]

use aotinterop::direct_pinvoke::{list_file, DirectPInvokePolicy, SourceKind};
use aotinterop_model::DotNet;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let (text, _) = list_file::decode(data);
    for rid in ["linux-x64", "win-x64", "osx-arm64", "ios-arm64"] {
        for dotnet in [DotNet::Net8, DotNet::Net10] {
            let mut policy = DirectPInvokePolicy::new(rid.parse().unwrap(), dotnet);
            if policy.add_list_text(Path::new("list.txt"), &text, SourceKind::List).is_err() {
                continue;
            }
            for line in list_file::lines(&text).take(8) {
                let (module, entry) = line.split_once('!').unwrap_or((line, "f"));
                let mut imp = aotinterop::Import::new(module, entry);
                imp.charset = aotinterop_model::Charset::Unicode;
                let _ = policy.decide(&imp);
            }
            let _ = policy.take_warnings();
        }
    }
});
