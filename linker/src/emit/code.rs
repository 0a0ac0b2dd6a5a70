//! Format-neutral output of the code generators: text bytes, symbols and relocations.

use aotinterop_model::PlannedImport;
/// What a relocation points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelocTarget {
    /// Cell `i` (in the data section).
    Cell(usize),
    /// Handle slot `m`.
    Handle(usize),
    /// The start of the import table.
    Table,
    /// An offset in the text section.
    Text(u64),
    /// The runtime's lazy entry (undefined symbol).
    LazyEntry,
    /// A native symbol (undefined), reached directly or through the PLT.
    Native(String),
    /// The import-address-table slot of a native symbol (`__imp_` + name, COFF).
    ImpSlot(String),
}

/// How a relocation is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelocKind {
    /// 32-bit PC-relative, `S + A - P`.
    Pc32,
    /// 32-bit PC-relative branch to a function, through the PLT if needed.
    Plt32,
    /// 64-bit absolute.
    Abs64,
    /// 32-bit absolute (i386).
    Abs32,
    /// aarch64 `adrp` page.
    A64Page21,
    /// aarch64 12-bit low part for a 64-bit `ldr`.
    A64Ldst64Lo12,
    /// aarch64 12-bit low part for `add`.
    A64AddLo12,
    /// aarch64 `b` / `bl`.
    A64Jump26,
    /// Thumb-2 `b.w` (ARM `R_ARM_THM_JUMP24`; its REL addend is already in the instruction).
    ThmJump24,
    /// ARM `R_ARM_PREL31` (an `.ARM.exidx` entry's function address).
    Prel31,
}

/// One relocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reloc {
    /// Where, in the section that holds it.
    pub offset: u64,
    /// To what.
    pub target: RelocTarget,
    /// Addend (ELF semantics: the value is `S + A - P` or `S + A`).
    pub addend: i64,
    /// How.
    pub kind: RelocKind,
}

/// A function symbol defined in the text section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextSymbol {
    /// Name (unmangled).
    pub name: String,
    /// Offset in text.
    pub offset: u64,
    /// Size.
    pub size: u64,
}

/// A stretch of text with its unwind rules, for `.eh_frame`: the CFA is the stack pointer plus
/// `cfa_offset` at `start`, and plus the given offset from each step's text offset on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnwindRegion {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// CFA offset from the stack pointer at `start`.
    pub cfa_offset: u8,
    /// `(text offset, new CFA offset)`, in increasing order.
    pub steps: Vec<(u64, u8)>,
}

/// Generated code and data layout.
#[derive(Clone, Debug, Default)]
pub struct Code {
    /// The text section.
    pub text: Vec<u8>,
    /// Relocations in text.
    pub text_relocs: Vec<Reloc>,
    /// Call symbols.
    pub symbols: Vec<TextSymbol>,
    /// Whether the call symbols are exported (default visibility) rather than hidden.
    pub export_symbols: bool,
    /// Initial value of each cell: an offset in text.
    pub cell_init: Vec<u64>,
    /// Unwind rules covering the text.
    pub unwind: Vec<UnwindRegion>,
    /// 32-bit ARM: `.ARM.exidx` entries, (text offset where each starts, its inline entry).
    pub exidx: Vec<(u64, u32)>,
    /// 32-bit ARM: mapping symbols, (text offset, `$t` for Thumb code or `$d` for data).
    pub mapping: Vec<(u64, &'static str)>,
}

impl Code {
    /// Adds a relocation of the text at `offset`.
    pub fn reloc(&mut self, offset: u64, target: RelocTarget, addend: i64, kind: RelocKind) {
        self.text_relocs.push(Reloc {
            offset,
            target,
            addend,
            kind,
        });
    }

    /// Defines `imp`'s call symbol at `offset`, `size` bytes long.
    pub fn symbol(&mut self, imp: &PlannedImport, offset: u64, size: u64) {
        self.symbols.push(TextSymbol {
            name: imp.call_symbol.clone(),
            offset,
            size,
        });
    }

    /// One unwind region over all the text so far, the CFA `cfa_offset` above the stack
    /// pointer throughout (code that only jumps); none when there is no text.
    pub fn unwind_whole(&mut self, cfa_offset: u8) {
        if !self.text.is_empty() {
            self.unwind.push(UnwindRegion {
                start: 0,
                end: self.text.len() as u64,
                cfa_offset,
                steps: vec![],
            });
        }
    }
}
