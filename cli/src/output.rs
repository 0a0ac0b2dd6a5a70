//! Output helpers shared by the subcommands.

use aotinterop::Diagnostic;
use clap::ValueEnum;
use std::process::ExitCode;

/// Output format of a subcommand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable text.
    #[default]
    Text,
    /// JSON on standard output.
    Json,
}

/// Prints diagnostics to standard error, one per line.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{d}");
    }
}

/// Prints an error and returns exit code 1.
pub fn fail(err: &aotinterop::Error) -> ExitCode {
    eprintln!("{err}");
    ExitCode::from(1)
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot write JSON: {e}"),
    }
}
