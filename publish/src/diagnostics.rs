//! Errors and warnings with a stable code and a location (file, line, column).
//!
//! Every problem aotinterop reports is a [`Diagnostic`]. Errors stop the step that found them
//! (they travel as [`Error`]); warnings are collected next to the result. The codes are stable so
//! that MSBuild and scripts can key on them; `docs/diagnostics.md` lists them.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The step cannot go on.
    Error,
    /// The step goes on, but the result is probably not what was meant.
    Warning,
}

/// Where a diagnostic points: a file, and a 1-based line and column when known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file, as the user named it (or `<command line>`).
    pub file: PathBuf,
    /// 1-based line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Location {
    /// A whole file.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    /// A line of a file.
    pub fn line(file: impl Into<PathBuf>, line: u32) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: None,
        }
    }

    /// A line and column of a file.
    pub fn at(file: impl Into<PathBuf>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// Stable diagnostic codes. `docs/diagnostics.md` explains each.
pub mod codes {
    /// A file named by the user cannot be read.
    pub const FILE_UNREADABLE: &str = "AOTI0001";
    /// A file is not valid UTF-8.
    pub const NOT_UTF8: &str = "AOTI0002";
    /// The publish request is empty or not valid JSON.
    pub const REQUEST_MALFORMED: &str = "AOTI0003";
    /// The publish request has a field aotinterop does not know.
    pub const REQUEST_UNKNOWN_FIELD: &str = "AOTI0004";
    /// The publish request lacks a required field or has a value of the wrong shape.
    pub const REQUEST_INVALID: &str = "AOTI0005";
    /// An unknown runtime identifier.
    pub const UNKNOWN_RID: &str = "AOTI0006";
    /// A DirectPInvoke item or list line `!entry` has no module.
    pub const ITEM_NO_MODULE: &str = "AOTI0010";
    /// A DirectPInvoke item or list line `module!` has no entry point.
    pub const ITEM_NO_ENTRY: &str = "AOTI0011";
    /// An imports file is malformed.
    pub const IMPORTS_MALFORMED: &str = "AOTI0012";
    /// An import has an empty module or entry point.
    pub const IMPORT_INVALID: &str = "AOTI0013";
    /// A DirectPInvoke item is given twice.
    pub const ITEM_DUPLICATE: &str = "AOTI1001";
    /// A DirectPInvoke item matches no import of the app.
    pub const ITEM_UNMATCHED: &str = "AOTI1002";
    /// No line of a DirectPInvokeList file matches an import of the app.
    pub const LIST_UNMATCHED: &str = "AOTI1003";
    /// A whole Windows module made direct keeps the entry point as written, which may not exist
    /// (the `W`/`A` spelling is only looked for with `module!entry` items).
    pub const BARE_MODULE_CHARSET: &str = "AOTI1004";
    /// No Windows API list was found; the built-in one is used.
    pub const WINDOWS_LIST_BUILTIN: &str = "AOTI1005";
    /// A file named as an assembly is not a PE image (empty, or no `MZ`/`PE` signature).
    pub const NOT_PE: &str = "AOTI0100";
    /// A PE image named as an assembly has no CLI header: it is native code, not .NET.
    pub const NOT_DOTNET: &str = "AOTI0101";
    /// An assembly file ends inside a structure it declares.
    pub const ASSEMBLY_TRUNCATED: &str = "AOTI0102";
    /// An assembly's metadata is inconsistent (row counts, heap or table indexes, sizes).
    pub const METADATA_CORRUPT: &str = "AOTI0103";
    /// A directory was given where an assembly file is expected.
    pub const ASSEMBLY_IS_DIRECTORY: &str = "AOTI0104";
    /// The same `module!entry` is declared with different signatures or charsets.
    pub const IMPORT_CONFLICT: &str = "AOTI1100";
    /// One native library is spelled several ways across the assemblies.
    pub const MODULE_SPELLINGS: &str = "AOTI1101";
    /// Two UnmanagedCallersOnly entry points have the same name.
    pub const EXPORT_DUPLICATE: &str = "AOTI1102";
    /// The RID is known, but aotinterop cannot link images for it.
    pub const RID_NOT_LINKABLE: &str = "AOTI0200";
    /// The publish request names no output.
    pub const REQUEST_NO_OUTPUT: &str = "AOTI0201";
    /// The stub object cannot be emitted.
    pub const EMIT_FAILED: &str = "AOTI0202";
    /// An output or temporary file cannot be written.
    pub const OUTPUT_UNWRITABLE: &str = "AOTI0203";
    /// The runtime archive for the target is not built or not found.
    pub const RUNTIME_NOT_FOUND: &str = "AOTI0204";
    /// The linked image does not bind what the plan says.
    pub const VERIFY_FAILED: &str = "AOTI0205";
    /// A file in a scanned folder is not a .NET assembly and was skipped.
    pub const SKIPPED_NOT_DOTNET: &str = "AOTI1103";
    /// A DefaultDllImportSearchPaths or UnmanagedCallersOnly attribute could not be decoded.
    pub const ATTRIBUTE_UNDECODABLE: &str = "AOTI1104";
    /// A scanned folder holds no .NET assembly.
    pub const FOLDER_EMPTY: &str = "AOTI1105";
}

/// One error or warning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code, such as `AOTI0010`.
    pub code: &'static str,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Where, when it is about a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
        }
    }

    /// A new warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            location: None,
        }
    }

    /// The same diagnostic, pointing at `location`.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        write!(f, "{sev} {}: {}", self.code, self.message)
    }
}

/// An error that stops a step: a [`Diagnostic`] of severity error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<Diagnostic>);

impl Error {
    /// A new error with a code and a message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Error(Box::new(Diagnostic::error(code, message)))
    }

    /// The same error, pointing at `location`.
    pub fn at(self, location: Location) -> Self {
        Error(Box::new(self.0.at(location)))
    }

    /// A file that cannot be read.
    pub fn unreadable(path: &Path, what: &str, err: &std::io::Error) -> Self {
        Error::new(codes::FILE_UNREADABLE, format!("cannot read {what}: {err}")).at(Location::file(path))
    }

    /// The diagnostic behind this error.
    pub fn diagnostic(&self) -> &Diagnostic {
        &self.0
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.0.code
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error(Box::new(d))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

/// Result with aotinterop's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Reads a text file as UTF-8, with errors naming the file (and, for bad bytes, the line).
pub fn read_text(path: &Path, what: &str) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::unreadable(path, what, &e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..valid];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let column = (valid - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1)) as u32 + 1;
        Error::new(
            codes::NOT_UTF8,
            format!(
                "{what} is not valid UTF-8 (byte 0x{:02x} at offset {valid})",
                e.as_bytes()[valid]
            ),
        )
        .at(Location::at(path, line, column))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_location_severity_and_code() {
        let d = Diagnostic::error(codes::ITEM_NO_MODULE, "x").at(Location::line("a.txt", 3));
        assert_eq!(d.to_string(), "a.txt:3: error AOTI0010: x");
        let w = Diagnostic::warning(codes::ITEM_DUPLICATE, "y");
        assert_eq!(w.to_string(), "warning AOTI1001: y");
    }

    #[test]
    fn non_utf8_names_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("list.txt");
        std::fs::write(&p, b"libc\nlib\xffz\n").unwrap();
        let err = read_text(&p, "DirectPInvokeList file").unwrap_err();
        let loc = err.diagnostic().location.clone().unwrap();
        assert_eq!((loc.line, loc.column), (Some(2), Some(4)));
        assert_eq!(err.code(), codes::NOT_UTF8);
    }
}
