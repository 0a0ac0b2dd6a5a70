//! aotinterop's readers of binaries: what an image asks of the OS loader at startup (`needed`
//! libraries and the `imports` bound then), what it `exports`, and the `lazy` imports listed in
//! its stub records or native AOT's cells (`inspect`); whether each library and lazy module is
//! found on a machine, by each loader's rules (`availability`); what a real library exports
//! (`present`); an image against its plan (`verify`). ELF, PE and Mach-O, read with the `object`
//! crate; one module per format for what differs. Nothing here writes a binary.

pub mod availability;
mod debuglink;
pub use debuglink::{debuglink, debuglink_name, pdb_path};
mod elf;
mod ilc;
mod macho;

pub use macho::fat_slices as macho_fat_slices;
mod pe;
pub mod present;
pub mod probe;
pub mod scan;
mod text;
mod truncated;
pub mod verify;

pub use text::render_text;

use aotinterop_model::{diag, target, FileKind};
use diag::{codes, Diagnostic, Error, Result};
use object::{Object, ObjectKind, ObjectSection, ObjectSymbol};
use serde::Serialize;
use std::collections::{BTreeSet, VecDeque};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
pub use target::Format;

/// An absolute path under the sysroot when there is one (as GNU ld reads the paths a linker
/// script inside the sysroot names, and as `inspect --check` looks libraries up).
pub fn rooted(p: &Path, sysroot: Option<&Path>) -> PathBuf {
    use std::path::Component;
    match sysroot {
        // `..` stops at the root, as it does at `/` on the target (`/../lib` is `/lib` there).
        Some(root) if p.is_absolute() => {
            let mut inside = PathBuf::new();
            for part in p.components() {
                match part {
                    Component::Normal(name) => inside.push(name),
                    Component::ParentDir => {
                        inside.pop();
                    }
                    _ => {}
                }
            }
            root.join(inside)
        }
        _ => p.to_path_buf(),
    }
}

/// Whether `arch` is the target's architecture.
pub fn arch_matches(target: &target::Target, arch: object::Architecture) -> bool {
    use object::Architecture as A;
    use target::Arch;
    match target.arch {
        Arch::X86_64 => arch == A::X86_64,
        Arch::Aarch64 => arch == A::Aarch64,
        Arch::X86 => arch == A::I386,
        Arch::Arm => arch == A::Arm,
        Arch::RiscV64 => arch == A::Riscv64,
        Arch::LoongArch64 => arch == A::LoongArch64,
    }
}

/// A library's name as the loader compares it: in any ASCII case on Windows, exactly elsewhere.
pub fn loader_name_key(format: Format, name: &str) -> String {
    match format {
        Format::Coff => name.to_ascii_lowercase(),
        _ => name.to_string(),
    }
}

/// What kind of file it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageKind {
    /// An executable.
    Executable,
    /// A shared library / DLL / dylib.
    Shared,
    /// A relocatable object.
    Object,
    /// Anything else (core file, unknown).
    Other,
}

impl ImageKind {
    /// The name reports use (as serialised): `executable`, `shared`, `object`, `other`.
    pub fn name(self) -> &'static str {
        match self {
            ImageKind::Executable => "executable",
            ImageKind::Shared => "shared",
            ImageKind::Object => "object",
            ImageKind::Other => "other",
        }
    }
}

/// A symbol the loader binds when the image starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ImportedSymbol {
    /// The symbol (C name: Mach-O's leading underscore removed; `#N` for a PE ordinal).
    pub name: String,
    /// The library it is bound from, where the format says (PE, Mach-O two-level namespace,
    /// ELF symbol versions).
    #[serde(rename = "library", skip_serializing_if = "Option::is_none")]
    pub lib_name: Option<String>,
    /// A weak reference: a missing definition does not stop the image from starting.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub weak: bool,
}

/// A lazy import: a stub record of aotinterop's, or a fixup cell of .NET's native AOT compiler.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LazyImport {
    /// Library name as written in `DllImport`.
    pub module: String,
    /// Entry point (`#N` for an ordinal).
    pub entry: String,
    /// `DllImportSearchPath`, when the DllImport (or its assembly) gives one (ILC cells).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_path: Option<aotinterop_model::DllImportSearchPath>,
    /// The `A`/`W` suffix the runtime tries, by CharSet (ILC cells, Windows, not ExactSpelling).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charset_mangling: Option<aotinterop_model::Charset>,
    /// An Objective-C message send (`objc_msgSend` family, Apple).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub objc_msg_send: bool,
    /// The ILC module cell it shares (numbered in the order of first use): one exists per
    /// module name × calling assembly × search path, and holds the library's handle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_cell: Option<usize>,
    /// How the resolver looks its module up, as aotinterop's module record holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_lookup: Option<RecordedLookup>,
}

/// The lookup of a module record of aotinterop's import table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RecordedLookup {
    /// The `DllImportSearchPath` flags searched.
    pub search_path: u32,
    /// The runtime's module flags (`abi::module_flags`: search path given, no OS loader step,
    /// current directory allowed, the executable's folder).
    pub flags: u32,
}

impl LazyImport {
    /// A lazy import of `entry` from `module`, with nothing else known.
    pub fn new(module: impl Into<String>, entry: impl Into<String>) -> Self {
        LazyImport {
            module: module.into(),
            entry: entry.into(),
            search_path: None,
            charset_mangling: None,
            objc_msg_send: false,
            module_cell: None,
            recorded_lookup: None,
        }
    }
}

/// Where the lazy imports were read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LazyReader {
    /// aotinterop's stub records (the `.aotimp` section, `docs/import-abi.md`).
    Aotimp,
    /// The fixup cells of .NET's native AOT compiler (ILC).
    IlcCells,
}

/// What [`inspect`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Inspection {
    /// Format.
    pub format: Format,
    /// Architecture (`x86_64`, `aarch64`, ...).
    pub arch: ImageArch,
    /// Executable, shared library, ...
    pub kind: ImageKind,
    /// Libraries the loader loads at startup, in the image's order.
    pub needed: Vec<String>,
    /// Symbols the loader binds at startup, sorted.
    pub imports: Vec<ImportedSymbol>,
    /// PE delay-load imports: bound on first call by the delay-load helper, not at startup.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub delay_loaded: Vec<ImportedSymbol>,
    /// Exported symbols, sorted (C names).
    pub exports: Vec<String>,
    /// Lazy imports: the stub records in record order, or ILC's cells in address order.
    pub lazy: Vec<LazyImport>,
    /// Where `lazy` was read from (`None`: neither kind of table is in the image).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lazy_reader: Option<LazyReader>,
    /// Built by .NET's native AOT compiler (ILC), by its sections or exports.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub native_aot: bool,
    /// What a reader could not settle, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// ELF: the folders of its `DT_RPATH` and `DT_RUNPATH`, as written (`$ORIGIN` unexpanded).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rpaths: Vec<String>,
    /// ELF: the program interpreter and the auditor libraries (`DT_AUDIT`) it names.
    #[serde(skip)]
    pub loader_paths: Vec<String>,
    /// ELF: the program interpreter (`PT_INTERP`), when it has one.
    #[serde(skip)]
    pub interpreter: Option<String>,
    /// ELF: the filtee libraries (`DT_AUXILIARY`, `DT_FILTER`) it names, loaded as needed ones.
    #[serde(skip)]
    pub filters: Vec<String>,
    /// Every symbol the image defines, from its symbol tables (empty when stripped); used by
    /// `verify` to see a direct import that was linked statically. See [`Inspection::defines`].
    #[serde(skip)]
    pub defined: BTreeSet<String>,
    /// A stripped image's debug file (its `.gnu_debuglink`, CRC checked), whose symbols are read
    /// the first time [`Inspection::defines`] needs them.
    #[serde(skip)]
    debug_file: Option<std::path::PathBuf>,
    #[serde(skip)]
    debug_defined: std::sync::OnceLock<BTreeSet<String>>,
}

impl Inspection {
    /// Whether the image defines `name`: in its own symbol tables, or (stripped) in its debug
    /// file's, read once, on the first question the image's own cannot answer.
    pub fn defines(&self, name: &str) -> bool {
        self.defined.contains(name)
            || self.debug_file.as_deref().is_some_and(|path| {
                self.debug_defined
                    .get_or_init(|| debug_file_symbols(path, self.format))
                    .contains(name)
            })
    }

    /// Whether the loader binds `name` at startup.
    pub fn imports_symbol(&self, name: &str) -> Option<&ImportedSymbol> {
        self.imports.iter().find(|i| i.name == name)
    }
}

/// An image file's bytes; a file of another kind is refused on its first bytes, before the rest
/// is read, whatever its size.
pub fn read_image(path: &Path) -> Result<Vec<u8>> {
    aotinterop_model::diag::read_checked(path, "image", aotinterop_model::diag::READ_LIMIT, |head, len| {
        let kind = FileKind::identify(head);
        let known = kind.is_image() || kind.is_archive() || FileKind::cut_in_signature(head);
        if known {
            // Damaged headers are refused here; a cut-off image is read (it is no bigger than
            // it says) and named as truncated, with its byte counts, by the parser.
            use aotinterop_model::extent::{overrun, Overrun};
            return match overrun(head, len) {
                Some(Overrun::Damaged(why)) => Some(Error::new(codes::BAD_FORMAT, format!("image: {why}"))),
                _ => None,
            };
        }
        Some({
            let shown: Vec<String> = head.iter().take(4).map(|b| format!("{b:02x}")).collect();
            Error::new(
                codes::BAD_FORMAT,
                format!(
                    "not an ELF, PE or Mach-O image: it starts with {}",
                    shown.join(" ")
                ),
            )
        })
    })
}

/// Inspects the image at `path`.
pub fn inspect(path: &Path) -> Result<Inspection> {
    let data = read_image(path)?;
    let mut ins = inspect_bytes(&data).map_err(|e| e.at(path))?;
    with_debug_file_symbols(path, &data, &mut ins);
    Ok(ins)
}

/// Inspects an image this process has just linked, whose debug file (StripSymbols', beside it)
/// is known: that file is read only if [`Inspection::defines`] asks the image's own symbol
/// tables a question they cannot answer, not checked against the image's debug link first.
pub fn inspect_linked(path: &Path, debug_file: Option<&Path>) -> Result<Inspection> {
    let data = read_image(path)?;
    let mut ins = inspect_bytes(&data).map_err(|e| e.at(path))?;
    ins.debug_file = debug_file.map(Path::to_path_buf);
    Ok(ins)
}

/// A stripped image's debug file, from the `.gnu_debuglink` it names (StripSymbols), for
/// [`Inspection::defines`].
fn with_debug_file_symbols(path: &Path, data: &[u8], ins: &mut Inspection) {
    match debuglink::debug_file(path, data) {
        Some(Ok((debug, _))) => {
            let name = debug.file_name().unwrap_or_default().to_string_lossy();
            ins.notes.push(format!(
                "the symbols it defines were read from its debug file {name}"
            ));
            ins.debug_file = Some(debug);
        }
        Some(Err(why)) => ins.notes.push(format!("stripped: {why}")),
        None => {}
    }
}

/// The symbols a debug file defines (none when it cannot be read or parsed).
fn debug_file_symbols(path: &Path, format: Format) -> BTreeSet<String> {
    let Ok(bytes) = aotinterop_model::diag::read_binary(path, "debug file", codes::BAD_FORMAT) else {
        return BTreeSet::new();
    };
    let Ok(file) = object::File::parse(&*bytes) else {
        return BTreeSet::new();
    };
    file.symbols()
        .filter(|s| s.is_definition())
        .filter_map(|s| s.name().ok().map(|n| c_name(format, n.to_string())))
        .collect()
}

/// Inspects every image of the file at `path`: the one image, or each slice of a universal
/// (fat) Mach-O in file order; only the slice for `arch` (`x86_64`, `aarch64`/`arm64`, ...)
/// when given.
pub fn inspect_slices(path: &Path, arch: Option<target::Arch>) -> Result<Vec<Inspection>> {
    inspect_slices_of(path, &read_image(path)?, arch)
}

/// [`inspect_slices`] of the image `data` read from `path` (read once by a caller that needs the
/// bytes too).
pub fn inspect_slices_of(path: &Path, data: &[u8], arch: Option<target::Arch>) -> Result<Vec<Inspection>> {
    let at = |e: Error| e.at(path);
    let Some(slices) = macho::fat_slices(data) else {
        let mut ins = inspect_bytes(data).map_err(at)?;
        with_debug_file_symbols(path, data, &mut ins);
        return match arch {
            Some(a) if ins.arch != ImageArch::Known(a) => Err(at(Error::new(
                codes::BAD_FORMAT,
                format!("the image is {}, not {}", ins.arch, a.name()),
            ))),
            _ => Ok(vec![ins]),
        };
    };
    let arches: Vec<ImageArch> = slices.iter().map(|(a, _)| ImageArch::of(*a)).collect();
    let mut out = Vec::new();
    for ((_, bytes), name) in slices.iter().zip(&arches) {
        if arch.is_some_and(|a| *name != ImageArch::Known(a)) {
            continue;
        }
        out.push(
            inspect_bytes(bytes)
                .map_err(|e| at(Error::new(e.code, format!("slice {name}: {}", e.message))))?,
        );
    }
    if out.is_empty() {
        return Err(at(Error::new(
            codes::BAD_FORMAT,
            format!(
                "the universal Mach-O has no {} slice (it has {})",
                arch.map_or("", target::Arch::name),
                arches
                    .iter()
                    .map(ImageArch::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )));
    }
    Ok(out)
}

/// Inspects an image held in memory.
pub fn inspect_bytes(data: &[u8]) -> Result<Inspection> {
    let (file, format) = open_object(data)?;
    // ELF: what the program headers say, read once.
    let view = match format {
        Format::Elf => elf::from_program_headers(data),
        _ => elf::ProgramView::default(),
    };
    let mut notes = Vec::new();
    let needed = needed_libraries(&file, format, &view, &mut notes)?;
    let (imports, delay_loaded) = imported_symbols(&file, format)?;
    let exports = exported_names(&file, format, data)?;
    let mut defined = BTreeSet::new();
    for sym in file.symbols().chain(file.dynamic_symbols()) {
        if sym.is_definition() {
            if let Ok(n) = sym.name() {
                defined.insert(c_name(format, n.to_string()));
            }
        }
    }
    let kind = match format {
        Format::Elf => elf::kind(&file, &view),
        // `IMAGE_FILE_DLL` makes a DLL; `MH_DYLIB`/`MH_BUNDLE` a Mach-O library.
        Format::Coff | Format::MachO => match file.kind() {
            ObjectKind::Executable => ImageKind::Executable,
            ObjectKind::Dynamic => ImageKind::Shared,
            ObjectKind::Relocatable => ImageKind::Object,
            _ => ImageKind::Other,
        },
    };
    let dsym = format == Format::MachO && macho::is_dsym(data);
    if dsym {
        notes.push(
            "debug information (a dSYM companion file), not an image: inspect the image it describes".into(),
        );
    }
    if format == Format::Coff && pe::il_only(data) {
        notes.push(
            "an IL-only .NET assembly: its P/Invokes are declared in its metadata, not bound by the loader; \
             list them with `aotinterop scan`"
                .into(),
        );
    }
    let native_aot = is_native_aot(&file, &exports);
    let lazy = lazy_records(&file, format, data, native_aot, dsym, &mut notes)?;
    Ok(Inspection {
        debug_file: None,
        debug_defined: std::sync::OnceLock::new(),
        format,
        arch: ImageArch::of(file.architecture()),
        kind,
        needed,
        imports,
        delay_loaded,
        exports,
        lazy: lazy.records,
        lazy_reader: lazy.reader,
        native_aot: native_aot || lazy.native_aot,
        notes,
        interpreter: view.interp_path.clone(),
        loader_paths: view.interp_path.into_iter().chain(view.audit).collect(),
        filters: view.filters,
        rpaths: match format {
            Format::Elf => {
                let (rpath, runpath) = availability::elf_paths_as_written(data);
                rpath.into_iter().chain(runpath).collect()
            }
            _ => Vec::new(),
        },
        defined,
    })
}

/// An error of a malformed image, in `object`'s words.
fn malformed(e: object::read::Error) -> Diagnostic {
    Diagnostic::error(codes::BAD_FORMAT, format!("malformed image: {e}"))
}

/// `data` parsed as an ELF, PE or Mach-O image; a static archive, a file cut short and other
/// formats are refused, saying what they are.
fn open_object(data: &[u8]) -> Result<(object::File<'_>, Format)> {
    if FileKind::identify(data).is_archive() {
        return Err(Error::new(
            codes::BAD_FORMAT,
            "this is a static archive, not an image: link it into one (or list it with `ar t`)",
        ));
    }
    if let Some(why) = truncated::why_not_an_image(data) {
        return Err(Error::new(codes::BAD_FORMAT, why));
    }
    let file = object::File::parse(data).map_err(|e| {
        let what = match truncated::claimed_format(data) {
            Some(f) => format!("a malformed {f} image"),
            None => "not an ELF, PE or Mach-O image".to_string(),
        };
        Diagnostic::error(codes::BAD_FORMAT, format!("{what}: {e}"))
    })?;
    let format = match file.format() {
        object::BinaryFormat::Elf => Format::Elf,
        object::BinaryFormat::Pe => Format::Coff,
        object::BinaryFormat::MachO => Format::MachO,
        other => {
            return Err(Error::new(
                codes::BAD_FORMAT,
                format!("{other:?} files are not inspected (ELF, PE and Mach-O are)"),
            ))
        }
    };
    Ok((file, format))
}

/// The libraries the loader binds at startup (PE: not the delay-loaded ones; repeated import
/// descriptors merged, with a note; ELF without section headers: from its program headers).
fn needed_libraries(
    file: &object::File,
    format: Format,
    view: &elf::ProgramView,
    notes: &mut Vec<String>,
) -> Result<Vec<String>> {
    let mut needed = Vec::new();
    for lib in file.import_libraries().map_err(malformed)? {
        let lib = lib.map_err(malformed)?;
        if !pe::is_delay_library(&lib) {
            needed.push(String::from_utf8_lossy(lib.name()).into_owned());
        }
    }
    if format == Format::Coff {
        notes.extend(pe::merge_repeated_descriptors(&mut needed));
    }
    // The loader needs no section headers: without them, what the program headers say.
    if format == Format::Elf && elf::sectionless(file) {
        needed = view.needed.clone();
        notes.push(
            "the image has no section headers: its needed libraries and kind are read from its program \
             headers; its symbols (imports and exports) and lazy imports are not read"
                .into(),
        );
    }
    Ok(needed)
}

/// The symbols the loader binds at startup, and (PE) the delay-loaded ones, sorted.
fn imported_symbols(
    file: &object::File,
    format: Format,
) -> Result<(Vec<ImportedSymbol>, Vec<ImportedSymbol>)> {
    let mut imports = Vec::new();
    let mut delay_loaded = Vec::new();
    for imp in file.imports().map_err(malformed)? {
        let imp = imp.map_err(malformed)?;
        let name = match imp.name() {
            object::read::NameOrOrdinal::Name(n) => String::from_utf8_lossy(n).into_owned(),
            object::read::NameOrOrdinal::Ordinal(o) => format!("#{o}"),
        };
        let library = Some(String::from_utf8_lossy(object::read::Import::library(&imp)).into_owned())
            .filter(|l| !l.is_empty());
        let sym = ImportedSymbol {
            name: c_name(format, name),
            lib_name: library,
            weak: imp.is_weak(),
        };
        if pe::is_delay_import(&imp) {
            delay_loaded.push(sym);
        } else {
            imports.push(sym);
        }
    }
    imports.sort_by(import_order);
    imports.dedup();
    delay_loaded.sort_by(import_order);
    Ok((imports, delay_loaded))
}

/// The exported names, sorted (ELF version definitions' own names left out).
fn exported_names(file: &object::File, format: Format, data: &[u8]) -> Result<Vec<String>> {
    let mut exports = Vec::new();
    let read_exports = |exports: &mut Vec<String>| -> std::result::Result<(), object::read::Error> {
        for exp in file.exports()? {
            let exp = exp?;
            if format == Format::Elf && elf::is_version_name(&exp) {
                continue;
            }
            if let object::read::NameOrOrdinal::Name(n) = exp.name() {
                exports.push(c_name(format, String::from_utf8_lossy(n).into_owned()));
            }
        }
        Ok(())
    };
    if let Err(e) = read_exports(&mut exports) {
        // A PE export table Windows loads but `object` refuses (its Size covers the header only).
        match (format, pe::exports_as_windows_reads(data)) {
            (Format::Coff, Some(names)) => exports = names,
            (Format::MachO, _) if macho::exports_trie_empty(data) => exports.clear(),
            _ => return Err(malformed(e).into()),
        }
    }
    exports.sort();
    exports.dedup();
    Ok(exports)
}

/// An image's lazy imports: aotinterop's import table, or a native AOT image's cells.
struct LazyRecords {
    records: Vec<LazyImport>,
    reader: Option<LazyReader>,
    /// Whether ILC's module header showed it to be a native AOT image.
    native_aot: bool,
}

/// The lazy imports of the image: its `.aotimp` table, else, where a native AOT image may be (a
/// marker section or export, `native_aot`, or ILC's module header signature somewhere in the
/// file), the fixup cells ILC writes; relocations are collected only then.
fn lazy_records(
    file: &object::File,
    format: Format,
    data: &[u8],
    native_aot: bool,
    dsym: bool,
    notes: &mut Vec<String>,
) -> Result<LazyRecords> {
    if let Some(records) = lazy_imports(file, format)? {
        return Ok(LazyRecords {
            records,
            reader: Some(LazyReader::Aotimp),
            native_aot: false,
        });
    }
    let none = LazyRecords {
        records: Vec::new(),
        reader: None,
        native_aot: false,
    };
    let may_be_native_aot = native_aot || data.windows(4).any(|w| w == ilc::MODULE_HEADER_SIGNATURE);
    if dsym || !may_be_native_aot {
        return Ok(none);
    }
    let memory = match format {
        Format::Coff => pe::memory(data).unwrap_or_else(|pe::RelocationsDamaged(why)| {
            notes.push(format!(
                "the base relocation directory is damaged ({why}): the lazy P/Invoke cells of a native AOT image, \
                 which its relocations prove, are not read"
            ));
            None
        }),
        Format::Elf => elf::memory(file),
        Format::MachO => macho::memory(data),
    };
    let native_aot = native_aot || memory.as_ref().is_some_and(|m| ilc::module_header(m).is_some());
    match memory {
        Some(m) if native_aot => {
            let cells = ilc::find_cells(&m);
            if cells.is_empty() {
                notes.push(
                    "a native AOT image with no lazy P/Invoke cells: every P/Invoke it makes is bound by the \
                     loader or linked in (or its cells do not have the layout of .NET 8–10)"
                        .into(),
                );
            }
            Ok(LazyRecords {
                records: cells,
                reader: Some(LazyReader::IlcCells),
                native_aot,
            })
        }
        None if native_aot => {
            notes.push(format!(
                "a native AOT image: its lazy P/Invoke cells are not read for this {} image yet (32-bit Mach-O, \
                 or no rebase information)",
                format.name()
            ));
            Ok(LazyRecords { native_aot, ..none })
        }
        _ => Ok(none),
    }
}

/// Why the ELF image `ins`, placed in `image_dir`, would load a library from the process's
/// current directory, if it would: a program interpreter, auditor, needed or filtee library
/// named by a relative path with a folder (`./libvendor.so`, a library's SONAME copied by the
/// linker), an empty or relative `RPATH`/`RUNPATH` folder, or any of these reaching the current
/// directory through procfs (`/proc/self/cwd`, `$ORIGIN/../../proc/self/cwd`).
pub fn loads_from_current_directory(ins: &Inspection, image_dir: &Path) -> Option<String> {
    if ins.format == Format::Coff {
        // A DLL named with a relative folder or a drive's current directory (`Z:vendor.dll`).
        let relative = |n: &&String| {
            aotinterop_model::lazy_rules::is_drive_relative(n)
                || (n.contains(['/', '\\'])
                    && !aotinterop_model::lazy_rules::is_absolute(n, aotinterop_model::Platform::Windows))
        };
        return ins.needed.iter().find(relative).map(|n| cwd_needed_message(n));
    }
    if ins.format != Format::Elf {
        return None;
    }
    if let Some(p) = ins
        .loader_paths
        .iter()
        .find(|p| from_current_directory(p, image_dir))
    {
        return Some(cwd_interp_message(p));
    }
    let named = ins.needed.iter().chain(&ins.filters);
    if let Some(n) = named
        .filter(|n| n.contains('/'))
        .find(|n| from_current_directory(n, image_dir))
    {
        return Some(cwd_needed_message(n));
    }
    let empty_or = |p: &&String| p.is_empty() || from_current_directory(p, image_dir);
    ins.rpaths.iter().find(empty_or).map(|p| cwd_rpath_message(p))
}

/// Whether the loader reads `path` (an ELF dynamic-section path, `$ORIGIN` the image's folder)
/// from the process's current directory: relative, or through a `/proc/PID/cwd` link.
fn from_current_directory(path: &str, image_dir: &Path) -> bool {
    // `$ORIGIN` as glibc reads the token (`$ORIGINX` is not one: a relative path; `${ORIGIN}x`
    // is the image's folder's name with `x` added).
    let is_origin = aotinterop_model::lazy_rules::LdPathElement::of(path.as_bytes())
        == aotinterop_model::lazy_rules::LdPathElement::Origin;
    let expanded = ["${ORIGIN}", "$ORIGIN"]
        .iter()
        .filter(|_| is_origin)
        .find_map(|o| path.strip_prefix(o))
        .map(|rest| format!("{}{rest}", image_dir.display()));
    let path = expanded.as_deref().unwrap_or(path);
    !path.starts_with('/') || through_process_cwd(Path::new(path))
}

/// Whether the file at `path` is the debug information of an image, not an image: an ELF file
/// whose code section holds no bytes (`objcopy --only-keep-debug`, StripSymbols' `IMAGE.dbg`)
/// or a dSYM companion. Read through a cache: only its headers are read.
pub fn is_debug_companion(path: &Path) -> bool {
    use object::{Object, ObjectSection};
    let Ok(file) = aotinterop_model::diag::open_regular(path) else {
        return false;
    };
    let cache = object::ReadCache::new(file);
    match object::File::parse(&cache) {
        Ok(f @ object::File::Elf64(_)) | Ok(f @ object::File::Elf32(_)) => f
            .section_by_name(".text")
            .is_some_and(|text| text.size() > 0 && text.file_range().is_none()),
        Ok(object::File::MachO64(f)) => {
            use object::read::macho::MachHeader;
            f.macho_header().filetype(f.endian()) == object::macho::MH_DSYM
        }
        _ => false,
    }
}

/// Whether the absolute `path` reaches a process's current directory, or a folder it holds
/// open, through procfs, followed as the kernel follows it (`/proc/self/cwd`,
/// `/proc/thread-self/cwd`, `/dev/fd/../cwd`, `/dev/fd/3`).
/// Hand-written: `canonicalize` would answer with the current directory's own path.
pub fn through_process_cwd(path: &Path) -> bool {
    let mut pending = VecDeque::new();
    push_parts(&mut pending, path);
    let mut resolved = PathBuf::from("/");
    let mut links = 0;
    while let Some(part) = pending.pop_front() {
        if part == ".." {
            resolved.pop();
            continue;
        }
        // A process's `cwd`, or an entry of its `fd` folder (`/dev/fd/3` open on a folder):
        // both are whatever that process holds open.
        let in_fd = resolved.starts_with("/proc") && resolved.file_name().is_some_and(|n| n == "fd");
        if (part == "cwd" && resolved.starts_with("/proc")) || in_fd {
            return true;
        }
        let next = resolved.join(&part);
        let link = std::fs::symlink_metadata(&next)
            .ok()
            .filter(|m| m.file_type().is_symlink())
            .and_then(|_| std::fs::read_link(&next).ok());
        match link {
            Some(target) if links < 40 => {
                links += 1;
                if target.is_absolute() {
                    resolved = PathBuf::from("/");
                }
                push_parts(&mut pending, &target);
            }
            _ => resolved = next,
        }
    }
    false
}

/// Puts the parts of `path` (names and `..`) before those `pending` holds.
fn push_parts(pending: &mut VecDeque<OsString>, path: &Path) {
    use std::path::Component;
    let parts: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    for part in parts.into_iter().rev() {
        pending.push_front(part);
    }
}

fn cwd_interp_message(p: &str) -> String {
    format!(
        "its program interpreter or an auditor library is `{}`, a path from the process's current directory: \
         name them by absolute paths",
        diag::shown(p, 200)
    )
}

fn cwd_needed_message(n: &str) -> String {
    format!(
        "it needs `{}`, a path the loader resolves from the process's current directory (a library's SONAME, \
         copied by the linker): give that library a SONAME without a folder (`-Wl,-soname,NAME`)",
        diag::shown(n, 200)
    )
}

fn cwd_rpath_message(p: &str) -> String {
    format!(
        "its RPATH/RUNPATH folder `{}` is the process's current directory (empty, relative, or through \
         `/proc/.../cwd`): use an absolute folder or `$ORIGIN/...`",
        diag::shown(p, 200)
    )
}

/// The order imports are listed in: names, then PE ordinals (`#N`) by number, each then by
/// library.
fn import_order(a: &ImportedSymbol, b: &ImportedSymbol) -> std::cmp::Ordering {
    let key = |i: &ImportedSymbol| {
        let ordinal = i.name.strip_prefix('#').and_then(|n| n.parse::<u32>().ok());
        (ordinal.is_some(), ordinal, i.name.clone(), i.lib_name.clone())
    };
    key(a).cmp(&key(b))
}

/// The C name of a symbol: Mach-O gives C symbols a leading underscore.
fn c_name(format: Format, name: String) -> String {
    match (format, name.strip_prefix('_')) {
        (Format::MachO, Some(rest)) => rest.to_string(),
        _ => name,
    }
}

/// An image's architecture: one the target table knows, or another, named as the `object`
/// crate names it (`powerpc64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageArch {
    /// An architecture of the target table.
    Known(target::Arch),
    /// Any other.
    Other(object::Architecture),
}

impl ImageArch {
    /// The architecture of an object's machine.
    pub fn of(a: object::Architecture) -> ImageArch {
        use target::Arch;
        match a {
            object::Architecture::X86_64 => ImageArch::Known(Arch::X86_64),
            object::Architecture::Aarch64 => ImageArch::Known(Arch::Aarch64),
            object::Architecture::I386 => ImageArch::Known(Arch::X86),
            object::Architecture::Arm => ImageArch::Known(Arch::Arm),
            object::Architecture::Riscv64 => ImageArch::Known(Arch::RiscV64),
            object::Architecture::LoongArch64 => ImageArch::Known(Arch::LoongArch64),
            other => ImageArch::Other(other),
        }
    }

    /// The table's architecture, when it is one.
    pub fn known(self) -> Option<target::Arch> {
        match self {
            ImageArch::Known(a) => Some(a),
            ImageArch::Other(_) => None,
        }
    }

    /// Its name: the table's (`x86_64`, `aarch64`, `x86`, `arm`), or `object`'s, lower-cased.
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        match self {
            ImageArch::Known(a) => a.name().into(),
            ImageArch::Other(o) => format!("{o:?}").to_ascii_lowercase().into(),
        }
    }
}

impl std::fmt::Display for ImageArch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for ImageArch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// Whether .NET's native AOT compiler built the image: its sections (`__managedcode`,
/// `.dotnet_eh_table`, `__modules`, `.hydrated`, as ILC names them per format) or the
/// `DotNetRuntimeDebugHeader` export every native AOT image has.
fn is_native_aot(file: &object::File, exports: &[String]) -> bool {
    const SECTIONS: &[&str] = &[
        "__managedcode",
        ".managedcode",
        ".dotnet_eh_table",
        "__dotnet_eh_table",
        "__modules",
        ".modules",
        ".hydrated",
        "__hydrated",
    ];
    exports.iter().any(|e| e == "DotNetRuntimeDebugHeader")
        || file
            .sections()
            .any(|s| s.name().is_ok_and(|n| SECTIONS.contains(&n)))
}

/// The lazy imports of the stub records (`docs/import-abi.md`): the `.aotimp` section
/// (`__TEXT,__aotimp` on Mach-O), read with the runtime's own reader; `None` without one.
fn lazy_imports(file: &object::File, format: Format) -> Result<Option<Vec<LazyImport>>> {
    use aotinterop_runtime::abi;
    let name = match format {
        Format::MachO => abi::SECTION_MACHO,
        _ => abi::SECTION_ELF_COFF,
    };
    let Some(section) = file.section_by_name(name) else {
        return Ok(None);
    };
    let data = section.data().map_err(|e| {
        Diagnostic::error(
            codes::BAD_FORMAT,
            format!("cannot read the `{name}` section: {e}"),
        )
    })?;
    let records = abi::read_lazy_imports(data).map_err(|e| {
        let why = &e.diagnostic().message;
        Diagnostic::error(codes::BAD_FORMAT, format!("in the `{name}` section: {why}"))
    })?;
    Ok(Some(
        records
            .into_iter()
            .map(|r| LazyImport {
                recorded_lookup: Some(RecordedLookup {
                    search_path: r.search_path,
                    flags: r.module_flags,
                }),
                ..LazyImport::new(r.module, r.entry)
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_sort_by_number_after_names() {
        let sym = |n: &str| ImportedSymbol {
            name: n.into(),
            lib_name: Some("ws2_32.dll".into()),
            weak: false,
        };
        let mut v: Vec<ImportedSymbol> = ["#10", "#115", "#16", "#2", "socket", "bind"].map(sym).into();
        v.sort_by(import_order);
        let names: Vec<&str> = v.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["bind", "socket", "#2", "#10", "#16", "#115"]);
    }
}
