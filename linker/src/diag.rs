//! Errors and warnings of the link steps, with stable codes (listed in `docs/linking.md`).
//!
//! The codes follow the project's scheme: `AOTI05xx` are errors, `AOTI15xx` warnings.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Stable diagnostic codes of the link steps.
pub mod codes {
    /// The linker ran and failed.
    pub const LINK_FAILED: &str = "AOTI0501";
    /// No linker for the target was found, or the named one cannot be started.
    pub const LINKER_NOT_FOUND: &str = "AOTI0502";
    /// The output (or its temporary sibling) cannot be written or moved into place.
    pub const OUTPUT_UNWRITABLE: &str = "AOTI0503";
    /// An image, archive or object cannot be read.
    pub const FILE_UNREADABLE: &str = "AOTI0504";
    /// A file is not in a format that can be read (or not the one expected).
    pub const BAD_FORMAT: &str = "AOTI0505";
    /// A plan file cannot be parsed.
    pub const PLAN_MALFORMED: &str = "AOTI0506";
    /// An exported symbol name cannot be written to an export file.
    pub const EXPORT_NAME_INVALID: &str = "AOTI0507";
    /// An unknown linker flavour, or one that cannot build this target.
    pub const FLAVOR_INVALID: &str = "AOTI0508";
    /// Preflight: a direct import that nothing the link or the loader sees defines.
    pub const DIRECT_IMPORT_UNRESOLVED: &str = "AOTI0520";
    /// Preflight: a NativeLibrary path that does not exist.
    pub const NATIVE_LIBRARY_MISSING: &str = "AOTI0521";
    /// Preflight: a NativeLibrary of the wrong kind for the target.
    pub const NATIVE_LIBRARY_WRONG_KIND: &str = "AOTI0522";
    /// Verify: the image does not bind what the plan says.
    pub const VERIFY_MISMATCH: &str = "AOTI0530";
    /// Preflight: the same global symbol is defined by two NativeLibrary archives.
    pub const DUPLICATE_SYMBOL: &str = "AOTI1520";
    /// Preflight: a library search could not look everywhere (a `-l` library not found, say).
    pub const SEARCH_INCOMPLETE: &str = "AOTI1521";
    /// Preflight: a shared library providing a direct import is in a folder the loader will not
    /// search at startup.
    pub const LOADER_MAY_NOT_FIND: &str = "AOTI1522";
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The step cannot go on.
    Error,
    /// The step goes on, but the result is probably not what was meant.
    Warning,
}

/// One error or warning: a code, a message and the file it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code, see [`codes`].
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
    /// The file it is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            file: None,
        }
    }

    /// A warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// The same diagnostic, about `file`.
    pub fn at(mut self, file: impl AsRef<Path>) -> Self {
        self.file = Some(file.as_ref().to_path_buf());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev} {}: {}", self.code, self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Result of the link steps.
pub type Result<T> = std::result::Result<T, Diagnostic>;

/// Reads a whole file, or an error naming it.
pub fn read_file(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| Diagnostic::error(codes::FILE_UNREADABLE, format!("cannot read {what}: {e}")).at(path))
}
