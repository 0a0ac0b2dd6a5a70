//! Where the link looks for libraries: `-L` / `/LIBPATH:` folders and `-l` names in the
//! LinkerArg items, files named there, and the lookup of a library name in folders.

use crate::target::{Format, Target};
use std::path::{Path, PathBuf};

/// A library named by a LinkerArg.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum LibName {
    /// `-lNAME`: `libNAME.so`, `libNAME.a`, ... by the target's rules.
    Name(String),
    /// `-l:FILE` or a bare `FILE.lib`: exactly this file name.
    Exact(String),
}

/// What the LinkerArg items tell about libraries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct ArgLibraries {
    /// Search folders.
    pub dirs: Vec<PathBuf>,
    /// Libraries by name.
    pub libs: Vec<LibName>,
    /// Input files given by path.
    pub files: Vec<PathBuf>,
}

/// Splits `-Wl,a,b` into `a`, `b`; other arguments stay as they are.
fn expand(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for a in args {
        match a.strip_prefix("-Wl,") {
            Some(rest) => out.extend(rest.split(',').map(str::to_string)),
            None => out.push(a.clone()),
        }
    }
    out
}

impl ArgLibraries {
    /// Makes relative folders and files absolute against `base`, the linker's working folder.
    pub(super) fn rebase(&mut self, base: &Path) {
        for p in self.dirs.iter_mut().chain(self.files.iter_mut()) {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
    }
}

/// Whether an argument names a linker input by its extension.
fn is_input_file_name(a: &str) -> bool {
    let lower = a.to_ascii_lowercase();
    (a.contains(['/', '\\']) || !lower.ends_with(".lib"))
        && [".a", ".so", ".o", ".obj", ".lib", ".dylib", ".tbd"]
            .iter()
            .any(|e| lower.ends_with(e))
}

/// Reads the LinkerArg items.
pub(super) fn parse_args(args: &[String]) -> ArgLibraries {
    let mut out = ArgLibraries::default();
    let args = expand(args);
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let lib = |s: &str| match s.strip_prefix(':') {
            Some(exact) => LibName::Exact(exact.to_string()),
            None => LibName::Name(s.to_string()),
        };
        if a == "-L" || a == "-l" || a == "--library" || a == "--library-path" {
            let Some(v) = it.next() else { break };
            if a.contains('L') || a.ends_with("path") {
                out.dirs.push(v.into());
            } else {
                out.libs.push(lib(v));
            }
        } else if let Some(d) = a.strip_prefix("-L").or_else(|| a.strip_prefix("--library-path=")) {
            out.dirs.push(d.into());
        } else if let Some(d) = a
            .get(..9)
            .filter(|p| p.eq_ignore_ascii_case("/LIBPATH:"))
            .map(|_| &a[9..])
        {
            out.dirs.push(d.into());
        } else if let Some(l) = a.strip_prefix("-l").or_else(|| a.strip_prefix("--library=")) {
            out.libs.push(lib(l));
        } else if a.starts_with('-') || (a.starts_with('/') && a[1..].contains(':') && !Path::new(a).exists())
        {
            // An option (or an lld-link /OPTION:VALUE).
        } else if Path::new(a).is_file() || is_input_file_name(a) {
            // A library or object given by path (relative ones are rebased on the linker's
            // working folder before they are read).
            out.files.push(a.into());
        } else if a.to_ascii_lowercase().ends_with(".lib") && !a.contains(['/', '\\']) {
            out.libs.push(LibName::Exact(a.clone()));
        }
    }
    out
}

/// The file names a library name may have for `target`, in the linker's order.
fn candidates(name: &LibName, target: &Target) -> Vec<String> {
    match name {
        LibName::Exact(f) => vec![f.clone()],
        LibName::Name(n) => match target.format {
            Format::Elf => vec![format!("lib{n}.so"), format!("lib{n}.a")],
            Format::Coff => vec![
                format!("lib{n}.dll.a"),
                format!("{n}.dll.a"),
                format!("lib{n}.a"),
                format!("{n}.lib"),
                format!("lib{n}.lib"),
            ],
            Format::MachO => vec![
                format!("lib{n}.tbd"),
                format!("lib{n}.dylib"),
                format!("lib{n}.a"),
            ],
        },
    }
}

/// Finds a library in `dirs`.
pub(super) fn find(name: &LibName, target: &Target, dirs: &[PathBuf]) -> Option<PathBuf> {
    let files = candidates(name, target);
    dirs.iter()
        .flat_map(|d| files.iter().map(move |f| d.join(f)))
        .find(|p| p.is_file())
}

/// How a library name was written, for messages.
pub(super) fn spell(name: &LibName) -> String {
    match name {
        LibName::Name(n) => format!("-l{n}"),
        LibName::Exact(f) => f.clone(),
    }
}

/// Standard library folders under a sysroot.
pub(super) fn sysroot_dirs(sysroot: &Path, target: &Target) -> Vec<PathBuf> {
    let triple = target.triple();
    ["lib", "usr/lib", "usr/local/lib"]
        .iter()
        .flat_map(|d| [sysroot.join(d).join(triple), sysroot.join(d)])
        .filter(|d| d.is_dir())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linker_args() {
        let args: Vec<String> = [
            "-L/opt/x/lib",
            "-lz",
            "-Wl,-rpath,$ORIGIN,-lfoo",
            "-l:libbar.so.1",
            "-L",
            "rel",
            "-pthread",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let a = parse_args(&args);
        assert_eq!(a.dirs, [PathBuf::from("/opt/x/lib"), PathBuf::from("rel")]);
        assert_eq!(
            a.libs,
            [
                LibName::Name("z".into()),
                LibName::Name("foo".into()),
                LibName::Exact("libbar.so.1".into())
            ]
        );
        let a = parse_args(&["/LIBPATH:C:\\sdk".to_string(), "user32.lib".to_string()]);
        assert_eq!(a.dirs, [PathBuf::from("C:\\sdk")]);
        assert_eq!(a.libs, [LibName::Exact("user32.lib".into())]);
    }
}
