//! Feeds arbitrary bytes to the assembly reader: it must return an error or a result, never
//! panic, hang or allocate more than the input justifies.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = aotinterop::scan::read_bytes(data, "fuzz") {
        // Touch what a scan reports, so every lazily decoded field is exercised too.
        for i in &a.imports {
            let _ = (i.import.module.len(), i.signature.as_deref());
        }
        for e in &a.exports {
            let _ = (e.name.len(), e.call_convs.len());
        }
    }
});
