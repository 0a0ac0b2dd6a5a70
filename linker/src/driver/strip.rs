//! `StripSymbols`: the image's debug information moved into a file beside it, as native AOT's
//! `LinkNative` target does on Linux (dotnet/runtime
//! `src/coreclr/nativeaot/BuildIntegration/Microsoft.NETCore.Native.targets`):
//!
//! ```text
//! objcopy --only-keep-debug IMAGE IMAGE.dbg
//! objcopy --strip-debug --strip-unneeded IMAGE
//! objcopy --add-gnu-debuglink=IMAGE.dbg IMAGE
//! ```
//!
//! `objcopy` is the toolchain's own (`TRIPLE-objcopy` beside a `TRIPLE-gcc`), `llvm-objcopy`
//! for clang, each falling back to the other, as native AOT picks `ObjCopyName`. MinGW images
//! get the same: GNU `objcopy` writes PE debug links and gdb follows them. lld-link images carry
//! no DWARF (their symbols go to a PDB with `/DEBUG`), so there is nothing to strip; Apple
//! images would get native AOT's `dsymutil` and `strip -x`, which this machine does not have, so
//! they are left as linked.

use super::{Flavor, LinkCommand, LinkJob};
use crate::diag::{codes, Error, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The file the debug information goes to: `IMAGE.dbg` (native AOT's `NativeSymbolExt`).
pub fn debug_file_name(image_name: &str) -> String {
    format!("{image_name}.dbg")
}

/// The objcopy programs to try, in order, for a link run by `program`.
fn objcopy_candidates(program: &Path) -> Vec<PathBuf> {
    let name = program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let clang = name.contains("clang");
    // `aarch64-linux-gnu-gcc` → `aarch64-linux-gnu-objcopy`.
    let prefixed = name
        .rfind('-')
        .filter(|_| !clang)
        .map(|at| program.with_file_name(format!("{}-objcopy", &name[..at])));
    let mut out: Vec<PathBuf> = prefixed.into_iter().collect();
    if clang {
        out.extend(["llvm-objcopy", "objcopy"].map(PathBuf::from));
    } else if out.is_empty() {
        out.extend(["objcopy", "llvm-objcopy"].map(PathBuf::from));
    } else {
        out.push(PathBuf::from("llvm-objcopy"));
    }
    out
}

/// Whether `StripSymbols` applies to images of this link.
pub(crate) fn applies(flavor: Flavor) -> bool {
    matches!(flavor, Flavor::Gcc | Flavor::Clang | Flavor::Mingw)
}

/// Moves the debug information of the linked `image` (in the staging folder) into `image.dbg`
/// beside it and links the two. Returns the debug file.
pub(crate) fn strip(job: &LinkJob, command: &LinkCommand, image: &Path) -> Result<PathBuf> {
    let objcopy = objcopy_candidates(Path::new(&command.program))
        .into_iter()
        .find_map(|c| super::find_program(&c))
        .ok_or_else(|| {
            Error::new(
                codes::LINKER_NOT_FOUND,
                "StripSymbols: no objcopy for this target is on PATH (binutils or llvm); \
                 install one or set StripSymbols to false",
            )
            .at(&job.output)
        })?;
    let name = image
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let debug = image.with_file_name(debug_file_name(&name));
    let mut debuglink = OsString::from("--add-gnu-debuglink=");
    debuglink.push(&debug);
    // Native AOT's three steps in two runs: the stripped image and its debug link (which holds
    // the debug file's CRC, so it comes after the debug file) are written in one pass, saving a
    // rewrite of the whole image.
    run_objcopy(
        &objcopy,
        &["--only-keep-debug".into(), image.into(), debug.clone().into()],
        job,
    )?;
    run_objcopy(
        &objcopy,
        &[
            "--strip-debug".into(),
            "--strip-unneeded".into(),
            debuglink,
            image.into(),
        ],
        job,
    )?;
    Ok(debug)
}

/// Runs one objcopy step; its failure names the step and says the previous output is kept.
fn run_objcopy(objcopy: &Path, args: &[OsString], job: &LinkJob) -> Result<()> {
    let out = Command::new(objcopy).args(args).output().map_err(|e| {
        Error::new(
            codes::LINK_FAILED,
            format!("StripSymbols: cannot run {}: {e}", objcopy.display()),
        )
        .at(&job.output)
    })?;
    if out.status.success() {
        return Ok(());
    }
    let shown: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    Err(Error::new(
        codes::LINK_FAILED,
        format!(
            "StripSymbols: {} {} failed ({}); the previous output, if any, is unchanged\n{}",
            objcopy.display(),
            shown.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ),
    )
    .at(&job.output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toolchains_own_objcopy_comes_first() {
        let c = objcopy_candidates(Path::new("aarch64-linux-gnu-gcc"));
        assert_eq!(c[0], Path::new("aarch64-linux-gnu-objcopy"));
        let c = objcopy_candidates(Path::new("/usr/bin/clang"));
        assert_eq!(c[0], Path::new("llvm-objcopy"));
        let c = objcopy_candidates(Path::new("gcc"));
        assert_eq!(c[0], Path::new("objcopy"));
    }
}
