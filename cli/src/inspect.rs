//! `aotinterop inspect`: what an image binds at startup, exports, and binds lazily.

use super::output::{print_json, Format};
use aotinterop::inspect::{inspect, render_text};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `aotinterop inspect`.
#[derive(Args)]
pub struct InspectArgs {
    /// The image: an ELF, PE or Mach-O executable or shared library.
    #[arg(value_name = "IMAGE")]
    image: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Runs `aotinterop inspect`.
pub fn run(args: &InspectArgs) -> ExitCode {
    match inspect(&args.image) {
        Ok(ins) => {
            match args.format {
                Format::Text => print!("{}", render_text(&ins)),
                Format::Json => print_json(&ins),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
