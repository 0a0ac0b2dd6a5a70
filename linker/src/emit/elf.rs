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
use object::write::elf::{FileHeader, Rel, SectionHeader, SectionIndex, SinglePhase, Sym, Writer};
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

/// The index of `.text`, `.data` and the import table in [`Layout::sections`].
const TEXT: usize = 0;
const DATA: usize = 1;
const AOTIMP: usize = 2;

/// Relocations of one section before they name symbols: offset, base, addend, kind.
type Pending = Vec<(u64, Base, i64, RelocKind)>;

/// The object, decided: its allocated sections in index order with their relocations, the
/// undefined symbols those name, and the symbol numbering the relocations use.
struct Layout<'a> {
    sections: Vec<Section<'a>>,
    undefined: Undefined<'a>,
    /// The index of `.ARM.exidx`, when there is one.
    exidx: Option<usize>,
    /// The index of the first global symbol (after the null, section and mapping symbols).
    first_global: u32,
    has_table: bool,
    /// RELA (addends in the relocations) or, on ARM, REL (addends in the relocated fields).
    is_rela: bool,
}

/// Writes the ELF object for `arch`: the layout decided, then encoded.
pub fn write<'a>(arch: Arch, table: &'a Table, code: &'a Code) -> crate::diag::Result<Vec<u8>> {
    let layout = layout(arch, table, code)?;
    encode(arch, table, code, &layout)
}

/// Where relocation target `t` points: a section (plus an offset) or an undefined symbol.
fn base_of<'a>(
    t: &'a RelocTarget,
    slot: u64,
    table: &Table,
    undefined: &mut Undefined<'a>,
) -> crate::diag::Result<(Base, i64)> {
    let cells = (slot * table.imports as u64) as i64;
    Ok(match t {
        RelocTarget::Cell(i) => (Base::Section(DATA), (slot * *i as u64) as i64),
        RelocTarget::Handle(m) => (Base::Section(DATA), cells + (slot * *m as u64) as i64),
        RelocTarget::Table if table.imports > 0 => (Base::Section(AOTIMP), 0),
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
}

fn section<'a>(
    name: &'static str,
    sh_type: elf::SectionType,
    sh_flags: elf::SectionFlags,
    align: u64,
    data: impl Into<std::borrow::Cow<'a, [u8]>>,
) -> Section<'a> {
    Section {
        name,
        sh_type,
        sh_flags,
        align,
        data: data.into(),
        relocs: Vec::new(),
    }
}

/// Decides the sections, their relocations and the symbol numbering.
fn layout<'a>(arch: Arch, table: &'a Table, code: &'a Code) -> crate::diag::Result<Layout<'a>> {
    let has_table = table.imports > 0;
    let slot = u64::from(arch.pointer_bytes());
    let mut undefined = Undefined::default();
    let cells = vec![0u8; slot as usize * (table.imports + table.modules)];
    let mut sections = vec![
        section(
            ".text",
            elf::SHT_PROGBITS,
            elf::SHF_ALLOC | elf::SHF_EXECINSTR,
            16,
            code.text.as_slice(),
        ),
        section(
            ".data",
            elf::SHT_PROGBITS,
            elf::SHF_ALLOC | elf::SHF_WRITE,
            8,
            cells,
        ),
    ];
    let mut pending: Vec<Pending> = vec![Vec::new(), Vec::new()];
    if has_table {
        let (aotimp, relocs, cell_init) = table_section(arch, table, code, &mut undefined)?;
        sections.push(aotimp);
        pending.push(relocs);
        pending[DATA] = cell_init;
    }
    let mut text_relocs = Vec::with_capacity(code.text_relocs.len());
    for r in &code.text_relocs {
        let (base, extra) = base_of(&r.target, slot, table, &mut undefined)?;
        text_relocs.push((r.offset, base, r.addend + extra, r.kind));
    }
    pending[TEXT] = text_relocs;
    let mut exidx = None;
    for (s, relocs) in unwind_sections(arch, code) {
        if s.name == ".ARM.exidx" {
            exidx = Some(sections.len());
        }
        sections.push(s);
        pending.push(relocs);
    }
    for s in note_sections(arch) {
        sections.push(s);
        pending.push(Vec::new());
    }
    let mut layout = Layout {
        first_global: 1 + sections.len() as u32 + code.mapping.len() as u32,
        sections,
        undefined,
        exidx,
        has_table,
        // ARM: REL relocations (GNU ld takes no RELA for ARM), Thumb code.
        is_rela: arch != Arch::Arm,
    };
    relocate(arch, code, &mut layout, pending)?;
    Ok(layout)
}

/// The import table's section, its header's two link-time distances, and `.data`'s
/// relocations: each cell starts at its thunk.
fn table_section<'a>(
    arch: Arch,
    table: &'a Table,
    code: &'a Code,
    undefined: &mut Undefined<'a>,
) -> crate::diag::Result<(Section<'a>, Pending, Pending)> {
    let slot = u64::from(arch.pointer_bytes());
    // Retained under `--gc-sections` even when no stub is called: the table is how `inspect`
    // and `verify` see the image's lazy imports.
    let flags = elf::SHF_ALLOC | elf::SHF_GNU_RETAIN;
    let aotimp = section(
        abi::SECTION_ELF_COFF,
        elf::SHT_PROGBITS,
        flags,
        abi::TABLE_ALIGN as u64,
        table.bytes.as_slice(),
    );
    // S + A - P with P = table + off, so A = off.
    const FIELDS: [(u32, RelocTarget); 2] = [
        (abi::CELLS_REL_OFFSET, RelocTarget::Cell(0)),
        (abi::HANDLES_REL_OFFSET, RelocTarget::Handle(0)),
    ];
    let mut relocs = Vec::with_capacity(2);
    for (off, target) in &FIELDS {
        let (base, extra) = base_of(target, slot, table, undefined)?;
        relocs.push((*off as u64, base, extra + *off as i64, RelocKind::Pc32));
    }
    let pointer = if slot == 8 {
        RelocKind::Abs64
    } else {
        RelocKind::Abs32
    };
    let cell_init = code
        .cell_init
        .iter()
        .enumerate()
        .map(|(i, &init)| (slot * i as u64, Base::Section(TEXT), init as i64, pointer))
        .collect();
    Ok((aotimp, relocs, cell_init))
}

/// `.eh_frame`, and ARM's unwind index: 8-byte entries, a PREL31 function address and an
/// inline entry, in a section linked to `.text` (its `sh_link`).
fn unwind_sections(arch: Arch, code: &Code) -> Vec<(Section<'static>, Pending)> {
    let mut out = Vec::new();
    if !code.unwind.is_empty() {
        let (bytes, relocs) = eh_frame::build(arch, &code.unwind);
        let sh_type = if arch == Arch::X86_64 {
            elf::SHT_X86_64_UNWIND
        } else {
            elf::SHT_PROGBITS
        };
        let relocs = relocs
            .into_iter()
            .map(|(at, text_off)| (at, Base::Section(TEXT), text_off as i64, RelocKind::Pc32))
            .collect();
        out.push((section(".eh_frame", sh_type, elf::SHF_ALLOC, 8, bytes), relocs));
    }
    if !code.exidx.is_empty() {
        let mut bytes = Vec::with_capacity(8 * code.exidx.len());
        let mut relocs = Vec::with_capacity(code.exidx.len());
        for (i, &(at, entry)) in code.exidx.iter().enumerate() {
            bytes.extend_from_slice(&[0; 4]);
            bytes.extend_from_slice(&entry.to_le_bytes());
            relocs.push((8 * i as u64, Base::Section(TEXT), at as i64, RelocKind::Prel31));
        }
        let flags = elf::SHF_ALLOC | elf::SHF_LINK_ORDER;
        out.push((section(".ARM.exidx", elf::SHT_ARM_EXIDX, flags, 4, bytes), relocs));
    }
    out
}

/// The CET / BTI property note (32-bit ARM has none) and `.note.GNU-stack`.
fn note_sections(arch: Arch) -> Vec<Section<'static>> {
    let mut out = Vec::new();
    if arch != Arch::Arm {
        out.push(section(
            ".note.gnu.property",
            elf::SHT_NOTE,
            elf::SHF_ALLOC,
            8,
            gnu_property(arch),
        ));
    }
    out.push(section(
        ".note.GNU-stack",
        elf::SHT_PROGBITS,
        elf::SectionFlags(0),
        1,
        Vec::new(),
    ));
    out
}

/// Turns each section's pending relocations into ELF relocations naming symbol indices: null,
/// one section symbol per allocated section (locals), ARM's mapping symbols (`$t`, `$d`,
/// locals), then the call symbols, the table symbol and the undefined symbols (globals). On
/// ARM the addends go into the relocated fields.
fn relocate(arch: Arch, code: &Code, layout: &mut Layout, pending: Vec<Pending>) -> crate::diag::Result<()> {
    let globals_defined = code.symbols.len() as u32 + layout.has_table as u32;
    let first_undefined = layout.first_global + globals_defined;
    for (section, relocs) in layout.sections.iter_mut().zip(pending) {
        let mut out = Vec::with_capacity(relocs.len());
        for (r_offset, base, addend, kind) in relocs {
            let r_addend = if layout.is_rela {
                addend
            } else {
                write_rel_addend(section.data.to_mut(), r_offset, addend, kind)?;
                0
            };
            let r_sym = match base {
                Base::Section(i) => 1 + i as u32,
                Base::Undefined(u) => first_undefined + u as u32,
            };
            let r_type = r_type(arch, kind)?;
            out.push(Rel {
                r_offset,
                r_sym,
                r_type,
                r_addend,
            });
        }
        section.relocs = out;
    }
    Ok(())
}

/// The section index of allocated section `i`.
fn section_index(i: usize) -> SectionIndex {
    SectionIndex(1 + i as u32)
}

/// Encodes the decided object: header, section data, relocations, symbols, string tables,
/// section headers.
fn encode<'a>(arch: Arch, table: &Table, code: &'a Code, layout: &'a Layout) -> crate::diag::Result<Vec<u8>> {
    let is_64 = arch.pointer_bytes() == 8;
    let sections = &layout.sections;
    let mut out = Vec::with_capacity(code.text.len() * 4 + table.bytes.len() * 2 + 4096);
    let mut w = Writer::new_single_phase(Endianness::Little, is_64, &mut out);
    // A placeholder; the real header (section header offset, counts) is written last.
    w.write_file_header(&file_header(arch)).map_err(err)?;
    let mut offsets = Vec::with_capacity(sections.len());
    for s in sections {
        offsets.push(w.write_align(s.align));
        w.write(&s.data);
    }
    let mut rela_offsets = Vec::with_capacity(sections.len());
    for s in sections {
        if s.relocs.is_empty() {
            rela_offsets.push(0);
            continue;
        }
        rela_offsets.push(w.write_align_relocation());
        for r in &s.relocs {
            w.write_relocation(layout.is_rela, r);
        }
    }
    write_symbols(&mut w, arch, table, code, layout);
    let names: Vec<StringId> = sections
        .iter()
        .map(|s| w.add_section_name(s.name.as_bytes()))
        .collect();
    let rela_names: Vec<Option<StringId>> = sections
        .iter()
        .map(|s| {
            (!s.relocs.is_empty()).then(|| w.add_section_name(rela_name(s.name, layout.is_rela).as_bytes()))
        })
        .collect();
    w.write_strtab().map_err(err)?;
    w.write_shstrtab().map_err(err)?;
    write_section_headers(&mut w, layout, &names, &offsets, &rela_names, &rela_offsets);
    let mut header_bytes = Vec::new();
    w.write_file_header_to(&mut header_bytes).map_err(err)?;
    drop(w);
    out[..header_bytes.len()].copy_from_slice(&header_bytes);
    Ok(out)
}

fn file_header(arch: Arch) -> FileHeader {
    FileHeader {
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
    }
}

/// The relocation section's name for section `name`.
fn rela_name(name: &str, is_rela: bool) -> &'static str {
    match (name, is_rela) {
        (".text", true) => ".rela.text",
        (".data", true) => ".rela.data",
        (".eh_frame", true) => ".rela.eh_frame",
        (_, true) => ".rela.aotimp",
        (".text", false) => ".rel.text",
        (".data", false) => ".rel.data",
        (".ARM.exidx", false) => ".rel.ARM.exidx",
        (_, false) => ".rel.aotimp",
    }
}

/// The symbol table in [`relocate`]'s numbering (its names added to `.strtab` first).
fn write_symbols<'a>(
    w: &mut Writer<'a, SinglePhase>,
    arch: Arch,
    table: &Table,
    code: &'a Code,
    layout: &'a Layout,
) {
    let symbol_names: Vec<StringId> = code
        .symbols
        .iter()
        .map(|s| w.add_string(s.name.as_bytes()))
        .collect();
    let table_name = layout
        .has_table
        .then(|| w.add_string(abi::TABLE_SYMBOL.as_bytes()));
    let mapping_names: Vec<StringId> = code
        .mapping
        .iter()
        .map(|(_, n)| w.add_string(n.as_bytes()))
        .collect();
    let undefined_names: Vec<StringId> = layout
        .undefined
        .names
        .iter()
        .map(|n| w.add_string(n.as_bytes()))
        .collect();
    let sym =
        |st_name, section: Option<usize>, st_info, st_other: elf::SymbolVisibility, st_value, st_size| Sym {
            st_name,
            section: section.map(|i| section_index(i).0),
            st_info,
            st_other: st_other.into(),
            st_shndx: elf::SHN_UNDEF,
            st_value,
            st_size,
        };
    let local = |st_type| elf::SymbolInfo::new(elf::STB_LOCAL, st_type);
    let global = |st_type| elf::SymbolInfo::new(elf::STB_GLOBAL, st_type);
    let default = elf::STV_DEFAULT;
    w.write_null_symbol();
    for i in 0..layout.sections.len() {
        w.write_symbol(&sym(0, Some(i), local(elf::STT_SECTION), default, 0, 0));
    }
    for (&(at, _), &name) in code.mapping.iter().zip(&mapping_names) {
        let st_name = w.string_offset(Some(name));
        w.write_symbol(&sym(st_name, Some(TEXT), local(elf::STT_NOTYPE), default, at, 0));
    }
    // A Thumb function's address has bit 0 set.
    let thumb = u64::from(arch == Arch::Arm);
    let call_visibility = if code.export_symbols {
        elf::STV_DEFAULT
    } else {
        elf::STV_HIDDEN
    };
    for (s, &name) in code.symbols.iter().zip(&symbol_names) {
        let st_name = w.string_offset(Some(name));
        let value = s.offset | thumb;
        w.write_symbol(&sym(
            st_name,
            Some(TEXT),
            global(elf::STT_FUNC),
            call_visibility,
            value,
            s.size,
        ));
    }
    if let Some(name) = table_name {
        let st_name = w.string_offset(Some(name));
        let size = table.bytes.len() as u64;
        w.write_symbol(&sym(
            st_name,
            Some(AOTIMP),
            global(elf::STT_OBJECT),
            elf::STV_HIDDEN,
            0,
            size,
        ));
    }
    for &name in &undefined_names {
        let st_name = w.string_offset(Some(name));
        w.write_symbol(&sym(st_name, None, global(elf::STT_NOTYPE), default, 0, 0));
    }
}

/// Section headers: null, the sections, their relocation sections, then .strtab, .symtab and
/// .shstrtab (a relocation section names the symbol table by its index, known from here).
fn write_section_headers(
    w: &mut Writer<SinglePhase>,
    layout: &Layout,
    names: &[StringId],
    offsets: &[u64],
    rela_names: &[Option<StringId>],
    rela_offsets: &[u64],
) {
    let sections = &layout.sections;
    let relocated = rela_names.iter().flatten().count() as u32;
    let strtab_index = SectionIndex(1 + sections.len() as u32 + relocated);
    let symtab_index = SectionIndex(strtab_index.0 + 1);
    w.write_null_section_header();
    for (i, ((s, &name), &offset)) in sections.iter().zip(names).zip(offsets).enumerate() {
        let sh_name = w.section_name_offset(Some(name));
        w.write_section_header(&SectionHeader {
            sh_name,
            sh_type: s.sh_type,
            sh_flags: s.sh_flags,
            sh_addr: 0,
            sh_offset: offset,
            sh_size: s.data.len() as u64,
            // `.ARM.exidx` names the code its entries cover.
            sh_link: if layout.exidx == Some(i) {
                section_index(TEXT).0
            } else {
                0
            },
            sh_info: 0,
            sh_addralign: s.align,
            sh_entsize: 0,
        });
    }
    for (i, (s, name)) in sections.iter().zip(rela_names).enumerate() {
        if let Some(name) = name {
            w.write_relocation_section_header(
                *name,
                section_index(i),
                symtab_index,
                rela_offsets[i],
                s.relocs.len(),
                layout.is_rela,
            );
        }
    }
    w.write_strtab_section_header();
    w.write_symtab_section_header(layout.first_global);
    w.write_shstrtab_section_header();
}
