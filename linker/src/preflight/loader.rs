//! Whether the ELF loader will find at startup a shared library that the link found in a
//! LinkerArg `-L` folder: only if that folder is the image's own (the `$ORIGIN` rpath .NET 8
//! images get), one named by a LinkerArg `-rpath`, or a system folder. Otherwise the image
//! links and then fails to start, unless `LD_LIBRARY_PATH` happens to name it.

use crate::driver::LinkJob;
use std::path::{Path, PathBuf};

/// The rpaths of the image, `$ORIGIN` replaced by the output's folder, made absolute.
fn rpaths(job: &LinkJob) -> Vec<PathBuf> {
    let origin = job
        .output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut raw: Vec<String> = job
        .origin_rpath
        .then(|| "$ORIGIN".to_string())
        .into_iter()
        .collect();
    let mut args = Vec::new();
    for a in &job.linker_args {
        match a.strip_prefix("-Wl,") {
            Some(rest) => args.extend(rest.split(',').map(str::to_string)),
            None => args.push(a.clone()),
        }
    }
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-rpath" || a == "-R" {
            if let Some(v) = it.next() {
                raw.extend(v.split(':').map(str::to_string));
            }
        } else if let Some(v) = a.strip_prefix("-rpath=").or_else(|| a.strip_prefix("--rpath=")) {
            raw.extend(v.split(':').map(str::to_string));
        }
    }
    raw.iter()
        .map(|r| {
            let r = r.replace("${ORIGIN}", "$ORIGIN");
            match r.strip_prefix("$ORIGIN") {
                Some(rest) => origin.join(rest.trim_start_matches('/')),
                None => PathBuf::from(r),
            }
        })
        .filter_map(|p| p.canonicalize().ok())
        .collect()
}

/// Whether the loader will find `lib` at startup: its folder is an rpath of the image or one of
/// `system_dirs` (the linker's default folders, which are the loader's too), or a library of
/// the same name is already in one of those folders (copied beside the image, say).
pub(super) fn finds(lib: &Path, job: &LinkJob, system_dirs: &[PathBuf]) -> bool {
    let Some(dir) = lib.parent().and_then(|d| d.canonicalize().ok()) else {
        return true;
    };
    let name = lib.file_name();
    let system = system_dirs.iter().filter_map(|d| d.canonicalize().ok());
    rpaths(job)
        .into_iter()
        .chain(system)
        .any(|d| d == dir || name.is_some_and(|n| d.join(n).is_file()))
}

/// Whether `path` names an ELF shared library (`libx.so`, `libx.so.1`).
pub(super) fn is_shared_object(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.ends_with(".so") || name.contains(".so.")
}
