//! x86 (i386) code for Windows (win-x86): `jmp *[cell]` call stubs, one resolve thunk per import
//! and the common tail (layout in `docs/import-abi.md`). Hand-assembled like `x86_64.rs`.
//!
//! i386 has no register free in every calling convention (fastcall and thiscall pass arguments
//! in `ecx` and `edx`, regparm ones in `eax`), so the thunks pass the index and the common tail
//! passes the table on the stack: the runtime's entry sees `[esp]` = table, `[esp+4]` = import
//! index, `[esp+8]` = return address, every register as the caller left it.

use super::code::{Code, RelocKind, RelocTarget};
use super::{emit_error, StubOptions};
use aotinterop_model::PlannedImport;

/// `jmp dword ptr [abs32]`.
const STUB_SIZE: u64 = 6;
/// `push imm32; jmp rel32`.
const THUNK_SIZE: u64 = 10;
/// `push imm32 (the table); jmp rel32 (the runtime's entry)`.
const COMMON_SIZE: u64 = 10;

/// Code bytes per lazy import (stub + thunk).
pub fn per_import_code_bytes() -> f64 {
    (STUB_SIZE + THUNK_SIZE) as f64
}

/// Generates the text for `lazy` and the forwarding stubs of `direct`.
pub fn generate(
    lazy: &[&PlannedImport],
    direct: &[&PlannedImport],
    options: &StubOptions,
) -> crate::diag::Result<Code> {
    let mut c = Code::default();
    let abs_jump = |c: &mut Code, target: RelocTarget| {
        let at = c.text.len() as u64;
        c.text.extend_from_slice(&[0xff, 0x25, 0, 0, 0, 0]);
        c.reloc(at + 2, target, 0, RelocKind::Abs32);
        at
    };
    // Call stubs: jmp dword ptr [cell_i].
    for (i, imp) in lazy.iter().enumerate() {
        let at = abs_jump(&mut c, RelocTarget::Cell(i));
        c.symbol(imp, at, STUB_SIZE);
    }
    // Forwarding stubs of direct imports: through the IAT, or a plain jump to a symbol a
    // NativeLibrary archive defines.
    for imp in direct {
        while c.text.len() % 8 != 0 {
            c.text.push(0xcc);
        }
        let at = if options.static_symbols.contains(imp.symbol()) {
            let at = c.text.len() as u64;
            c.text.extend_from_slice(&[0xe9, 0, 0, 0, 0]);
            c.reloc(
                at + 1,
                RelocTarget::Native(imp.symbol().to_string()),
                -4,
                RelocKind::Pc32,
            );
            at
        } else {
            abs_jump(&mut c, RelocTarget::ImpSlot(imp.symbol().to_string()))
        };
        c.symbol(imp, at, 8);
    }
    if lazy.is_empty() {
        return Ok(c);
    }
    while c.text.len() % 16 != 0 {
        c.text.push(0xcc);
    }
    // Thunks: push $i; jmp common (patched once common's offset is known).
    let mut jumps = Vec::with_capacity(lazy.len());
    for i in 0..lazy.len() {
        let index = u32::try_from(i).map_err(|_| emit_error("more than 2^32 lazy imports".into()))?;
        c.cell_init.push(c.text.len() as u64);
        c.text.push(0x68);
        c.text.extend_from_slice(&index.to_le_bytes());
        c.text.push(0xe9);
        jumps.push(c.text.len() as u64);
        c.text.extend_from_slice(&[0; 4]);
    }
    let common = c.text.len() as u64;
    for at in jumps {
        let d = i32::try_from(common as i64 - (at as i64 + 4))
            .map_err(|_| emit_error("stub code larger than 2 GiB".into()))?;
        c.text[at as usize..at as usize + 4].copy_from_slice(&d.to_le_bytes());
    }
    // push offset __aotinterop_imports; jmp __aotinterop_lazy_entry
    c.text.extend_from_slice(&[0x68, 0, 0, 0, 0]);
    c.reloc(common + 1, RelocTarget::Table, 0, RelocKind::Abs32);
    c.text.extend_from_slice(&[0xe9, 0, 0, 0, 0]);
    c.reloc(common + 6, RelocTarget::LazyEntry, -4, RelocKind::Pc32);
    debug_assert_eq!(c.text.len() as u64, common + COMMON_SIZE);
    Ok(c)
}
