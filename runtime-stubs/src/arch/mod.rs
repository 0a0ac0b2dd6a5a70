//! The shared slow path of the trampolines, one file per calling convention. Each defines
//! `__aotinterop_lazy_entry` (contract in `docs/import-abi.md`): save every argument register,
//! call [`crate::resolver::resolve_from_stub`], restore, tail-jump to the target.
//!
//! Written as `global_asm!` because the entry must not touch any argument register before
//! saving it, which no Rust function can promise.

#[cfg(target_arch = "aarch64")]
#[macro_use]
mod aarch64_frame;

/// The start of a 64-bit Windows `__aotinterop_lazy_entry`: its symbol, COFF type and the
/// `.seh_proc` its unwind codes belong to.
#[cfg(all(any(target_arch = "aarch64", target_arch = "x86_64"), windows))]
macro_rules! win64_entry_start {
    () => {
        concat!(
            ".text\n",
            ".p2align 4\n",
            ".globl __aotinterop_lazy_entry\n",
            ".def __aotinterop_lazy_entry; .scl 2; .type 32; .endef\n",
            "__aotinterop_lazy_entry:\n",
            ".seh_proc __aotinterop_lazy_entry\n",
        )
    };
}

#[cfg(all(
    target_arch = "aarch64",
    any(target_os = "linux", target_os = "android", target_vendor = "apple")
))]
mod aarch64;
#[cfg(all(target_arch = "aarch64", windows))]
mod aarch64_win;
#[cfg(all(target_arch = "arm", target_os = "linux"))]
mod arm;
#[cfg(all(target_arch = "x86_64", unix))]
mod x86_64_sysv;
#[cfg(all(target_arch = "x86_64", windows))]
mod x86_64_win;
#[cfg(all(target_arch = "x86", windows))]
mod x86_win;
