//! The stub object: per-import call stubs, resolve thunks, cells and the import table of
//! `docs/import-abi.md`, written with the `object` crate for ELF, COFF and Mach-O.
//!
//! Input is a list of [`StubImport`]s (one per call symbol); output the bytes of a relocatable
//! object for a [`Target`]. Code generation (`x86_64.rs`, `aarch64.rs`) produces bytes plus
//! format-neutral relocations; `elf.rs`, `coff.rs` and `macho.rs` write the object of each
//! format. The table bytes come from `table.rs`.

mod aarch64;
mod code;
mod coff;
mod eh_frame;
mod elf;
mod macho;
mod table;
mod x86_64;

use crate::target::{Arch, Format, Target};
use std::fmt;

pub use table::build_table;

/// How an import binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StubBinding {
    /// Bound by the OS loader at startup: the call symbol forwards to the native symbol.
    Direct,
    /// Bound on first call through a trampoline.
    Lazy,
}

/// `CharSet` of an import (decides the Windows entry-point spellings).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StubCharset {
    /// `CharSet.None`.
    #[default]
    None,
    /// `CharSet.Ansi`.
    Ansi,
    /// `CharSet.Unicode`.
    Unicode,
    /// `CharSet.Auto`.
    Auto,
}

/// One import to emit a stub for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StubImport {
    /// The symbol compiled code calls.
    pub call_symbol: String,
    /// Library as written in `DllImport`.
    pub module: String,
    /// Entry point as declared (`#N` for an ordinal).
    pub entry: String,
    /// Native symbol a direct import binds to (usually `entry`, or its `A`/`W` spelling).
    pub symbol: String,
    /// Direct or lazy.
    pub binding: StubBinding,
    /// `CharSet`.
    pub charset: StubCharset,
    /// `ExactSpelling`.
    pub exact_spelling: bool,
    /// `SetLastError`.
    pub set_last_error: bool,
    /// `DllImportSearchPath` flags when given (`None`: the default, AssemblyDirectory).
    pub search_path: Option<u32>,
    /// Let the resolver find relative names from the current directory (off by default).
    pub allow_current_directory: bool,
    /// COFF, direct imports: the native symbol is defined by a static library linked into the
    /// image, so the forwarding stub jumps to it instead of through its `__imp_` IAT slot.
    pub static_symbol: bool,
}

impl StubImport {
    /// A lazy import with default flags.
    pub fn lazy(call_symbol: &str, module: &str, entry: &str) -> Self {
        StubImport {
            call_symbol: call_symbol.into(),
            module: module.into(),
            entry: entry.into(),
            symbol: entry.into(),
            binding: StubBinding::Lazy,
            charset: StubCharset::None,
            exact_spelling: false,
            set_last_error: false,
            search_path: None,
            allow_current_directory: false,
            static_symbol: false,
        }
    }

    /// A direct import of `symbol`.
    pub fn direct(call_symbol: &str, module: &str, symbol: &str) -> Self {
        StubImport {
            binding: StubBinding::Direct,
            ..Self::lazy(call_symbol, module, symbol)
        }
    }
}

/// Why a stub object could not be emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmitError(pub String);

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot emit the stub object: {}", self.0)
    }
}

impl std::error::Error for EmitError {}

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
pub fn lazy_cost(target: &Target) -> Result<LazyCost, EmitError> {
    let code = match (target.arch, target.format) {
        (Arch::X86_64, format) => x86_64::per_import_code_bytes(format),
        (Arch::Aarch64, _) => aarch64::per_import_code_bytes(),
        _ => return Err(unsupported(target)),
    };
    Ok(LazyCost {
        code,
        cell: 8.0,
        record: aotinterop_runtime::abi::IMPORT_RECORD_SIZE as f64,
    })
}

fn unsupported(target: &Target) -> EmitError {
    EmitError(format!(
        "no stubs for {target} ({:?} {:?}): supported are x86_64 and aarch64 in ELF, COFF and Mach-O",
        target.arch, target.format
    ))
}

fn check_symbol(kind: &str, name: &str) -> Result<(), EmitError> {
    if name.is_empty() {
        return Err(EmitError(format!("empty {kind}")));
    }
    if name.bytes().any(|b| b == 0 || b.is_ascii_whitespace()) {
        return Err(EmitError(format!(
            "{kind} `{}` holds a NUL or a space",
            name.escape_debug()
        )));
    }
    Ok(())
}

/// Emits the stub object for `imports` on `target`.
///
/// Every call symbol must be unique. Lazy imports get a call stub, a cell and an import record;
/// direct imports whose call symbol differs from their native symbol get a forwarding stub.
pub fn emit(target: &Target, imports: &[StubImport]) -> Result<Vec<u8>, EmitError> {
    if !matches!(target.arch, Arch::X86_64 | Arch::Aarch64) {
        return Err(unsupported(target));
    }
    let mut seen = rustc_hash::FxHashSet::default();
    seen.reserve(imports.len());
    for imp in imports {
        check_symbol("call symbol", &imp.call_symbol)?;
        if !seen.insert(imp.call_symbol.as_str()) {
            return Err(EmitError(format!(
                "call symbol `{}` given twice",
                imp.call_symbol
            )));
        }
        if imp.module.is_empty() || imp.module.contains('\0') {
            return Err(EmitError(format!(
                "import `{}` has an empty module name or one holding a NUL",
                imp.call_symbol
            )));
        }
        if imp.entry.is_empty() || imp.entry.contains('\0') {
            return Err(EmitError(format!(
                "import `{}` has an empty entry point or one holding a NUL",
                imp.call_symbol
            )));
        }
        if imp.binding == StubBinding::Direct {
            check_symbol("native symbol", &imp.symbol)?;
        }
    }
    let lazy: Vec<&StubImport> = imports
        .iter()
        .filter(|i| i.binding == StubBinding::Lazy)
        .collect();
    let direct: Vec<&StubImport> = imports
        .iter()
        .filter(|i| i.binding == StubBinding::Direct && i.symbol != i.call_symbol)
        .collect();
    let table = build_table(target, &lazy)?;
    let code = match target.arch {
        Arch::X86_64 => x86_64::generate(target.format, &lazy, &direct),
        Arch::Aarch64 => aarch64::generate(target.format, &lazy, &direct),
        _ => return Err(unsupported(target)),
    }?;
    match target.format {
        Format::Elf => elf::write(target.arch, &table, &code),
        Format::Coff if target.arch == Arch::X86_64 => coff::write(&table, &code),
        Format::MachO => macho::write(target, &table, &code),
        _ => Err(unsupported(target)),
    }
}
