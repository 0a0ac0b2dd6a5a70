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

/// Checks that `name` can be written to any export file: a non-empty symbol without blanks,
/// quotes, separators or glob characters (which a version script would take as a pattern).
pub fn check_symbol(name: &str) -> Result<()> {
    let bad = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || ";{}\"'*?[]#=,".contains(*c));
    match (name.is_empty(), bad) {
        (true, _) => Err(Error::new(
            codes::EXPORT_NAME_INVALID,
            "an exported symbol name is empty",
        )),
        (_, Some(c)) => Err(Error::new(
            codes::EXPORT_NAME_INVALID,
            format!(
                "exported symbol `{}` contains `{}`, which an export file cannot hold",
                crate::diag::shown(name, 120),
                c.escape_default()
            ),
        )),
        _ => Ok(()),
    }
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
            format!("cannot write the export file: {e}"),
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
        for bad in ["", "a b", "x;y", "f*", "q\"", "a}"] {
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
