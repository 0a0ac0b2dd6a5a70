//! What an image is built for: its object format, architecture, C library and loader family,
//! and the one table of the targets aotinterop builds and runs images for.

use std::fmt;

/// Object and image format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Format {
    /// ELF (Linux, FreeBSD).
    #[cfg_attr(feature = "serde", serde(rename = "elf"))]
    Elf,
    /// PE/COFF (Windows).
    #[cfg_attr(feature = "serde", serde(rename = "pe"))]
    Coff,
    /// Mach-O (Apple).
    #[cfg_attr(feature = "serde", serde(rename = "macho"))]
    MachO,
}

impl Format {
    /// The name inspection reports use: `elf`, `pe`, `macho`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Elf => "elf",
            Format::Coff => "pe",
            Format::MachO => "macho",
        }
    }

    /// The loader family that loads images of this format.
    pub fn platform(self) -> Platform {
        match self {
            Format::Elf => Platform::Unix,
            Format::Coff => Platform::Windows,
            Format::MachO => Platform::Apple,
        }
    }

    /// The format's name in messages: `ELF`, `PE/COFF`, `Mach-O`.
    pub fn title(self) -> &'static str {
        match self {
            Format::Elf => "ELF",
            Format::Coff => "PE/COFF",
            Format::MachO => "Mach-O",
        }
    }
}

/// Instruction set (the architecture part of a RID).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    /// `x64`: x86_64.
    X86_64,
    /// `arm64`: aarch64.
    Aarch64,
    /// `x86`: i686.
    X86,
    /// `arm`: 32-bit ARM, hard float.
    Arm,
    /// `riscv64`.
    RiscV64,
    /// `loongarch64`.
    LoongArch64,
}

impl Arch {
    /// Every architecture, in the table's order.
    pub const ALL: [Arch; 6] = [
        Arch::X86_64,
        Arch::Aarch64,
        Arch::X86,
        Arch::Arm,
        Arch::RiscV64,
        Arch::LoongArch64,
    ];

    /// The machine name images and their tools use (`x86_64`, `aarch64`, `x86`, `arm`).
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::X86 => "x86",
            Arch::Arm => "arm",
            Arch::RiscV64 => "riscv64",
            Arch::LoongArch64 => "loongarch64",
        }
    }

    /// The architecture a machine name means, in any of its usual spellings (`x86_64`, `x64`,
    /// `amd64`; `aarch64`, `arm64`; `x86`, `i386`, `i686`; `arm`), in any case.
    pub fn from_name(name: &str) -> Option<Arch> {
        let name = name.to_ascii_lowercase();
        let arch = match name.as_str() {
            "x64" | "amd64" => Arch::X86_64,
            "arm64" => Arch::Aarch64,
            "i386" | "i686" => Arch::X86,
            other => return Arch::ALL.into_iter().find(|a| a.name() == other),
        };
        Some(arch)
    }

    /// glibc's `$PLATFORM` (`AT_PLATFORM`) on a Linux machine of this architecture.
    pub fn glibc_platform(self) -> &'static str {
        match self {
            Arch::X86 => "i686",
            Arch::Arm => "v7l",
            other => other.name(),
        }
    }

    /// The multiarch triplet Debian's glibc searches for this architecture (`$LIB` is
    /// `lib/TRIPLET`).
    pub fn multiarch_triplet(self) -> Option<&'static str> {
        match self {
            Arch::X86_64 => Some("x86_64-linux-gnu"),
            Arch::Aarch64 => Some("aarch64-linux-gnu"),
            Arch::Arm => Some("arm-linux-gnueabihf"),
            Arch::X86 => Some("i386-linux-gnu"),
            Arch::RiscV64 | Arch::LoongArch64 => None,
        }
    }

    /// Bytes of a pointer (a cell or handle slot of the import ABI).
    pub fn pointer_bytes(self) -> u32 {
        match self {
            Arch::X86 | Arch::Arm => 4,
            Arch::X86_64 | Arch::Aarch64 | Arch::RiscV64 | Arch::LoongArch64 => 8,
        }
    }
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
    /// Not an ELF/Linux target (Windows, Apple).
    Other,
}

pub use crate::lazy_rules::Platform;

/// A link target, derived from a RID by [`Rid::target`](crate::Rid::target).
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
            _ => "unknown-unknown-unknown",
        }
    }

    /// The loader family.
    pub fn platform(&self) -> Platform {
        self.format.platform()
    }

    /// The target of the machine this runs on, when it is one aotinterop knows.
    pub fn host() -> Option<Target> {
        let arch = match std::env::consts::ARCH {
            "x86_64" => Arch::X86_64,
            "aarch64" => Arch::Aarch64,
            "x86" => Arch::X86,
            "arm" => Arch::Arm,
            _ => return None,
        };
        let (format, libc) = match std::env::consts::OS {
            "linux" if cfg!(target_env = "musl") => (Format::Elf, Libc::Musl),
            "linux" => (Format::Elf, Libc::Gnu),
            "android" => (Format::Elf, Libc::Bionic),
            "windows" => (Format::Coff, Libc::Other),
            "macos" => (Format::MachO, Libc::Other),
            _ => return None,
        };
        Some(Target { format, arch, libc })
    }

    /// This target's row of [`TARGETS`], when aotinterop has a runtime for it.
    pub fn row(&self) -> Option<&'static TargetRow> {
        TARGETS.iter().find(|r| r.target == *self)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.triple())
    }
}

/// How a test (or a sample) runs an image of a target on this build machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    /// Directly: the target is the build machine's.
    Native,
    /// Under qemu-user, with the cross toolchain's root as the loader's sysroot.
    Qemu {
        /// The qemu-user program (`qemu-aarch64`).
        program: &'static str,
        /// The sysroot (`-L`), whose `lib/` also comes first on `LD_LIBRARY_PATH`.
        sysroot: &'static str,
    },
    /// Under wine, in the test prefix.
    Wine,
    /// Not run here: images are emitted, linked, inspected and verified only.
    None,
}

/// One target aotinterop has a runtime for: the single place that says which RID links with
/// which triple, compiler and system libraries, and how its images run here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetRow {
    /// The .NET runtime identifier.
    pub rid: &'static str,
    /// The link target.
    pub target: Target,
    /// The Rust target triple the runtime archive is built for.
    pub rust_triple: &'static str,
    /// The C compiler driver that links for it on a Linux x64 build machine.
    pub cc: &'static str,
    /// How its images run on a Linux x64 build machine.
    pub runner: Runner,
    /// The system libraries the runtime archive needs after it on the link line, by name.
    pub runtime_libs: &'static [&'static str],
    /// rustc's code-generation flags for the runtime archive: the control-flow protection
    /// compiled code of this target can be built with, so that an image whose own code has it
    /// still comes out marked (the linker marks an image only when every input object is).
    pub runtime_codegen: &'static [&'static str],
}

impl TargetRow {
    /// The row of a RID (as written: `linux-x64`).
    pub fn of_rid(rid: &str) -> Option<&'static TargetRow> {
        TARGETS.iter().find(|r| r.rid == rid)
    }

    /// The row of a Rust target triple.
    pub fn of_rust_triple(triple: &str) -> Option<&'static TargetRow> {
        TARGETS.iter().find(|r| r.rust_triple == triple)
    }

    /// True when images of this target run on the build machine (natively, qemu or wine).
    pub fn runs_here(&self) -> bool {
        self.runner != Runner::None
    }

    /// The loader family.
    pub fn platform(&self) -> Platform {
        self.target.platform()
    }
}

/// The runtime's system libraries on glibc Linux: `dlopen` and friends (in libc from glibc 2.34,
/// in libdl before) and libc. The runtime is `no_std`: nothing else.
const GLIBC_RUNTIME_LIBS: &[&str] = &["dl", "c"];
/// The runtime's system library on musl: libc, which has `dlopen` and friends itself.
const MUSL_RUNTIME_LIBS: &[&str] = &["c"];
/// musl's runtime archive links as the images' own code: dynamically, so that it can load
/// libraries (Rust's musl targets default to a static C runtime).
const MUSL_CODEGEN: &[&str] = &["-Ctarget-feature=-crt-static"];
/// The folder qemu-user looks in first for an arm64 musl image's files: the root itself, where
/// Debian's musl:arm64 installs the loader (`/lib/ld-musl-aarch64.so.1`) and the C library.
const MUSL_ARM64_SYSROOT: &str = "/";
/// The runtime's system library on Windows: kernel32 only.
const WINDOWS_RUNTIME_LIBS: &[&str] = &["kernel32"];
const APPLE_RUNTIME_LIBS: &[&str] = &["System"];

/// x86_64 ELF: CET, `endbr64` landing pads and shadow-stack compatibility, marked
/// `GNU_PROPERTY_X86_FEATURE_1_IBT | SHSTK` (gcc's `-fcf-protection=full`).
const CET: &[&str] = &["-Zcf-protection=full"];
/// aarch64 ELF: `bti` landing pads and signed return addresses, marked
/// `GNU_PROPERTY_AARCH64_FEATURE_1_BTI | PAC` (gcc's `-mbranch-protection=standard`). Atomics
/// are inlined (no `__aarch64_*` helpers from `compiler_builtins`, which are not marked), and
/// `aotinterop_branch_protection` tells the runtime to write the note itself: LLVM leaves it out
/// when LTO merges in the precompiled `core`, whose few functions the runtime keeps are only
/// called directly (`runtime-stubs/tests/branch_protection.rs` checks both).
const BTI_PAC: &[&str] = &[
    "-Zbranch-protection=bti,pac-ret",
    "-Ctarget-feature=-outline-atomics",
    "--cfg=aotinterop_branch_protection",
];

/// The targets of the table below, by RID.
impl Target {
    const fn of(format: Format, arch: Arch, libc: Libc) -> Target {
        Target { format, arch, libc }
    }

    /// `linux-x64`.
    pub const LINUX_X64: Target = Target::of(Format::Elf, Arch::X86_64, Libc::Gnu);
    /// `linux-arm64`.
    pub const LINUX_ARM64: Target = Target::of(Format::Elf, Arch::Aarch64, Libc::Gnu);
    /// `linux-arm`.
    pub const LINUX_ARM: Target = Target::of(Format::Elf, Arch::Arm, Libc::Gnu);
    /// `linux-musl-x64`.
    pub const LINUX_MUSL_X64: Target = Target::of(Format::Elf, Arch::X86_64, Libc::Musl);
    /// `linux-musl-arm64`.
    pub const LINUX_MUSL_ARM64: Target = Target::of(Format::Elf, Arch::Aarch64, Libc::Musl);
    /// `win-x64`.
    pub const WIN_X64: Target = Target::of(Format::Coff, Arch::X86_64, Libc::Other);
    /// `win-x86`.
    pub const WIN_X86: Target = Target::of(Format::Coff, Arch::X86, Libc::Other);
    /// `win-arm64`.
    pub const WIN_ARM64: Target = Target::of(Format::Coff, Arch::Aarch64, Libc::Other);
    /// `osx-x64`.
    pub const OSX_X64: Target = Target::of(Format::MachO, Arch::X86_64, Libc::Other);
    /// `osx-arm64`.
    pub const OSX_ARM64: Target = Target::of(Format::MachO, Arch::Aarch64, Libc::Other);
}

/// Every target with a runtime, the ones images are built and run for here first.
pub const TARGETS: &[TargetRow] = &[
    TargetRow {
        rid: "linux-x64",
        target: Target::LINUX_X64,
        rust_triple: "x86_64-unknown-linux-gnu",
        cc: "gcc",
        runner: Runner::Native,
        runtime_libs: GLIBC_RUNTIME_LIBS,
        runtime_codegen: CET,
    },
    TargetRow {
        rid: "linux-arm64",
        target: Target::LINUX_ARM64,
        rust_triple: "aarch64-unknown-linux-gnu",
        cc: "aarch64-linux-gnu-gcc",
        runner: Runner::Qemu {
            program: "qemu-aarch64",
            sysroot: "/usr/aarch64-linux-gnu",
        },
        runtime_libs: GLIBC_RUNTIME_LIBS,
        runtime_codegen: BTI_PAC,
    },
    TargetRow {
        rid: "linux-arm",
        target: Target::LINUX_ARM,
        rust_triple: "armv7-unknown-linux-gnueabihf",
        cc: "arm-linux-gnueabihf-gcc",
        runner: Runner::Qemu {
            program: "qemu-arm",
            sysroot: "/usr/arm-linux-gnueabihf",
        },
        runtime_libs: GLIBC_RUNTIME_LIBS,
        runtime_codegen: &[],
    },
    TargetRow {
        rid: "linux-musl-x64",
        target: Target::LINUX_MUSL_X64,
        rust_triple: "x86_64-unknown-linux-musl",
        cc: "x86_64-linux-musl-gcc",
        // musl's dynamic loader, /lib/ld-musl-x86_64.so.1, runs them here.
        runner: Runner::Native,
        runtime_libs: MUSL_RUNTIME_LIBS,
        runtime_codegen: MUSL_CODEGEN,
    },
    TargetRow {
        rid: "linux-musl-arm64",
        target: Target::LINUX_MUSL_ARM64,
        rust_triple: "aarch64-unknown-linux-musl",
        cc: "aarch64-linux-musl-gcc",
        // qemu-user starts musl's loader, /lib/ld-musl-aarch64.so.1 (Debian's musl:arm64).
        runner: Runner::Qemu {
            program: "qemu-aarch64",
            sysroot: MUSL_ARM64_SYSROOT,
        },
        runtime_libs: MUSL_RUNTIME_LIBS,
        runtime_codegen: MUSL_CODEGEN,
    },
    TargetRow {
        rid: "win-x64",
        target: Target::WIN_X64,
        rust_triple: "x86_64-pc-windows-gnu",
        cc: "x86_64-w64-mingw32-gcc",
        runner: Runner::Wine,
        runtime_libs: WINDOWS_RUNTIME_LIBS,
        runtime_codegen: &[],
    },
    TargetRow {
        rid: "win-x86",
        target: Target::WIN_X86,
        rust_triple: "i686-pc-windows-gnu",
        cc: "i686-w64-mingw32-gcc",
        // Under 32-bit wine (Debian's wine32:i386).
        runner: Runner::Wine,
        runtime_libs: WINDOWS_RUNTIME_LIBS,
        runtime_codegen: &[],
    },
    TargetRow {
        rid: "win-arm64",
        target: Target::WIN_ARM64,
        rust_triple: "aarch64-pc-windows-gnullvm",
        // Linked by lld-link; clang compiles its C.
        cc: "clang",
        runner: Runner::None,
        runtime_libs: WINDOWS_RUNTIME_LIBS,
        runtime_codegen: &[],
    },
    TargetRow {
        rid: "osx-x64",
        target: Target::OSX_X64,
        rust_triple: "x86_64-apple-darwin",
        cc: "clang",
        runner: Runner::None,
        runtime_libs: APPLE_RUNTIME_LIBS,
        runtime_codegen: &[],
    },
    TargetRow {
        rid: "osx-arm64",
        target: Target::OSX_ARM64,
        rust_triple: "aarch64-apple-darwin",
        cc: "clang",
        runner: Runner::None,
        runtime_libs: APPLE_RUNTIME_LIBS,
        runtime_codegen: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rid;

    /// Machine names read back in every spelling users and tools write.
    #[test]
    fn architecture_names() {
        for a in Arch::ALL {
            assert_eq!(Arch::from_name(a.name()), Some(a));
            assert_eq!(Arch::from_name(&a.name().to_ascii_uppercase()), Some(a));
        }
        for (name, arch) in [
            ("x64", Arch::X86_64),
            ("AMD64", Arch::X86_64),
            ("arm64", Arch::Aarch64),
            ("i686", Arch::X86),
        ] {
            assert_eq!(Arch::from_name(name), Some(arch), "{name}");
        }
        assert_eq!(Arch::from_name("ppc64"), None);
        assert_eq!(Arch::Arm.glibc_platform(), "v7l");
        assert_eq!(Arch::X86.multiarch_triplet(), Some("i386-linux-gnu"));
    }

    #[test]
    fn every_row_is_its_rids_target() {
        for row in TARGETS {
            let rid: Rid = row.rid.parse().unwrap();
            assert_eq!(rid.target(), Some(row.target), "{}", row.rid);
            assert_eq!(row.target.row(), Some(row));
            assert_eq!(TargetRow::of_rust_triple(row.rust_triple), Some(row));
        }
    }
}
