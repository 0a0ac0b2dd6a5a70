//! `__aotinterop_lazy_entry` for 32-bit ARM (AAPCS, hard float; Thumb-2 like the stubs).
//!
//! Entry state: `[sp]` = table address, `[sp+4]` = the address of the import's cell (both pushed
//! by the common tail: a linker veneer on the way here may overwrite ip), `lr` = return address
//! into compiled code. Saves r0–r3 and d0–d7 (the argument registers), lr, and r4 to keep the
//! stack 8-byte aligned for the call, computes the index as `(cell - cells) / 4`, calls the
//! resolver, restores, drops the two words and branches to the target with `bx ip` (an
//! interworking branch: a Thumb target has bit 0 set). The EHABI directives give the entry its `.ARM.exidx` entry, so
//! unwinders walk through it.

core::arch::global_asm!(
    ".syntax unified",
    ".text",
    ".p2align 2",
    ".globl __aotinterop_lazy_entry",
    ".hidden __aotinterop_lazy_entry",
    ".type __aotinterop_lazy_entry, %function",
    ".thumb",
    ".thumb_func",
    "__aotinterop_lazy_entry:",
    ".fnstart",
    // The table and cell addresses the common tail pushed.
    ".pad #8",
    "push {{r0, r1, r2, r3, r4, lr}}",
    ".save {{r0, r1, r2, r3, r4, lr}}",
    "vpush {{d0-d7}}",
    ".vsave {{d0-d7}}",
    // index = (cell - (table + cells_rel)) / 4; cells_rel is the i32 at table + 28.
    "ldr r0, [sp, #88]",
    "ldr r1, [sp, #92]",
    "ldr r2, [r0, #28]",
    "add r2, r0",
    "subs r1, r1, r2",
    "lsrs r1, r1, #2",
    "bl {resolve}",
    "mov ip, r0",
    "vpop {{d0-d7}}",
    "pop {{r0, r1, r2, r3, r4, lr}}",
    "add sp, #8",
    "bx ip",
    ".fnend",
    ".size __aotinterop_lazy_entry, . - __aotinterop_lazy_entry",
    ".arm",
    resolve = sym crate::resolver::resolve_from_stub,
);
