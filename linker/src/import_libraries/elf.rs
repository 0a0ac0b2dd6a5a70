//! Stub shared objects: an ELF `ET_DYN` file with the real library's `DT_SONAME`, a function
//! symbol for each direct import, and, where known, the version each is bound at. A linker
//! reads it as it reads the real library (symbols from `.dynsym`, versions from
//! `.gnu.version_d`, the needed name from `DT_SONAME`) and records `DT_NEEDED` and the version
//! requirements; the stub itself is never loaded. Its one `PT_LOAD` maps everything read-only at
//! its file offset, and each symbol owns one byte of `.text` so that none share an address.
//!
//! Written with `object`'s ELF writer: no crate builds a shared object from a symbol list (the
//! Android NDK's stub libraries are compiled from C, which would need the target's compiler
//! here, in the emit step).

use crate::target::{Arch, Target};
use aotinterop_model::GeneratedLibrary;
use object::elf;
use object::write::elf::{FileHeader, ProgramHeader, Sym, Verdef, Writer};
use object::Endianness;
use std::collections::BTreeMap;

/// The stub shared object for `lib`.
pub(super) fn stub_shared_object(target: &Target, lib: &GeneratedLibrary) -> crate::diag::Result<Vec<u8>> {
    let (machine, flags) = match target.arch {
        Arch::X86_64 => (elf::EM_X86_64, 0),
        Arch::Aarch64 => (elf::EM_AARCH64, 0),
        // EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_HARD: what the toolchain's own objects carry.
        Arch::Arm => (elf::EM_ARM, 0x0500_0400),
        Arch::X86 => (elf::EM_386, 0),
        other => return Err(super::failed(format!("no stub shared objects for {other:?}"))),
    };
    let is_64 = target.arch.pointer_bytes() == 8;
    let versions = Versions::of(lib)?;
    let mut out = Vec::new();
    let mut w = Writer::new(Endianness::Little, is_64, &mut out);
    let r = reserve(&mut w, lib, &versions)?;
    // Second phase: the bytes, in the same order. Addresses equal file offsets.
    let header = FileHeader {
        os_abi: elf::ELFOSABI_NONE,
        abi_version: 0,
        e_type: elf::ET_DYN,
        e_machine: machine,
        e_entry: 0,
        e_flags: elf::FileFlags(flags),
    };
    w.write_file_header(&header)
        .map_err(|e| super::failed(e.to_string()))?;
    write_program_headers(&mut w, &r, is_64);
    write_symbols(&mut w, lib, &versions, &r);
    w.pad_until(r.text_offset);
    w.write(&vec![0u8; r.text_len as usize]);
    write_dynamic(&mut w, &versions, &r, is_64)?;
    w.write_shstrtab();
    write_section_headers(&mut w, &versions, &r);
    Ok(out)
}

/// The library's symbol versions: index 1 is the library itself (the base definition), then
/// one per name.
struct Versions<'a> {
    by_name: BTreeMap<&'a str, u16>,
    by_index: Vec<(&'a str, u16)>,
}

impl<'a> Versions<'a> {
    fn of(lib: &'a GeneratedLibrary) -> crate::diag::Result<Self> {
        let mut by_name: BTreeMap<&str, u16> = BTreeMap::new();
        for s in &lib.symbols {
            if let Some(v) = s.version.as_deref() {
                let next = u16::try_from(by_name.len() + 2).unwrap_or(u16::MAX);
                by_name.entry(v).or_insert(next);
            }
        }
        // Version indices are 15 bits (the 16th marks a hidden version); 1 is the base.
        if by_name.len() > 0x7ffd {
            return Err(super::failed(format!(
                "{}: more symbol versions than ELF can number ({})",
                lib.file,
                by_name.len()
            )));
        }
        let mut by_index: Vec<(&str, u16)> = by_name.iter().map(|(n, i)| (*n, *i)).collect();
        by_index.sort_by_key(|v| v.1);
        Ok(Versions { by_name, by_index })
    }

    fn any(&self) -> bool {
        !self.by_index.is_empty()
    }
}

/// What the first phase decided: string ids, section indices and file offsets.
struct Reserved {
    soname: object::write::StringId,
    names: Vec<object::write::StringId>,
    version_names: Vec<object::write::StringId>,
    text_name: object::write::StringId,
    text_index: object::write::elf::SectionIndex,
    dynsym_offset: u64,
    dynstr_offset: u64,
    versym_offset: u64,
    verdef_offset: u64,
    buckets: u32,
    symbol_count: u32,
    hash_offset: u64,
    text_len: u64,
    text_offset: u64,
    dynamic_count: usize,
    dynamic_offset: u64,
    load_end: u64,
}

/// First phase: names, indices and file ranges, in file order.
fn reserve<'a>(
    w: &mut Writer<'a>,
    lib: &'a GeneratedLibrary,
    versions: &Versions<'a>,
) -> crate::diag::Result<Reserved> {
    let soname = w.add_dynamic_string(lib.file.as_bytes());
    let names = lib
        .symbols
        .iter()
        .map(|s| w.add_dynamic_string(s.symbol.as_bytes()))
        .collect();
    let version_names = versions
        .by_index
        .iter()
        .map(|(n, _)| w.add_dynamic_string(n.as_bytes()))
        .collect();
    let versioned = versions.any();
    w.reserve_file_header();
    w.reserve_program_headers(2);
    w.reserve_null_section_index();
    w.reserve_dynsym_section_index();
    w.reserve_dynstr_section_index();
    if versioned {
        w.reserve_gnu_versym_section_index();
        w.reserve_gnu_verdef_section_index();
    }
    w.reserve_hash_section_index();
    let text_name = w.add_section_name(b".text");
    let text_index = w.reserve_section_index();
    w.reserve_dynamic_section_index();
    w.reserve_shstrtab_section_index();
    w.reserve_null_dynamic_symbol_index();
    for _ in &lib.symbols {
        w.reserve_dynamic_symbol_index();
    }
    let dynsym_offset = w.reserve_dynsym();
    let dynstr_offset = w.reserve_dynstr().map_err(|e| super::failed(e.to_string()))?;
    let (mut versym_offset, mut verdef_offset) = (0, 0);
    if versioned {
        let count = versions.by_index.len();
        versym_offset = w.reserve_gnu_versym();
        // at most 0x7ffe
        verdef_offset = w.reserve_gnu_verdef(count as u16 + 1, count + 1);
    }
    let symbol_count = lib.symbols.len() as u32 + 1;
    let buckets = symbol_count.max(1);
    let hash_offset = w.reserve_hash(buckets, symbol_count);
    let text_len = lib.symbols.len().max(1) as u64;
    let text_offset = w.reserve(text_len, 16);
    let dynamic_count = 6 + if versioned { 3 } else { 0 } + 1;
    let dynamic_offset = w.reserve_dynamic(dynamic_count);
    let load_end = w.reserved_len();
    w.reserve_shstrtab().map_err(|e| super::failed(e.to_string()))?;
    w.reserve_section_headers();
    Ok(Reserved {
        soname,
        names,
        version_names,
        text_name,
        text_index,
        dynsym_offset,
        dynstr_offset,
        versym_offset,
        verdef_offset,
        buckets,
        symbol_count,
        hash_offset,
        text_len,
        text_offset,
        dynamic_count,
        dynamic_offset,
        load_end,
    })
}

/// One `PT_LOAD` of everything up to the section names, and `PT_DYNAMIC`.
fn write_program_headers(w: &mut Writer, r: &Reserved, is_64: bool) {
    w.write_align_program_headers();
    w.write_program_header(&ProgramHeader {
        p_type: elf::PT_LOAD,
        p_flags: elf::PF_R | elf::PF_X,
        p_offset: 0,
        p_vaddr: 0,
        p_paddr: 0,
        p_filesz: r.load_end,
        p_memsz: r.load_end,
        p_align: 0x1_0000,
    });
    let dynamic_len = r.dynamic_count as u64 * if is_64 { 16 } else { 8 };
    w.write_program_header(&ProgramHeader {
        p_type: elf::PT_DYNAMIC,
        p_flags: elf::PF_R,
        p_offset: r.dynamic_offset,
        p_vaddr: r.dynamic_offset,
        p_paddr: r.dynamic_offset,
        p_filesz: dynamic_len,
        p_memsz: dynamic_len,
        p_align: if is_64 { 8 } else { 4 },
    });
}

/// `.dynsym`, `.dynstr`, the version sections and `.hash`.
fn write_symbols(w: &mut Writer, lib: &GeneratedLibrary, versions: &Versions, r: &Reserved) {
    w.write_null_dynamic_symbol();
    for (i, name) in r.names.iter().enumerate() {
        w.write_dynamic_symbol(&Sym {
            st_name: w.dynamic_string_offset(Some(*name)),
            section: Some(r.text_index.0),
            st_info: elf::SymbolInfo::new(elf::STB_GLOBAL, elf::STT_FUNC),
            st_other: elf::STV_DEFAULT.into(),
            st_shndx: elf::SymbolSection(0),
            st_value: r.text_offset + i as u64,
            st_size: 1,
        });
    }
    w.write_dynstr();
    if versions.any() {
        w.write_null_gnu_versym();
        for s in &lib.symbols {
            let index = s
                .version
                .as_deref()
                .and_then(|v| versions.by_name.get(v))
                .map_or(elf::VER_NDX_GLOBAL, |i| elf::VersionIndex(*i));
            w.write_gnu_versym(index.into());
        }
        w.write_align_gnu_verdef();
        w.write_gnu_verdef(&Verdef {
            version: elf::VER_DEF_CURRENT,
            flags: elf::VER_FLG_BASE,
            index: elf::VersionIndex(1),
            aux_count: 1,
            name: w.dynamic_string_offset(Some(r.soname)),
            hash: elf::hash(lib.file.as_bytes()),
        });
        for ((name, index), id) in versions.by_index.iter().zip(&r.version_names) {
            w.write_gnu_verdef(&Verdef {
                version: elf::VER_DEF_CURRENT,
                flags: elf::VersionFlags(0),
                index: elf::VersionIndex(*index),
                aux_count: 1,
                name: w.dynamic_string_offset(Some(*id)),
                hash: elf::hash(name.as_bytes()),
            });
        }
    }
    let hashes: Vec<u32> = lib
        .symbols
        .iter()
        .map(|s| elf::hash(s.symbol.as_bytes()))
        .collect();
    w.write_hash(r.buckets, r.symbol_count, |i| {
        (i as usize).checked_sub(1).map(|k| hashes[k])
    });
}

/// The dynamic section: SONAME, the tables, the version tables.
fn write_dynamic(w: &mut Writer, versions: &Versions, r: &Reserved, is_64: bool) -> crate::diag::Result<()> {
    w.write_align_dynamic();
    let entry = |w: &mut Writer, tag, v| w.write_dynamic(tag, v).map_err(|e| super::failed(e.to_string()));
    w.write_dynamic_string(elf::DT_SONAME, r.soname)
        .map_err(|e| super::failed(e.to_string()))?;
    entry(w, elf::DT_HASH, r.hash_offset)?;
    entry(w, elf::DT_STRTAB, r.dynstr_offset)?;
    entry(w, elf::DT_SYMTAB, r.dynsym_offset)?;
    let strsz = w.dynstr_len() as u64;
    entry(w, elf::DT_STRSZ, strsz)?;
    entry(w, elf::DT_SYMENT, if is_64 { 24 } else { 16 })?;
    if versions.any() {
        entry(w, elf::DT_VERSYM, r.versym_offset)?;
        entry(w, elf::DT_VERDEF, r.verdef_offset)?;
        entry(w, elf::DT_VERDEFNUM, versions.by_index.len() as u64 + 1)?;
    }
    entry(w, elf::DT_NULL, 0)
}

fn write_section_headers(w: &mut Writer, versions: &Versions, r: &Reserved) {
    w.write_null_section_header();
    w.write_dynsym_section_header(r.dynsym_offset, 1);
    w.write_dynstr_section_header(r.dynstr_offset);
    if versions.any() {
        w.write_gnu_versym_section_header(r.versym_offset);
        w.write_gnu_verdef_section_header(r.verdef_offset);
    }
    w.write_hash_section_header(r.hash_offset);
    w.write_section_header(&object::write::elf::SectionHeader {
        sh_name: w.section_name_offset(Some(r.text_name)),
        sh_type: elf::SHT_PROGBITS,
        sh_flags: elf::SectionFlags(elf::SHF_ALLOC.0 | elf::SHF_EXECINSTR.0),
        sh_addr: r.text_offset,
        sh_offset: r.text_offset,
        sh_size: r.text_len,
        sh_link: 0,
        sh_info: 0,
        sh_addralign: 16,
        sh_entsize: 0,
    });
    w.write_dynamic_section_header(r.dynamic_offset);
    w.write_shstrtab_section_header();
}
