//! The lazy P/Invokes of images built by .NET's native AOT compiler (ILC): its fixup cells.
//!
//! ILC emits, for each lazily bound P/Invoke, a `MethodFixupCell` and, per module name ×
//! calling assembly × search path, a `ModuleFixupCell` (dotnet/runtime
//! `src/coreclr/tools/aot/ILCompiler.Compiler/Compiler/DependencyAnalysis/PInvokeMethodFixupNode.cs`
//! and `PInvokeModuleFixupNode.cs`; the structs in
//! `src/coreclr/nativeaot/System.Private.CoreLib/src/Internal/Runtime/CompilerHelpers/InteropHelpers.cs`;
//! the flag bits in `Internal.Runtime.MethodFixupCellFlagsConstants`), pointer-sized fields:
//!
//! ```text
//! ModuleFixupCell { Handle = 0, ModuleName → UTF-8, CallingAssemblyType → <Module>, u32 DllImportSearchPath | 0x8000_0000 when given }
//! MethodFixupCell { Target = 0, EntryName → UTF-8 (Windows `#N`: the ordinal as an integer), Module → ModuleFixupCell, i32 flags }
//! ```
//!
//! Checked against the .NET 8, 9 and 10 sources of those files (the layout is internal to .NET,
//! and older runtimes had the same fields with a `CharSet` in place of the flags). The cells'
//! symbols are stripped, so they are found by their shape: zero target and handle in the file,
//! every pointer field proven by a relocation (PE base relocations, ELF `R_*_RELATIVE`, Mach-O
//! chained-fixup rebases or rebase opcodes), names
//! NUL-terminated text in read-only data. Ordinary data does not fit all of that at once.

use super::LazyImport;
use aotinterop_model::{Charset, DllImportSearchPath};
use std::collections::{BTreeMap, HashMap};

/// The image's memory as the loader lays it out, with the places the loader relocates.
pub(super) struct Memory<'a> {
    /// Bytes per pointer (4 or 8).
    pub ptr: u64,
    /// Mapped ranges: address, file bytes (the rest of the range is zero), size, writable.
    pub ranges: Vec<(u64, &'a [u8], u64, bool)>,
    /// Relocated pointer places → the address each points to.
    pub pointers: HashMap<u64, u64>,
    /// Windows: an entry may be an ordinal.
    pub ordinals: bool,
}

/// The "a search path was given" bit of `DllImportSearchPathAndCookie`.
const SEARCH_PATH_GIVEN: u32 = 0x8000_0000;
/// Every bit of a method cell's flags (charset 0x7, Objective-C message send 0x8 and its
/// function 0x70).
const METHOD_FLAG_BITS: u32 = 0x7F;

impl Memory<'_> {
    fn range(&self, addr: u64, len: u64) -> Option<&(u64, &[u8], u64, bool)> {
        self.ranges.iter().find(|(a, _, size, _)| {
            addr.checked_sub(*a)
                .and_then(|off| off.checked_add(len))
                .is_some_and(|end| end <= *size)
        })
    }

    /// `N` bytes at `addr` (zero past the file's bytes of a range, as the loader maps it).
    fn read<const N: usize>(&self, addr: u64) -> Option<[u8; N]> {
        let (a, data, _, _) = self.range(addr, N as u64)?;
        let start = usize::try_from(addr - a).ok()?;
        let mut out = [0u8; N];
        for (i, b) in out.iter_mut().enumerate() {
            *b = data.get(start + i).copied().unwrap_or(0);
        }
        Some(out)
    }

    pub(super) fn word_at(&self, addr: u64) -> Option<u64> {
        Some(match self.ptr {
            4 => u32::from_le_bytes(self.read(addr)?) as u64,
            _ => u64::from_le_bytes(self.read(addr)?),
        })
    }

    fn u32_at(&self, addr: u64) -> Option<u32> {
        Some(u32::from_le_bytes(self.read(addr)?))
    }

    /// A field the runtime fills: zero in the file and not relocated.
    fn is_blank(&self, addr: u64) -> bool {
        !self.pointers.contains_key(&addr) && self.word_at(addr) == Some(0)
    }

    /// A NUL-terminated name in read-only data: 1 to 1024 bytes of UTF-8 without control
    /// characters.
    fn name(&self, addr: u64) -> Option<String> {
        let (a, data, _, writable) = self.range(addr, 1)?;
        if *writable {
            return None;
        }
        let start = usize::try_from(addr - a).ok()?;
        let rest = data.get(start..)?;
        let len = rest.iter().take(1025).position(|&b| b == 0)?;
        let s = std::str::from_utf8(&rest[..len]).ok()?;
        (len > 0 && !s.chars().any(char::is_control)).then(|| s.to_string())
    }

    /// The module cell at `addr`: (module name, `DllImportSearchPath` when given).
    fn module_cell(&self, addr: u64) -> Option<(String, Option<DllImportSearchPath>)> {
        if !self.is_blank(addr) || !self.pointers.contains_key(&(addr.wrapping_add(2 * self.ptr))) {
            return None;
        }
        let name = self.name(*self.pointers.get(&(addr.wrapping_add(self.ptr)))?)?;
        let flags = self.u32_at(addr.wrapping_add(3 * self.ptr))?;
        let known = DllImportSearchPath::FLAGS.iter().fold(0, |a, (_, v)| a | v);
        let search = match flags {
            0 => None,
            f if f & SEARCH_PATH_GIVEN != 0 && f & !SEARCH_PATH_GIVEN & !known == 0 => {
                Some(DllImportSearchPath(f & !SEARCH_PATH_GIVEN))
            }
            _ => return None,
        };
        Some((name, search))
    }

    /// The method cell at `addr`, with its module cell's address.
    fn method_cell(&self, addr: u64) -> Option<(LazyImport, u64)> {
        if !self.is_blank(addr) {
            return None;
        }
        let module_at = *self.pointers.get(&(addr.wrapping_add(2 * self.ptr)))?;
        let (module, search_path) = self.module_cell(module_at)?;
        let entry = match self.pointers.get(&(addr.wrapping_add(self.ptr))) {
            Some(&to) => self.name(to)?,
            None if self.ordinals => match self.word_at(addr.wrapping_add(self.ptr))? {
                n @ 0..=0xFFFF => format!("#{n}"),
                _ => return None,
            },
            None => return None,
        };
        let flags = self.u32_at(addr.wrapping_add(3 * self.ptr))?;
        if flags & !METHOD_FLAG_BITS != 0 {
            return None;
        }
        // .NET's `CharSet` values: None 1, Ansi 2, Unicode 3, Auto 4; 0 when not mangled.
        let charset_mangling = match flags & 0x7 {
            0 => None,
            1 => Some(Charset::None),
            2 => Some(Charset::Ansi),
            3 => Some(Charset::Unicode),
            4 => Some(Charset::Auto),
            _ => return None,
        };
        let import = LazyImport {
            module,
            entry,
            search_path,
            charset_mangling,
            objc_msg_send: flags & 0x8 != 0,
            module_cell: None,
            recorded_lookup: None,
        };
        Some((import, module_at))
    }
}

/// The first bytes of a native AOT module header (`ReadyToRunHeaderConstants.Signature`).
pub(super) const MODULE_HEADER_SIGNATURE: &[u8] = b"RTR\0";

/// Whether `memory` holds a native AOT module header (`ReadyToRunHeader`, dotnet/runtime
/// `src/coreclr/nativeaot/Runtime/inc/ModuleHeaders.h`): signature `RTR\0`, a major version,
/// then rows of `ModuleInfoRow` {i32 section id, i32 flags, start and end pointers} (entry size
/// 8 + 2 pointers, entry type 1), the first row's start pointer relocated. Returns its major
/// version.
pub(super) fn module_header(memory: &Memory) -> Option<u16> {
    const SIGNATURE: &[u8] = MODULE_HEADER_SIGNATURE;
    for (addr, data, _, writable) in &memory.ranges {
        if *writable {
            continue;
        }
        let mut from = 0;
        while let Some(i) = data[from..].windows(4).position(|w| w == SIGNATURE) {
            let at = from + i;
            from = at + 1;
            let Some(h) = data.get(at..at + 16) else {
                break;
            };
            let major = u16::from_le_bytes([h[4], h[5]]);
            let sections = u16::from_le_bytes([h[12], h[13]]);
            let (entry_size, entry_type) = (u64::from(h[14]), h[15]);
            let first_start = addr.wrapping_add(at as u64 + 16 + 8);
            if entry_size == 8 + 2 * memory.ptr
                && entry_type == 1
                && (1..=1024).contains(&sections)
                && memory.pointers.contains_key(&first_start)
            {
                return Some(major);
            }
        }
    }
    None
}

/// Every method cell of `memory`, in address order, each naming its module cell by number (in
/// the order the module cells are first used).
pub(super) fn find_cells(memory: &Memory) -> Vec<LazyImport> {
    let mut places: Vec<u64> = memory.pointers.keys().copied().collect();
    places.sort_unstable();
    let mut cells: BTreeMap<u64, (LazyImport, u64)> = BTreeMap::new();
    for place in places {
        // A method cell's module pointer is its third field.
        let Some(addr) = place.checked_sub(2 * memory.ptr) else {
            continue;
        };
        if addr % memory.ptr != 0 || cells.contains_key(&addr) {
            continue;
        }
        if let Some(cell) = memory.method_cell(addr) {
            cells.insert(addr, cell);
        }
    }
    let mut module_ids: HashMap<u64, usize> = HashMap::new();
    cells
        .into_values()
        .map(|(mut import, module_at)| {
            let next = module_ids.len();
            import.module_cell = Some(*module_ids.entry(module_at).or_insert(next));
            import
        })
        .collect()
}
