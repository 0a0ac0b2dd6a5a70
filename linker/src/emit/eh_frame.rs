//! `.eh_frame` for the stub object (ELF), so unwinders and debuggers walk out of a stub, thunk
//! or common tail. Hand-written: one CIE and a handful of FDEs with two CFA instructions are
//! less code than adapting a DWARF writer to `object`'s relocations.

use super::code::UnwindRegion;
use crate::target::Arch;

const DW_CFA_ADVANCE_LOC: u8 = 0x40;
const DW_CFA_ADVANCE_LOC1: u8 = 0x02;
const DW_CFA_ADVANCE_LOC2: u8 = 0x03;
const DW_CFA_ADVANCE_LOC4: u8 = 0x04;
const DW_CFA_DEF_CFA: u8 = 0x0c;
const DW_CFA_DEF_CFA_OFFSET: u8 = 0x0e;
const DW_CFA_OFFSET: u8 = 0x80;
const DW_EH_PE_PCREL_SDATA4: u8 = 0x1b;

fn uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0);
        out.push(if done { b } else { b | 0x80 });
        if done {
            return;
        }
    }
}

/// Appends a length-prefixed record (CIE or FDE) padded to 8 bytes with `DW_CFA_nop`.
fn record(out: &mut Vec<u8>, body: &[u8]) -> usize {
    let at = out.len();
    let len = (body.len() + 4).div_ceil(8) * 8 - 4;
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(body);
    out.resize(at + 4 + len, 0);
    at
}

/// The `.eh_frame` bytes for `regions`, and the places (offset in `.eh_frame`, text offset)
/// needing a 32-bit PC-relative relocation to the text.
pub fn build(arch: Arch, regions: &[UnwindRegion]) -> (Vec<u8>, Vec<(u64, u64)>) {
    let (code_align, sp, ra) = match arch {
        Arch::Aarch64 => (4u64, 31u8, 30u8),
        _ => (1u64, 7u8, 16u8),
    };
    let mut cie = Vec::new();
    cie.extend_from_slice(&0u32.to_le_bytes()); // CIE id
    cie.push(1); // version
    cie.extend_from_slice(b"zR\0");
    uleb(&mut cie, code_align);
    sleb(&mut cie, -8);
    uleb(&mut cie, ra.into());
    uleb(&mut cie, 1);
    cie.push(DW_EH_PE_PCREL_SDATA4);
    if arch == Arch::Aarch64 {
        // CFA = sp; the return address stays in x30.
        cie.extend_from_slice(&[DW_CFA_DEF_CFA, sp, 0]);
    } else {
        // CFA = rsp + 8 at entry; the return address is at CFA - 8.
        cie.extend_from_slice(&[DW_CFA_DEF_CFA, sp, 8, DW_CFA_OFFSET | ra, 1]);
    }
    let mut out = Vec::new();
    let cie_at = record(&mut out, &cie);
    let mut relocs = Vec::new();
    for r in regions {
        let mut body = Vec::new();
        let fde_at = out.len();
        // CIE pointer: distance from this field back to the CIE.
        body.extend_from_slice(&((fde_at + 4 - cie_at) as u32).to_le_bytes());
        let pc_field = fde_at + 4 + body.len();
        body.extend_from_slice(&0u32.to_le_bytes()); // pc_begin, relocated
        body.extend_from_slice(&((r.end - r.start) as u32).to_le_bytes());
        uleb(&mut body, 0); // augmentation data length
        let base = if arch == Arch::Aarch64 { 0 } else { 8 };
        if r.cfa_offset != base {
            body.push(DW_CFA_DEF_CFA_OFFSET);
            uleb(&mut body, r.cfa_offset.into());
        }
        let mut loc = r.start;
        for &(at, off) in &r.steps {
            let delta = (at - loc) / code_align;
            match delta {
                0 => {}
                1..=63 => body.push(DW_CFA_ADVANCE_LOC | delta as u8),
                64..=0xff => body.extend_from_slice(&[DW_CFA_ADVANCE_LOC1, delta as u8]),
                0x100..=0xffff => {
                    body.push(DW_CFA_ADVANCE_LOC2);
                    body.extend_from_slice(&(delta as u16).to_le_bytes());
                }
                _ => {
                    body.push(DW_CFA_ADVANCE_LOC4);
                    body.extend_from_slice(&(delta as u32).to_le_bytes());
                }
            }
            loc = at;
            body.push(DW_CFA_DEF_CFA_OFFSET);
            uleb(&mut body, off.into());
        }
        record(&mut out, &body);
        relocs.push((pc_field as u64, r.start));
    }
    (out, relocs)
}
