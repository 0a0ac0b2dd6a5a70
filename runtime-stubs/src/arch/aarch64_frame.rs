//! The body both aarch64 entries share (`aarch64.rs`, `aarch64_win.rs`): the argument saves
//! into the 224-byte frame, the index computation and resolver call, and the restores. Each
//! file keeps its own prologue, epilogue and unwind directives (DWARF CFI or SEH), which is
//! where the two conventions differ. Macros because `global_asm!` takes only literal templates.

/// Saves x0–x7, x8 (indirect result) and q0–q7 above the frame record at `[sp]`.
macro_rules! aarch64_save_arguments {
    () => {
        concat!(
            "stp x0, x1, [sp, #16]\n",
            "stp x2, x3, [sp, #32]\n",
            "stp x4, x5, [sp, #48]\n",
            "stp x6, x7, [sp, #64]\n",
            "str x8, [sp, #80]\n",
            "stp q0, q1, [sp, #96]\n",
            "stp q2, q3, [sp, #128]\n",
            "stp q4, q5, [sp, #160]\n",
            "stp q6, q7, [sp, #192]\n",
        )
    };
}

/// Index = (x9 - (table + cells_rel)) / 8, where cells_rel is the i32 at table + 28; calls the
/// resolver (operand `resolve`) with the table in x0 and the index in x1, keeps the target in
/// x16 and restores what `aarch64_save_arguments!` saved.
macro_rules! aarch64_resolve_and_restore {
    () => {
        concat!(
            "ldrsw x11, [x10, #28]\n",
            "add x11, x10, x11\n",
            "sub x1, x9, x11\n",
            "lsr x1, x1, #3\n",
            "mov x0, x10\n",
            "bl {resolve}\n",
            "mov x16, x0\n",
            "ldp q6, q7, [sp, #192]\n",
            "ldp q4, q5, [sp, #160]\n",
            "ldp q2, q3, [sp, #128]\n",
            "ldp q0, q1, [sp, #96]\n",
            "ldr x8, [sp, #80]\n",
            "ldp x6, x7, [sp, #64]\n",
            "ldp x4, x5, [sp, #48]\n",
            "ldp x2, x3, [sp, #32]\n",
            "ldp x0, x1, [sp, #16]\n",
        )
    };
}
