//! `aotinterop probe`: every candidate the lazy resolver would try for a library name, in
//! order, and which one loads.

use aotinterop_model::LibrarySearch;
use aotinterop_runtime::abi::module_flags;
use aotinterop_runtime::resolver::names::Platform;
use aotinterop_runtime::resolver::search::{attempts, Via as Step};
use std::path::Path;

/// One candidate and what happened to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// What would be passed to the loader.
    pub path: String,
    /// How the resolver tries it.
    pub via: Via,
    /// The flags passed to the loader (`dlopen`'s `RTLD_*`, `LoadLibraryExW`'s
    /// `LOAD_LIBRARY_SEARCH_*`); `None` when skipped.
    pub flags: Option<u32>,
    /// The loader's error, or why it was skipped; `None` when it loaded or was not tried.
    pub error: Option<String>,
}

/// How the resolver tries a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// A path in the image's own folder (`DllImportSearchPath.AssemblyDirectory`).
    AssemblyDirectory,
    /// A name handed to the OS loader, which searches its own folders.
    OsLoader,
    /// An absolute path, as it is.
    Absolute,
    /// Not tried: a relative path would be searched from the current directory.
    Skipped,
}

impl Via {
    /// The name reports use: `assembly-directory`, `os-loader`, `absolute`, `skipped`.
    pub fn name(self) -> &'static str {
        match self {
            Via::AssemblyDirectory => "assembly-directory",
            Via::OsLoader => "os-loader",
            Via::Absolute => "absolute",
            Via::Skipped => "skipped",
        }
    }
}

/// The result of a probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeReport {
    /// Every candidate, in order.
    pub candidates: Vec<Candidate>,
    /// The first candidate that loaded (host platform only).
    pub loaded: Option<String>,
    /// Why nothing loaded, or why loading was not attempted.
    pub error: Option<String>,
}

/// Every candidate the resolver would try for `name` (a module with `search`, the model's
/// [`LibrarySearch`] for its `DllImportSearchPath` and .NET version), in order, with `from` as
/// the image folder (default: the current executable's folder); `allow_cwd` is the request's
/// `search_current_directory`. Nothing is loaded and the environment is not read: what the
/// `LD_LIBRARY_PATH` of the machine makes of an `os-loader` candidate is the caller's to say.
pub fn candidates(
    name: &str,
    search: LibrarySearch,
    allow_cwd: bool,
    from: Option<&Path>,
    platform: Platform,
) -> Vec<Candidate> {
    let (sp, mut flags) = aotinterop_runtime::abi::module_search(search);
    if allow_cwd {
        flags |= module_flags::ALLOW_CURRENT_DIRECTORY;
    }
    recorded(name, (sp, flags), from, platform)
}

/// The folder of this process's program as the resolver finds it.
fn program_dir() -> Option<std::path::PathBuf> {
    #[cfg(unix)]
    if let Some(d) = aotinterop_runtime::resolver::program_dir() {
        return Some(std::path::PathBuf::from(d));
    }
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
}

/// [`candidates`] for a module record's own search path and module flags (an image's).
pub fn recorded(
    name: &str,
    (sp, flags): (u32, u32),
    from: Option<&Path>,
    platform: Platform,
) -> Vec<Candidate> {
    // A folder given is made absolute (a relative one would be the current directory's); the
    // default is this program's own, as the resolver finds it (under `ld.so aotinterop`,
    // aotinterop's, not ld.so's).
    let dir = match from {
        // Another platform's folder is listed as given (`C:\\x` is no path of this machine's).
        Some(f) if platform != Platform::host() => Some(f.to_path_buf()),
        Some(f) => Some(std::path::absolute(f).unwrap_or_else(|_| f.to_path_buf())),
        None => program_dir(),
    };
    attempts(name, sp, flags, dir.as_deref(), platform)
        .into_iter()
        .map(|a| {
            let (via, flags) = match a.via {
                Step::Absolute { flags } => (Via::Absolute, Some(flags)),
                Step::AssemblyDirectory { flags } => (Via::AssemblyDirectory, Some(flags)),
                Step::OsLoader { flags } => (Via::OsLoader, Some(flags)),
                Step::SkippedCurrentDirectory => (Via::Skipped, None),
            };
            let error = flags
                .is_none()
                .then(|| "not tried: a relative path would be searched from the current directory".into());
            Candidate {
                path: a.path,
                via,
                flags,
                error,
            }
        })
        .collect()
}

/// The candidates for `name` ([`candidates`]) without loading any, for a machine other than
/// this one: `why` says so.
pub fn listed(
    name: &str,
    search: LibrarySearch,
    allow_cwd: bool,
    from: Option<&Path>,
    platform: Platform,
    why: String,
) -> ProbeReport {
    ProbeReport {
        candidates: candidates(name, search, allow_cwd, from, platform),
        loaded: None,
        error: Some(why),
    }
}

/// Probes `name` as the resolver would ([`candidates`]): on the host platform, each candidate
/// is loaded in turn — after the resolver's own check of this process's `LD_LIBRARY_PATH` —
/// until one loads, as the resolver does.
pub fn probe(
    name: &str,
    search: LibrarySearch,
    allow_cwd: bool,
    from: Option<&Path>,
    platform: Platform,
) -> ProbeReport {
    let host = platform == Platform::host();
    let mut report = ProbeReport {
        candidates: Vec::new(),
        loaded: None,
        error: None,
    };
    for mut c in candidates(name, search, allow_cwd, from, platform) {
        // The exact name `libc` is the C library's file to the resolver, as to .NET.
        #[cfg(unix)]
        if host && c.via == Via::OsLoader && c.path == "libc" {
            c.path = aotinterop_runtime::resolver::libc_file().to_string();
        }
        // A bare name goes to the loader, or to the file the resolver's own search finds.
        let mut load_path = c.path.clone();
        let mut from_cwd = None;
        if host && report.loaded.is_none() && c.via == Via::OsLoader && !allow_cwd && !c.path.contains('/') {
            match aotinterop_runtime::resolver::bare_name_search(&c.path) {
                // The candidate is the file the resolver's own search found: shown as such.
                Ok(Some(found)) => {
                    c.path = found.clone();
                    load_path = found;
                }
                Ok(None) => {}
                Err(why) => from_cwd = Some(why),
            }
        }
        // An absolute path through the current directory by another name is its file, as
        // `./x.so` is (the resolver's rule).
        #[cfg(unix)]
        let named_cwd = host
            && matches!(c.via, Via::Absolute | Via::AssemblyDirectory)
            && !allow_cwd
            && aotinterop_runtime::resolver::through_current_directory(&c.path);
        #[cfg(not(unix))]
        let named_cwd = false;
        match c.flags {
            None => {}
            Some(_) if from_cwd.is_some() => c.error = from_cwd,
            Some(_) if named_cwd => {
                c.error = Some(aotinterop_runtime::resolver::SKIPPED_CWD_NAMED_TEXT.into())
            }
            Some(_) if host && aotinterop_runtime::resolver::loader_replaces_tokens(&c.path) => {
                c.error = Some(aotinterop_runtime::resolver::SKIPPED_TOKENS_TEXT.into())
            }
            Some(_) if host && report.loaded.is_none() && !regular_or_absent(&c.path) => {
                c.error = Some(NOT_A_FILE.into())
            }
            Some(f) if host && report.loaded.is_none() => match load_and_close(&load_path, f) {
                Ok(()) => report.loaded = Some(load_path.clone()),
                Err(e) => {
                    let e = std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string());
                    // dlerror repeats the path; say it once.
                    let e = e
                        .strip_prefix(&format!("{}: ", c.path))
                        .map(str::to_string)
                        .unwrap_or(e);
                    c.error = Some(e)
                }
            },
            Some(_) => {}
        }
        report.candidates.push(c);
    }
    if report.loaded.is_none() {
        report.error = Some(if host {
            format!("no candidate of '{name}' loads")
        } else {
            format!("{} is not the platform this probe runs on", platform.name())
        });
    }
    report
}

/// Why a candidate is not loaded when it is there but no regular file (as the resolver says).
const NOT_A_FILE: &str = "not a regular file (a FIFO, a device or a folder): not opened";

/// Whether `path` is a regular file or not there at all: as the resolver, a FIFO (or device,
/// folder) where a library is looked for is not opened (`dlopen` would block on a FIFO).
fn regular_or_absent(path: &str) -> bool {
    !path.contains('/') || std::fs::metadata(path).map_or(true, |m| m.is_file())
}

#[cfg(unix)]
fn load_and_close(path: &str, _flags: u32) -> Result<(), libloading::Error> {
    use libloading::os::unix::{Library, RTLD_LAZY, RTLD_LOCAL};
    // SAFETY: probing loads the library, running its initialisers, as the resolver would.
    unsafe { Library::open(Some(path), RTLD_LAZY | RTLD_LOCAL) }?.close()
}

#[cfg(windows)]
fn load_and_close(path: &str, flags: u32) -> Result<(), libloading::Error> {
    use libloading::os::windows::Library;
    // SAFETY: probing loads the library, running its initialisers, as the resolver would.
    unsafe { Library::load_with_flags(path, flags) }?.close()
}
