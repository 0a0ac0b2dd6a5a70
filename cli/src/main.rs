//! The `aotinterop` command-line program: a thin layer over the `aotinterop` library. Each
//! subcommand lives in its own file; clap and the progress display live here only.
//!
//! Exit codes: 0 success; 1 bad input (or, for `verify`, a mismatch); 2 bad usage; `publish` also
//! 3 preflight failed, 4 emit or link failed, 5 the linked image does not match its plan.

/// `print!`, through [`output::write`]: control characters escaped, a failed write an error.
macro_rules! out {
    ($($t:tt)*) => { $crate::output::write(false, &format!($($t)*)) };
}
/// `println!`, through [`output::write`].
macro_rules! outln {
    ($($t:tt)*) => { $crate::output::write(false, &(format!($($t)*) + "\n")) };
}
/// `eprintln!`, through [`output::write`] to standard error.
macro_rules! errln {
    ($($t:tt)*) => { $crate::output::write(true, &(format!($($t)*) + "\n")) };
}

mod inspect;
mod output;
mod plan;
mod probe;
mod publish;
mod scan;
mod signals;
mod verify;

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
    /// Publish: scan, plan, preflight, emit, link and verify a native image.
    Publish(publish::PublishArgs),
    /// List the P/Invokes and native entry points that .NET assemblies declare.
    Scan(scan::ScanArgs),
    /// Show what an image binds at startup, exports, and binds lazily (ELF, PE, Mach-O).
    Inspect(inspect::InspectArgs),
    /// Check an image against its plan: exit 1 with the differences when it does not match.
    Verify(verify::VerifyArgs),
    /// Show every file the lazy resolver would try for a library name, and which one loads.
    Probe(probe::ProbeArgs),
}

/// Parses the command line and runs the subcommand.
fn main() -> ExitCode {
    // Before anything else: a signal in the first instant ended the program the default way (143).
    signals::install();
    // clap's own printing (help, version, usage errors) goes through `output::write` too, so
    // that a full disk is an error there as well.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let to_stderr = e.use_stderr();
            output::write(to_stderr, &e.render().to_string());
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    match &cli.command {
        Command::Plan(args) => plan::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Probe(args) => probe::run(args),
    }
}
