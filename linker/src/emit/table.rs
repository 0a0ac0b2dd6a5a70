//! The import table bytes (header, module records, import records, strings).

use super::{emit_error, StubOptions};
use crate::target::{Arch, Target};
use aotinterop_model::{LibrarySearch, PlannedImport};
use aotinterop_runtime::abi::{self, import_flags, TableHeader};
use rustc_hash::FxHashMap;

/// The table of one stub object, ready to be placed in the `.aotimp` section.
#[derive(Clone, Debug)]
pub struct Table {
    /// The bytes, padded to 8; `cells_rel` and `handles_rel` are zero (relocations fill them).
    pub bytes: Vec<u8>,
    /// Number of module records (= handle slots).
    pub modules: usize,
    /// Number of import records (= cells).
    pub imports: usize,
}

/// Deduplicating string pool whose offsets are relative to the table start.
struct Strings<'a> {
    base: u32,
    bytes: Vec<u8>,
    seen: FxHashMap<&'a str, u32>,
}

impl<'a> Strings<'a> {
    fn add(&mut self, s: &'a str) -> crate::diag::Result<u32> {
        if let Some(&off) = self.seen.get(s) {
            return Ok(off);
        }
        let off = u32::try_from(self.bytes.len())
            .ok()
            .and_then(|l| l.checked_add(self.base))
            .ok_or_else(|| emit_error("import table larger than 4 GiB".into()))?;
        self.bytes.extend_from_slice(s.as_bytes());
        self.bytes.push(0);
        self.seen.insert(s, off);
        Ok(off)
    }
}

fn import_flag_bits(imp: &PlannedImport) -> crate::diag::Result<u16> {
    let mut f = imp.charset as u16;
    if imp.exact_spelling {
        f |= import_flags::EXACT_SPELLING;
    }
    if imp.set_last_error {
        f |= import_flags::SET_LAST_ERROR;
    }
    if let (true, Some(n)) = (imp.stdcall_probe, imp.stack_bytes) {
        // x86 arguments take whole 4-byte slots; 255 of them fit the record.
        let words = u16::try_from(n / 4)
            .ok()
            .filter(|w| n % 4 == 0 && *w <= 0xff)
            .ok_or_else(|| {
                emit_error(format!(
                    "import `{}`: a stdcall entry point taking {n} bytes of arguments cannot be \
                     recorded (at most 1,020, in 4-byte slots)",
                    imp.call_symbol
                ))
            })?;
        f |= import_flags::STDCALL_PROBE | (words << import_flags::STACK_WORDS_SHIFT);
    }
    Ok(f)
}

/// Builds the table for the lazy imports, in the given order (cell `i` = `lazy[i]`).
pub fn build_table(
    target: &Target,
    lazy: &[&PlannedImport],
    options: &StubOptions,
) -> crate::diag::Result<Table> {
    let arch = match target.arch {
        Arch::X86_64 => abi::arch::X86_64,
        Arch::Aarch64 => abi::arch::AARCH64,
        Arch::X86 => abi::arch::X86,
        Arch::Arm => abi::arch::ARM,
        _ => return Err(emit_error(format!("no import table layout for {target}"))),
    };
    // Modules keyed by everything their record holds: one handle slot each.
    let mut module_index: FxHashMap<(&str, u32, u32), u16> = FxHashMap::default();
    let mut modules: Vec<(&str, u32, u32)> = Vec::new();
    let mut records: Vec<(&str, u16, u16)> = Vec::with_capacity(lazy.len());
    for imp in lazy {
        let search = LibrarySearch::of(imp.search_path.map(|s| s.0), options.dotnet);
        let (sp, flags) =
            abi::module_record(search, options.allow_current_directory, options.process_directory);
        let key = (imp.module.as_str(), sp, flags);
        let m = match module_index.get(&key) {
            Some(&m) => m,
            None => {
                let m = u16::try_from(modules.len()).map_err(|_| {
                    emit_error("more than 65,535 distinct libraries in one stub object".into())
                })?;
                module_index.insert(key, m);
                modules.push(key);
                m
            }
        };
        records.push((imp.entry.as_str(), m, import_flag_bits(imp)?));
    }
    let too_big = || emit_error("import table larger than 4 GiB".into());
    let modules_off = abi::HEADER_SIZE;
    let imports_off = u32::try_from(modules.len())
        .ok()
        .and_then(|n| n.checked_mul(abi::MODULE_RECORD_SIZE))
        .and_then(|n| n.checked_add(modules_off))
        .ok_or_else(too_big)?;
    let strings_off = u32::try_from(records.len())
        .ok()
        .and_then(|n| n.checked_mul(abi::IMPORT_RECORD_SIZE))
        .and_then(|n| n.checked_add(imports_off))
        .ok_or_else(too_big)?;
    let mut strings = Strings {
        base: strings_off,
        bytes: Vec::with_capacity(lazy.len() * 16),
        seen: FxHashMap::with_capacity_and_hasher(lazy.len() + modules.len(), Default::default()),
    };
    let mut body = Vec::with_capacity(strings_off as usize);
    for (name, sp, flags) in &modules {
        body.extend_from_slice(&strings.add(name)?.to_le_bytes());
        body.extend_from_slice(&sp.to_le_bytes());
        body.extend_from_slice(&flags.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes());
    }
    for (entry, m, flags) in &records {
        body.extend_from_slice(&strings.add(entry)?.to_le_bytes());
        body.extend_from_slice(&m.to_le_bytes());
        body.extend_from_slice(&flags.to_le_bytes());
    }
    let table_size = u32::try_from(strings.bytes.len())
        .ok()
        .and_then(|n| n.checked_add(strings_off))
        .ok_or_else(too_big)?;
    let header = TableHeader {
        magic: abi::MAGIC,
        version: abi::VERSION,
        arch,
        module_count: modules.len() as u32,
        import_count: records.len() as u32,
        modules_off,
        imports_off,
        table_size,
        cells_rel: 0,
        handles_rel: 0,
        reserved: 0,
    };
    let mut bytes = Vec::with_capacity(table_size as usize + 8);
    bytes.extend_from_slice(&header.to_bytes());
    bytes.extend_from_slice(&body);
    bytes.extend_from_slice(&strings.bytes);
    bytes.resize(bytes.len().div_ceil(8) * 8, 0);
    Ok(Table {
        bytes,
        modules: modules.len(),
        imports: records.len(),
    })
}
