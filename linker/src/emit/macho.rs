//! The Mach-O stub object, written with the `object` crate's generic writer (a few stubs per
//! image on Apple platforms do not need the direct writers of `elf.rs` and `coff.rs`).

use super::code::{Code, RelocKind, RelocTarget};
use super::emit_error;
use super::table::Table;
use crate::target::{Arch, Format, Target};
use aotinterop_runtime::abi;
use object::write::{Object, Relocation, SectionId, Symbol, SymbolId, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, RelocationEncoding, RelocationFlags, RelocationKind, SectionKind,
    SymbolFlags, SymbolKind, SymbolScope,
};
use std::collections::HashMap;

fn err(e: object::write::Error) -> crate::diag::Error {
    emit_error(e.to_string())
}

/// Object, sections and the symbols relocations refer to.
struct Out<'a> {
    obj: Object<'a>,
    target: Target,
    text: SectionId,
    data: SectionId,
    table: Option<SectionId>,
    handles_off: u64,
    undefined: HashMap<String, SymbolId>,
    anchors: HashMap<SectionId, SymbolId>,
}

impl Out<'_> {
    fn undefined(&mut self, name: &str) -> SymbolId {
        if let Some(&id) = self.undefined.get(name) {
            return id;
        }
        let id = self.obj.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value: 0,
            size: 0,
            kind: SymbolKind::Text,
            scope: SymbolScope::Dynamic,
            weak: false,
            section: SymbolSection::Undefined,
            flags: SymbolFlags::None,
        });
        self.undefined.insert(name.to_string(), id);
        id
    }

    /// The symbol relocations use for a section start: a local symbol rather than the section,
    /// since ld64 wants arm64 page relocations and subtractor pairs to name a symbol.
    fn section_sym(&mut self, section: SectionId) -> SymbolId {
        if let Some(&id) = self.anchors.get(&section) {
            return id;
        }
        let name = format!("ltmp_aotinterop_{}", self.anchors.len());
        let id = self.obj.add_symbol(Symbol {
            name: name.into_bytes(),
            value: 0,
            size: 0,
            kind: SymbolKind::Data,
            scope: SymbolScope::Compilation,
            weak: false,
            section: SymbolSection::Section(section),
            flags: SymbolFlags::None,
        });
        self.anchors.insert(section, id);
        id
    }

    /// The symbol and extra addend of a relocation target.
    fn resolve(&mut self, t: &RelocTarget) -> crate::diag::Result<(SymbolId, i64)> {
        Ok(match t {
            RelocTarget::Cell(i) => (self.section_sym(self.data), 8 * *i as i64),
            RelocTarget::Handle(m) => (
                self.section_sym(self.data),
                (self.handles_off + 8 * *m as u64) as i64,
            ),
            RelocTarget::Table => {
                let s = self.table.ok_or_else(|| emit_error("no import table".into()))?;
                (self.section_sym(s), 0)
            }
            RelocTarget::Text(off) => (self.section_sym(self.text), *off as i64),
            RelocTarget::LazyEntry => (self.undefined(abi::LAZY_ENTRY_SYMBOL), 0),
            RelocTarget::Native(s) => (self.undefined(s), 0),
            RelocTarget::ImpSlot(s) => {
                return Err(emit_error(format!(
                    "`__imp_{s}` import slots exist only in COFF objects"
                )))
            }
        })
    }

    fn flags(&self, kind: RelocKind) -> crate::diag::Result<RelocationFlags> {
        let generic = |kind, size| RelocationFlags::Generic {
            kind,
            encoding: RelocationEncoding::Generic,
            size,
        };
        let t = self.target;
        Ok(match (t.format, t.arch, kind) {
            (Format::MachO, Arch::X86_64, RelocKind::Pc32) => generic(RelocationKind::Relative, 32),
            (Format::MachO, Arch::X86_64, RelocKind::Plt32) => generic(RelocationKind::PltRelative, 32),
            (Format::MachO, _, RelocKind::Abs64) => generic(RelocationKind::Absolute, 64),
            (Format::MachO, Arch::Aarch64, RelocKind::A64Page21) => RelocationFlags::MachO {
                r_type: object::macho::ARM64_RELOC_PAGE21,
                r_pcrel: true,
                r_length: 2,
            },
            (Format::MachO, Arch::Aarch64, RelocKind::A64Ldst64Lo12 | RelocKind::A64AddLo12) => {
                RelocationFlags::MachO {
                    r_type: object::macho::ARM64_RELOC_PAGEOFF12,
                    r_pcrel: false,
                    r_length: 2,
                }
            }
            (Format::MachO, Arch::Aarch64, RelocKind::A64Jump26) => RelocationFlags::MachO {
                r_type: object::macho::ARM64_RELOC_BRANCH26,
                r_pcrel: true,
                r_length: 2,
            },
            _ => {
                return Err(emit_error(format!(
                    "relocation {kind:?} is not supported for {} ({:?} {:?})",
                    t, t.format, t.arch
                )))
            }
        })
    }

    fn reloc(
        &mut self,
        section: SectionId,
        offset: u64,
        target: &RelocTarget,
        addend: i64,
        kind: RelocKind,
    ) -> crate::diag::Result<()> {
        let (symbol, extra) = self.resolve(target)?;
        let flags = self.flags(kind)?;
        self.obj
            .add_relocation(
                section,
                Relocation {
                    offset,
                    symbol,
                    addend: addend + extra,
                    flags,
                },
            )
            .map_err(err)
    }
}

/// Writes the object for `target`.
pub fn write(target: &Target, table: &Table, code: &Code) -> crate::diag::Result<Vec<u8>> {
    let arch = match (target.format, target.arch) {
        (Format::MachO, Arch::X86_64) => Architecture::X86_64,
        (Format::MachO, Arch::Aarch64) => Architecture::Aarch64,
        _ => {
            return Err(emit_error(format!(
                "stub objects for {target} ({:?} {:?}) are not supported yet",
                target.format, target.arch
            )))
        }
    };
    let mut obj = Object::new(BinaryFormat::MachO, arch, Endianness::Little);
    obj.set_macho_build_version(macho_build_version(target.arch));
    let text = obj.section_id(object::write::StandardSection::Text);
    let data = obj.section_id(object::write::StandardSection::Data);
    let mut out = Out {
        obj,
        target: *target,
        text,
        data,
        table: None,
        handles_off: 0,
        undefined: HashMap::new(),
        anchors: HashMap::new(),
    };
    out.obj.append_section_data(text, &code.text, 16);

    if table.imports > 0 {
        let t = out.obj.add_section(
            abi::SECTION_MACHO_SEGMENT.as_bytes().to_vec(),
            abi::SECTION_MACHO.as_bytes().to_vec(),
            SectionKind::ReadOnlyData,
        );
        out.obj
            .append_section_data(t, &table.bytes, abi::TABLE_ALIGN as u64);
        out.table = Some(t);
        out.obj.add_symbol(Symbol {
            name: abi::TABLE_SYMBOL.as_bytes().to_vec(),
            value: 0,
            size: table.bytes.len() as u64,
            kind: SymbolKind::Data,
            scope: SymbolScope::Linkage,
            weak: false,
            section: SymbolSection::Section(t),
            flags: SymbolFlags::None,
        });
        // Cells, then handle slots, in .data.
        let cells = 8 * table.imports as u64;
        let bytes = vec![0u8; (cells + 8 * table.modules as u64) as usize];
        out.obj.append_section_data(data, &bytes, 8);
        out.handles_off = cells;
        for (i, &init) in code.cell_init.iter().enumerate() {
            out.reloc(data, 8 * i as u64, &RelocTarget::Text(init), 0, RelocKind::Abs64)?;
        }
        header_fields(&mut out, t)?;
    }
    for s in &code.symbols {
        out.obj.add_symbol(Symbol {
            name: s.name.as_bytes().to_vec(),
            value: s.offset,
            size: s.size,
            kind: SymbolKind::Text,
            scope: SymbolScope::Linkage,
            weak: false,
            section: SymbolSection::Section(text),
            flags: SymbolFlags::None,
        });
    }
    for r in &code.text_relocs {
        out.reloc(text, r.offset, &r.target, r.addend, r.kind)?;
    }
    out.obj.write().map_err(err)
}

/// The two link-time distances of the header: `cells_rel` and `handles_rel`.
fn header_fields(out: &mut Out<'_>, table: SectionId) -> crate::diag::Result<()> {
    let fields = [
        (abi::CELLS_REL_OFFSET, RelocTarget::Cell(0)),
        (abi::HANDLES_REL_OFFSET, RelocTarget::Handle(0)),
    ];
    for (off, target) in fields {
        // Mach-O has no PC-relative data relocation; write `target - table` as a subtractor
        // pair against the table symbol.
        let (symbol, extra) = out.resolve(&target)?;
        let base = out.section_sym(table);
        let flags = RelocationFlags::Generic {
            kind: RelocationKind::Absolute,
            encoding: RelocationEncoding::Generic,
            size: 32,
        };
        out.obj
            .add_relocation_with_subtractor(
                table,
                Relocation {
                    offset: off as u64,
                    symbol,
                    addend: extra,
                    flags,
                },
                Some(base),
            )
            .map_err(err)?;
    }
    Ok(())
}

fn macho_build_version(arch: Arch) -> object::write::MachOBuildVersion {
    let mut v = object::write::MachOBuildVersion::default();
    v.platform = object::macho::PLATFORM_MACOS;
    // macOS 11.0 (the first with arm64), or 10.12 for x86_64.
    v.minos = object::macho::Version(if arch == Arch::Aarch64 {
        11 << 16
    } else {
        (10 << 16) | (12 << 8)
    });
    v.sdk = v.minos;
    v
}
