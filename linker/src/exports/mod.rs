//! Export files: the list of symbols an image exports, in the form each linker reads.
//!
//! - ELF: a version script `V1.0 { global: a; b; local: *; };`, passed with `--export-dynamic`;
//! - Windows: a module-definition (`.def`) file with an `EXPORTS` section;
//! - Apple: an exported-symbols list, one C symbol a line with its leading underscore.

mod apple;
mod def;
mod version_script;

use crate::diag::{codes, Diagnostic, Error, Result};
use crate::target::{Format, Target};
use std::path::{Path, PathBuf};

/// Which export file a linker reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFileKind {
    /// GNU ld / lld version script.
    VersionScript,
    /// Windows module-definition file.
    ModuleDefinition,
    /// ld64 `-exported_symbols_list` file.
    AppleList,
}

impl ExportFileKind {
    /// The export file the target's linkers read.
    pub fn for_target(target: &Target) -> Self {
        match target.format {
            Format::Elf => ExportFileKind::VersionScript,
            Format::Coff => ExportFileKind::ModuleDefinition,
            Format::MachO => ExportFileKind::AppleList,
        }
    }

    /// The file extension used for it.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFileKind::VersionScript => "exports.map",
            ExportFileKind::ModuleDefinition => "def",
            ExportFileKind::AppleList => "exports",
        }
    }
}

/// The words of a module-definition file (GNU ld reads them in any case) and of a version
/// script, which an export of that name would be read as.
const KEYWORDS: [&str; 25] = [
    "BASE",
    "CODE",
    "CONSTANT",
    "DATA",
    "DESCRIPTION",
    "DIRECTIVE",
    "EXECUTE",
    "EXPORTS",
    "HEAPSIZE",
    "IMPORTS",
    "LIBRARY",
    "NAME",
    "NONAME",
    "PRIVATE",
    "READ",
    "SECTIONS",
    "SEGMENTS",
    "SHARED",
    "STACKSIZE",
    "STUB",
    "VERSION",
    "WRITE",
    "EXTERN",
    "GLOBAL",
    "LOCAL",
];

/// Checks that `name` can be written to every export file and be read back as itself: an
/// identifier of ASCII letters, digits, `_` and `$`, not starting with a digit (a version script
/// reads other characters as syntax or patterns, a `.def` file `@`, `(`, `.` and `\\`), and not
/// a word of either (`DATA`, `library`, `extern`, ...).
pub fn check_symbol(name: &str) -> Result<()> {
    let invalid = |why: String| {
        Error::new(
            codes::EXPORT_NAME_INVALID,
            format!("exported symbol `{}` {why}", crate::diag::shown(name, 120)),
        )
    };
    if name.is_empty() {
        return Err(Error::new(
            codes::EXPORT_NAME_INVALID,
            "an exported symbol name is empty",
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_$".contains(*c)))
    {
        return Err(invalid(format!(
            "contains `{}`, which an export file cannot hold as part of a name (letters, digits, `_` and `$` only)",
            c.escape_default()
        )));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(invalid(
            "starts with a digit, which a version script does not read as a name".into(),
        ));
    }
    if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name)) {
        return Err(invalid(
            "is a word of a module-definition (`.def`) file or a version script, not a name there".into(),
        ));
    }
    Ok(())
}

/// Renders the export file of `kind` for `symbols` (C names, without Apple's underscore).
/// `image_name` is the file name of the image (`app.dll`), written as the `.def`'s `LIBRARY`
/// for a DLL; `None` for an executable.
pub fn render(kind: ExportFileKind, symbols: &[String], image_name: Option<&str>) -> Result<String> {
    for s in symbols {
        check_symbol(s)?;
    }
    Ok(match kind {
        ExportFileKind::VersionScript => version_script::render(symbols),
        ExportFileKind::ModuleDefinition => def::render(symbols, image_name),
        ExportFileKind::AppleList => apple::render(symbols),
    })
}

/// Writes the export file of `kind` into `dir` as `stem.EXT` and returns its path.
pub fn write(
    kind: ExportFileKind,
    symbols: &[String],
    image_name: Option<&str>,
    dir: &Path,
    stem: &str,
) -> Result<PathBuf> {
    let text = render(kind, symbols, image_name)?;
    let path = dir.join(format!("{stem}.{}", kind.extension()));
    std::fs::write(&path, text).map_err(|e| {
        Diagnostic::error(
            codes::OUTPUT_UNWRITABLE,
            format!(
                "cannot write the export file: {}",
                aotinterop_model::diag::io_words(&e)
            ),
        )
        .at(&path)
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_kind_renders() {
        let s = names(&["add", "mul"]);
        assert_eq!(
            render(ExportFileKind::VersionScript, &s, None).unwrap(),
            "V1.0 {\n  global:\n    add;\n    mul;\n  local: *;\n};\n"
        );
        assert_eq!(
            render(ExportFileKind::ModuleDefinition, &s, Some("lib.dll")).unwrap(),
            "LIBRARY \"lib.dll\"\nEXPORTS\n    add\n    mul\n"
        );
        assert_eq!(
            render(ExportFileKind::ModuleDefinition, &s, None).unwrap(),
            "EXPORTS\n    add\n    mul\n"
        );
        assert_eq!(
            render(ExportFileKind::AppleList, &s, None).unwrap(),
            "_add\n_mul\n"
        );
    }

    #[test]
    fn no_symbols_hides_everything() {
        assert_eq!(
            render(ExportFileKind::VersionScript, &[], None).unwrap(),
            "V1.0 {\n  local: *;\n};\n"
        );
        assert_eq!(
            render(ExportFileKind::ModuleDefinition, &[], None).unwrap(),
            "EXPORTS\n"
        );
    }

    #[test]
    fn bad_names_are_refused() {
        for good in ["f", "_f", "f1", "f$1", "Datum"] {
            assert!(check_symbol(good).is_ok(), "{good}");
        }
        // (And what the sweep found the linkers misread: a version, a path, a non-ASCII letter,
        // a leading digit, `.def` words.)
        for bad in [
            "",
            "a b",
            "x;y",
            "f*",
            "q\"",
            "a}",
            "foo@V1",
            "a(b)",
            "a/b",
            "é",
            "0abc",
            "a\\b",
            "DATA",
            "LIBRARY",
            "data",
            "noname",
            "CODE",
            "extern",
            "LIBRARY.x",
            "a.b",
        ] {
            let e = render(ExportFileKind::VersionScript, &names(&[bad]), None).unwrap_err();
            assert_eq!(e.code, codes::EXPORT_NAME_INVALID, "{bad}");
        }
    }

    #[test]
    fn kinds_follow_the_target() {
        use crate::target::{Arch, Libc};
        let t = |format| Target {
            format,
            arch: Arch::X86_64,
            libc: Libc::Other,
        };
        assert_eq!(
            ExportFileKind::for_target(&t(Format::Elf)),
            ExportFileKind::VersionScript
        );
        assert_eq!(
            ExportFileKind::for_target(&t(Format::Coff)),
            ExportFileKind::ModuleDefinition
        );
        assert_eq!(
            ExportFileKind::for_target(&t(Format::MachO)),
            ExportFileKind::AppleList
        );
    }
}
