//! Command-line parsing and dispatch. Each subcommand lives in its own file.
//!
//! Exit codes: 0 success; 1 the step failed (bad input, failed check); 2 bad usage.

mod output;
mod plan;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// aotinterop: the native-interop half of publishing a .NET app ahead of time.
#[derive(Parser)]
#[command(name = "aotinterop", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decide which P/Invokes bind directly at startup and which lazily on first call.
    Plan(plan::PlanArgs),
}

/// Parses the command line and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Plan(args) => plan::run(args),
    }
}
