//! The ELF stub object, written with `object`'s low-level ELF writer in single-phase mode.
//!
//! Single-phase mode writes every string table in the order strings are added: the high-level
//! `object::write::Object` sorts `.strtab` for suffix merging, which is most of the time of an
//! object with tens of thousands of call symbols and saves nothing here (call symbols rarely end
//! in one another). Sections, in index order: `.text`, `.data` (cells, then handle slots),
//! `.aotimp`, `.eh_frame`, `.note.gnu.property`, `.note.GNU-stack`, the `.rela.*` sections,
//! `.strtab`, `.symtab`, `.shstrtab`.

use super::code::{Code, RelocKind, RelocTarget};
use super::table::Table;
use super::{eh_frame, emit_error};
use crate::target::Arch;
use aotinterop_runtime::abi;
use object::elf;
use object::write::elf::{FileHeader, Rel, SectionHeader, SectionIndex, Sym, SymbolIndex, Writer};
use object::write::StringId;
use object::Endianness;
use rustc_hash::FxHashMap;

fn err(e: object::write::Error) -> crate::diag::Error {
    emit_error(e.to_string())
}

/// One allocated section of the object: its name, ELF type and flags, alignment and bytes.
struct Section<'a> {
    name: &'static str,
    sh_type: elf::SectionType,
    sh_flags: elf::SectionFlags,
    align: u64,
    data: std::borrow::Cow<'a, [u8]>,
    relocs: Vec<Rel>,
}

/// Where a relocation points before it becomes a symbol index: a section's start (plus an
/// offset) or an undefined symbol.
#[derive(Clone, Copy)]
enum Base {
    Section(usize),
    Undefined(usize),
}

/// The undefined symbols relocations name, each once, in first-use order.
#[derive(Default)]
struct Undefined<'a> {
    names: Vec<&'a str>,
    index: FxHashMap<&'a str, usize>,
}

impl<'a> Undefined<'a> {
    fn get(&mut self, name: &'a str) -> usize {
        *self.index.entry(name).or_insert_with(|| {
            self.names.push(name);
            self.names.len() - 1
        })
    }
}

fn r_type(arch: Arch, kind: RelocKind) -> crate::diag::Result<elf::RelocationType> {
    Ok(match (arch, kind) {
        (Arch::X86_64, RelocKind::Pc32) => elf::R_X86_64_PC32,
        (Arch::X86_64, RelocKind::Plt32) => elf::R_X86_64_PLT32,
        (Arch::X86_64, RelocKind::Abs64) => elf::R_X86_64_64,
        (Arch::Aarch64, RelocKind::Pc32) => elf::R_AARCH64_PREL32,
        (Arch::Aarch64, RelocKind::Abs64) => elf::R_AARCH64_ABS64,
        (Arch::Aarch64, RelocKind::A64Page21) => elf::R_AARCH64_ADR_PREL_PG_HI21,
        (Arch::Aarch64, RelocKind::A64Ldst64Lo12) => elf::R_AARCH64_LDST64_ABS_LO12_NC,
        (Arch::Aarch64, RelocKind::A64AddLo12) => elf::R_AARCH64_ADD_ABS_LO12_NC,
        (Arch::Aarch64, RelocKind::A64Jump26) => elf::R_AARCH64_JUMP26,
        (Arch::Arm, RelocKind::Abs32) => elf::R_ARM_ABS32,
        (Arch::Arm, RelocKind::Pc32) => elf::R_ARM_REL32,
        (Arch::Arm, RelocKind::ThmJump24) => elf::R_ARM_THM_JUMP24,
        (Arch::Arm, RelocKind::Prel31) => elf::R_ARM_PREL31,
        _ => {
            return Err(emit_error(format!(
                "relocation {kind:?} is not supported for ELF {arch:?}"
            )))
        }
    })
}

/// The CET (x86_64) or BTI/PAC (aarch64) GNU property note: IBT + SHSTK on x86_64 (thunks start
/// with `endbr64`; nothing touches the return address), BTI + PAC on aarch64 (stubs start with
/// `bti c`; no return-address signing is needed as nothing is saved).
fn gnu_property(arch: Arch) -> Vec<u8> {
    let (property, value) = match arch {
        Arch::Aarch64 => (
            elf::GNU_PROPERTY_AARCH64_FEATURE_1_AND,
            elf::GNU_PROPERTY_AARCH64_FEATURE_1_BTI | elf::GNU_PROPERTY_AARCH64_FEATURE_1_PAC,
        ),
        _ => (
            elf::GNU_PROPERTY_X86_FEATURE_1_AND,
            elf::GNU_PROPERTY_X86_FEATURE_1_IBT | elf::GNU_PROPERTY_X86_FEATURE_1_SHSTK,
        ),
    };
    let mut note = Vec::with_capacity(32);
    for word in [4, 16, elf::NT_GNU_PROPERTY_TYPE_0.0] {
        note.extend_from_slice(&u32::to_le_bytes(word)); // namesz, descsz (8-aligned), type
    }
    note.extend_from_slice(b"GNU\0");
    for word in [property.0, 4, value, 0] {
        note.extend_from_slice(&u32::to_le_bytes(word)); // type, datasz, data, padding
    }
    note
}

/// 32-bit ARM objects use REL relocations: the addend goes into the relocated field. Only
/// 32-bit words are relocated that way here; a Thumb branch carries its addend in its encoding
/// already (`arm.rs`).
fn write_rel_addend(data: &mut [u8], at: u64, addend: i64, kind: RelocKind) -> crate::diag::Result<()> {
    let word = match kind {
        RelocKind::Abs32 | RelocKind::Pc32 => addend as u32,
        RelocKind::Prel31 => (addend as u32) & 0x7fff_ffff,
        RelocKind::ThmJump24 if addend == -4 => return Ok(()),
        _ => {
            return Err(emit_error(format!(
                "no REL addend encoding for {kind:?} {addend}"
            )))
        }
    };
    let at = usize::try_from(at).map_err(|_| emit_error("relocation outside its section".into()))?;
    data.get_mut(at..at + 4)
        .ok_or_else(|| emit_error("relocation outside its section".into()))?
        .copy_from_slice(&word.to_le_bytes());
    Ok(())
}

/// Writes the ELF object for `arch`.
pub fn write<'a>(arch: Arch, table: &'a Table, code: &'a Code) -> crate::diag::Result<Vec<u8>> {
    const TEXT: usize = 0;
    const DATA: usize = 1;
    const AOTIMP: usize = 2;
    let has_table = table.imports > 0;
    let slot = u64::from(arch.pointer_bytes());
    let is_64 = slot == 8;
    // ARM: REL relocations (GNU ld takes no RELA for ARM), Thumb code.
    let is_rela = arch != Arch::Arm;
    let mut undefined = Undefined::default();
    let mut sections = vec![
        Section {
            name: ".text",
            sh_type: elf::SHT_PROGBITS,
            sh_flags: elf::SHF_ALLOC | elf::SHF_EXECINSTR,
            align: 16,
            data: code.text.as_slice().into(),
            relocs: Vec::new(),
        },
        Section {
            name: ".data",
            sh_type: elf::SHT_PROGBITS,
            sh_flags: elf::SHF_ALLOC | elf::SHF_WRITE,
            align: 8,
            data: vec![0u8; slot as usize * (table.imports + table.modules)].into(),
            relocs: Vec::new(),
        },
    ];
    // Relocations are collected against `Base`s and turned into symbol indices once the symbol
    // table's layout is known.
    type Pending = Vec<(u64, Base, i64, RelocKind)>;
    let mut pending: Vec<Pending> = vec![Vec::new(), Vec::new()];
    let cells = (slot * table.imports as u64) as i64;
    let mut resolve = |t: &'a RelocTarget| -> crate::diag::Result<(Base, i64)> {
        Ok(match t {
            RelocTarget::Cell(i) => (Base::Section(DATA), (slot * *i as u64) as i64),
            RelocTarget::Handle(m) => (Base::Section(DATA), cells + (slot * *m as u64) as i64),
            RelocTarget::Table if has_table => (Base::Section(AOTIMP), 0),
            RelocTarget::Table => return Err(emit_error("no import table".into())),
            RelocTarget::Text(off) => (Base::Section(TEXT), *off as i64),
            RelocTarget::LazyEntry => (Base::Undefined(undefined.get(abi::LAZY_ENTRY_SYMBOL)), 0),
            RelocTarget::Native(s) => (Base::Undefined(undefined.get(s)), 0),
            RelocTarget::ImpSlot(s) => {
                return Err(emit_error(format!(
                    "`__imp_{s}` import slots exist only in COFF objects"
                )))
            }
        })
    };
    let pointer = if is_64 { RelocKind::Abs64 } else { RelocKind::Abs32 };
    if has_table {
        sections.push(Section {
            name: abi::SECTION_ELF_COFF,
            sh_type: elf::SHT_PROGBITS,
            // Retained under `--gc-sections` even when no stub is called: the table is how
            // `inspect` and `verify` see the image's lazy imports.
            sh_flags: elf::SHF_ALLOC | elf::SHF_GNU_RETAIN,
            align: abi::TABLE_ALIGN as u64,
            data: table.bytes.as_slice().into(),
            relocs: Vec::new(),
        });
        // The header's two link-time distances: S + A - P with P = table + off, so A = off.
        let mut table_relocs = Vec::with_capacity(2);
        const FIELDS: [(u32, RelocTarget); 2] = [
            (abi::CELLS_REL_OFFSET, RelocTarget::Cell(0)),
            (abi::HANDLES_REL_OFFSET, RelocTarget::Handle(0)),
        ];
        for (off, target) in &FIELDS {
            let (base, extra) = resolve(target)?;
            table_relocs.push((*off as u64, base, extra + *off as i64, RelocKind::Pc32));
        }
        pending.push(table_relocs);
        // Each cell starts at its thunk.
        pending[DATA] = code
            .cell_init
            .iter()
            .enumerate()
            .map(|(i, &init)| (slot * i as u64, Base::Section(TEXT), init as i64, pointer))
            .collect();
    }
    let mut text_relocs = Vec::with_capacity(code.text_relocs.len());
    for r in &code.text_relocs {
        let (base, extra) = resolve(&r.target)?;
        text_relocs.push((r.offset, base, r.addend + extra, r.kind));
    }
    pending[TEXT] = text_relocs;
    if !code.unwind.is_empty() {
        let (bytes, relocs) = eh_frame::build(arch, &code.unwind);
        sections.push(Section {
            name: ".eh_frame",
            sh_type: if arch == Arch::X86_64 {
                elf::SHT_X86_64_UNWIND
            } else {
                elf::SHT_PROGBITS
            },
            sh_flags: elf::SHF_ALLOC,
            align: 8,
            data: bytes.into(),
            relocs: Vec::new(),
        });
        pending.push(
            relocs
                .into_iter()
                .map(|(at, text_off)| (at, Base::Section(TEXT), text_off as i64, RelocKind::Pc32))
                .collect(),
        );
    }
    // ARM's unwind tables: 8-byte entries, a PREL31 function address and an inline entry, in
    // a section linked to `.text` (its `sh_link`, set below).
    let exidx = sections.len();
    if !code.exidx.is_empty() {
        let mut bytes = Vec::with_capacity(8 * code.exidx.len());
        let mut relocs = Vec::with_capacity(code.exidx.len());
        for (i, &(at, entry)) in code.exidx.iter().enumerate() {
            bytes.extend_from_slice(&[0; 4]);
            bytes.extend_from_slice(&entry.to_le_bytes());
            relocs.push((8 * i as u64, Base::Section(TEXT), at as i64, RelocKind::Prel31));
        }
        sections.push(Section {
            name: ".ARM.exidx",
            sh_type: elf::SHT_ARM_EXIDX,
            sh_flags: elf::SHF_ALLOC | elf::SHF_LINK_ORDER,
            align: 4,
            data: bytes.into(),
            relocs: Vec::new(),
        });
        pending.push(relocs);
    }
    let mut notes = vec![(".note.GNU-stack", elf::SHT_PROGBITS, 0, Vec::new())];
    // The CET / BTI property notes (32-bit ARM has none).
    if arch != Arch::Arm {
        notes.insert(
            0,
            (
                ".note.gnu.property",
                elf::SHT_NOTE,
                elf::SHF_ALLOC.0,
                gnu_property(arch),
            ),
        );
    }
    for (name, sh_type, sh_flags, data) in notes {
        sections.push(Section {
            name,
            sh_type,
            sh_flags: elf::SectionFlags(sh_flags),
            align: if data.is_empty() { 1 } else { 8 },
            data: data.into(),
            relocs: Vec::new(),
        });
        pending.push(Vec::new());
    }

    // Symbols: null, one section symbol per allocated section (locals), then the call symbols,
    // the table symbol and the undefined symbols (globals).
    // 32-bit ARM adds its mapping symbols (`$t`, `$d`) as locals after the section symbols.
    let section_index = |i: usize| SectionIndex(1 + i as u32);
    let section_symbol = |i: usize| SymbolIndex(1 + i as u32);
    let first_global = 1 + sections.len() as u32 + code.mapping.len() as u32;
    let globals_defined = code.symbols.len() as u32 + has_table as u32;
    let undefined_symbol = |u: usize| SymbolIndex(first_global + globals_defined + u as u32);
    for (section, relocs) in sections.iter_mut().zip(pending) {
        let mut out = Vec::with_capacity(relocs.len());
        for (r_offset, base, addend, kind) in relocs {
            let r_addend = if is_rela {
                addend
            } else {
                write_rel_addend(section.data.to_mut(), r_offset, addend, kind)?;
                0
            };
            out.push(Rel {
                r_offset,
                r_sym: match base {
                    Base::Section(i) => section_symbol(i).0,
                    Base::Undefined(u) => undefined_symbol(u).0,
                },
                r_type: r_type(arch, kind)?,
                r_addend,
            });
        }
        section.relocs = out;
    }

    let mut out = Vec::with_capacity(code.text.len() * 4 + table.bytes.len() * 2 + 4096);
    let mut w = Writer::new_single_phase(Endianness::Little, is_64, &mut out);
    let header = FileHeader {
        // GNU, as the assembler marks objects using `SHF_GNU_RETAIN`: GNU ld honours the flag then.
        os_abi: elf::ELFOSABI_GNU,
        abi_version: 0,
        e_type: elf::ET_REL,
        e_machine: match arch {
            Arch::Aarch64 => elf::EM_AARCH64,
            Arch::Arm => elf::EM_ARM,
            _ => elf::EM_X86_64,
        },
        e_entry: 0,
        // ARM: EABI version 5, hard-float calling convention.
        e_flags: if arch == Arch::Arm {
            elf::FileFlags(elf::EF_ARM_EABI_VER5.0 | elf::EF_ARM_ABI_FLOAT_HARD)
        } else {
            elf::FileFlags(0)
        },
    };
    // A placeholder; the real header (section header offset, counts) is written last.
    w.write_file_header(&header).map_err(err)?;
    let mut offsets = Vec::with_capacity(sections.len());
    for s in &sections {
        offsets.push(w.write_align(s.align));
        w.write(&s.data);
    }
    let mut rela_offsets = Vec::with_capacity(sections.len());
    for s in &sections {
        if s.relocs.is_empty() {
            rela_offsets.push(0);
            continue;
        }
        rela_offsets.push(w.write_align_relocation());
        for r in &s.relocs {
            w.write_relocation(is_rela, r);
        }
    }

    let symbol_names: Vec<StringId> = code
        .symbols
        .iter()
        .map(|s| w.add_string(s.name.as_bytes()))
        .collect();
    let table_name = has_table.then(|| w.add_string(abi::TABLE_SYMBOL.as_bytes()));
    let mapping_names: Vec<StringId> = code
        .mapping
        .iter()
        .map(|(_, n)| w.add_string(n.as_bytes()))
        .collect();
    let undefined_names: Vec<StringId> = undefined
        .names
        .iter()
        .map(|n| w.add_string(n.as_bytes()))
        .collect();
    w.write_null_symbol();
    for i in 0..sections.len() {
        w.write_symbol(&Sym {
            st_name: 0,
            section: Some(section_index(i).0),
            st_info: elf::SymbolInfo::new(elf::STB_LOCAL, elf::STT_SECTION),
            st_other: elf::STV_DEFAULT.into(),
            st_shndx: elf::SHN_UNDEF,
            st_value: 0,
            st_size: 0,
        });
    }
    for (&(at, _), &name) in code.mapping.iter().zip(&mapping_names) {
        let st_name = w.string_offset(Some(name));
        w.write_symbol(&Sym {
            st_name,
            section: Some(section_index(TEXT).0),
            st_info: elf::SymbolInfo::new(elf::STB_LOCAL, elf::STT_NOTYPE),
            st_other: elf::STV_DEFAULT.into(),
            st_shndx: elf::SHN_UNDEF,
            st_value: at,
            st_size: 0,
        });
    }
    let global = |st_type| elf::SymbolInfo::new(elf::STB_GLOBAL, st_type);
    // A Thumb function's address has bit 0 set.
    let thumb = u64::from(arch == Arch::Arm);
    let call_visibility = if code.export_symbols {
        elf::STV_DEFAULT
    } else {
        elf::STV_HIDDEN
    };
    for (s, &name) in code.symbols.iter().zip(&symbol_names) {
        let st_name = w.string_offset(Some(name));
        w.write_symbol(&Sym {
            st_name,
            section: Some(section_index(TEXT).0),
            st_info: global(elf::STT_FUNC),
            st_other: call_visibility.into(),
            st_shndx: elf::SHN_UNDEF,
            st_value: s.offset | thumb,
            st_size: s.size,
        });
    }
    if let Some(name) = table_name {
        let st_name = w.string_offset(Some(name));
        w.write_symbol(&Sym {
            st_name,
            section: Some(section_index(AOTIMP).0),
            st_info: global(elf::STT_OBJECT),
            st_other: elf::STV_HIDDEN.into(),
            st_shndx: elf::SHN_UNDEF,
            st_value: 0,
            st_size: table.bytes.len() as u64,
        });
    }
    for &name in &undefined_names {
        let st_name = w.string_offset(Some(name));
        w.write_symbol(&Sym {
            st_name,
            section: None,
            st_info: global(elf::STT_NOTYPE),
            st_other: elf::STV_DEFAULT.into(),
            st_shndx: elf::SHN_UNDEF,
            st_value: 0,
            st_size: 0,
        });
    }

    let names: Vec<StringId> = sections
        .iter()
        .map(|s| w.add_section_name(s.name.as_bytes()))
        .collect();
    let rela_names: Vec<Option<(StringId, &'static str)>> = sections
        .iter()
        .map(|s| {
            (!s.relocs.is_empty()).then(|| {
                let rela: &'static str = match (s.name, is_rela) {
                    (".text", true) => ".rela.text",
                    (".data", true) => ".rela.data",
                    (".eh_frame", true) => ".rela.eh_frame",
                    (_, true) => ".rela.aotimp",
                    (".text", false) => ".rel.text",
                    (".data", false) => ".rel.data",
                    (".ARM.exidx", false) => ".rel.ARM.exidx",
                    (_, false) => ".rel.aotimp",
                };
                (w.add_section_name(rela.as_bytes()), rela)
            })
        })
        .collect();
    w.write_strtab().map_err(err)?;
    w.write_shstrtab().map_err(err)?;

    // Section headers: null, the sections, their relocation sections, then .strtab, .symtab and
    // .shstrtab (a relocation section names the symbol table by its index, known from here).
    let relocated = rela_names.iter().flatten().count() as u32;
    let strtab_index = SectionIndex(1 + sections.len() as u32 + relocated);
    let symtab_index = SectionIndex(strtab_index.0 + 1);
    w.write_null_section_header();
    for (i, ((s, &name), &offset)) in sections.iter().zip(&names).zip(&offsets).enumerate() {
        let sh_name = w.section_name_offset(Some(name));
        w.write_section_header(&SectionHeader {
            sh_name,
            sh_type: s.sh_type,
            sh_flags: s.sh_flags,
            sh_addr: 0,
            sh_offset: offset,
            sh_size: s.data.len() as u64,
            // `.ARM.exidx` names the code its entries cover.
            sh_link: if i == exidx && !code.exidx.is_empty() {
                section_index(TEXT).0
            } else {
                0
            },
            sh_info: 0,
            sh_addralign: s.align,
            sh_entsize: 0,
        });
    }
    for (i, (s, rela)) in sections.iter().zip(&rela_names).enumerate() {
        if let Some((name, _)) = rela {
            w.write_relocation_section_header(
                *name,
                section_index(i),
                symtab_index,
                rela_offsets[i],
                s.relocs.len(),
                is_rela,
            );
        }
    }
    w.write_strtab_section_header();
    w.write_symtab_section_header(first_global);
    w.write_shstrtab_section_header();

    let mut header_bytes = Vec::new();
    w.write_file_header_to(&mut header_bytes).map_err(err)?;
    drop(w);
    out[..header_bytes.len()].copy_from_slice(&header_bytes);
    Ok(out)
}
