//! `__aotinterop_lazy_entry` for Windows on ARM64.
//!
//! Entry state as on Linux (`aarch64.rs`): `x9` = address of the import's cell, `x10` = table
//! address, x30 = return address. Saves x0–x7, x8 (indirect result) and q0–q7 in a 224-byte
//! frame, calls the resolver, restores and branches to the target with `br x16`. The `.seh_*`
//! directives give the entry its `.pdata`/`.xdata` unwind codes.

core::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl __aotinterop_lazy_entry",
    ".def __aotinterop_lazy_entry; .scl 2; .type 32; .endef",
    "__aotinterop_lazy_entry:",
    ".seh_proc __aotinterop_lazy_entry",
    "stp x29, x30, [sp, #-224]!",
    ".seh_save_fplr_x 224",
    "mov x29, sp",
    ".seh_set_fp",
    ".seh_endprologue",
    "stp x0, x1, [sp, #16]",
    "stp x2, x3, [sp, #32]",
    "stp x4, x5, [sp, #48]",
    "stp x6, x7, [sp, #64]",
    "str x8, [sp, #80]",
    "stp q0, q1, [sp, #96]",
    "stp q2, q3, [sp, #128]",
    "stp q4, q5, [sp, #160]",
    "stp q6, q7, [sp, #192]",
    // index = (x9 - (table + cells_rel)) / 8; cells_rel is the i32 at table + 28.
    "ldrsw x11, [x10, #28]",
    "add x11, x10, x11",
    "sub x1, x9, x11",
    "lsr x1, x1, #3",
    "mov x0, x10",
    "bl {resolve}",
    "mov x16, x0",
    "ldp q6, q7, [sp, #192]",
    "ldp q4, q5, [sp, #160]",
    "ldp q2, q3, [sp, #128]",
    "ldp q0, q1, [sp, #96]",
    "ldr x8, [sp, #80]",
    "ldp x6, x7, [sp, #64]",
    "ldp x4, x5, [sp, #48]",
    "ldp x2, x3, [sp, #32]",
    "ldp x0, x1, [sp, #16]",
    ".seh_startepilogue",
    "ldp x29, x30, [sp], #224",
    ".seh_save_fplr_x 224",
    ".seh_endepilogue",
    "br x16",
    ".seh_endproc",
    resolve = sym crate::resolver::resolve_from_stub,
);
