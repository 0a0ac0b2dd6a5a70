//! Linker flavours: what a request's `linker.flavor` names, and the one rule of which
//! NativeLibrary files each takes.

use crate::codes;
use crate::diag::Diagnostic;
use crate::target::{Format, Target};
use std::fmt;
use std::str::FromStr;

/// A linker flavour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// GCC driver for ELF targets (`gcc`, `aarch64-linux-gnu-gcc`).
    Gcc,
    /// Clang driver for ELF targets (`clang --target=...`).
    Clang,
    /// A link.exe-compatible linker (`lld-link`, `link.exe`).
    LldLink,
    /// The MinGW-w64 GCC driver (`x86_64-w64-mingw32-gcc`).
    Mingw,
    /// Clang driving ld64 on Apple targets.
    Apple,
    /// The static archive writer for `NativeLib=Static` (built in, or an `ar` program).
    Archive,
}

impl Flavor {
    /// The name used in requests and messages.
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Gcc => "gcc",
            Flavor::Clang => "clang",
            Flavor::LldLink => "lld-link",
            Flavor::Mingw => "mingw",
            Flavor::Apple => "ld64",
            Flavor::Archive => "ar",
        }
    }

    /// Whether this flavour can produce images of `target`.
    pub fn supports(self, target: &Target) -> bool {
        match self {
            Flavor::Gcc | Flavor::Clang => target.format == Format::Elf,
            Flavor::LldLink | Flavor::Mingw => target.format == Format::Coff,
            Flavor::Apple => target.format == Format::MachO,
            Flavor::Archive => true,
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Flavor {
    type Err = Diagnostic;

    fn from_str(s: &str) -> Result<Self, Diagnostic> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "gcc" | "gnu" | "bfd" => Flavor::Gcc,
            "clang" | "lld" => Flavor::Clang,
            "lld-link" | "link" | "link.exe" | "msvc" => Flavor::LldLink,
            "mingw" | "mingw-gcc" => Flavor::Mingw,
            "ld64" | "apple" | "apple-clang" => Flavor::Apple,
            "ar" | "archive" | "static" => Flavor::Archive,
            _ => {
                return Err(Diagnostic::error(
                    codes::FLAVOR_INVALID,
                    format!(
                        "unknown linker flavour `{}` (expected gcc, clang, lld-link, mingw, ld64 or ar)",
                        crate::diag::shown(s, 60)
                    ),
                ))
            }
        })
    }
}

/// Why a NativeLibrary file, by its name, is not one `flavor` can link into an image of
/// `target`; `None` when the name fits. Linux takes `.a`, `.o`, `.so` (and `.so.N`); Windows
/// takes `.lib`, `.obj`, `.o` and also `.a` / `.dll.a` (MinGW-w64's static and import libraries
/// are ordinary COFF archives, which both GNU ld and lld-link read), and `.dll` with the MinGW-w64
/// linker only; Apple takes `.a`, `.o`, `.dylib` and `.tbd`. The plan, the MSBuild task and the
/// link preflight all ask this (the preflight then checks the contents too).
pub fn native_library_name_error(file_name: &str, target: &Target, flavor: Flavor) -> Option<&'static str> {
    let lower = file_name.to_ascii_lowercase();
    let has = |ext: &str| lower.ends_with(ext);
    let is_so = has(".so") || lower.contains(".so.");
    let windows = has(".lib") || has(".dll") || has(".obj");
    let apple = has(".dylib") || has(".tbd");
    match target.format {
        Format::Elf if windows => Some("a Windows library"),
        Format::Elf if apple => Some("an Apple library"),
        Format::Coff if is_so => Some("an ELF shared library"),
        Format::Coff if apple => Some("an Apple library"),
        Format::Coff if has(".dll") && flavor != Flavor::Mingw => {
            Some("a DLL, which a link.exe-compatible linker cannot link: give its import library (.lib)")
        }
        Format::MachO if is_so => Some("an ELF shared library"),
        Format::MachO if windows => Some("a Windows library"),
        _ => None,
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Flavor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Flavor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e: Diagnostic| serde::de::Error::custom(e.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rid;

    fn t(rid: &str) -> Target {
        rid.parse::<Rid>().unwrap().target().unwrap()
    }

    #[test]
    fn names_by_target_and_flavour() {
        let (linux, win, mac) = (t("linux-x64"), t("win-x64"), t("osx-arm64"));
        let err = |n, t: &Target, f| native_library_name_error(n, t, f);
        assert_eq!(err("libz.a", &linux, Flavor::Gcc), None);
        assert_eq!(err("libz.so.1", &linux, Flavor::Gcc), None);
        assert!(err("z.lib", &linux, Flavor::Gcc).is_some());
        assert!(err("z.obj", &linux, Flavor::Gcc).is_some());
        assert!(err("libz.dylib", &linux, Flavor::Gcc).is_some());
        assert_eq!(err("z.lib", &win, Flavor::LldLink), None);
        assert_eq!(err("libz.a", &win, Flavor::LldLink), None);
        assert!(err("libz.so", &win, Flavor::Mingw).is_some());
        assert_eq!(err("z.dll", &win, Flavor::Mingw), None);
        assert!(err("z.dll", &win, Flavor::LldLink).is_some());
        assert_eq!(err("libz.tbd", &mac, Flavor::Apple), None);
        assert!(err("libz.so", &mac, Flavor::Apple).is_some());
        // A Windows object is not an Apple one.
        assert!(err("shim.obj", &mac, Flavor::Apple).is_some());
    }

    #[test]
    fn flavour_names() {
        assert_eq!("mingw-gcc".parse::<Flavor>().unwrap(), Flavor::Mingw);
        assert_eq!("MinGW".parse::<Flavor>().unwrap(), Flavor::Mingw);
        assert_eq!("nope".parse::<Flavor>().unwrap_err().code, codes::FLAVOR_INVALID);
    }
}
