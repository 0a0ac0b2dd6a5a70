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
use crate::target::Format;
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
    let dir = image.parent().unwrap_or(Path::new("."));
    if job.target.format == Format::Elf {
        strip_elf(&objcopy, job, image, &debug)?;
        return Ok(debug);
    }
    let mut debuglink = OsString::from("--add-gnu-debuglink=");
    debuglink.push(here(&debug));
    // Native AOT's three steps in two runs: the stripped image and its debug link (which holds
    // the debug file's CRC, so it comes after the debug file) are written in one pass, saving a
    // rewrite of the whole image.
    run_objcopy(&objcopy, &keep_debug(image, &debug), job, dir)?;
    run_objcopy(
        &objcopy,
        &[
            "--strip-debug".into(),
            "--strip-unneeded".into(),
            debuglink,
            here(image),
        ],
        job,
        dir,
    )?;
    Ok(debug)
}

fn keep_debug(image: &Path, debug: &Path) -> [OsString; 3] {
    ["--only-keep-debug".into(), here(image), here(debug)]
}

/// `path` (in the staging folder, where objcopy runs) by its file name: llvm-objcopy makes its
/// temporary file from the output's path as a pattern, so a `%` in a folder above it broke the
/// step. Written `./NAME`, so that a name starting with `-` is no option.
fn here(path: &Path) -> OsString {
    let mut here = OsString::from("./");
    here.push(path.file_name().unwrap_or(path.as_os_str()));
    here
}

/// ELF: the debug copy and the stripped image are written at once, by two objcopy runs over the
/// linked image. `--add-gnu-debuglink` reads the debug file for its CRC, so it cannot run
/// beside the run that writes that file; instead the stripped image gets the same section with
/// a zero CRC (`--add-section`), filled in once the debug file is whole (the section's bytes are
/// `.gnu_debuglink`'s own: the file name, NUL, padding to 4, the CRC-32 in the target's order).
fn strip_elf(objcopy: &Path, job: &LinkJob, image: &Path, debug: &Path) -> Result<()> {
    let dir = image.parent().unwrap_or(Path::new("."));
    // Fixed names (the staging folder holds one image): a long image name leaves them room.
    let stripped = image.with_file_name(".aotinterop-stripped");
    let link_data = image.with_file_name(".aotinterop-debuglink");
    let name = debug.file_name().unwrap_or_default().as_encoded_bytes();
    let mut section = name.to_vec();
    section.resize((name.len() + 1).div_ceil(4) * 4 + 4, 0);
    std::fs::write(&link_data, &section).map_err(|e| io_error(job, &link_data, e))?;
    let mut add = OsString::from(".gnu_debuglink=");
    add.push(here(&link_data));
    let strip_args: Vec<OsString> = vec![
        "--strip-debug".into(),
        "--strip-unneeded".into(),
        "--add-section".into(),
        add,
        "--set-section-alignment".into(),
        ".gnu_debuglink=4".into(),
        here(image),
        here(&stripped),
    ];
    let keep_args = keep_debug(image, debug);
    let (kept, strip) = std::thread::scope(|s| {
        let kept = s.spawn(|| run_objcopy(objcopy, &keep_args, job, dir));
        let strip = run_objcopy(objcopy, &strip_args, job, dir);
        (kept.join().unwrap_or_else(|_| Err(panicked(job))), strip)
    });
    let _ = std::fs::remove_file(&link_data);
    kept.and(strip)?;
    let crc = crc32fast::hash(&std::fs::read(debug).map_err(|e| io_error(job, debug, e))?);
    fill_debuglink_crc(job, &stripped, section.len() - 4, crc)?;
    std::fs::rename(&stripped, image).map_err(|e| io_error(job, image, e))
}

/// Writes `crc` at `at` in the `.gnu_debuglink` section of the ELF file `path`, in the file's
/// byte order; the section must be the one [`strip_elf`] added (its CRC still zero).
fn fill_debuglink_crc(job: &LinkJob, path: &Path, at: usize, crc: u32) -> Result<()> {
    use object::{Endianness, Object, ObjectSection};
    use std::io::{Seek, SeekFrom, Write};
    let failed = |why: &dyn std::fmt::Display| {
        Error::new(
            codes::LINK_FAILED,
            format!("StripSymbols: cannot fill in the debug link of the stripped image: {why}"),
        )
        .at(&job.output)
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| failed(&e))?;
    let (offset, endian) = {
        let cache = object::ReadCache::new(&file);
        let elf = object::File::parse(&cache).map_err(|e| failed(&e))?;
        let section = elf
            .section_by_name(".gnu_debuglink")
            .ok_or_else(|| failed(&"objcopy added no .gnu_debuglink section"))?;
        let data = section.data().map_err(|e| failed(&e))?;
        if data.len() != at + 4 || data[at..] != [0; 4] {
            return Err(failed(&"the section is not the one objcopy was given"));
        }
        let (offset, _) = section
            .file_range()
            .ok_or_else(|| failed(&"the section has no bytes"))?;
        (offset + at as u64, elf.endianness())
    };
    let bytes = match endian {
        Endianness::Little => crc.to_le_bytes(),
        Endianness::Big => crc.to_be_bytes(),
    };
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.write_all(&bytes))
        .map_err(|e| failed(&e))
}

fn io_error(job: &LinkJob, path: &Path, e: std::io::Error) -> Error {
    Error::new(
        codes::OUTPUT_UNWRITABLE,
        format!(
            "StripSymbols: {}: {}",
            path.display(),
            aotinterop_model::diag::io_words(&e)
        ),
    )
    .at(&job.output)
}

fn panicked(job: &LinkJob) -> Error {
    Error::new(codes::LINK_FAILED, "StripSymbols: the objcopy run was lost").at(&job.output)
}

/// Runs one objcopy step in the staging folder (`args` name its files by their names); its
/// failure names the step and says the previous output is kept.
fn run_objcopy(objcopy: &Path, args: &[OsString], job: &LinkJob, dir: &Path) -> Result<()> {
    let out = super::run_program(Command::new(objcopy).args(args).current_dir(dir)).map_err(|e| {
        Error::new(
            codes::LINK_FAILED,
            format!(
                "StripSymbols: cannot run {}: {}",
                objcopy.display(),
                aotinterop_model::diag::io_words(&e)
            ),
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
