//! The `.aotimp` table reader (`inspect`, `verify`, `probe`): any section bytes give the lazy
//! imports or an error, never a panic or an allocation the bytes do not justify.
#![no_main]

use aotinterop_runtime::abi::{parse_header, read_lazy_imports};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_header(data);
    let _ = read_lazy_imports(data);
});
