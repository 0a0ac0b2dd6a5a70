//! Runtime identifiers (RIDs) such as `linux-x64`, `linux-musl-arm64` or `win-x64`: the one
//! parser, and the link target a RID stands for.

use crate::target::{Arch, Format, Libc, Platform, Target};
use std::fmt;
use std::str::FromStr;

/// The operating-system part of a RID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Os {
    /// `linux` (glibc).
    Linux,
    /// `linux-musl`.
    LinuxMusl,
    /// `linux-bionic` (Android's libc).
    LinuxBionic,
    /// `freebsd`.
    FreeBsd,
    /// `win`.
    Windows,
    /// `osx`.
    Osx,
    /// `maccatalyst`.
    MacCatalyst,
    /// `ios`.
    Ios,
    /// `iossimulator`.
    IosSimulator,
    /// `tvos`.
    Tvos,
    /// `tvossimulator`.
    TvosSimulator,
}

/// A parsed runtime identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rid {
    /// Operating system.
    pub os: Os,
    /// Architecture.
    pub arch: Arch,
}

const OSES: &[(&str, Os)] = &[
    ("linux-musl", Os::LinuxMusl),
    ("linux-bionic", Os::LinuxBionic),
    ("linux", Os::Linux),
    ("freebsd", Os::FreeBsd),
    ("win", Os::Windows),
    ("osx", Os::Osx),
    ("maccatalyst", Os::MacCatalyst),
    ("iossimulator", Os::IosSimulator),
    ("ios", Os::Ios),
    ("tvossimulator", Os::TvosSimulator),
    ("tvos", Os::Tvos),
];

const ARCHES: &[(&str, Arch)] = &[
    ("x64", Arch::X86_64),
    ("x86", Arch::X86),
    ("arm64", Arch::Aarch64),
    ("arm", Arch::Arm),
    ("riscv64", Arch::RiscV64),
    ("loongarch64", Arch::LoongArch64),
];

/// The RIDs every part of aotinterop is tested with.
pub const KNOWN_RIDS: &[&str] = &[
    "linux-x64",
    "linux-arm64",
    "linux-musl-x64",
    "linux-musl-arm64",
    "win-x64",
    "win-x86",
    "win-arm64",
    "osx-x64",
    "osx-arm64",
];

/// Why a RID string was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RidError {
    /// The string as given.
    pub rid: String,
}

impl fmt::Display for RidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown runtime identifier `{}` (expected OS-ARCH such as {})",
            crate::diag::shown(&self.rid, 60),
            KNOWN_RIDS.join(", ")
        )
    }
}

impl std::error::Error for RidError {}

impl FromStr for Rid {
    type Err = RidError;

    fn from_str(s: &str) -> Result<Self, RidError> {
        let err = || RidError { rid: s.to_string() };
        let (os_part, arch_part) = s.rsplit_once('-').ok_or_else(err)?;
        let os = OSES
            .iter()
            .find(|(name, _)| *name == os_part)
            .map(|(_, os)| *os)
            .ok_or_else(err)?;
        let arch = ARCHES
            .iter()
            .find(|(name, _)| *name == arch_part)
            .map(|(_, arch)| *arch)
            .ok_or_else(err)?;
        Ok(Rid { os, arch })
    }
}

impl fmt::Display for Rid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let os = OSES.iter().find(|(_, os)| *os == self.os).map(|(n, _)| *n);
        let arch = ARCHES.iter().find(|(_, a)| *a == self.arch).map(|(n, _)| *n);
        write!(f, "{}-{}", os.unwrap_or("?"), arch.unwrap_or("?"))
    }
}

impl Rid {
    /// The RID of the machine this program runs on, when it is a Linux one aotinterop knows
    /// (its images are the only ones it can load here).
    pub fn host() -> Option<Rid> {
        let host = Target::host()?;
        let os = match host.libc {
            Libc::Gnu => Os::Linux,
            Libc::Musl => Os::LinuxMusl,
            _ => return None,
        };
        Some(Rid { os, arch: host.arch })
    }

    /// The loader family of this RID.
    pub fn platform(&self) -> Platform {
        match self.os {
            Os::Windows => Platform::Windows,
            Os::Osx | Os::MacCatalyst | Os::Ios | Os::IosSimulator | Os::Tvos | Os::TvosSimulator => {
                Platform::Apple
            }
            Os::Linux | Os::LinuxMusl | Os::LinuxBionic | Os::FreeBsd => Platform::Unix,
        }
    }

    /// True for `win-*` RIDs.
    pub fn is_windows(&self) -> bool {
        self.platform() == Platform::Windows
    }

    /// The link target of this RID: its image format, architecture and C library. `None` for
    /// architectures aotinterop cannot link for (riscv64, loongarch64).
    pub fn target(&self) -> Option<Target> {
        let format = match self.platform() {
            Platform::Unix => Format::Elf,
            Platform::Windows => Format::Coff,
            Platform::Apple => Format::MachO,
        };
        if !matches!(self.arch, Arch::X86_64 | Arch::Aarch64 | Arch::X86 | Arch::Arm) {
            return None;
        }
        let libc = match self.os {
            Os::Linux | Os::FreeBsd => Libc::Gnu,
            Os::LinuxMusl => Libc::Musl,
            Os::LinuxBionic => Libc::Bionic,
            _ => Libc::Other,
        };
        Some(Target {
            format,
            arch: self.arch,
            libc,
        })
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Rid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Rid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_rids_round_trip() {
        for rid in KNOWN_RIDS {
            let parsed: Rid = rid.parse().unwrap();
            assert_eq!(parsed.to_string(), *rid);
        }
    }

    #[test]
    fn platforms() {
        let p = |s: &str| s.parse::<Rid>().unwrap().platform();
        assert_eq!(p("linux-musl-x64"), Platform::Unix);
        assert_eq!(p("win-arm64"), Platform::Windows);
        assert_eq!(p("osx-arm64"), Platform::Apple);
        assert_eq!(p("iossimulator-arm64"), Platform::Apple);
    }

    #[test]
    fn unknown_rids_are_refused() {
        for bad in [
            "",
            "linux",
            "x64",
            "linux-x65",
            "windows-x64",
            "linux-musl",
            "Linux-x64",
        ] {
            let err = bad.parse::<Rid>().unwrap_err();
            assert!(err.to_string().contains("unknown runtime identifier"), "{bad}");
        }
    }
}
