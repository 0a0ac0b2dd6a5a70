//! aarch64 code: PLT-shaped call stubs and the common tail (layout in `docs/import-abi.md`).
//! Hand-assembled for the same reason as `x86_64.rs`: a few fixed encodings.

use super::code::{Code, RelocKind, RelocTarget, UnwindRegion};
use crate::target::Format;
use aotinterop_model::PlannedImport;

const BTI_C: u32 = 0xd503_245f;
const ADRP_X16: u32 = 0x9000_0010;
const LDR_X17_X16: u32 = 0xf940_0211;
const ADD_X16_X16: u32 = 0x9100_0210;
const BR_X17: u32 = 0xd61f_0220;
/// `mov x9, x16` (`orr x9, xzr, x16`).
const MOV_X9_X16: u32 = 0xaa10_03e9;
const ADRP_X10: u32 = 0x9000_000a;
const ADD_X10_X10: u32 = 0x9100_014a;
const B: u32 = 0x1400_0000;
const STUB_SIZE: u64 = 20;

/// Code bytes per lazy import (no per-import thunk on aarch64).
pub fn per_import_code_bytes() -> f64 {
    STUB_SIZE as f64
}

fn put(text: &mut Vec<u8>, insn: u32) {
    text.extend_from_slice(&insn.to_le_bytes());
}

/// Generates the text for `lazy` and the forwarding stubs of `direct`.
pub fn generate(
    _format: Format,
    lazy: &[&PlannedImport],
    direct: &[&PlannedImport],
) -> crate::diag::Result<Code> {
    let mut c = Code::default();
    for (i, imp) in lazy.iter().enumerate() {
        let at = c.text.len() as u64;
        for insn in [BTI_C, ADRP_X16, LDR_X17_X16, ADD_X16_X16, BR_X17] {
            put(&mut c.text, insn);
        }
        c.reloc(at + 4, RelocTarget::Cell(i), 0, RelocKind::A64Page21);
        c.reloc(at + 8, RelocTarget::Cell(i), 0, RelocKind::A64Ldst64Lo12);
        c.reloc(at + 12, RelocTarget::Cell(i), 0, RelocKind::A64AddLo12);
        c.symbol(imp, at, STUB_SIZE);
    }
    for imp in direct {
        let at = c.text.len() as u64;
        put(&mut c.text, BTI_C);
        put(&mut c.text, B);
        c.reloc(
            at + 4,
            RelocTarget::Native(imp.symbol().to_string()),
            0,
            RelocKind::A64Jump26,
        );
        c.symbol(imp, at, 8);
    }
    if lazy.is_empty() {
        c.unwind_whole(0);
        return Ok(c);
    }
    // The cell's address and the table go to the runtime in x9 and x10, temporaries no
    // argument uses: the `b` to the runtime may pass through a linker veneer (range-extension
    // thunk), which AAPCS64 lets overwrite x16 and x17.
    let common = c.text.len() as u64;
    for insn in [BTI_C, MOV_X9_X16, ADRP_X10, ADD_X10_X10, B] {
        put(&mut c.text, insn);
    }
    c.reloc(common + 8, RelocTarget::Table, 0, RelocKind::A64Page21);
    c.reloc(common + 12, RelocTarget::Table, 0, RelocKind::A64AddLo12);
    c.reloc(common + 16, RelocTarget::LazyEntry, 0, RelocKind::A64Jump26);
    c.cell_init = vec![common; lazy.len()];
    // Nothing here touches sp or x30: the CFA is sp and the return address stays in x30.
    c.unwind.push(UnwindRegion {
        start: 0,
        end: c.text.len() as u64,
        cfa_offset: 0,
        steps: vec![],
    });
    Ok(c)
}
