//! `aotinterop inspect`: what an image binds at startup, exports, and binds lazily.

use super::output::{print_json, print_json_of, Format};
use aotinterop::inspect::{availability, inspect_slices_of, read_image, render_text};
use aotinterop_model::diag::{codes, Error, Location};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `aotinterop inspect`.
#[derive(Args)]
pub struct InspectArgs {
    /// The image: an ELF, PE or Mach-O executable or shared library, or a universal Mach-O.
    #[arg(value_name = "IMAGE")]
    image: PathBuf,
    /// Only the slice of this architecture (`x86_64`, `aarch64` or `arm64`) of a universal
    /// Mach-O (on another image: check that it is this architecture).
    #[arg(long, value_name = "ARCH", value_parser = parse_arch)]
    arch: Option<aotinterop_model::Arch>,
    /// Check that every library the image needs, and every module its lazy P/Invokes name, is
    /// found on this machine (or under `--sysroot`): whether the image starts, and which calls
    /// would throw. Exit 1 when it would not start.
    #[arg(long)]
    check: bool,
    /// With `--check`: the root to look under instead of `/` (ELF, Mach-O: an SDK's `.tbd`
    /// stubs count), or the system folder of DLLs (PE images: `.../Windows/System32`, or any
    /// folder of DLLs).
    #[arg(long, value_name = "DIR", requires = "check")]
    sysroot: Option<PathBuf>,
    /// With `--check`: a folder of the target's library path (`LD_LIBRARY_PATH`, `PATH` on
    /// Windows, `DYLD_LIBRARY_PATH`), in order; repeatable. On this machine with no sysroot,
    /// ELF images otherwise use this process's `LD_LIBRARY_PATH`.
    #[arg(long = "library-path", value_name = "DIR", requires = "check")]
    path_dirs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// An architecture in any of its usual spellings (`x86_64`, `x64`, `amd64`, `aarch64`, `arm64`,
/// `x86`, `i386`, `i686`, `arm`, `riscv64`, `loongarch64`), in any case.
fn parse_arch(name: &str) -> Result<aotinterop_model::Arch, String> {
    aotinterop_model::Arch::from_name(name).ok_or_else(|| {
        "not an architecture: x86_64 (x64, amd64), aarch64 (arm64), x86 (i386, i686), arm, riscv64 or loongarch64"
            .to_string()
    })
}

/// Runs `aotinterop inspect`: one image as one report (a JSON object), the slices of a
/// universal Mach-O one after another (a JSON array).
pub fn run(args: &InspectArgs) -> ExitCode {
    if let Some(e) = args.sysroot.as_deref().and_then(missing_sysroot) {
        errln!("{e}");
        return ExitCode::from(1);
    }
    // Read once: the check reads the image's own tables from the same bytes.
    let data = match read_image(&args.image) {
        Ok(d) => d,
        Err(e) => {
            errln!("{e}");
            return ExitCode::from(1);
        }
    };
    match inspect_slices_of(&args.image, &data, args.arch) {
        Ok(slices) if args.check => check(args, &data, &slices),
        Ok(slices) => {
            match (args.format, slices.as_slice()) {
                (Format::Text, [one]) => out!("{}", render_text(one)),
                (Format::Text, many) => {
                    for (i, ins) in many.iter().enumerate() {
                        outln!("slice {} of {} ({}):", i + 1, many.len(), ins.arch);
                        out!("{}", render_text(ins));
                    }
                }
                (Format::Json, [one]) => print_json_of(one, [args.image.as_path()]),
                (Format::Json, many) => print_json_of(&many, [args.image.as_path()]),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln!("{e}");
            ExitCode::from(1)
        }
    }
}

/// A `--sysroot` that is not a folder: every library would be "missing" under it, so the
/// folder is what is reported.
fn missing_sysroot(root: &std::path::Path) -> Option<Error> {
    let why = match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => return None,
        Ok(_) => "is not a folder".to_string(),
        Err(e) => format!("cannot be read: {}", aotinterop_model::diag::io_words(&e)),
    };
    Some(
        Error::new(
            codes::FILE_UNREADABLE,
            format!("--sysroot {why}; nothing can be looked up under it"),
        )
        .at(Location::file(root)),
    )
}

/// `--check`: the availability of the one image's libraries (not for universal Mach-O files).
fn check(args: &InspectArgs, data: &[u8], slices: &[aotinterop::inspect::Inspection]) -> ExitCode {
    let [ins] = slices else {
        errln!("error: --check takes one image: add --arch to pick a slice of the universal Mach-O");
        return ExitCode::from(2);
    };
    let machine = availability::Machine {
        sysroot: args.sysroot.clone(),
        path_dirs: args.path_dirs.clone(),
    };
    let a = availability::check(&args.image, data, ins, &machine);
    match args.format {
        Format::Text => out!("{}", availability::render_text(&a, args.sysroot.as_deref())),
        Format::Json => print_json(&a),
    }
    if a.starts {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
