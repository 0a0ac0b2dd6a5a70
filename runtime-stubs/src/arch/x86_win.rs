//! `__aotinterop_lazy_entry` for Windows x86 (i386; its COFF name is `___aotinterop_lazy_entry`).
//!
//! Entry state: `[esp]` = table address, `[esp+4]` = import index, `[esp+8]` = return address
//! (the thunk pushed the index, the common tail the table: no register is free in every x86
//! convention). Saves eax ecx edx (regparm, fastcall and thiscall arguments), calls the resolver
//! (cdecl), writes the target over the table's slot and leaves with `ret 4`: that jumps to the
//! target and drops the index, so the callee sees the caller's stack and return address. The
//! frame is an `ebp` chain over a copy of the return address, so x86 debuggers and unwinders
//! walking it find the stub's caller.

core::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl ___aotinterop_lazy_entry",
    ".def ___aotinterop_lazy_entry; .scl 2; .type 32; .endef",
    "___aotinterop_lazy_entry:",
    // [esp] = table, [esp+4] = index, [esp+8] = return address: copy the return address on
    // top, so that [ebp+4] is one.
    "push dword ptr [esp + 8]",
    "push ebp",
    "mov ebp, esp",
    "push eax",
    "push ecx",
    "push edx",
    "push dword ptr [ebp + 12]",
    "push dword ptr [ebp + 8]",
    "call {resolve}",
    "add esp, 8",
    "mov [ebp + 8], eax",
    "pop edx",
    "pop ecx",
    "pop eax",
    "pop ebp",
    "add esp, 4",
    "ret 4",
    resolve = sym crate::resolver::resolve_from_stub,
);
