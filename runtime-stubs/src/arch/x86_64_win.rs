//! `__aotinterop_lazy_entry` for Windows x64.
//!
//! Entry state: `r10` = import index, `r11` = table address, `[rsp]` = return address: the
//! ordinary function-entry state (the thunks and tails before it touch no stack), so the whole
//! entry is one `.seh_proc` whose unwind codes describe every step.
//! Saves rcx rdx r8 r9 and xmm0–5 (the argument registers, xmm4–5 for `__vectorcall`), keeps
//! 32 bytes of home space and a 16-byte-aligned stack for the call.

core::arch::global_asm!(
    win64_entry_start!(),
    "push rbp",
    ".seh_pushreg rbp",
    "sub rsp, 176",
    ".seh_stackalloc 176",
    ".seh_endprologue",
    "mov [rsp + 32], rcx",
    "mov [rsp + 40], rdx",
    "mov [rsp + 48], r8",
    "mov [rsp + 56], r9",
    "movaps [rsp + 64], xmm0",
    "movaps [rsp + 80], xmm1",
    "movaps [rsp + 96], xmm2",
    "movaps [rsp + 112], xmm3",
    "movaps [rsp + 128], xmm4",
    "movaps [rsp + 144], xmm5",
    "mov rcx, r11",
    "mov rdx, r10",
    "call {resolve}",
    "mov r11, rax",
    "movaps xmm5, [rsp + 144]",
    "movaps xmm4, [rsp + 128]",
    "movaps xmm3, [rsp + 112]",
    "movaps xmm2, [rsp + 96]",
    "movaps xmm1, [rsp + 80]",
    "movaps xmm0, [rsp + 64]",
    "mov r9, [rsp + 56]",
    "mov r8, [rsp + 48]",
    "mov rdx, [rsp + 40]",
    "mov rcx, [rsp + 32]",
    "add rsp, 176",
    "pop rbp",
    "jmp r11",
    ".seh_endproc",
    resolve = sym crate::resolver::resolve_from_stub,
);
