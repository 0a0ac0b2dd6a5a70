//! `__aotinterop_lazy_entry` for Windows on ARM64.
//!
//! Entry state as on Linux (`aarch64.rs`): `x9` = address of the import's cell, `x10` = table
//! address, x30 = return address. Saves x0–x7, x8 (indirect result) and q0–q7 in a 224-byte
//! frame, calls the resolver, restores and branches to the target with `br x16`. The `.seh_*`
//! directives give the entry its `.pdata`/`.xdata` unwind codes.

core::arch::global_asm!(
    win64_entry_start!(),
    "stp x29, x30, [sp, #-224]!",
    ".seh_save_fplr_x 224",
    "mov x29, sp",
    ".seh_set_fp",
    ".seh_endprologue",
    aarch64_save_arguments!(),
    aarch64_resolve_and_restore!(),
    ".seh_startepilogue",
    "ldp x29, x30, [sp], #224",
    ".seh_save_fplr_x 224",
    ".seh_endepilogue",
    "br x16",
    ".seh_endproc",
    resolve = sym crate::resolver::resolve_from_stub,
);
