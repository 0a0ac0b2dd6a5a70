//! Picking the linker from the target, what is installed and the request's override.

use super::{AppleClang, Archiver, Flavor, GnuCc, Linker, LldLink, MingwGcc, OutputKind};
use crate::diag::{codes, Diagnostic, Error, Result};
use crate::target::{Format, Target};
use std::path::{Path, PathBuf};

/// The request's linker override; both parts optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkerChoice {
    /// The flavour; when absent it is inferred from `program`, or the target's default.
    pub flavor: Option<Flavor>,
    /// The program, a name looked up on `PATH` or a path.
    pub program: Option<PathBuf>,
}

/// The programs tried, in order, for each flavour that can build `target`, when nothing is
/// overridden. This mirrors native AOT: clang then gcc for a native Linux target; for a cross
/// target the triple-prefixed GCC first (it knows its sysroot), then clang `--target`; on a
/// non-Windows host the MinGW-w64 GCC first for Windows (it brings a C runtime), then
/// `lld-link`; on Windows `link.exe`, then `lld-link`. (Static archives are written by the
/// built-in writer.)
pub fn candidates(target: &Target) -> Vec<(Flavor, String)> {
    let triple = target.triple();
    let host = Target::host();
    // A Linux target with another C library (musl on a glibc machine) is a cross target too.
    let native = host == Some(*target);
    let on_windows = cfg!(windows);
    let v = |list: &[(Flavor, &str)]| list.iter().map(|(f, p)| (*f, p.to_string())).collect::<Vec<_>>();
    match target.format {
        Format::Elf if native => v(&[(Flavor::Clang, "clang"), (Flavor::Gcc, "gcc")]),
        Format::Elf => v(&[(Flavor::Gcc, &format!("{triple}-gcc")), (Flavor::Clang, "clang")]),
        Format::Coff if on_windows => v(&[(Flavor::LldLink, "link.exe"), (Flavor::LldLink, "lld-link")]),
        Format::Coff => v(&[
            (Flavor::Mingw, &format!("{triple}-gcc")),
            (Flavor::LldLink, "lld-link"),
        ]),
        Format::MachO => v(&[(Flavor::Apple, "clang")]),
    }
}

/// The flavour linking `target` when the request names none: the first of the `candidates` for it.
pub fn default_flavor(target: &Target) -> Flavor {
    candidates(target).first().map_or(Flavor::Gcc, |(f, _)| *f)
}

/// The default program of a flavour for `target`.
fn default_program(flavor: Flavor, target: &Target) -> Vec<String> {
    let all = candidates(target);
    let mut v: Vec<String> = all
        .into_iter()
        .filter(|(f, _)| *f == flavor)
        .map(|(_, p)| p)
        .collect();
    if v.is_empty() {
        let triple = target.triple();
        v.push(match flavor {
            Flavor::Gcc => "gcc".to_string(),
            Flavor::Clang | Flavor::Apple => "clang".to_string(),
            Flavor::LldLink => "lld-link".to_string(),
            Flavor::Mingw => format!("{triple}-gcc"),
            Flavor::Archive => "ar".to_string(),
        });
    }
    v
}

/// Infers a flavour from a program's file name.
fn flavor_of_program(program: &Path, target: &Target) -> Option<Flavor> {
    let name = program.file_name()?.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".exe").unwrap_or(&name);
    Some(if name.ends_with("lld-link") || name == "link" {
        Flavor::LldLink
    } else if name.ends_with("ar") || name.ends_with("-lib") {
        Flavor::Archive
    } else if target.format == Format::Coff && (name.contains("mingw") || name.ends_with("gcc")) {
        Flavor::Mingw
    } else if target.format == Format::MachO {
        Flavor::Apple
    } else if name.contains("clang") {
        Flavor::Clang
    } else if name.ends_with("gcc") || name.ends_with("cc") {
        Flavor::Gcc
    } else {
        return None;
    })
}

/// Picks the linker for `target` and `kind`, honouring `choice`. A static archive is written by
/// the built-in archive writer, unless `choice` names an archiver program.
pub fn select(target: &Target, kind: OutputKind, choice: &LinkerChoice) -> Result<Box<dyn Linker>> {
    let mut choice = choice.clone();
    if kind == OutputKind::Static {
        // The built-in writer, unless the request names an archiver program.
        match (&choice.flavor, &choice.program) {
            (Some(Flavor::Archive), Some(_)) => {}
            (None, Some(p)) if flavor_of_program(p, target) == Some(Flavor::Archive) => {}
            _ => return Ok(Box::new(Archiver::builtin(target))),
        }
        choice.flavor = Some(Flavor::Archive);
    }
    if kind != OutputKind::Static && choice.flavor == Some(Flavor::Archive) {
        return Err(Error::new(
            codes::FLAVOR_INVALID,
            "linker flavour `ar` builds static archives only (NativeLib=Static)",
        ));
    }
    let flavor = match (choice.flavor, &choice.program) {
        (Some(f), _) => Some(f),
        (None, Some(p)) => Some(flavor_of_program(p, target).ok_or_else(|| {
            Diagnostic::error(
                codes::FLAVOR_INVALID,
                format!(
                    "cannot tell the flavour of linker `{}`: name it (gcc, clang, lld-link, mingw, ld64, ar)",
                    crate::diag::shown_path(p, 200)
                ),
            )
        })?),
        (None, None) => None,
    };
    if let Some(f) = flavor {
        if !f.supports(target) {
            return Err(Error::new(
                codes::FLAVOR_INVALID,
                format!("linker flavour `{f}` cannot link for {target}"),
            ));
        }
    }
    let tries: Vec<(Flavor, String)> = match (flavor, &choice.program) {
        (Some(f), Some(p)) => vec![(f, p.to_string_lossy().into_owned())],
        (Some(f), None) => default_program(f, target).into_iter().map(|p| (f, p)).collect(),
        (None, _) => candidates(target),
    };
    for (f, name) in &tries {
        if let Some(path) = super::find_program(Path::new(name)) {
            return Ok(make(*f, path, target));
        }
    }
    let names: Vec<&str> = tries.iter().map(|(_, n)| n.as_str()).collect();
    Err(Error::new(
        codes::LINKER_NOT_FOUND,
        format!(
            "no linker for {target} found (tried {}); install one or name it in the request's `linker`",
            names.join(", ")
        ),
    ))
}

/// The driver of `flavor` running `program` for `target`.
pub fn make(flavor: Flavor, program: PathBuf, target: &Target) -> Box<dyn Linker> {
    match flavor {
        Flavor::Gcc | Flavor::Clang => Box::new(GnuCc::new(flavor, program, target)),
        Flavor::Mingw => Box::new(MingwGcc::new(program)),
        Flavor::LldLink => Box::new(LldLink::new(program, target)),
        Flavor::Apple => Box::new(AppleClang::new(program)),
        Flavor::Archive => Box::new(Archiver::new(program, target)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Arch;

    const ARM64: Target = Target::LINUX_ARM64;
    const WIN: Target = Target::WIN_X64;

    #[test]
    fn flavour_is_inferred_from_the_program() {
        let f = |p: &str, t: &Target| flavor_of_program(Path::new(p), t);
        assert_eq!(f("lld-link", &WIN), Some(Flavor::LldLink));
        assert_eq!(f("/opt/x/x86_64-w64-mingw32-gcc", &WIN), Some(Flavor::Mingw));
        assert_eq!(f("aarch64-linux-gnu-gcc", &ARM64), Some(Flavor::Gcc));
        assert_eq!(f("clang-18", &ARM64), Some(Flavor::Clang));
        assert_eq!(f("llvm-ar", &ARM64), Some(Flavor::Archive));
        assert_eq!(f("mystery", &ARM64), None);
    }

    #[test]
    fn bad_choices_are_refused() {
        let c = LinkerChoice {
            flavor: Some(Flavor::LldLink),
            program: None,
        };
        let e = select(&ARM64, OutputKind::Executable, &c).unwrap_err();
        assert_eq!(e.code, codes::FLAVOR_INVALID);
        assert!(e.message.contains("cannot link for aarch64-linux-gnu"), "{e}");
        let c = LinkerChoice {
            flavor: None,
            program: Some("no-such-linker-gcc".into()),
        };
        let e = select(&ARM64, OutputKind::Executable, &c).unwrap_err();
        assert_eq!(e.code, codes::LINKER_NOT_FOUND);
        assert!(e.message.contains("no-such-linker-gcc"), "{e}");
    }

    #[test]
    fn cross_targets_try_the_prefixed_gcc_first() {
        if Target::host().map(|h| h.arch) == Some(Arch::Aarch64) {
            return;
        }
        let c = candidates(&ARM64);
        assert_eq!(c[0], (Flavor::Gcc, "aarch64-linux-gnu-gcc".to_string()));
        let musl = Target::LINUX_MUSL_X64;
        if Target::host() != Some(musl) {
            let c = candidates(&musl);
            assert_eq!(c[0], (Flavor::Gcc, "x86_64-linux-musl-gcc".to_string()));
        }
    }

    #[test]
    fn windows_and_apple_defaults() {
        let c = candidates(&WIN);
        if !cfg!(windows) {
            assert_eq!(c[0], (Flavor::Mingw, "x86_64-w64-mingw32-gcc".to_string()));
            assert_eq!(c[1], (Flavor::LldLink, "lld-link".to_string()));
        }
        let mac = Target::OSX_ARM64;
        assert_eq!(candidates(&mac), [(Flavor::Apple, "clang".to_string())]);
        let e = select(
            &WIN,
            OutputKind::Executable,
            &LinkerChoice {
                flavor: Some(Flavor::Archive),
                program: None,
            },
        )
        .unwrap_err();
        assert!(e.message.contains("static archives only"), "{e}");
    }
}
