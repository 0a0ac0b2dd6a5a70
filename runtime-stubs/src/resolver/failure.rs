//! Binding failures: their messages (shaped like .NET's DllNotFoundException and
//! EntryPointNotFoundException) and what happens to the call.

use super::names::Platform;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum FailureKind {
    /// No candidate of the library loaded.
    DllNotFound = 1,
    /// The library loaded but has none of the entry-point spellings.
    EntryPointNotFound = 2,
    /// The table or index passed to the C API is not valid.
    BadImport = 3,
}

/// A failed bind, with everything the message names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Kind.
    pub kind: FailureKind,
    /// Library as written.
    pub lib_name: String,
    /// Entry point as declared.
    pub entry: String,
    /// Each path or symbol tried and the loader's text for it.
    pub tried: Vec<(String, String)>,
}

impl Failure {
    /// The message, for `platform`.
    pub fn message(&self, platform: Platform) -> String {
        let (what, lib_word) = match platform {
            Platform::Windows => ("DLL", "DLL"),
            _ => ("shared library", "shared library"),
        };
        let mut m = match self.kind {
            FailureKind::DllNotFound => format!(
                "System.DllNotFoundException: Unable to load {what} '{}' or one of its dependencies \
                 (needed by entry point '{}'). Paths tried:",
                self.lib_name, self.entry
            ),
            FailureKind::EntryPointNotFound => format!(
                "System.EntryPointNotFoundException: Unable to find an entry point named '{}' in {lib_word} '{}'. \
                 Names tried:",
                self.entry, self.lib_name
            ),
            FailureKind::BadImport => format!(
                "aotinterop: not a valid import ('{}' in '{}')",
                self.entry, self.lib_name
            ),
        };
        for (what, why) in &self.tried {
            // dlerror repeats the path; say it once.
            let why = why.strip_prefix(&format!("{what}: ")).unwrap_or(why);
            m.push_str(&format!("\n  {what}: {why}"));
        }
        if self.kind == FailureKind::DllNotFound {
            m.push_str(match platform {
                Platform::Windows => "\n`aotinterop probe` shows every candidate and which one loads.",
                _ => {
                    "\nIn order to help diagnose loading problems, consider setting the LD_DEBUG \
                      environment variable; `aotinterop probe` shows every candidate and which one loads."
                }
            });
        }
        m
    }
}
