//! Benchmarks of aotinterop: the native parts they build (call-path harness, startup images),
//! the callgrind instruction counts, the byte sizes, the regression check against a saved
//! baseline, and the writer of `bench/RESULTS.md`. The timings themselves are criterion
//! benchmarks in `benches/`; `scripts/bench` runs everything and writes the results.

pub mod callgrind;
pub mod mono;
pub mod native;
pub mod results;
pub mod sizes;
pub mod startup;

use std::path::PathBuf;
use std::process::{Command, Output};

pub use aotinterop_testkit::repo_root;

/// The `bench/` folder.
pub fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target folder as the running benchmark or tool sees it (`CARGO_TARGET_DIR`, else
/// `target/` of the workspace).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => {
            let p = PathBuf::from(d);
            if p.is_absolute() {
                p
            } else {
                repo_root().join(p)
            }
        }
        None => repo_root().join("target"),
    }
}

/// Runs a command, returning its output or an error naming it with what it printed.
pub fn run_ok(cmd: &mut Command) -> Result<Output, String> {
    let out = cmd.output().map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out)
}

/// Median of `v` (sorts it); NaN when empty.
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
