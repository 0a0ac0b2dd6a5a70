//! Read access to an import table in memory, and to its writable cells and handle slots.

use crate::abi::{self, ImportRecord, ModuleRecord, TableHeader};
use core::ffi::CStr;
use core::sync::atomic::AtomicUsize;

/// Bytes of a cell or handle slot: a pointer of the image's machine.
const SLOT: usize = core::mem::size_of::<usize>();

/// An import table in this process, as emitted by the stub emitter.
#[derive(Clone, Copy, Debug)]
pub struct TableRef {
    base: *const u8,
}

impl TableRef {
    /// Wraps a table address after checking its magic and version, and that its records lie
    /// inside its size (a damaged table is refused, not read past its end).
    ///
    /// # Safety
    /// `base` must be null or point at readable memory of at least a header, and of the
    /// header's `table_size` bytes when its magic and version are right.
    pub unsafe fn new(base: *const u8) -> Option<TableRef> {
        if base.is_null() || !(base as usize).is_multiple_of(4) {
            return None;
        }
        let h = core::ptr::read(base as *const TableHeader);
        let size = u64::from(h.table_size);
        let fits = |off: u32, count: u32, record: u32| {
            u64::from(off) >= u64::from(abi::HEADER_SIZE)
                && u64::from(off) + u64::from(count) * u64::from(record) <= size
        };
        (h.magic == abi::MAGIC
            && h.version == abi::VERSION
            && fits(h.modules_off, h.module_count, abi::MODULE_RECORD_SIZE)
            && fits(h.imports_off, h.import_count, abi::IMPORT_RECORD_SIZE))
        .then_some(TableRef { base })
    }

    /// The header.
    pub fn header(&self) -> &TableHeader {
        // SAFETY: checked in `new` (a 4-aligned header of the image's read-only table, which
        // lives as long as the image).
        unsafe { &*(self.base as *const TableHeader) }
    }

    /// Import record `i` (caller checks `i < import_count`).
    pub fn import(&self, i: u32) -> ImportRecord {
        let h = self.header();
        let at = h.imports_off as usize + i as usize * abi::IMPORT_RECORD_SIZE as usize;
        // SAFETY: records lie inside the table the emitter wrote.
        unsafe { core::ptr::read_unaligned(self.base.add(at) as *const ImportRecord) }
    }

    /// Module record `m`.
    pub fn module(&self, m: u16) -> Option<ModuleRecord> {
        let h = self.header();
        if u32::from(m) >= h.module_count {
            return None;
        }
        let at = h.modules_off as usize + m as usize * abi::MODULE_RECORD_SIZE as usize;
        // SAFETY: records lie inside the table the emitter wrote.
        Some(unsafe { core::ptr::read_unaligned(self.base.add(at) as *const ModuleRecord) })
    }

    /// The string at `off` (NUL-terminated); an empty one when `off` lies outside the table or
    /// the table's strings do not end with a NUL (a damaged table), so that no read leaves it.
    /// (Strings are the table's last part: a NUL as its last byte ends every one of them.)
    pub fn string_ptr(&self, off: u32) -> *const core::ffi::c_char {
        let size = self.header().table_size as usize;
        // SAFETY: `new` checked the header; the table's `size` bytes are readable.
        let ends_with_nul = size > 0 && unsafe { *self.base.add(size - 1) } == 0;
        if (off as usize) < size && ends_with_nul {
            // SAFETY: inside the table.
            unsafe { self.base.add(off as usize).cast() }
        } else {
            c"".as_ptr()
        }
    }

    /// The string at `off` ([`TableRef::string_ptr`]).
    pub fn string(&self, off: u32) -> &CStr {
        // SAFETY: a NUL-terminated string inside the table (or a static empty one).
        unsafe { CStr::from_ptr(self.string_ptr(off)) }
    }

    /// Cell `i`.
    pub fn cell(&self, i: u32) -> &AtomicUsize {
        let h = self.header();
        // SAFETY: the linker placed `import_count` pointer-sized cells at `cells_rel`.
        unsafe { &*(self.base.offset(h.cells_rel as isize).add(i as usize * SLOT) as *const AtomicUsize) }
    }

    /// Handle slot `m`.
    pub fn handle(&self, m: u16) -> &AtomicUsize {
        let h = self.header();
        // SAFETY: the linker placed `module_count` pointer-sized slots at `handles_rel`.
        unsafe { &*(self.base.offset(h.handles_rel as isize).add(m as usize * SLOT) as *const AtomicUsize) }
    }
}
