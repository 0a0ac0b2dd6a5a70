//! `aotinterop-bench`: the measurements that are not criterion benchmarks, the regression
//! check and the results writer. See `bench/README.md`.
//!
//! ```text
//! aotinterop-bench check [--baseline FILE] [--slowdown K]   callgrind counts vs the baseline
//! aotinterop-bench save-baseline [--baseline FILE]          measure and save a new baseline
//! aotinterop-bench callgrind                                print the counts as JSON
//! aotinterop-bench sizes                                    print the sizes as JSON
//! aotinterop-bench startup-images DIR                       build the startup images into DIR
//! aotinterop-bench mono                                     compiled C#: call cost, hello's size and start
//! aotinterop-bench results                                  write bench/RESULTS.md
//! ```

use aotinterop_bench::callgrind::{self, Baseline};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// The measurements that are not criterion benchmarks, the regression check and the results
/// writer.
#[derive(Parser)]
#[command(name = "aotinterop-bench")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
    /// The callgrind baseline (default: bench/baseline/callgrind.json).
    #[arg(long, global = true, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Extra instructions added to every call path, to prove the check fails (check, callgrind).
    #[arg(long, global = true, default_value_t = 0)]
    slowdown: u32,
}

#[derive(Subcommand)]
enum Cmd {
    /// Callgrind counts against the baseline: exit 1 on a regression.
    Check,
    /// Measure and save a new baseline.
    SaveBaseline {
        /// The regression threshold, in percent.
        #[arg(long, default_value_t = 5.0)]
        threshold: f64,
    },
    /// Print the callgrind counts as JSON.
    Callgrind,
    /// Print the sizes as JSON.
    Sizes,
    /// Build the start-up images into DIR.
    StartupImages {
        /// The folder.
        dir: PathBuf,
    },
    /// Compiled C# (Mono's AOT compiler): lazy vs direct call cost, hello's size and start.
    Mono,
    /// Write bench/RESULTS.md.
    Results,
}

fn main() -> ExitCode {
    match run(&Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, String> {
    let baseline = cli.baseline.clone().unwrap_or_else(callgrind::baseline_path);
    let slowdown = cli.slowdown;
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    match &cli.command {
        Cmd::Check => {
            let base = callgrind::read_baseline(&baseline)?;
            let now = callgrind::build_and_measure(tmp.path(), slowdown, base.counts.n)?;
            let c = callgrind::compare(&base, &now);
            println!(
                "instructions per call (callgrind), threshold {}%",
                base.threshold_pct
            );
            println!("{:<10} {:>10} {:>10} {:>9}", "path", "baseline", "now", "change");
            for l in &c.lines {
                println!("{l}");
            }
            if c.passed() {
                println!("ok");
                Ok(ExitCode::SUCCESS)
            } else {
                for f in &c.failures {
                    println!("REGRESSION {f}");
                }
                Ok(ExitCode::FAILURE)
            }
        }
        Cmd::SaveBaseline { threshold } => {
            let threshold = *threshold;
            let counts = callgrind::build_and_measure(tmp.path(), 0, callgrind::DEFAULT_N)?;
            callgrind::write_baseline(
                &baseline,
                &Baseline {
                    threshold_pct: threshold,
                    counts,
                },
            )?;
            println!("saved {}", baseline.display());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Callgrind => {
            let counts = callgrind::build_and_measure(tmp.path(), slowdown, callgrind::DEFAULT_N)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&counts).map_err(|e| e.to_string())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Sizes => {
            let s = aotinterop_bench::sizes::measure(tmp.path())?;
            println!("{}", serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        Cmd::StartupImages { dir } => {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            for (_, _, p) in aotinterop_bench::startup::build_all(dir)? {
                println!("{}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Mono => {
            let (cost, hello) = aotinterop_bench::mono::measure(tmp.path())?;
            println!("{cost:#?}\n{hello:#?}");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Results => {
            aotinterop_bench::results::write()?;
            println!("wrote bench/RESULTS.md and bench/results/callpaths.svg");
            Ok(ExitCode::SUCCESS)
        }
    }
}
