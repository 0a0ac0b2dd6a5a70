//! Whether the ELF loader will find at startup a shared library that the link found in a
//! LinkerArg `-L` folder: only if that folder is the image's own (the `$ORIGIN` rpath .NET 8
//! images get), one named by a LinkerArg `-rpath`, or a system folder. Otherwise the image
//! links and then fails to start, unless `LD_LIBRARY_PATH` happens to name it.

use crate::driver::LinkJob;
use aotinterop_model::diag::{codes, Diagnostic};
use std::path::{Path, PathBuf};

/// The rpaths the image gets, as written (`$ORIGIN` for .NET 8's, and each `-rpath` of the
/// LinkerArg items).
fn rpaths(job: &LinkJob) -> Vec<String> {
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
    raw
}

/// Whether the loader will find `lib` at startup (the image reader's rule, with the rpaths the
/// image gets).
pub(super) fn finds(lib: &Path, job: &LinkJob, system_dirs: &[PathBuf]) -> bool {
    aotinterop_image::availability::found_at_startup(lib, &job.output, &rpaths(job), system_dirs)
}

/// Whether `path` names an ELF shared library (`libx.so`, `libx.so.1`).
pub(super) fn is_shared_object(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.ends_with(".so") || name.contains(".so.")
}

/// The warning for a library (providing the direct imports `provided`) that the loader will not
/// find: what the loader searches under these rules, and the one step that makes it find it.
pub(super) fn not_found_warning(lib: &Path, job: &LinkJob, provided: &str) -> Diagnostic {
    let beside_image = lib.parent().and_then(|d| d.canonicalize().ok())
        == job
            .output
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .and_then(|d| d.canonicalize().ok());
    // An `$ORIGIN` rpath the LinkerArg items give counts as .NET 8's does: the advice is then
    // about the library's folder, not about adding what is there.
    let origin_rpath = job.origin_rpath
        || rpaths(job)
            .iter()
            .any(|r| r.trim_end_matches('/') == "$ORIGIN" || r.trim_end_matches('/') == "${ORIGIN}");
    let why = if origin_rpath {
        "no rpath names its folder, and it is neither the image's folder nor a system folder"
    } else if beside_image {
        "it is in the image's folder, but under .NET 10's rules the image gets no `$ORIGIN` rpath \
         (dotnet/runtime#115236), so the loader does not search that folder"
    } else {
        "no rpath names its folder and it is not a system folder (under .NET 10's rules the image gets no \
         `$ORIGIN` rpath, so not even the image's own folder is searched)"
    };
    let fix = if origin_rpath {
        "add `-Wl,-rpath,FOLDER` as a LinkerArg (`$ORIGIN/...` for a folder beside the image) or copy it next to \
         the image"
    } else {
        "add `-Wl,-rpath,$ORIGIN` as a LinkerArg and deploy it next to the image (or `-Wl,-rpath,FOLDER` for \
         where it will be)"
    };
    Diagnostic::warning(
        codes::LOADER_MAY_NOT_FIND,
        format!(
            "the link finds this library through a LinkerArg -L folder, but the loader will not find it at \
             startup: {why}; the image would fail to start unless LD_LIBRARY_PATH names the folder. It provides \
             the direct import(s) {provided}; {fix}"
        ),
    )
    .at(lib)
}
