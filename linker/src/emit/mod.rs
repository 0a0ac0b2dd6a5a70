//! The stub object: per-import call stubs, resolve thunks, cells and the import table of
//! `docs/import-abi.md`, written with the `object` crate for ELF, COFF and Mach-O.
//!
//! Input is the plan's imports ([`PlannedImport`]s; those sharing a call symbol share a stub);
//! output the bytes of a relocatable object for a [`Target`]. Code generation (`x86_64.rs`, `aarch64.rs`) produces bytes plus
//! format-neutral relocations; `elf.rs`, `coff.rs` and `macho.rs` write the object of each
//! format. The table bytes come from `table.rs`.

mod aarch64;
mod arm;
mod code;
mod coff;
mod eh_frame;
mod elf;
mod macho;
mod table;
mod x86;
mod x86_64;

use crate::target::{Arch, Format, Target};
use aotinterop_model::{Binding, DotNet, PlannedImport};
use std::collections::BTreeSet;

pub use table::build_table;

/// What a stub object needs besides the plan's imports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StubOptions {
    /// The .NET release whose lazy-resolver search rules the import records encode.
    pub dotnet: DotNet,
    /// Let the resolver find relative names from the current directory (off by default).
    pub allow_current_directory: bool,
    /// The AssemblyDirectory step searches the process executable's folder, not the image's.
    pub process_directory: bool,
    /// COFF, direct imports: native symbols that a static library linked into the image defines,
    /// whose forwarding stubs jump to them instead of through their `__imp_` IAT slots.
    pub static_symbols: BTreeSet<String>,
    /// ELF: give the call symbols default visibility, so that a runtime which looks P/Invokes up
    /// by name in the image (Mono, through its dllmap to `__Internal`) finds them in the dynamic
    /// symbol table. Off, they are hidden.
    pub export_call_symbols: bool,
}

/// The error of a stub object that cannot be emitted (`AOTI0202`), saying why.
pub(crate) fn emit_error(why: String) -> crate::diag::Error {
    crate::diag::Error::new(
        crate::diag::codes::EMIT_FAILED,
        format!("cannot emit the stub object: {why}"),
    )
}

/// Bytes of code and data one lazy import costs on a target, beyond its name string
/// (group tails and the per-object parts are spread over the imports of a full group).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LazyCost {
    /// Call stub + resolve thunk (+ share of the group tail), bytes.
    pub code: f64,
    /// Cell, bytes.
    pub cell: f64,
    /// Import record, bytes.
    pub record: f64,
}

/// The per-import cost of a lazy import on `target` (see `docs/import-abi.md`).
pub fn lazy_cost(target: &Target) -> crate::diag::Result<LazyCost> {
    let code = match (target.arch, target.format) {
        (Arch::X86_64, format) => x86_64::per_import_code_bytes(format),
        (Arch::Aarch64, _) => aarch64::per_import_code_bytes(),
        (Arch::X86, Format::Coff) => x86::per_import_code_bytes(),
        (Arch::Arm, Format::Elf) => arm::per_import_code_bytes(),
        _ => return Err(unsupported(target)),
    };
    Ok(LazyCost {
        code,
        cell: target.arch.pointer_bytes() as f64,
        record: aotinterop_runtime::abi::IMPORT_RECORD_SIZE as f64,
    })
}

fn unsupported(target: &Target) -> crate::diag::Error {
    emit_error(format!(
        "no stubs for {target} ({:?} {:?}): supported are x86_64 and aarch64 in ELF, COFF and Mach-O, x86 in COFF and ARM in ELF",
        target.arch, target.format
    ))
}

fn check_symbol(kind: &str, name: &str) -> crate::diag::Result<()> {
    if name.is_empty() {
        return Err(emit_error(format!("empty {kind}")));
    }
    if name.bytes().any(|b| b == 0 || b.is_ascii_whitespace()) {
        return Err(emit_error(format!(
            "{kind} `{}` holds a NUL or a space",
            name.escape_debug()
        )));
    }
    Ok(())
}

/// Emits the stub object for `imports` on `target`.
///
/// Imports that share a call symbol share its stub; two that share one but bind differently are
/// an error. Lazy imports get a call stub, a cell and an import record; direct imports whose call
/// symbol differs from their native symbol get a forwarding stub.
pub fn emit(
    target: &Target,
    imports: &[PlannedImport],
    options: &StubOptions,
) -> crate::diag::Result<Vec<u8>> {
    if !matches!(
        (target.arch, target.format),
        (Arch::X86_64 | Arch::Aarch64, _) | (Arch::X86, Format::Coff) | (Arch::Arm, Format::Elf)
    ) {
        return Err(unsupported(target));
    }
    let mut seen: rustc_hash::FxHashMap<&str, &PlannedImport> = Default::default();
    seen.reserve(imports.len());
    let mut unique = Vec::with_capacity(imports.len());
    for imp in imports {
        check_symbol("call symbol", &imp.call_symbol)?;
        match seen.get(imp.call_symbol.as_str()) {
            Some(first) => match first.binding_difference(imp) {
                None => continue,
                Some(why) => {
                    return Err(emit_error(format!(
                        "call symbol `{}` given twice, for imports that bind differently: {why}",
                        imp.call_symbol
                    )))
                }
            },
            None => {
                seen.insert(&imp.call_symbol, imp);
                unique.push(imp);
            }
        }
        if imp.module.is_empty() || imp.module.contains('\0') {
            return Err(emit_error(format!(
                "import `{}` has an empty module name or one holding a NUL",
                imp.call_symbol
            )));
        }
        if imp.entry.is_empty() || imp.entry.contains('\0') {
            return Err(emit_error(format!(
                "import `{}` has an empty entry point or one holding a NUL",
                imp.call_symbol
            )));
        }
        if imp.binding == Binding::Direct {
            check_symbol("native symbol", imp.symbol())?;
        }
    }
    let lazy: Vec<&PlannedImport> = unique
        .iter()
        .copied()
        .filter(|i| i.binding == Binding::Lazy)
        .collect();
    let direct: Vec<&PlannedImport> = unique
        .iter()
        .copied()
        .filter(|i| i.binding == Binding::Direct && i.symbol() != i.call_symbol)
        .collect();
    let table = build_table(target, &lazy, options)?;
    let mut code = match target.arch {
        Arch::X86_64 => x86_64::generate(target.format, &lazy, &direct, options),
        Arch::Aarch64 => aarch64::generate(target.format, &lazy, &direct),
        Arch::X86 => x86::generate(&lazy, &direct, options),
        Arch::Arm => arm::generate(&lazy, &direct),
        _ => return Err(unsupported(target)),
    }?;
    if options.export_call_symbols {
        if target.format != Format::Elf {
            return Err(emit_error(format!(
                "exported call symbols are for ELF images; {target} is not one"
            )));
        }
        code.export_symbols = true;
    }
    match target.format {
        Format::Elf => elf::write(target.arch, &table, &code),
        Format::Coff => coff::write(target.arch, &table, &code),
        Format::MachO => macho::write(target, &table, &code),
    }
}
