//! The target an image is built for: its object format, architecture and OS family.

use std::fmt;

/// Object and image format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// ELF (Linux, FreeBSD).
    Elf,
    /// PE/COFF (Windows).
    Coff,
    /// Mach-O (Apple).
    MachO,
}

/// Instruction set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    /// x86_64.
    X86_64,
    /// aarch64 / arm64.
    Aarch64,
    /// i686.
    X86,
    /// 32-bit ARM.
    Arm,
}

/// The C library an ELF target uses; it changes the default linker and loader names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Libc {
    /// glibc.
    Gnu,
    /// musl.
    Musl,
    /// Android's bionic.
    Bionic,
    /// Not an ELF/Linux target (Windows, Apple, FreeBSD's own libc).
    Other,
}

/// A target, derived from a .NET runtime identifier by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// Object format.
    pub format: Format,
    /// Architecture.
    pub arch: Arch,
    /// C library.
    pub libc: Libc,
}

impl Target {
    /// The GNU-style triple of this target (`x86_64-linux-gnu`, `aarch64-linux-gnu`,
    /// `x86_64-w64-mingw32`, `arm64-apple-macos`), used to find cross compilers.
    pub fn triple(&self) -> &'static str {
        match (self.format, self.arch, self.libc) {
            (Format::Elf, Arch::X86_64, Libc::Musl) => "x86_64-linux-musl",
            (Format::Elf, Arch::Aarch64, Libc::Musl) => "aarch64-linux-musl",
            (Format::Elf, Arch::X86_64, _) => "x86_64-linux-gnu",
            (Format::Elf, Arch::Aarch64, _) => "aarch64-linux-gnu",
            (Format::Elf, Arch::X86, _) => "i686-linux-gnu",
            (Format::Elf, Arch::Arm, _) => "arm-linux-gnueabihf",
            (Format::Coff, Arch::X86_64, _) => "x86_64-w64-mingw32",
            (Format::Coff, Arch::X86, _) => "i686-w64-mingw32",
            (Format::Coff, Arch::Aarch64, _) => "aarch64-w64-mingw32",
            (Format::Coff, Arch::Arm, _) => "armv7-w64-mingw32",
            (Format::MachO, Arch::X86_64, _) => "x86_64-apple-macos",
            (Format::MachO, Arch::Aarch64, _) => "arm64-apple-macos",
            (Format::MachO, _, _) => "unknown-apple-macos",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.triple())
    }
}
