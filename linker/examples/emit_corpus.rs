//! Writes the stub object and a stand-in import library of every target of the target table,
//! for a fixed set of imports and each set of stub options, into a folder: run before and after
//! a change to the writers and compare the folders byte for byte (`cmp`), to show that the
//! change leaves every output as it was.
//!
//! `cargo run -p aotinterop-linker --example emit_corpus -- OUT_DIR`

use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_linker::import_libraries;
use aotinterop_model::{
    Binding, CallingConvention, Charset, EntryLookup, Format, GeneratedLibrary, GeneratedSymbol,
    PlannedImport, Target, TARGETS,
};

/// Lazy and direct imports over a few libraries: forwarding stubs, A/W lookups, stdcall sizes,
/// ordinals, shared call symbols, `__Internal`.
fn imports() -> Vec<PlannedImport> {
    let mut out = Vec::new();
    for i in 0..300 {
        let module = format!("libnative{}", i % 7);
        let mut imp = if i % 3 == 0 {
            PlannedImport::direct(&format!("Call_direct_{i}"), &module, &format!("direct_entry_{i}"))
        } else {
            PlannedImport::lazy(&format!("Call_lazy_{i}"), &module, &format!("lazy_entry_{i}"))
        };
        if i % 5 == 0 {
            imp.charset = Charset::Unicode;
            imp.lookup = EntryLookup::WFirst;
        }
        if i % 11 == 0 {
            imp.set_last_error = true;
        }
        if i % 13 == 0 {
            imp.calling_convention = Some(CallingConvention::Stdcall);
            imp.stack_bytes = Some(4 * (i % 4) as u32);
            imp.stdcall_probe = imp.binding == Binding::Lazy;
        }
        out.push(imp);
    }
    out.push(PlannedImport::lazy("Call_ordinal", "kernel32.dll", "#12"));
    out.push(PlannedImport::direct(
        "Call_internal",
        "__Internal",
        "internal_entry",
    ));
    out.push(PlannedImport::direct("same_name", "libc", "same_name"));
    out
}

fn option_sets(target: &Target) -> Vec<StubOptions> {
    let mut statics = StubOptions::default();
    statics.static_symbols.insert("direct_entry_3".into());
    let exported = StubOptions {
        export_call_symbols: target.format == Format::Elf,
        allow_current_directory: true,
        process_directory: true,
        ..StubOptions::default()
    };
    vec![StubOptions::default(), statics, exported]
}

fn stand_in() -> GeneratedLibrary {
    let symbols = (0..40)
        .map(|i| GeneratedSymbol {
            symbol: format!("sym_{i}"),
            export: (i % 4 == 0).then(|| format!("export_{i}")),
            ordinal: (i % 9 == 0).then_some(i as u16 + 1),
            version: (i % 3 == 0).then(|| "VERS_1.0".to_string()),
        })
        .collect();
    GeneratedLibrary {
        module: "vendor".into(),
        file: "libvendor.so.1".into(),
        symbols,
        read_from: None,
    }
}

fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: emit_corpus OUT_DIR"));
    std::fs::create_dir_all(&out).unwrap();
    let imports = imports();
    for row in TARGETS {
        for (n, options) in option_sets(&row.target).iter().enumerate() {
            let file = out.join(format!("{}-stubs-{n}.o", row.rid));
            match emit(&row.target, &imports, options) {
                Ok(bytes) => std::fs::write(file, bytes).unwrap(),
                Err(e) => std::fs::write(file.with_extension("err"), e.to_string()).unwrap(),
            }
        }
        let file = out.join(format!("{}-stand-in", row.rid));
        match import_libraries::write(&row.target, &stand_in()) {
            Ok(bytes) => std::fs::write(file, bytes).unwrap(),
            Err(e) => std::fs::write(file.with_extension("err"), e.to_string()).unwrap(),
        }
    }
}
