//! Finding the runtime archive (`libaotinterop_runtime.a`) built for a target.
//!
//! `scripts/build-runtime` builds it per target into `target/aotinterop-runtime/<triple>/`; the
//! NuGet package carries it as NuGet lays out native assets, `runtimes/<rid>/native/`. A publish
//! whose request names `runtime_dir` looks there only (an archive missing there is an error, not
//! a silent fall-back to another build's), and so does `$AOTINTEROP_RUNTIME_DIR`; otherwise, in order, in `runtime/`
//! beside the `aotinterop` program (only when the running program is `aotinterop`: not inside
//! the MSBuild task's host), in `../lib/aotinterop/runtime/` from the program's folder
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
    // Named by the environment: there alone, as the request's (a missing folder there must not
    // fall back to another build's archive).
    if let Some(d) = runtime_dir_from_environment() {
        return vec![d];
    }
    let mut dirs = Vec::new();
    // Only beside the `aotinterop` program: the library inside another (the MSBuild task's
    // host is `mono` or `dotnet`) takes its runtime from the package, never from beside that
    // program's own files (`/usr/bin/runtime`, `/usr/lib/aotinterop/runtime`).
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .filter(|e| e.file_stem().is_some_and(|s| s == "aotinterop"))
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

/// `AOTINTEROP_RUNTIME_DIR`, when it names an absolute folder: a relative one would be the
/// current directory's, where anyone could plant the code every image links.
fn runtime_dir_from_environment() -> Option<PathBuf> {
    std::env::var_os("AOTINTEROP_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
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
    // The folders found from the program's own or named by the environment: a file another
    // user planted there (beside a program unpacked in a shared folder, in a folder every user
    // may write) is never linked in. The request's folder is its author's choice.
    let explicit = usize::from(requested.is_some());
    // The build's layout, then NuGet's.
    let candidates: Vec<(PathBuf, Option<&Path>)> = dirs
        .iter()
        .enumerate()
        .flat_map(|(i, d)| {
            let root = (i >= explicit).then_some(d.as_path());
            [(d.join(triple), root), (d.join(row.rid).join("native"), root)]
        })
        .collect();
    // The first archive there: something that is no file (a FIFO, a folder) is named, not
    // passed over.
    let found = candidates
        .iter()
        .map(|(d, root)| (d.join(ARCHIVE_NAME), *root))
        .find(|(p, _)| std::fs::metadata(p).is_ok());
    if let Some((odd, _)) = found.as_ref().filter(|(p, _)| !p.is_file()) {
        return Err(Error::new(
            codes::RUNTIME_NOT_FOUND,
            format!(
                "the aotinterop runtime {} is a folder, a FIFO or a device, not the archive",
                aotinterop_model::diag::shown_path(odd, 300)
            ),
        ));
    }
    if let Some((archive, Some(root))) = &found {
        if let Some(why) = untrusted(archive, root) {
            return Err(Error::new(
                codes::RUNTIME_NOT_FOUND,
                format!(
                    "the aotinterop runtime {} is not linked in: {why}; set AOTINTEROP_RUNTIME_DIR or `runtime_dir` to the folder of a runtime you trust",
                    aotinterop_model::diag::shown_path(archive, 300)
                ),
            ));
        }
    }
    let archive = found.map(|(archive, _)| archive).ok_or_else(|| {
        let tried: Vec<String> = candidates
            .iter()
            .map(|(d, _)| aotinterop_model::diag::shown_path(d, 300))
            .collect();
        let way_out = match requested {
            Some(_) => "name the folder that holds it in `runtime_dir`".to_string(),
            None => format!(
                "run `scripts/build-runtime {triple}` or set AOTINTEROP_RUNTIME_DIR (inside MSBuild: the package's \
                 `runtimes/` folder is missing; reinstall the package or set AotInteropRuntimeDirectory)"
            ),
        };
        let looked = match tried.is_empty() {
            true => "looked nowhere: no folder was named, and the program running is not `aotinterop`".to_string(),
            false => format!("looked in {}", tried.join(", ")),
        };
        let ignored = match std::env::var_os("AOTINTEROP_RUNTIME_DIR") {
            Some(d) if !d.is_empty() && !Path::new(&d).is_absolute() => {
                "; AOTINTEROP_RUNTIME_DIR is relative (it would be the current directory's) and was ignored"
            }
            _ => "",
        };
        let looked = format!("{looked}{ignored}");
        Error::new(
            codes::RUNTIME_NOT_FOUND,
            format!("the aotinterop runtime for {triple} is not built ({looked}); {way_out}"),
        )
    })?;
    Ok(RuntimeLibrary {
        archive,
        system_libs: row.runtime_libs.iter().map(|s| s.to_string()).collect(),
    })
}

/// Why the runtime archive `archive`, found below `root` (a folder beside the program), is not
/// to be trusted: it or a folder between it and `root` belongs to another user (not this one,
/// not root) or may be written by everyone.
fn untrusted(archive: &Path, root: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let mut at = Some(archive);
    while let Some(path) = at {
        // The link itself, not what it names: another user's link chooses the archive.
        let meta = std::fs::symlink_metadata(path).ok()?;
        if meta.uid() != me && meta.uid() != 0 {
            return Some(format!(
                "{} belongs to another user",
                aotinterop_model::diag::shown_path(path, 300)
            ));
        }
        if !meta.file_type().is_symlink() && meta.mode() & 0o002 != 0 {
            return Some(format!(
                "{} may be written by everyone",
                aotinterop_model::diag::shown_path(path, 300)
            ));
        }
        at = path.parent().filter(|_| path != root);
    }
    crate::trust::swappable(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inside another program (this test, as the MSBuild task inside `mono`), nothing beside
    /// that program is searched: an archive there was linked in.
    #[test]
    fn only_the_aotinterop_program_looks_beside_itself() {
        if runtime_dir_from_environment().is_some() {
            return;
        }
        assert_eq!(search_dirs(None), Vec::<PathBuf>::new());
        assert_eq!(search_dirs(Some(Path::new("/r"))), [PathBuf::from("/r")]);
    }
}
