//! Feeds arbitrary first bytes and file lengths to the check every binary read starts with
//! (`model::extent::overrun`): it must answer, never panic or overflow, for any length.
#![no_main]

use aotinterop_model::extent::overrun;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (len, head) = match data {
        [a, b, c, d, e, f, g, h, rest @ ..] => (u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]), rest),
        _ => (data.len() as u64, data),
    };
    let _ = overrun(head, len);
    let head = &head[..head.len().min(4096)];
    for len in [0, head.len() as u64, u64::MAX] {
        let _ = overrun(head, len);
    }
});
