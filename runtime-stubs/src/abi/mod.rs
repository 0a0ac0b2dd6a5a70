//! The import ABI shared by the stub emitter (`aotinterop-linker`) and the runtime.
//!
//! Everything here is described in `docs/import-abi.md`; change both together and bump
//! [`VERSION`]. All fields are little-endian. A stub object carries one *import table* in the
//! read-only section [`SECTION_ELF_COFF`] (`__TEXT,__aotimp` on Mach-O): a [`TableHeader`], then
//! [`ModuleRecord`]s, then [`ImportRecord`]s, then NUL-terminated UTF-8 strings. Offsets are
//! relative to the start of the header, so the records need no relocation at all; the only
//! link-time values are the two signed 32-bit distances to the writable cells and handles.

/// Name of the read-only section holding import tables in ELF and COFF objects and images.
/// At most 8 characters so that PE images keep it as is.
pub const SECTION_ELF_COFF: &str = ".aotimp";
/// Mach-O segment of the import tables.
pub const SECTION_MACHO_SEGMENT: &str = "__TEXT";
/// Mach-O section of the import tables.
pub const SECTION_MACHO: &str = "__aotimp";
/// Magic number at the start of every table: `AOTI`.
pub const MAGIC: u32 = u32::from_le_bytes(*b"AOTI");
/// Version of the layout described here. 2: Windows x64 thunks pass the import index in r10
/// instead of on the stack; 3: module flags `NO_OS_LOADER` and `PROCESS_DIRECTORY`; 4: the x86
/// arch and the import flags `STDCALL_PROBE` with the stack bytes; 5: the aarch64 and ARM
/// common tails hand the cell and table over in x9/x10 or on the stack, out of a linker
/// veneer's reach (a table of another version is refused, so a stub object and a runtime of
/// different versions fail with a message instead of a wrong call or a wrong search).
pub const VERSION: u16 = 5;
/// Alignment of a table; tables of several objects follow each other at this alignment.
pub const TABLE_ALIGN: u32 = 8;

/// Global (hidden) symbol of the table in the stub object, for the C API.
pub const TABLE_SYMBOL: &str = "__aotinterop_imports";
/// The runtime's shared slow-path entry that every lazy stub reaches on its first call.
pub const LAZY_ENTRY_SYMBOL: &str = "__aotinterop_lazy_entry";

/// `arch` field values.
pub mod arch {
    /// x86_64, System V or Windows x64 calling convention (decided by the object format).
    pub const X86_64: u16 = 1;
    /// aarch64 (AAPCS64).
    pub const AARCH64: u16 = 2;
    /// x86 (i386), Windows: cells and handle slots are 4 bytes.
    pub const X86: u16 = 3;
    /// 32-bit ARM (Thumb-2, hard float): cells and handle slots are 4 bytes.
    pub const ARM: u16 = 4;
}

/// [`ImportRecord::flags`] bits.
pub mod import_flags {
    /// Mask of the `CharSet` value (0 None, 1 Ansi, 2 Unicode, 3 Auto).
    pub const CHARSET_MASK: u16 = 0b11;
    use aotinterop_model::Charset;
    /// `CharSet.None`.
    pub const CHARSET_NONE: u16 = Charset::None as u16;
    /// `CharSet.Ansi`.
    pub const CHARSET_ANSI: u16 = Charset::Ansi as u16;
    /// `CharSet.Unicode`.
    pub const CHARSET_UNICODE: u16 = Charset::Unicode as u16;
    /// `CharSet.Auto`.
    pub const CHARSET_AUTO: u16 = Charset::Auto as u16;
    /// `ExactSpelling = true`.
    pub const EXACT_SPELLING: u16 = 1 << 2;
    /// `SetLastError = true`.
    pub const SET_LAST_ERROR: u16 = 1 << 3;
    /// win-x86, stdcall: after each spelling, also try it decorated, `_spelling@N` (.NET's
    /// `InteropHelpers` from .NET 9 on), `N` being [`stack_bytes`] of these flags.
    pub const STDCALL_PROBE: u16 = 1 << 4;
    /// Where the stack bytes of a [`STDCALL_PROBE`] import are kept: bits 8–15 hold `N / 4`.
    pub const STACK_WORDS_SHIFT: u16 = 8;

    /// The stack bytes (`N` of `_name@N`) of an import whose flags are `flags`.
    pub const fn stack_bytes(flags: u16) -> u32 {
        ((flags >> STACK_WORDS_SHIFT) as u32) * 4
    }
}

/// [`ModuleRecord::flags`] bits.
pub mod module_flags {
    /// The import gave `DllImportSearchPath` explicitly; otherwise `search_path` holds the
    /// default (AssemblyDirectory) and, on Windows, the OS step uses the safe default dirs.
    pub const SEARCH_PATH_SPECIFIED: u32 = 1 << 0;
    /// The application asked for relative names to be looked up from the current directory
    /// (a name containing `/` that is not absolute). Off by default: DLL-preloading defence.
    pub const ALLOW_CURRENT_DIRECTORY: u32 = 1 << 1;
    /// No OS-loader step: the module searches its AssemblyDirectory only (.NET 10, for an import
    /// whose `DllImportSearchPath` is exactly `AssemblyDirectory`).
    pub const NO_OS_LOADER: u32 = 1 << 2;
    /// The AssemblyDirectory step searches the process executable's folder rather than the
    /// image's own (.NET's rule for a `NativeLib=Shared` library, dotnet/runtime#112290).
    pub const PROCESS_DIRECTORY: u32 = 1 << 3;
}

#[cfg(feature = "std")]
/// The `search_path` and flags of a module record for a library search (the model's
/// [`LibrarySearch`](aotinterop_model::LibrarySearch) in the record's terms).
pub fn module_search(search: aotinterop_model::LibrarySearch) -> (u32, u32) {
    let mut flags = 0;
    if search.specified {
        flags |= module_flags::SEARCH_PATH_SPECIFIED;
    }
    if !search.os_loader {
        flags |= module_flags::NO_OS_LOADER;
    }
    (search.search_path, flags)
}

#[cfg(feature = "std")]
/// The `search_path` and flags of the module record of a lazy import: its library search
/// ([`module_search`]), and the image's whole lookup (`current_directory`: relative names from
/// the current directory; `process_directory`: the AssemblyDirectory step in the executable's
/// folder).
pub fn module_record(
    search: aotinterop_model::LibrarySearch,
    current_directory: bool,
    process_directory: bool,
) -> (u32, u32) {
    let (sp, mut flags) = module_search(search);
    if current_directory {
        flags |= module_flags::ALLOW_CURRENT_DIRECTORY;
    }
    if process_directory {
        flags |= module_flags::PROCESS_DIRECTORY;
    }
    (sp, flags)
}

/// `DllImportSearchPath` flag values, as .NET defines them.
pub mod search_path {
    /// `LegacyBehavior`.
    pub const LEGACY_BEHAVIOR: u32 = 0;
    /// `AssemblyDirectory`: the image's own folder first.
    pub const ASSEMBLY_DIRECTORY: u32 = 0x2;
    /// `UseDllDirectoryForDependencies` (`LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR`).
    pub const USE_DLL_DIRECTORY_FOR_DEPENDENCIES: u32 = 0x100;
    /// `ApplicationDirectory` (`LOAD_LIBRARY_SEARCH_APPLICATION_DIR`).
    pub const APPLICATION_DIRECTORY: u32 = 0x200;
    /// `UserDirectories` (`LOAD_LIBRARY_SEARCH_USER_DIRS`).
    pub const USER_DIRECTORIES: u32 = 0x400;
    /// `System32` (`LOAD_LIBRARY_SEARCH_SYSTEM32`).
    pub const SYSTEM32: u32 = 0x800;
    /// `SafeDirectories` (`LOAD_LIBRARY_SEARCH_DEFAULT_DIRS`).
    pub const SAFE_DIRECTORIES: u32 = 0x1000;
}

/// The header at the start of every import table (40 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableHeader {
    /// [`MAGIC`].
    pub magic: u32,
    /// [`VERSION`].
    pub version: u16,
    /// One of [`arch`].
    pub arch: u16,
    /// Number of [`ModuleRecord`]s.
    pub module_count: u32,
    /// Number of [`ImportRecord`]s (and of cells).
    pub import_count: u32,
    /// Offset of the first module record from the table start.
    pub modules_off: u32,
    /// Offset of the first import record from the table start.
    pub imports_off: u32,
    /// Size of the whole table, strings included, before padding to [`TABLE_ALIGN`].
    pub table_size: u32,
    /// Address of the cell array minus address of this header (resolved at link time).
    pub cells_rel: i32,
    /// Address of the module-handle array minus address of this header.
    pub handles_rel: i32,
    /// Zero.
    pub reserved: u32,
}

/// One library (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModuleRecord {
    /// Offset of the library name (as written in `DllImport`) from the table start.
    pub name_off: u32,
    /// `DllImportSearchPath` flags ([`search_path`]).
    pub search_path: u32,
    /// [`module_flags`].
    pub flags: u32,
    /// Zero.
    pub reserved: u32,
}

/// One lazy import (8 bytes). Its cell is `cells[i]` for the i-th record.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportRecord {
    /// Offset of the entry-point name (or `#N` for an ordinal) from the table start.
    pub name_off: u32,
    /// Index of its [`ModuleRecord`].
    pub module: u16,
    /// [`import_flags`].
    pub flags: u16,
}

/// Size of [`TableHeader`].
pub const HEADER_SIZE: u32 = 40;
/// Size of [`ModuleRecord`].
pub const MODULE_RECORD_SIZE: u32 = 16;
/// Size of [`ImportRecord`].
pub const IMPORT_RECORD_SIZE: u32 = 8;
/// Byte offset of [`TableHeader::cells_rel`].
pub const CELLS_REL_OFFSET: u32 = 28;
/// Byte offset of [`TableHeader::handles_rel`].
pub const HANDLES_REL_OFFSET: u32 = 32;

const _: () = assert!(core::mem::size_of::<TableHeader>() == HEADER_SIZE as usize);
const _: () = assert!(core::mem::size_of::<ModuleRecord>() == MODULE_RECORD_SIZE as usize);
const _: () = assert!(core::mem::size_of::<ImportRecord>() == IMPORT_RECORD_SIZE as usize);
const _: () = assert!(core::mem::offset_of!(TableHeader, cells_rel) == CELLS_REL_OFFSET as usize);
const _: () = assert!(core::mem::offset_of!(TableHeader, handles_rel) == HANDLES_REL_OFFSET as usize);

impl TableHeader {
    /// The header as bytes, little-endian.
    pub fn to_bytes(&self) -> [u8; HEADER_SIZE as usize] {
        let mut b = [0u8; HEADER_SIZE as usize];
        b[0..4].copy_from_slice(&self.magic.to_le_bytes());
        b[4..6].copy_from_slice(&self.version.to_le_bytes());
        b[6..8].copy_from_slice(&self.arch.to_le_bytes());
        b[8..12].copy_from_slice(&self.module_count.to_le_bytes());
        b[12..16].copy_from_slice(&self.import_count.to_le_bytes());
        b[16..20].copy_from_slice(&self.modules_off.to_le_bytes());
        b[20..24].copy_from_slice(&self.imports_off.to_le_bytes());
        b[24..28].copy_from_slice(&self.table_size.to_le_bytes());
        b[28..32].copy_from_slice(&self.cells_rel.to_le_bytes());
        b[32..36].copy_from_slice(&self.handles_rel.to_le_bytes());
        b[36..40].copy_from_slice(&self.reserved.to_le_bytes());
        b
    }
}

#[cfg(feature = "std")]
mod read;
#[cfg(feature = "std")]
pub use read::{parse_header, read_lazy_imports, LazyImportInfo};
