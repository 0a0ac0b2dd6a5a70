//! `aotinterop-bench`: the measurements that are not criterion benchmarks, the regression
//! check and the results writer. See `bench/README.md`.
//!
//! ```text
//! aotinterop-bench check [--baseline FILE] [--slowdown K]   callgrind counts vs the baseline
//! aotinterop-bench save-baseline [--baseline FILE]          measure and save a new baseline
//! aotinterop-bench callgrind                                print the counts as JSON
//! aotinterop-bench sizes                                    print the sizes as JSON
//! aotinterop-bench startup-images DIR                       build the startup images into DIR
//! aotinterop-bench results                                  write bench/RESULTS.md
//! ```

use aotinterop_bench::callgrind::{self, Baseline};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn opt(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let cmd = args.first().map(String::as_str).unwrap_or("");
    let baseline = opt(args, "--baseline")
        .map(PathBuf::from)
        .unwrap_or_else(callgrind::baseline_path);
    let slowdown: u32 = opt(args, "--slowdown")
        .map(|s| s.parse().map_err(|_| "bad --slowdown"))
        .transpose()?
        .unwrap_or(0);
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    match cmd {
        "check" => {
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
        "save-baseline" => {
            let threshold = opt(args, "--threshold")
                .and_then(|s| s.parse().ok())
                .unwrap_or(5.0);
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
        "callgrind" => {
            let counts = callgrind::build_and_measure(tmp.path(), slowdown, callgrind::DEFAULT_N)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&counts).map_err(|e| e.to_string())?
            );
            Ok(ExitCode::SUCCESS)
        }
        "sizes" => {
            let s = aotinterop_bench::sizes::measure(tmp.path())?;
            println!("{}", serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        "startup-images" => {
            let dir = PathBuf::from(args.get(1).ok_or("startup-images DIR")?);
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            for (_, _, p) in aotinterop_bench::startup::build_all(&dir)? {
                println!("{}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        "results" => {
            aotinterop_bench::results::write()?;
            println!("wrote bench/RESULTS.md and bench/results/callpaths.svg");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!(
            "unknown command `{cmd}` (check, save-baseline, callgrind, sizes, startup-images, results)"
        )),
    }
}
