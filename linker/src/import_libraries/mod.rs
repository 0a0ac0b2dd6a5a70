//! Stand-ins for libraries the link cannot see (`generate_import_libraries`): a direct import
//! needs its library at link time, which a user with only a vendor's DLL, or one publishing for
//! another machine, does not have. From the plan's [`GeneratedLibrary`] entries this writes what
//! the target's linker takes in the library's place, naming the real library so that the loader
//! binds it at startup:
//!
//! - Windows: an import library of short-import members (`coff.rs`, as `lib /def` and
//!   `llvm-dlltool` write them), by name or by ordinal, decorated names on win-x86;
//! - ELF: a stub shared object with the real `DT_SONAME`, the symbols as functions and, when the
//!   real library was read, their versions (`elf.rs`);
//! - Mach-O: a text-based stub, `.tbd`, as Apple's SDKs ship (`tbd.rs`).
//!
//! `aotinterop_image::present` reads the real library when it is found at publish time.

mod coff;
mod elf;
mod tbd;

use crate::target::{Format, Target};
use aotinterop_model::names::library_variations;
use aotinterop_model::GeneratedLibrary;

/// What the stand-in of a format is called in messages.
pub(crate) fn kind_name(format: Format) -> &'static str {
    match format {
        Format::Coff => "import library",
        Format::Elf => "stub shared object",
        Format::MachO => "text-based stub (.tbd)",
    }
}

/// The file name of the stand-in written for `lib` (in the staging folder; never deployed).
pub fn stand_in_file_name(target: &Target, lib: &GeneratedLibrary) -> String {
    let base: String = lib
        .file
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&lib.file)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    match target.format {
        Format::Coff => format!("{base}.lib"),
        Format::Elf => format!("{base}.stub.so"),
        Format::MachO => format!("{base}.tbd"),
    }
}

/// The error of a stand-in that cannot be written (`AOTI0202`), saying why.
pub(super) fn failed(why: String) -> crate::diag::Error {
    crate::diag::Error::new(crate::diag::codes::EMIT_FAILED, why)
}

/// The bytes of the stand-in for `lib`.
pub fn write(target: &Target, lib: &GeneratedLibrary) -> crate::diag::Result<Vec<u8>> {
    let bad = |s: &str| s.is_empty() || s.contains(['\0', '\n', '\r']);
    if bad(&lib.file) {
        return Err(failed(format!(
            "library name `{}` is empty or holds a NUL or a line break",
            lib.file.escape_debug()
        )));
    }
    if let Some(s) = lib
        .symbols
        .iter()
        .find(|s| bad(&s.symbol) || s.version.as_deref().is_some_and(bad))
    {
        return Err(failed(format!(
            "symbol `{}` of {} (or its version) is empty or holds a NUL or a line break",
            s.symbol.escape_debug(),
            lib.file
        )));
    }
    match target.format {
        Format::Coff => coff::import_library(target, lib),
        Format::Elf => elf::stub_shared_object(target, lib),
        Format::MachO => Ok(tbd::text_stub(target, lib).into_bytes()),
    }
}

/// The name the loader looks for when the real library is not at hand: the DLL name for
/// Windows (`.dll` added to a name without one, as `LoadLibrary` does), `DT_SONAME` for ELF and
/// the install name for Mach-O, both in the `-l` convention (`libNAME.so`, `@rpath/libNAME.dylib`;
/// a name that already has the suffix, `libfoo.so.1`, is kept).
pub fn default_file_name(module: &str, target: &Target) -> String {
    let platform = target.platform();
    let variations = library_variations(module, platform);
    match target.format {
        Format::Coff => variations.last().cloned().unwrap_or_else(|| module.to_string()),
        Format::Elf | Format::MachO => {
            let suffix = platform.lib_suffix();
            // The variations put the name with the suffix first when it has one; otherwise the
            // `lib`-prefixed one with the suffix is the `-l` convention.
            let file = variations
                .iter()
                .find(|v| v.as_str() == module && v.contains(suffix))
                .or_else(|| {
                    variations
                        .iter()
                        .find(|v| v.starts_with("lib") && v.contains(suffix))
                })
                .or_else(|| variations.first())
                .cloned()
                .unwrap_or_else(|| module.to_string());
            if target.format == Format::MachO && !file.contains('/') {
                format!("@rpath/{file}")
            } else {
                file
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::{Arch, Libc};

    fn t(format: Format) -> Target {
        Target {
            format,
            arch: Arch::Aarch64,
            libc: if format == Format::Elf {
                Libc::Gnu
            } else {
                Libc::Other
            },
        }
    }

    #[test]
    fn default_names_follow_the_link_conventions() {
        let elf = t(Format::Elf);
        assert_eq!(default_file_name("vendor", &elf), "libvendor.so");
        assert_eq!(default_file_name("libvendor", &elf), "libvendor.so");
        assert_eq!(default_file_name("libvendor.so.2", &elf), "libvendor.so.2");
        let coff = t(Format::Coff);
        assert_eq!(default_file_name("vendor", &coff), "vendor.dll");
        assert_eq!(default_file_name("Vendor.DLL", &coff), "Vendor.DLL");
        let macho = t(Format::MachO);
        assert_eq!(default_file_name("vendor", &macho), "@rpath/libvendor.dylib");
    }

    #[test]
    fn names_no_format_can_hold_are_refused() {
        let lib = |file: &str, symbol: &str| GeneratedLibrary {
            module: "m".into(),
            file: file.into(),
            symbols: vec![aotinterop_model::GeneratedSymbol {
                symbol: symbol.into(),
                ..Default::default()
            }],
            read_from: None,
        };
        for format in [Format::Elf, Format::Coff, Format::MachO] {
            assert!(write(&t(format), &lib("libm.so", "a\0b")).is_err());
            assert!(write(&t(format), &lib("", "f")).is_err());
            assert!(write(&t(format), &lib("x\ny", "f")).is_err());
            assert!(write(&t(format), &lib("libm.so", "f")).is_ok());
        }
    }
}
