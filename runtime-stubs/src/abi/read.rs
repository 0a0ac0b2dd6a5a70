//! Reading import tables out of image bytes (the toolkit's side: `inspect`, the tests).

use super::*;
use aotinterop_model::diag::{codes, Error, Result};

/// Reads little-endian integers out of a byte slice without panicking.
fn le<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// A lazy import read back from an image or object: what `aotinterop inspect` lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LazyImportInfo {
    /// Library name as written.
    pub module: String,
    /// Entry point (or `#N`).
    pub entry: String,
    /// `DllImportSearchPath` flags of its module.
    pub search_path: u32,
    /// [`module_flags`] of its module.
    pub module_flags: u32,
    /// [`import_flags`].
    pub flags: u16,
}

/// The error for an import-table section whose contents cannot be read (`AOTI0505`).
fn table_error(why: String) -> Error {
    Error::new(codes::BAD_FORMAT, format!("bad aotinterop import table: {why}"))
}

/// Reads a NUL-terminated string at `off` of a table.
fn c_str_at(table: &[u8], off: u32) -> Result<String> {
    let start = off as usize;
    let rest = table
        .get(start..)
        .ok_or_else(|| table_error(format!("string offset {off} past the table")))?;
    let len = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| table_error(format!("string at {off} is not terminated")))?;
    String::from_utf8(rest[..len].to_vec()).map_err(|_| table_error(format!("string at {off} is not UTF-8")))
}

/// Parses one table header at the start of `data`.
pub fn parse_header(data: &[u8]) -> Result<TableHeader> {
    let u32_at = |at| le::<4>(data, at).map(u32::from_le_bytes);
    let u16_at = |at| le::<2>(data, at).map(u16::from_le_bytes);
    let short = || table_error(format!("{} bytes is shorter than a header", data.len()));
    let h = TableHeader {
        magic: u32_at(0).ok_or_else(short)?,
        version: u16_at(4).ok_or_else(short)?,
        arch: u16_at(6).ok_or_else(short)?,
        module_count: u32_at(8).ok_or_else(short)?,
        import_count: u32_at(12).ok_or_else(short)?,
        modules_off: u32_at(16).ok_or_else(short)?,
        imports_off: u32_at(20).ok_or_else(short)?,
        table_size: u32_at(24).ok_or_else(short)?,
        cells_rel: u32_at(28).ok_or_else(short)? as i32,
        handles_rel: u32_at(32).ok_or_else(short)? as i32,
        reserved: u32_at(36).ok_or_else(short)?,
    };
    if h.magic != MAGIC {
        return Err(table_error(format!("magic 0x{:08x} is not 'AOTI'", h.magic)));
    }
    if h.version != VERSION {
        return Err(table_error(format!(
            "version {} (this build reads {VERSION})",
            h.version
        )));
    }
    Ok(h)
}

/// Checks that `count` records of `size` bytes at `offset` lie inside a table of `len` bytes.
fn records_fit(offset: u32, count: u32, size: u32, len: usize, what: &str) -> Result<()> {
    let end = u64::from(offset) + u64::from(count) * u64::from(size);
    if end > len as u64 {
        return Err(table_error(format!(
            "{count} {what} records of {size} bytes at offset {offset} do not fit in the table's {len} bytes"
        )));
    }
    Ok(())
}

/// Lists the lazy imports of every table in the contents of an import-table section
/// (tables of several stub objects follow each other, each aligned to [`TABLE_ALIGN`];
/// zero padding between them is skipped).
pub fn read_lazy_imports(section: &[u8]) -> Result<Vec<LazyImportInfo>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 4 <= section.len() {
        if section[at..at + 4] == [0, 0, 0, 0] {
            at += TABLE_ALIGN as usize;
            continue;
        }
        let table = &section[at..];
        let h = parse_header(table)?;
        if (h.table_size as usize) > table.len() || h.table_size < HEADER_SIZE {
            return Err(table_error(format!("table size {} out of range", h.table_size)));
        }
        let table = &table[..h.table_size as usize];
        // Every count is checked against the table's size before anything is allocated for it.
        records_fit(
            h.modules_off,
            h.module_count,
            MODULE_RECORD_SIZE,
            table.len(),
            "module",
        )?;
        records_fit(
            h.imports_off,
            h.import_count,
            IMPORT_RECORD_SIZE,
            table.len(),
            "import",
        )?;
        let mut modules = Vec::with_capacity(h.module_count as usize);
        for m in 0..h.module_count as usize {
            let base = h.modules_off as usize + m * MODULE_RECORD_SIZE as usize;
            let name_off = le::<4>(table, base)
                .map(u32::from_le_bytes)
                .ok_or_else(|| table_error(format!("module record {m} past the table")))?;
            let sp = le::<4>(table, base + 4).map(u32::from_le_bytes).unwrap_or(0);
            let mflags = le::<4>(table, base + 8).map(u32::from_le_bytes).unwrap_or(0);
            modules.push((c_str_at(table, name_off)?, sp, mflags));
        }
        for i in 0..h.import_count as usize {
            let base = h.imports_off as usize + i * IMPORT_RECORD_SIZE as usize;
            let rec = le::<8>(table, base)
                .ok_or_else(|| table_error(format!("import record {i} past the table")))?;
            let name_off = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]);
            let module = u16::from_le_bytes([rec[4], rec[5]]) as usize;
            let flags = u16::from_le_bytes([rec[6], rec[7]]);
            let (mname, sp, mflags) = modules.get(module).ok_or_else(|| {
                table_error(format!("import {i} names module {module} of {}", modules.len()))
            })?;
            out.push(LazyImportInfo {
                module: mname.clone(),
                entry: c_str_at(table, name_off)?,
                search_path: *sp,
                module_flags: *mflags,
                flags,
            });
        }
        let size = h.table_size as usize;
        at += size.div_ceil(TABLE_ALIGN as usize) * TABLE_ALIGN as usize;
    }
    Ok(out)
}
