//! 32-bit ARM code (linux-arm: Thumb-2, hard float, as native AOT emits): call stubs that load
//! their cell's address PC-relatively and jump through it, and the common tail (layout in
//! `docs/import-abi.md`). Hand-assembled like the other architectures.
//!
//! ARM ELF objects use REL relocations, whose addends live in the relocated field; a literal
//! word per stub holds the distance to the cell (`R_ARM_REL32`, a full 32-bit addend), as
//! `movw`/`movt` pairs could only carry 16-bit addends. Like aarch64's lazy PLT, a stub leaves its
//! cell's address in `ip` (r12), so no per-import thunk is needed: every cell starts at the
//! common tail, which pushes `ip`, then the table's address. The runtime's entry gets
//! **`[sp]` = table, `[sp+4]` = cell address, `lr` = return address**.

use super::code::{Code, RelocKind, RelocTarget};
use aotinterop_model::PlannedImport;

/// `ldr.w ip, [pc, #8]`.
const LDR_IP_PC_8: [u16; 2] = [0xf8df, 0xc008];
/// `add ip, pc`.
const ADD_IP_PC: u16 = 0x44fc;
/// `ldr.w pc, [ip]`.
const LDR_PC_IP: [u16; 2] = [0xf8dc, 0xf000];
/// `nop`.
const NOP: u16 = 0xbf00;
/// `str ip, [sp, #-4]!`.
const PUSH_IP: [u16; 2] = [0xf84d, 0xcd04];
/// `b.w` with the REL addend -4 (Thumb's PC reads 4 ahead), as assemblers write it.
const B_W: [u16; 2] = [0xf7ff, 0xbffe];
/// Stub: ldr.w ip, [pc, #8]; add ip, pc; ldr.w pc, [ip]; nop; .word cell - (stub + 8).
const STUB_SIZE: u64 = 16;
/// Common tail: push {ip}; ldr.w ip, [pc, #12]; add ip, pc; push {ip}; b.w entry; nop;
/// .word table - (+12).
const COMMON_SIZE: u64 = 24;

/// `.ARM.exidx` inline entries (EHABI compact model 0): "finish" (`pc` = `lr`) for code that
/// has not touched the stack, then "`vsp += 4`, finish" and "`vsp += 8`, finish" as the common
/// tail pushes the cell's address and the table's.
const EXIDX_LEAF: u32 = 0x80b0_b0b0;
const EXIDX_PUSHED_4: u32 = 0x8000_b0b0;
const EXIDX_PUSHED_8: u32 = 0x8001_b0b0;
/// `ldr.w ip, [pc, #12]`.
const LDR_IP_PC_12: [u16; 2] = [0xf8df, 0xc00c];

/// Code bytes per lazy import (no per-import thunk).
pub fn per_import_code_bytes() -> f64 {
    STUB_SIZE as f64
}

fn put(text: &mut Vec<u8>, halfwords: &[u16]) {
    for h in halfwords {
        text.extend_from_slice(&h.to_le_bytes());
    }
}

/// Generates the Thumb-2 text for `lazy` and the forwarding stubs of `direct`.
pub fn generate(lazy: &[&PlannedImport], direct: &[&PlannedImport]) -> crate::diag::Result<Code> {
    let mut c = Code::default();
    c.mapping.push((0, "$t"));
    c.exidx.push((0, EXIDX_LEAF));
    for (i, imp) in lazy.iter().enumerate() {
        let at = c.text.len() as u64;
        put(&mut c.text, &LDR_IP_PC_8);
        put(&mut c.text, &[ADD_IP_PC]);
        put(&mut c.text, &LDR_PC_IP);
        put(&mut c.text, &[NOP]);
        // The literal: cell - (the `add`'s PC, at + 4 + 4); REL32 computes S + A - P with
        // P = at + 12, so A = 4.
        c.mapping.push((at + 12, "$d"));
        c.reloc(at + 12, RelocTarget::Cell(i), 4, RelocKind::Pc32);
        c.text.extend_from_slice(&[0; 4]);
        c.mapping.push((at + STUB_SIZE, "$t"));
        c.symbol(imp, at, STUB_SIZE);
    }
    for imp in direct {
        let at = c.text.len() as u64;
        put(&mut c.text, &B_W);
        c.reloc(
            at,
            RelocTarget::Native(imp.symbol().to_string()),
            -4,
            RelocKind::ThmJump24,
        );
        c.symbol(imp, at, 4);
    }
    if lazy.is_empty() {
        return Ok(c);
    }
    while c.text.len() % 4 != 0 {
        put(&mut c.text, &[NOP]);
    }
    let common = c.text.len() as u64;
    // Every cell starts at the common tail, a Thumb address.
    c.cell_init = vec![common | 1; lazy.len()];
    // Both words go to the runtime on the stack: the `b.w` to it may pass through a linker
    // veneer, which AAPCS lets overwrite ip.
    put(&mut c.text, &PUSH_IP);
    c.exidx.push((common + 4, EXIDX_PUSHED_4));
    put(&mut c.text, &LDR_IP_PC_12);
    put(&mut c.text, &[ADD_IP_PC]);
    put(&mut c.text, &PUSH_IP);
    c.exidx.push((common + 14, EXIDX_PUSHED_8));
    c.reloc(common + 14, RelocTarget::LazyEntry, -4, RelocKind::ThmJump24);
    put(&mut c.text, &B_W);
    put(&mut c.text, &[NOP]);
    // table - (the `add`'s PC, common + 8 + 4), at P = common + 20: A = 8.
    c.mapping.push((common + 20, "$d"));
    c.reloc(common + 20, RelocTarget::Table, 8, RelocKind::Pc32);
    c.text.extend_from_slice(&[0; 4]);
    debug_assert_eq!(c.text.len() as u64, common + COMMON_SIZE);
    Ok(c)
}
