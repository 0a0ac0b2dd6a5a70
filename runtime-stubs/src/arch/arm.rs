//! `__aotinterop_lazy_entry` for 32-bit ARM (AAPCS, hard float; Thumb-2 like the stubs).
//!
//! Entry state: `ip` (r12) = table address, `[sp]` = the address of the import's cell (pushed by
//! the common tail), `lr` = return address into compiled code. Saves r0–r3 and d0–d7 (the
//! argument registers) and lr, keeps the stack 8-byte aligned for the call (the common tail's
//! push left it 4 off), computes the index as `(cell - cells) / 4`, calls the resolver, restores,
//! drops the cell address and branches to the target with `bx ip` (an interworking branch: a
//! Thumb target has bit 0 set). The EHABI directives give the entry its `.ARM.exidx` entry, so
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
    // The cell address the common tail pushed.
    ".pad #4",
    "push {{r0, r1, r2, r3, lr}}",
    ".save {{r0, r1, r2, r3, lr}}",
    "vpush {{d0-d7}}",
    ".vsave {{d0-d7}}",
    // index = (cell - (table + cells_rel)) / 4; cells_rel is the i32 at table + 28.
    "ldr r1, [sp, #84]",
    "mov r0, ip",
    "ldr r2, [r0, #28]",
    "add r2, r0",
    "subs r1, r1, r2",
    "lsrs r1, r1, #2",
    "bl {resolve}",
    "mov ip, r0",
    "vpop {{d0-d7}}",
    "pop {{r0, r1, r2, r3, lr}}",
    "add sp, #4",
    "bx ip",
    ".fnend",
    ".size __aotinterop_lazy_entry, . - __aotinterop_lazy_entry",
    ".arm",
    resolve = sym crate::resolver::resolve_from_stub,
);
