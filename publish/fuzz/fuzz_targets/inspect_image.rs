//! Feeds arbitrary bytes to the image reader (`inspect`: ELF, PE, Mach-O, the stub records and
//! native AOT's fixup cells): it must return an error or a result, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ins) = aotinterop::inspect::inspect_bytes(data) {
        let _ = aotinterop::inspect::render_text(&ins);
    }
});
