//! `__aotinterop_lazy_entry` for x86_64 System V (Linux, macOS).
//!
//! Entry state: `[rsp]` = import index, `[rsp+8]` = return address, `r11` = table address.
//! Saves rdi rsi rdx rcx r8 r9 (integer arguments), rax (vector-register count of a varargs
//! call), r10 (static chain) and xmm0–7, with the stack 16-byte aligned for the call. Only the
//! low 128 bits of the vector registers are kept: P/Invoke signatures cannot pass 256-bit
//! vectors. CFI describes every step so unwinders walk through it.

#[cfg(target_os = "linux")]
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

#[cfg(target_os = "linux")]
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
            ",@function\n",
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
    // CFA = rsp + 16: the thunk pushed the index on top of the return address.
    ".cfi_def_cfa_offset 16",
    "endbr64",
    "push rbp",
    ".cfi_def_cfa_offset 24",
    ".cfi_offset rbp, -24",
    "mov rbp, rsp",
    ".cfi_def_cfa_register rbp",
    // rsp = caller's rsp - 24 here (≡ 8 mod 16); 200 bytes more make it 16-aligned.
    "sub rsp, 200",
    "mov [rsp + 0], rdi",
    "mov [rsp + 8], rsi",
    "mov [rsp + 16], rdx",
    "mov [rsp + 24], rcx",
    "mov [rsp + 32], r8",
    "mov [rsp + 40], r9",
    "mov [rsp + 48], rax",
    "mov [rsp + 56], r10",
    "movaps [rsp + 64], xmm0",
    "movaps [rsp + 80], xmm1",
    "movaps [rsp + 96], xmm2",
    "movaps [rsp + 112], xmm3",
    "movaps [rsp + 128], xmm4",
    "movaps [rsp + 144], xmm5",
    "movaps [rsp + 160], xmm6",
    "movaps [rsp + 176], xmm7",
    "mov rdi, r11",
    "mov rsi, [rbp + 8]",
    "call {resolve}",
    "mov r11, rax",
    "movaps xmm7, [rsp + 176]",
    "movaps xmm6, [rsp + 160]",
    "movaps xmm5, [rsp + 144]",
    "movaps xmm4, [rsp + 128]",
    "movaps xmm3, [rsp + 112]",
    "movaps xmm2, [rsp + 96]",
    "movaps xmm1, [rsp + 80]",
    "movaps xmm0, [rsp + 64]",
    "mov r10, [rsp + 56]",
    "mov rax, [rsp + 48]",
    "mov r9, [rsp + 40]",
    "mov r8, [rsp + 32]",
    "mov rcx, [rsp + 24]",
    "mov rdx, [rsp + 16]",
    "mov rsi, [rsp + 8]",
    "mov rdi, [rsp + 0]",
    "mov rsp, rbp",
    ".cfi_def_cfa_register rsp",
    "pop rbp",
    ".cfi_def_cfa_offset 16",
    ".cfi_restore rbp",
    "add rsp, 8",
    ".cfi_def_cfa_offset 8",
    "jmp r11",
    ".cfi_endproc",
    resolve = sym crate::resolver::resolve_from_stub,
);
