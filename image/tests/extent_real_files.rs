//! The first-bytes check every binary read starts with (`model::extent`) accepts every real
//! object, archive, library and image on the system that `object` (an independent parser)
//! reads: ELF (the host's libraries and programs, MinGW's objects), PE (Wine's DLLs, Mono's
//! assemblies) and archives (the host's and MinGW's).

use std::io::Read;
use std::path::Path;

fn head_and_len(path: &Path) -> Option<(Vec<u8>, Vec<u8>, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 64 << 20 {
        return None;
    }
    let mut all = Vec::new();
    std::fs::File::open(path).ok()?.read_to_end(&mut all).ok()?;
    let head = all[..all.len().min(aotinterop_model::diag::HEADER_LEN)].to_vec();
    Some((head, all, meta.len()))
}

#[test]
fn every_real_binary_object_reads_passes_the_first_bytes_check() {
    let roots = [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/bin",
        "/usr/x86_64-w64-mingw32/lib",
        "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows",
        "/usr/lib/mono/4.5",
    ];
    let (mut checked, mut refused) = (0, Vec::new());
    for root in roots {
        for entry in walkdir::WalkDir::new(root).max_depth(2).into_iter().flatten() {
            let Some((head, all, len)) = head_and_len(entry.path()) else {
                continue;
            };
            let parsed = object::File::parse(&*all).is_ok()
                || object::read::archive::ArchiveFile::parse(&*all).is_ok();
            if !parsed {
                continue;
            }
            checked += 1;
            if let Some(why) = aotinterop_model::extent::overrun(&head, len) {
                refused.push(format!("{}: {why}", entry.path().display()));
            }
        }
    }
    assert!(checked > 1000, "only {checked} files read");
    assert!(refused.is_empty(), "{refused:#?}");
}
