//! `aotinterop-sample SAMPLE [--rid RID] [--build-only]`: builds a sample app, publishes it with
//! aotinterop and runs it.

use aotinterop_samples::recipes::{self, Options};
use aotinterop_samples::{repo_root, Toolchain, SAMPLES};
use clap::Parser;
use std::process::ExitCode;

/// Builds, publishes and runs one of aotinterop's sample apps.
#[derive(Parser)]
#[command(name = "aotinterop-sample")]
struct Args {
    /// The sample: hello, static-shim, native-exports, fail-fast or search-paths.
    sample: String,
    /// The runtime identifier: linux-x64, linux-arm64 (runs under qemu) or win-x64 (runs under wine).
    #[arg(long, default_value = "linux-x64")]
    rid: String,
    /// Build and publish only; do not run.
    #[arg(long)]
    build_only: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let run = || -> Result<(), String> {
        let tc = Toolchain::for_rid(&args.rid, &repo_root())?;
        if !SAMPLES.contains(&args.sample.as_str()) {
            return Err(format!(
                "no sample `{}` (samples: {})",
                args.sample,
                SAMPLES.join(", ")
            ));
        }
        recipes::build(
            &args.sample,
            &tc,
            Options {
                quiet: false,
                build_only: args.build_only,
            },
        )?;
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
