//! The real library of a direct import, when it is at hand at publish time: what it is called
//! (`DT_SONAME`, the DLL's file name, the install name), what it exports, whether each export is
//! code or data, and the version an ELF export is bound at by default.

use crate::target::{Format, Target};
use object::read::elf::ElfFile;
use object::read::pe::{ImageNtHeaders, PeFile};
use object::{pe, LittleEndian as LE, Object, ObjectKind, ObjectSection, ObjectSymbol, SectionKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What one export is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// Code (true) or data.
    pub code: bool,
    /// ELF: the version it is bound at by default.
    pub version: Option<String>,
}

/// A library read at publish time.
#[derive(Clone, Debug, Default)]
pub struct PresentLibrary {
    /// The file read.
    pub path: PathBuf,
    /// The name the loader looks for (`DT_SONAME`, the file name, the install name).
    pub file: String,
    /// Exports by name (C names: Mach-O's `_` removed).
    pub names: BTreeMap<String, Export>,
    /// PE: exports by ordinal (code or data).
    pub ordinals: BTreeMap<u16, bool>,
}

/// Reads `path` as a library of `target`; `None` when it is not one (another format or
/// architecture, an archive, text) or cannot be read.
pub fn read(path: &Path, target: &Target) -> Option<PresentLibrary> {
    let data =
        aotinterop_model::diag::read_binary(path, "library", aotinterop_model::codes::BAD_FORMAT).ok()?;
    read_bytes(&data, path, target)
}

/// [`read`] on a file's bytes; `path` names it (its file name is the library's name when the
/// format records none).
pub fn read_bytes(data: &[u8], path: &Path, target: &Target) -> Option<PresentLibrary> {
    // A universal (fat) dylib: its slice for the target.
    if let Some(slices) = crate::macho_fat_slices(data) {
        let (_, slice) = slices
            .into_iter()
            .find(|(arch, _)| crate::arch_matches(target, *arch))?;
        // A slice is a thin image: one that is universal again (itself, at offset 0) is none.
        if crate::macho_fat_slices(slice).is_some() {
            return None;
        }
        return read_bytes(slice, path, target);
    }
    let file = object::File::parse(data).ok()?;
    let format_ok = match target.format {
        Format::Elf => file.format() == object::BinaryFormat::Elf,
        Format::Coff => file.format() == object::BinaryFormat::Pe,
        Format::MachO => file.format() == object::BinaryFormat::MachO,
    };
    if !format_ok || file.kind() != ObjectKind::Dynamic || !crate::arch_matches(target, file.architecture()) {
        return None;
    }
    let file_name = path.file_name()?.to_string_lossy().into_owned();
    let mut lib = PresentLibrary {
        path: path.to_path_buf(),
        file: file_name,
        ..Default::default()
    };
    let read = match &file {
        object::File::Elf32(f) => elf(f, &mut lib),
        object::File::Elf64(f) => elf(f, &mut lib),
        object::File::Pe32(f) => pe(f, &mut lib),
        object::File::Pe64(f) => pe(f, &mut lib),
        _ => macho(&file, &mut lib),
    };
    // An export table that cannot be read is not "exports nothing": the library is not used.
    read.then_some(lib)
}

fn is_code(kind: SectionKind) -> bool {
    kind == SectionKind::Text
}

fn elf<Elf: object::read::elf::FileHeader<Endian = object::Endianness>>(
    f: &ElfFile<'_, Elf>,
    lib: &mut PresentLibrary,
) -> bool {
    let endian = f.endian();
    let data = f.data();
    let sections = f.elf_section_table();
    if let Ok(table) = sections.dynamic_table(endian, data) {
        for d in table.iter() {
            if d.tag == object::elf::DT_SONAME {
                if let Ok(v) = table.string(d) {
                    lib.file = String::from_utf8_lossy(v).into_owned();
                }
            }
        }
    }
    let versions = sections.versions(endian, data).ok().flatten();
    for sym in f.dynamic_symbols() {
        if !sym.is_definition() || !sym.is_global() {
            continue;
        }
        let Ok(name) = sym.name() else { continue };
        let mut version = None;
        if let Some(v) = &versions {
            let index = v.version_index(endian, sym.index());
            // A hidden version (`foo@OLD`) is not what a new link binds.
            if index.is_hidden() {
                continue;
            }
            version = v
                .version(index.index())
                .ok()
                .flatten()
                .map(|v| String::from_utf8_lossy(v.name()).into_owned());
        }
        // The base version (the library's own name) binds like no version.
        let version = version.filter(|v| *v != lib.file);
        // Data is an object, a common or a thread-local symbol; a symbol without a type
        // (assembly without `.type`) is taken as code.
        let code = !matches!(sym.kind(), object::SymbolKind::Data | object::SymbolKind::Tls);
        lib.names.insert(name.to_string(), Export { code, version });
    }
    true
}

fn pe<Pe: ImageNtHeaders>(f: &PeFile<'_, Pe>, lib: &mut PresentLibrary) -> bool {
    let table = match f.export_table() {
        Ok(Some(t)) => t,
        // No export directory: the DLL exports nothing.
        Ok(None) => return true,
        Err(_) => return false,
    };
    let sections = f.section_table();
    let code_at = |rva: u32| {
        table.is_forward(rva)
            || sections
                .iter()
                .find(|s| {
                    let start = s.virtual_address.get(LE);
                    let size = s.virtual_size.get(LE).max(s.size_of_raw_data.get(LE));
                    rva >= start && rva - start < size
                })
                .is_some_and(|s| {
                    s.characteristics.get(LE).0 & (pe::IMAGE_SCN_CNT_CODE.0 | pe::IMAGE_SCN_MEM_EXECUTE.0)
                        != 0
                })
    };
    // Read through the tables themselves (not `exports()`, which keeps one name per address,
    // so a second name of one function would be missed).
    let base = u32::from(table.ordinal_base());
    for (i, address) in table.addresses().iter().enumerate() {
        let rva = address.get(LE);
        // An empty slot of the address table: no export has this ordinal.
        if rva == 0 {
            continue;
        }
        let Some(ordinal) = u32::try_from(i).ok().and_then(|i| base.checked_add(i)) else {
            continue;
        };
        let Ok(ordinal) = u16::try_from(ordinal) else {
            continue;
        };
        lib.ordinals.insert(ordinal, code_at(rva));
    }
    for (pointer, index) in table.name_iter() {
        let (Ok(name), Ok(rva)) = (table.name_from_pointer(pointer), table.address_by_index(index)) else {
            continue;
        };
        if rva != 0 {
            let export = Export {
                code: code_at(rva),
                version: None,
            };
            lib.names
                .insert(String::from_utf8_lossy(name).into_owned(), export);
        }
    }
    true
}

fn macho(f: &object::File<'_>, lib: &mut PresentLibrary) -> bool {
    if let object::File::MachO64(m) = f {
        if let Ok(mut commands) = m.macho_load_commands() {
            while let Ok(Some(c)) = commands.next() {
                if let Ok(object::read::macho::LoadCommandVariant::IdDylib(d)) = c.variant() {
                    if let Ok(name) = c.string(m.endian(), d.dylib.name) {
                        lib.file = String::from_utf8_lossy(name).into_owned();
                    }
                }
            }
        }
    }
    for sym in f.symbols() {
        if !sym.is_global() || !sym.is_definition() {
            continue;
        }
        let Ok(name) = sym.name() else { continue };
        let Some(name) = name.strip_prefix('_') else {
            continue;
        };
        let code = match sym.section_index().and_then(|i| f.section_by_index(i).ok()) {
            Some(s) => is_code(s.kind()),
            None => true,
        };
        lib.names.insert(name.to_string(), Export { code, version: None });
    }
    true
}
