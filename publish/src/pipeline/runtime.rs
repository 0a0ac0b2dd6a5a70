//! Finding the runtime archive (`libaotinterop_runtime.a`) built for a target.
//!
//! `scripts/build-runtime` builds it per target into `target/aotinterop-runtime/<triple>/`; the
//! NuGet package carries it as NuGet lays out native assets, `runtimes/<rid>/native/`. A publish
//! whose request names `runtime_dir` looks there only (an archive missing there is an error, not
//! a silent fall-back to another build's); otherwise, in order, in `$AOTINTEROP_RUNTIME_DIR`, in `runtime/`
//! beside the `aotinterop` program, in `../lib/aotinterop/runtime/` from the program's folder
//! (an install: `scripts/install PREFIX`), and in `../aotinterop-runtime/` from it (the layout of
//! a cargo build: `target/debug/aotinterop`); in each, under `<triple>/` and under
//! `<rid>/native/`.

use aotinterop_model::diag::{codes, Error, Result};
use aotinterop_model::Target;
use std::path::{Path, PathBuf};

/// The runtime archive for a target and the system libraries it needs.
#[derive(Clone, Debug)]
pub struct RuntimeLibrary {
    /// The static archive.
    pub archive: PathBuf,
    /// Libraries the archive needs (by name: `dl`, `kernel32`).
    pub system_libs: Vec<String>,
}

/// The runtime archive's file name (the same for every target: the GNU toolchains, MinGW's too,
/// name static archives `lib*.a`).
const ARCHIVE_NAME: &str = "libaotinterop_runtime.a";

/// The folders searched for `<triple>/libaotinterop_runtime.a`, in order: the request's
/// `runtime_dir` alone when it names one, else the defaults.
pub fn search_dirs(requested: Option<&Path>) -> Vec<PathBuf> {
    if let Some(dir) = requested {
        return vec![dir.to_path_buf()];
    }
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("AOTINTEROP_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(d));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(PathBuf::from))
    {
        dirs.push(exe_dir.join("runtime"));
        if let Some(parent) = exe_dir.parent() {
            dirs.push(parent.join("lib/aotinterop/runtime"));
            dirs.push(parent.join("aotinterop-runtime"));
        }
    }
    dirs
}

/// Finds the runtime archive for `target`, first in `requested` (the request's `runtime_dir`).
pub fn find_runtime(target: &Target, requested: Option<&Path>) -> Result<RuntimeLibrary> {
    let row = target.row().ok_or_else(|| {
        Error::new(
            codes::RUNTIME_NOT_FOUND,
            format!("there is no aotinterop runtime for {target} yet"),
        )
    })?;
    let triple = row.rust_triple;
    let dirs = search_dirs(requested);
    // The build's layout, then NuGet's.
    let candidates: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| [d.join(triple), d.join(row.rid).join("native")])
        .collect();
    let archive = candidates
        .iter()
        .map(|d| d.join(ARCHIVE_NAME))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            let tried: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
            let way_out = match requested {
                Some(_) => "name the folder that holds it in `runtime_dir`".to_string(),
                None => format!("run `scripts/build-runtime {triple}` or set AOTINTEROP_RUNTIME_DIR"),
            };
            Error::new(
                codes::RUNTIME_NOT_FOUND,
                format!(
                    "the aotinterop runtime for {triple} is not built (looked in {}); {way_out}",
                    tried.join(", ")
                ),
            )
        })?;
    Ok(RuntimeLibrary {
        archive,
        system_libs: row.runtime_libs.iter().map(|s| s.to_string()).collect(),
    })
}
