//! One stub object of 20,000 lazy imports (as `benches/emit.rs` emits), for profilers
//! (`valgrind --tool=callgrind --toggle-collect='aotinterop_linker::emit::emit*'`); writes the
//! object to the path given as the first argument, if any.
use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::PlannedImport;
use aotinterop_model::{Arch, Format, Libc, Target};

fn main() {
    let imports: Vec<PlannedImport> = (0..20_000)
        .map(|i| {
            PlannedImport::lazy(
                &format!("Bench_Native{}__Entry{i}", i % 200),
                &format!("libnative{}", i % 200),
                &format!("native_entry_point_{i}"),
            )
        })
        .collect();
    // AOTINTEROP_EMIT_FORMAT=coff|macho for the other writers (default: ELF).
    let format = match std::env::var("AOTINTEROP_EMIT_FORMAT").as_deref() {
        Ok("coff") => Format::Coff,
        Ok("macho") => Format::MachO,
        _ => Format::Elf,
    };
    let target = Target {
        format,
        arch: Arch::X86_64,
        libc: if format == Format::Elf {
            Libc::Gnu
        } else {
            Libc::Other
        },
    };
    let t = std::time::Instant::now();
    let obj = emit(&target, &imports, &StubOptions::default()).unwrap();
    eprintln!("{} bytes in {:?}", obj.len(), t.elapsed());
    // An optional path: keep the object there for readelf / objdump.
    if let Some(path) = std::env::args().nth(1) {
        std::fs::write(path, &obj).unwrap();
    }
}
