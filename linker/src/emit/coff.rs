//! The COFF (win-x64, win-x86) stub object.
//!
//! Written here rather than with `object::write::Object` or `object::write::coff::Writer`: both
//! sort the string table for suffix merging, which is most of the time of an object with tens of
//! thousands of long call-symbol names and saves nothing here. The layout is the plain one of a
//! relocatable COFF file, with `object::pe`'s constants: file header, section headers, each
//! section's bytes then its relocations, the symbol table, the string table.
//!
//! Sections: `.text`, `.data` (cells, then handle slots; only with lazy imports), `.aotimp`, and
//! the unwind information of the code, `.xdata` and `.pdata`.
//! Symbols: each section's (static, with its auxiliary record), the call symbols and
//! `__aotinterop_imports` (external, defined), then the undefined ones relocations name.
//! Relocation addends are implicit (stored in the section bytes), as COFF wants.

use super::code::{Code, RelocKind, RelocTarget};
use super::emit_error;
use super::table::Table;
use crate::target::Arch;
use aotinterop_runtime::abi;
use object::pe;
use rustc_hash::FxHashMap;

const FILE_HEADER_SIZE: usize = 20;
const SECTION_HEADER_SIZE: usize = 40;
const SYMBOL_SIZE: usize = 18;

/// Where a relocation points: a section's start (plus the addend) or an undefined symbol.
#[derive(Clone, Copy)]
enum Base {
    Section(usize),
    Undefined(usize),
}

struct Section<'a> {
    name: &'static str,
    characteristics: u32,
    data: std::borrow::Cow<'a, [u8]>,
    /// (offset, target, COFF relocation type).
    relocs: Vec<(u32, Base, u16)>,
}

/// The undefined symbols relocations name, each once, in first-use order, with their COFF type
/// (function or not).
#[derive(Default)]
struct Undefined {
    names: Vec<(String, bool)>,
    index: FxHashMap<String, usize>,
}

impl Undefined {
    fn get(&mut self, name: String, function: bool) -> usize {
        if let Some(&i) = self.index.get(&name) {
            return i;
        }
        self.names.push((name.clone(), function));
        self.index.insert(name, self.names.len() - 1);
        self.names.len() - 1
    }
}

fn too_big() -> crate::diag::Error {
    emit_error("stub object larger than 4 GiB".into())
}

fn u32_of(n: usize) -> crate::diag::Result<u32> {
    u32::try_from(n).map_err(|_| too_big())
}

/// What differs between the COFF machines: x86_64 and i386 (win-x86).
struct Machine {
    id: u16,
    /// Bytes of a cell or handle slot.
    slot: u64,
    /// i386 C names carry a leading underscore in COFF (`pinvoke_f` is `_pinvoke_f`).
    c_prefix: &'static str,
}

impl Machine {
    fn of(arch: Arch) -> crate::diag::Result<Machine> {
        match arch {
            Arch::X86_64 => Ok(Machine {
                id: pe::IMAGE_FILE_MACHINE_AMD64.0,
                slot: 8,
                c_prefix: "",
            }),
            Arch::X86 => Ok(Machine {
                id: pe::IMAGE_FILE_MACHINE_I386.0,
                slot: 4,
                c_prefix: "_",
            }),
            Arch::Aarch64 => Ok(Machine {
                id: pe::IMAGE_FILE_MACHINE_ARM64.0,
                slot: 8,
                c_prefix: "",
            }),
            other => Err(emit_error(format!("no COFF stub objects for {other:?}"))),
        }
    }

    fn amd64(&self) -> bool {
        self.id == pe::IMAGE_FILE_MACHINE_AMD64.0
    }

    fn arm64(&self) -> bool {
        self.id == pe::IMAGE_FILE_MACHINE_ARM64.0
    }

    /// The COFF name of a C-level symbol.
    fn c_name(&self, name: &str) -> String {
        format!("{}{name}", self.c_prefix)
    }
}

/// The index of `.text`, `.data` and the import table in [`Layout::sections`].
const TEXT: usize = 0;
const DATA: usize = 1;
const AOTIMP: usize = 2;

/// The object, decided: its sections in index order with their relocations (addends written in
/// place), and the undefined symbols those name.
struct Layout<'a> {
    machine: Machine,
    sections: Vec<Section<'a>>,
    undefined: Undefined,
    has_table: bool,
}

/// Writes the COFF object for x86_64, i386 or ARM64: the layout decided, then encoded.
pub fn write(arch: Arch, table: &Table, code: &Code) -> crate::diag::Result<Vec<u8>> {
    let layout = layout(arch, table, code)?;
    encode(table, code, &layout)
}

fn section<'a>(
    name: &'static str,
    flags: pe::SectionFlags,
    data: impl Into<std::borrow::Cow<'a, [u8]>>,
) -> Section<'a> {
    Section {
        name,
        characteristics: flags.0,
        data: data.into(),
        relocs: Vec::new(),
    }
}

/// Read-only initialised data aligned to 4 (`.xdata`, `.pdata`).
const UNWIND_DATA: pe::SectionFlags = pe::SectionFlags(
    pe::IMAGE_SCN_CNT_INITIALIZED_DATA.0 | pe::IMAGE_SCN_MEM_READ.0 | pe::IMAGE_SCN_ALIGN_4BYTES.0,
);

/// Decides the sections and their relocations.
fn layout<'a>(arch: Arch, table: &'a Table, code: &'a Code) -> crate::diag::Result<Layout<'a>> {
    let machine = Machine::of(arch)?;
    let slot = machine.slot;
    let has_table = table.imports > 0;
    let code_flags = pe::IMAGE_SCN_CNT_CODE
        | pe::IMAGE_SCN_MEM_EXECUTE
        | pe::IMAGE_SCN_MEM_READ
        | pe::IMAGE_SCN_ALIGN_16BYTES;
    let mut sections = vec![section(".text", code_flags, code.text.as_slice())];
    if has_table {
        let data_flags = pe::IMAGE_SCN_CNT_INITIALIZED_DATA
            | pe::IMAGE_SCN_MEM_READ
            | pe::IMAGE_SCN_MEM_WRITE
            | pe::IMAGE_SCN_ALIGN_8BYTES;
        let cells = vec![0u8; slot as usize * (table.imports + table.modules)];
        sections.push(section(".data", data_flags, cells));
        let table_flags =
            pe::IMAGE_SCN_CNT_INITIALIZED_DATA | pe::IMAGE_SCN_MEM_READ | pe::IMAGE_SCN_ALIGN_8BYTES;
        sections.push(section(
            abi::SECTION_ELF_COFF,
            table_flags,
            table.bytes.as_slice(),
        ));
    }
    let mut layout = Layout {
        machine,
        sections,
        undefined: Undefined::default(),
        has_table,
    };
    layout.sections[TEXT].relocs.reserve(code.text_relocs.len());
    for r in &code.text_relocs {
        let (base, extra) = layout.base_of(&r.target, table)?;
        place(
            &layout.machine,
            &mut layout.sections[TEXT],
            r.offset,
            base,
            r.addend + extra,
            r.kind,
        )?;
    }
    if has_table {
        table_relocations(&mut layout, table, code)?;
    }
    if !code.text.is_empty() {
        if layout.machine.amd64() {
            amd64_unwind(&mut layout.sections, code)?;
        } else if layout.machine.arm64() {
            arm64_unwind(&mut layout.sections, code)?;
        }
    }
    Ok(layout)
}

impl Layout<'_> {
    /// The target's base and the offset from it (ELF semantics: the addend is part of it).
    fn base_of(&mut self, t: &RelocTarget, table: &Table) -> crate::diag::Result<(Base, i64)> {
        let slot = self.machine.slot;
        let cells = (slot * table.imports as u64) as i64;
        let has_table = self.has_table;
        Ok(match t {
            RelocTarget::Cell(i) if has_table => (Base::Section(DATA), (slot * *i as u64) as i64),
            RelocTarget::Handle(m) if has_table => (Base::Section(DATA), cells + (slot * *m as u64) as i64),
            RelocTarget::Table if has_table => (Base::Section(AOTIMP), 0),
            RelocTarget::Cell(_) | RelocTarget::Handle(_) | RelocTarget::Table => {
                return Err(emit_error("no import table".into()))
            }
            RelocTarget::Text(off) => (Base::Section(TEXT), *off as i64),
            RelocTarget::LazyEntry => {
                let name = self.machine.c_name(abi::LAZY_ENTRY_SYMBOL);
                (Base::Undefined(self.undefined.get(name, true)), 0)
            }
            RelocTarget::Native(s) => (Base::Undefined(self.undefined.get(s.clone(), true)), 0),
            RelocTarget::ImpSlot(s) => (
                Base::Undefined(self.undefined.get(format!("__imp_{s}"), false)),
                0,
            ),
        })
    }
}

/// `.data`'s relocations (each cell starts at its thunk) and the table header's two link-time
/// distances (S + A - P with P = table + off, so A = off).
fn table_relocations(layout: &mut Layout, table: &Table, code: &Code) -> crate::diag::Result<()> {
    let slot = layout.machine.slot;
    let pointer = if slot == 8 {
        RelocKind::Abs64
    } else {
        RelocKind::Abs32
    };
    for (i, &init) in code.cell_init.iter().enumerate() {
        let at = slot * i as u64;
        place(
            &layout.machine,
            &mut layout.sections[DATA],
            at,
            Base::Section(TEXT),
            init as i64,
            pointer,
        )?;
    }
    for (off, target) in [
        (abi::CELLS_REL_OFFSET, RelocTarget::Cell(0)),
        (abi::HANDLES_REL_OFFSET, RelocTarget::Handle(0)),
    ] {
        let (base, extra) = layout.base_of(&target, table)?;
        let section = &mut layout.sections[AOTIMP];
        place(
            &layout.machine,
            section,
            off.into(),
            base,
            extra + off as i64,
            RelocKind::Pc32,
        )?;
    }
    Ok(())
}

/// Adds a relocation with its implicit addend written in place: REL32 (every machine) computes
/// S + A - (P + 4), so A = the ELF-style addend + 4; ADDR64 and DIR32 compute S + A. ARM64
/// keeps an instruction's addend in its immediate: `adrp`'s in bytes, `add`'s low 12 bits, a
/// 64-bit `ldr`'s in 8-byte units (only its value modulo the page counts), as link.exe and
/// lld-link read them.
fn place(
    machine: &Machine,
    section: &mut Section<'_>,
    offset: u64,
    base: Base,
    addend: i64,
    kind: RelocKind,
) -> crate::diag::Result<()> {
    let (amd64, arm64) = (machine.amd64(), machine.arm64());
    let at = usize::try_from(offset).map_err(|_| too_big())?;
    let data = section.data.to_mut();
    // The instruction an ARM64 relocation patches, read before it is written.
    let orig = data
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let insn = || orig.ok_or_else(|| emit_error("relocation outside its section".into()));
    let mut put = |bytes: &[u8]| -> crate::diag::Result<()> {
        data.get_mut(at..at + bytes.len())
            .ok_or_else(|| emit_error("relocation outside its section".into()))?
            .copy_from_slice(bytes);
        Ok(())
    };
    let typ = match (kind, amd64, arm64) {
        (RelocKind::Pc32 | RelocKind::Plt32, _, _) => {
            put(&i32::try_from(addend + 4).map_err(|_| too_big())?.to_le_bytes())?;
            if amd64 {
                pe::IMAGE_REL_AMD64_REL32.0
            } else if arm64 {
                pe::IMAGE_REL_ARM64_REL32.0
            } else {
                pe::IMAGE_REL_I386_REL32.0
            }
        }
        (RelocKind::Abs64, true, _) => {
            put(&addend.to_le_bytes())?;
            pe::IMAGE_REL_AMD64_ADDR64.0
        }
        (RelocKind::Abs64, _, true) => {
            put(&addend.to_le_bytes())?;
            pe::IMAGE_REL_ARM64_ADDR64.0
        }
        (RelocKind::Abs32, false, false) => {
            put(&i32::try_from(addend).map_err(|_| too_big())?.to_le_bytes())?;
            pe::IMAGE_REL_I386_DIR32.0
        }
        (RelocKind::A64Page21, _, true) => {
            if !(-(1 << 20)..(1 << 20)).contains(&addend) {
                return Err(too_big());
            }
            let a = addend as u32;
            let i = insn()? & !((0x3 << 29) | (0x7ffff << 5));
            put(&(i | ((a & 0x3) << 29) | (((a >> 2) & 0x7ffff) << 5)).to_le_bytes())?;
            pe::IMAGE_REL_ARM64_PAGEBASE_REL21.0
        }
        (RelocKind::A64AddLo12, _, true) => {
            let i = insn()? & !(0xfff << 10);
            put(&(i | (((addend as u32) & 0xfff) << 10)).to_le_bytes())?;
            pe::IMAGE_REL_ARM64_PAGEOFFSET_12A.0
        }
        (RelocKind::A64Ldst64Lo12, _, true) => {
            let i = insn()? & !(0xfff << 10);
            put(&(i | ((((addend as u32) >> 3) & 0x1ff) << 10)).to_le_bytes())?;
            pe::IMAGE_REL_ARM64_PAGEOFFSET_12L.0
        }
        (RelocKind::A64Jump26, _, true) if addend == 0 => pe::IMAGE_REL_ARM64_BRANCH26.0,
        _ => {
            return Err(emit_error(format!(
                "relocation {kind:?} is not supported for this COFF machine"
            )))
        }
    };
    section.relocs.push((u32_of(at)?, base, typ));
    Ok(())
}

/// x86_64's unwind information: nothing in the stub code touches the stack (call stubs and
/// forwarding stubs are one `jmp`, thunks `mov r10d; jmp`, tails `jmp`, the common tail `lea
/// r11; jmp`), so at every byte the return address is at `[rsp]`. One RUNTIME_FUNCTION covering
/// the whole of `.text` with an UNWIND_INFO of no codes (version 1, no prologue) says exactly
/// that, so that unwinders, profilers and debuggers stopped in a stub find their way back
/// without guessing a leaf frame. (i386 unwinds by frame chains and SEH registration records,
/// not tables.)
fn amd64_unwind(sections: &mut Vec<Section>, code: &Code) -> crate::diag::Result<()> {
    let xdata = sections.len();
    sections.push(section(".xdata", UNWIND_DATA, vec![1u8, 0, 0, 0]));
    let text_len = u32_of(code.text.len())?;
    let mut pdata = Vec::with_capacity(12);
    for start in [0u32, text_len, 0] {
        pdata.extend_from_slice(&start.to_le_bytes());
    }
    let addr32nb = pe::IMAGE_REL_AMD64_ADDR32NB.0;
    let mut pdata = section(".pdata", UNWIND_DATA, pdata);
    // BeginAddress, EndAddress (image-relative, implicit addends 0 and the text length),
    // UnwindInfoAddress.
    pdata.relocs = vec![
        (0, Base::Section(TEXT), addr32nb),
        (4, Base::Section(TEXT), addr32nb),
        (8, Base::Section(xdata), addr32nb),
    ];
    sections.push(pdata);
    Ok(())
}

/// ARM64's, in its format. Nothing in the stub code touches sp or lr (stubs `br`, the common
/// tail `b`s), so each function entry's unwind codes are only `end`: the return address is in
/// lr. An `.xdata` record covers at most 2^18 instructions (FunctionLength), so the code is
/// described in runs of at most that.
fn arm64_unwind(sections: &mut Vec<Section>, code: &Code) -> crate::diag::Result<()> {
    const MAX_RUN: usize = ((1 << 18) - 1) * 4;
    let xdata = sections.len();
    let (mut xbytes, mut pbytes, mut prelocs) = (Vec::new(), Vec::new(), Vec::new());
    let addr32nb = pe::IMAGE_REL_ARM64_ADDR32NB.0;
    for start in (0..code.text.len()).step_by(MAX_RUN) {
        let len = (code.text.len() - start).min(MAX_RUN);
        let record = u32_of(xbytes.len())?;
        // FunctionLength in words, E (one epilogue, its codes from index 0), one code word.
        let header = u32_of(len / 4)? | (1 << 21) | (1 << 27);
        xbytes.extend_from_slice(&header.to_le_bytes());
        xbytes.extend_from_slice(&[0xe4, 0xe3, 0xe3, 0xe3]); // end, nop padding
        prelocs.push((u32_of(pbytes.len())?, Base::Section(TEXT), addr32nb));
        pbytes.extend_from_slice(&u32_of(start)?.to_le_bytes());
        prelocs.push((u32_of(pbytes.len())?, Base::Section(xdata), addr32nb));
        pbytes.extend_from_slice(&record.to_le_bytes());
    }
    sections.push(section(".xdata", UNWIND_DATA, xbytes));
    let mut pdata = section(".pdata", UNWIND_DATA, pbytes);
    pdata.relocs = prelocs;
    sections.push(pdata);
    Ok(())
}

/// Encodes the decided object: file header, section headers, per section its bytes (aligned to
/// 4) and relocations, the symbol table, the string table.
fn encode(table: &Table, code: &Code, layout: &Layout) -> crate::diag::Result<Vec<u8>> {
    let sections = &layout.sections;
    let capacity = code.text.len() * 4 + table.bytes.len() * 2 + code.symbols.len() * 40 + 4096;
    let mut out = Vec::with_capacity(capacity);
    out.resize(FILE_HEADER_SIZE + SECTION_HEADER_SIZE * sections.len(), 0);
    let headers = write_sections(&mut out, layout, code)?;
    out[FILE_HEADER_SIZE..FILE_HEADER_SIZE + headers.len()].copy_from_slice(&headers);
    let symbols_at = u32_of(out.len())?;
    let symbol_count = write_symbols(&mut out, layout, code)?;
    let mut header = Vec::with_capacity(FILE_HEADER_SIZE);
    header.extend_from_slice(&layout.machine.id.to_le_bytes()); // Machine
    header.extend_from_slice(&(sections.len() as u16).to_le_bytes()); // NumberOfSections
    header.extend_from_slice(&0u32.to_le_bytes()); // TimeDateStamp
    header.extend_from_slice(&symbols_at.to_le_bytes()); // PointerToSymbolTable
    header.extend_from_slice(&symbol_count.to_le_bytes()); // NumberOfSymbols
    header.extend_from_slice(&0u16.to_le_bytes()); // SizeOfOptionalHeader
    header.extend_from_slice(&0u16.to_le_bytes()); // Characteristics
    out[..FILE_HEADER_SIZE].copy_from_slice(&header);
    Ok(out)
}

/// The index of the first defined external symbol: two entries (symbol + auxiliary record) per
/// section come first; after the defined externals, the undefined ones.
fn first_external(layout: &Layout) -> u32 {
    2 * layout.sections.len() as u32
}

/// Appends each section's bytes and relocations to `out`; returns the section headers.
fn write_sections(out: &mut Vec<u8>, layout: &Layout, code: &Code) -> crate::diag::Result<Vec<u8>> {
    let defined = code.symbols.len() as u32 + layout.has_table as u32;
    let first_undefined = first_external(layout) + defined;
    let mut headers = Vec::with_capacity(SECTION_HEADER_SIZE * layout.sections.len());
    for s in &layout.sections {
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        let data_at = u32_of(out.len())?;
        out.extend_from_slice(&s.data);
        let overflow = s.relocs.len() > 0xffff;
        let relocs_at = if s.relocs.is_empty() {
            0
        } else {
            u32_of(out.len())?
        };
        if overflow {
            // IMAGE_SCN_LNK_NRELOC_OVFL: the real count (this entry included) is in the first
            // entry's address.
            out.extend_from_slice(&u32_of(s.relocs.len() + 1)?.to_le_bytes());
            out.extend_from_slice(&[0; 6]);
        }
        for &(offset, base, typ) in &s.relocs {
            out.extend_from_slice(&offset.to_le_bytes());
            let symbol = match base {
                Base::Section(i) => 2 * i as u32,
                Base::Undefined(u) => first_undefined + u as u32,
            };
            out.extend_from_slice(&symbol.to_le_bytes());
            out.extend_from_slice(&typ.to_le_bytes());
        }
        let mut name = [0u8; 8];
        name[..s.name.len()].copy_from_slice(s.name.as_bytes());
        headers.extend_from_slice(&name);
        headers.extend_from_slice(&0u32.to_le_bytes()); // VirtualSize
        headers.extend_from_slice(&0u32.to_le_bytes()); // VirtualAddress
        headers.extend_from_slice(&u32_of(s.data.len())?.to_le_bytes()); // SizeOfRawData
        headers.extend_from_slice(&data_at.to_le_bytes()); // PointerToRawData
        headers.extend_from_slice(&relocs_at.to_le_bytes()); // PointerToRelocations
        headers.extend_from_slice(&0u32.to_le_bytes()); // PointerToLinenumbers
        let count = if overflow { 0xffff } else { s.relocs.len() as u16 };
        headers.extend_from_slice(&count.to_le_bytes()); // NumberOfRelocations
        headers.extend_from_slice(&0u16.to_le_bytes()); // NumberOfLinenumbers
        let overflow_flag = if overflow {
            pe::IMAGE_SCN_LNK_NRELOC_OVFL.0
        } else {
            0
        };
        headers.extend_from_slice(&(s.characteristics | overflow_flag).to_le_bytes());
        // Characteristics
    }
    Ok(headers)
}

/// Appends the symbol table, then the string table (its size first, the size field included);
/// returns the number of symbols.
fn write_symbols(out: &mut Vec<u8>, layout: &Layout, code: &Code) -> crate::diag::Result<u32> {
    let machine = &layout.machine;
    let mut strings: Vec<u8> = vec![0; 4];
    let mut symbol =
        |out: &mut Vec<u8>, name: &str, value: u32, section: i16, typ: u16, class: u8, aux: u8| {
            if name.len() <= 8 {
                let mut short = [0u8; 8];
                short[..name.len()].copy_from_slice(name.as_bytes());
                out.extend_from_slice(&short);
            } else {
                out.extend_from_slice(&0u32.to_le_bytes());
                out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
                strings.extend_from_slice(name.as_bytes());
                strings.push(0);
            }
            out.extend_from_slice(&value.to_le_bytes());
            out.extend_from_slice(&section.to_le_bytes());
            out.extend_from_slice(&typ.to_le_bytes());
            out.push(class);
            out.push(aux);
        };
    let static_class = pe::IMAGE_SYM_CLASS_STATIC.0;
    let external = pe::IMAGE_SYM_CLASS_EXTERNAL.0;
    let function = pe::IMAGE_SYM_DTYPE_FUNCTION.0 << 4;
    for (i, s) in layout.sections.iter().enumerate() {
        symbol(out, s.name, 0, i as i16 + 1, 0, static_class, 1);
        // IMAGE_AUX_SYMBOL_SECTION: Length, NumberOfRelocations, NumberOfLinenumbers, CheckSum,
        // Number, Selection, then padding.
        let mut aux = [0u8; SYMBOL_SIZE];
        aux[0..4].copy_from_slice(&u32_of(s.data.len())?.to_le_bytes());
        aux[4..6].copy_from_slice(&(s.relocs.len().min(0xffff) as u16).to_le_bytes());
        out.extend_from_slice(&aux);
    }
    for s in &code.symbols {
        let value = u32::try_from(s.offset).map_err(|_| too_big())?;
        symbol(
            out,
            &machine.c_name(&s.name),
            value,
            TEXT as i16 + 1,
            function,
            external,
            0,
        );
    }
    if layout.has_table {
        let name = machine.c_name(abi::TABLE_SYMBOL);
        symbol(out, &name, 0, AOTIMP as i16 + 1, 0, external, 0);
    }
    for (name, is_function) in &layout.undefined.names {
        let typ = if *is_function { function } else { 0 };
        symbol(out, name, 0, 0, typ, external, 0);
    }
    let defined = code.symbols.len() as u32 + layout.has_table as u32;
    let symbol_count = first_external(layout) + defined + layout.undefined.names.len() as u32;
    let strings_size = u32_of(strings.len())?;
    strings[..4].copy_from_slice(&strings_size.to_le_bytes());
    out.extend_from_slice(&strings);
    Ok(symbol_count)
}
