//! Feeds arbitrary bytes to the `/etc/ld.so.cache` reader `inspect --check` uses for ELF images:
//! it must return entries or an error, never panic.
#![no_main]

use aotinterop::inspect::availability::ld_so_cache;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = ld_so_cache::parse(data) {
        let x64 = aotinterop::inspect::ImageArch::Known(aotinterop_model::Arch::X86_64);
        let _ = ld_so_cache::lookup(&entries, "libc.so.6", x64);
    }
});
