//! `aotinterop inspect`: what an image binds at startup, exports, and binds lazily.

use super::output::{print_json, Format};
use aotinterop::inspect::{inspect_slices, render_text};
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
    #[arg(long, value_name = "ARCH")]
    arch: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Runs `aotinterop inspect`: one image as one report (a JSON object), the slices of a
/// universal Mach-O one after another (a JSON array).
pub fn run(args: &InspectArgs) -> ExitCode {
    match inspect_slices(&args.image, args.arch.as_deref()) {
        Ok(slices) => {
            match (args.format, slices.as_slice()) {
                (Format::Text, [one]) => print!("{}", render_text(one)),
                (Format::Text, many) => {
                    for (i, ins) in many.iter().enumerate() {
                        println!("slice {} of {} ({}):", i + 1, many.len(), ins.arch);
                        print!("{}", render_text(ins));
                    }
                }
                (Format::Json, [one]) => print_json(one),
                (Format::Json, many) => print_json(&many),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
