//! `__aotinterop_lazy_entry` for aarch64 (AAPCS64: Linux; Apple's variant passes arguments in
//! the same registers).
//!
//! Entry state: `x9` = address of the import's cell, `x10` = table address, x30 = return
//! address into compiled code (the common tail moves them out of x16/x17, which a linker veneer
//! on the way here may overwrite). Saves x0–x7, x8 (indirect result) and q0–q7 in a 224-byte
//! frame (16-byte aligned), computes the index as `(x9 - cells) / 8`, calls the resolver,
//! restores and branches to the target with `br x16` (compatible with `bti c` landing pads).
//! x30 is saved and restored unchanged, so return-address signing is unaffected.

#[cfg(not(target_vendor = "apple"))]
macro_rules! entry_sym {
    () => {
        "__aotinterop_lazy_entry"
    };
}
#[cfg(target_vendor = "apple")]
macro_rules! entry_sym {
    () => {
        "___aotinterop_lazy_entry"
    };
}

#[cfg(not(target_vendor = "apple"))]
macro_rules! entry_header {
    () => {
        concat!(
            ".globl ",
            entry_sym!(),
            "\n",
            ".hidden ",
            entry_sym!(),
            "\n",
            ".type ",
            entry_sym!(),
            ",%function\n",
        )
    };
}
#[cfg(target_vendor = "apple")]
macro_rules! entry_header {
    () => {
        concat!(
            ".globl ",
            entry_sym!(),
            "\n",
            ".private_extern ",
            entry_sym!(),
            "\n"
        )
    };
}

core::arch::global_asm!(
    ".text",
    ".p2align 4",
    entry_header!(),
    concat!(entry_sym!(), ":"),
    ".cfi_startproc",
    "hint #34", // bti c
    "stp x29, x30, [sp, #-224]!",
    ".cfi_def_cfa_offset 224",
    ".cfi_offset x29, -224",
    ".cfi_offset x30, -216",
    "mov x29, sp",
    aarch64_save_arguments!(),
    aarch64_resolve_and_restore!(),
    "ldp x29, x30, [sp], #224",
    ".cfi_def_cfa_offset 0",
    ".cfi_restore x29",
    ".cfi_restore x30",
    "br x16",
    ".cfi_endproc",
    resolve = sym crate::resolver::resolve_from_stub,
);

// The GNU property note of an archive built with branch protection: BTI landing pads (every
// function that can be reached by an indirect branch starts with `bti` or `paciasp`) and
// return addresses signed where they are saved. LLVM writes this note only when every module
// of the LTO unit asked for it, and the precompiled `core` did not.
#[cfg(all(aotinterop_branch_protection, target_os = "linux"))]
core::arch::global_asm!(
    ".pushsection .note.gnu.property, \"a\", %note",
    ".p2align 3",
    ".word 4",  // n_namesz
    ".word 16", // n_descsz
    ".word 5",  // NT_GNU_PROPERTY_TYPE_0
    ".asciz \"GNU\"",
    ".word 0xc0000000", // GNU_PROPERTY_AARCH64_FEATURE_1_AND
    ".word 4",          // pr_datasz
    ".word 3",          // BTI | PAC
    ".word 0",          // padding to 8
    ".popsection",
);
