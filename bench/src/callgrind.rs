//! Instruction counts of the call paths under `valgrind --tool=callgrind`, and the regression
//! check against the saved baseline (`bench/baseline/callgrind.json`).
//!
//! Counts are exact and do not depend on the machine's load, so the check is stable in CI. Each
//! path is run for `n` and `2n` calls, each run collected alone; instructions per call are
//! `(I(2n) - I(n)) / n`, so the loop's fixed cost and everything around it cancel.

use crate::native::{build_callpaths, CallPaths, Options};
use crate::run_ok;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Calls per run (and twice as many in the second run).
pub const DEFAULT_N: u64 = 2000;

/// The steady-state paths (the first-call ones follow them in the counts).
pub const PATHS: &[&str] = &[
    "local_int",
    "plt_int",
    "lazy_int",
    "check_int",
    "fnptr_int",
    "dlsym_int",
    "first_int",
    "local_mix",
    "plt_mix",
    "lazy_mix",
    "check_mix",
    "fnptr_mix",
    "dlsym_mix",
    "first_mix",
];

/// Instructions per call of every path.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Counts {
    /// Calls per run.
    pub n: u64,
    /// Path name to instructions per call.
    pub instructions_per_call: BTreeMap<String, f64>,
}

/// The committed baseline.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    /// A path fails when it exceeds its baseline count by more than this (percent).
    pub threshold_pct: f64,
    /// The counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// The default baseline file.
pub fn baseline_path() -> PathBuf {
    crate::bench_dir().join("baseline/callgrind.json")
}

/// Builds the harness (small: `many` = 16) into `dir` and counts.
pub fn build_and_measure(dir: &Path, slowdown: u32, n: u64) -> Result<Counts, String> {
    let cp = build_callpaths(
        dir,
        &Options {
            many: 16,
            slowdown,
            driver: true,
        },
    )?;
    measure(&cp, n)
}

/// Runs the driver of `cp` under callgrind.
pub fn measure(cp: &CallPaths, n: u64) -> Result<Counts, String> {
    let driver = cp
        .driver
        .as_ref()
        .ok_or("the harness was built without its callgrind driver")?;
    let out_dir = cp.dir.join("callgrind");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    run_ok(
        Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg("--collect-atstart=no")
            .arg(format!(
                "--callgrind-out-file={}",
                out_dir.join("cg.out").display()
            ))
            .arg(driver)
            .arg(&cp.harness)
            .arg(n.to_string())
            .env("LD_BIND_NOW", "1"),
    )?;
    let mut totals: BTreeMap<(String, u64), u64> = BTreeMap::new();
    for e in std::fs::read_dir(&out_dir).map_err(|e| e.to_string())? {
        let p = e.map_err(|e| e.to_string())?.path();
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let mut label = None;
        let mut total = None;
        for line in text.lines() {
            if let Some(l) = line.strip_prefix("desc: Trigger: Client Request: ") {
                label = Some(l.trim().to_string());
            } else if let Some(t) = line
                .strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
            {
                total = t.split_whitespace().next().and_then(|v| v.parse::<u64>().ok());
            }
        }
        if let (Some(l), Some(t)) = (label, total) {
            let (path, calls) = l
                .rsplit_once(' ')
                .ok_or_else(|| format!("odd dump label `{l}`"))?;
            let calls: u64 = calls.parse().map_err(|_| format!("odd dump label `{l}`"))?;
            totals.insert((path.to_string(), calls), t);
        }
    }
    let mut per_call = BTreeMap::new();
    for p in PATHS {
        let one = totals.get(&(p.to_string(), n));
        let two = totals.get(&(p.to_string(), 2 * n));
        match (one, two) {
            (Some(&a), Some(&b)) => {
                per_call.insert(p.to_string(), (b as f64 - a as f64) / n as f64);
            }
            _ => return Err(format!("callgrind gave no counts for `{p}`")),
        }
    }
    Ok(Counts {
        n,
        instructions_per_call: per_call,
    })
}

/// What the check found.
#[derive(Clone, Debug, Default)]
pub struct Check {
    /// One line per path: name, baseline, now, change.
    pub lines: Vec<String>,
    /// The failures.
    pub failures: Vec<String>,
}

impl Check {
    /// No failures.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Compares `now` with `base`: a path fails when its count grew by more than the threshold, or
/// (whatever the baseline) when the lazy trampoline costs more instructions than the PLT call.
pub fn compare(base: &Baseline, now: &Counts) -> Check {
    let mut c = Check::default();
    for (path, &b) in &base.counts.instructions_per_call {
        let Some(&v) = now.instructions_per_call.get(path) else {
            c.failures.push(format!("{path}: not measured"));
            continue;
        };
        let pct = if b > 0.0 { (v - b) / b * 100.0 } else { 0.0 };
        c.lines
            .push(format!("{path:<10} {b:>10.2} {v:>10.2} {pct:>+8.2}%"));
        if v > b * (1.0 + base.threshold_pct / 100.0) + 1e-9 {
            c.failures.push(format!(
                "{path}: {v:.2} instructions per call, baseline {b:.2} ({pct:+.2}% > {}%)",
                base.threshold_pct
            ));
        }
    }
    for sig in ["int", "mix"] {
        let lazy = now.instructions_per_call.get(&format!("lazy_{sig}"));
        let plt = now.instructions_per_call.get(&format!("plt_{sig}"));
        if let (Some(&l), Some(&p)) = (lazy, plt) {
            if l > p + 1e-9 {
                c.failures.push(format!(
                    "lazy_{sig}: {l:.2} instructions per call, more than the direct PLT call ({p:.2})"
                ));
            }
        }
    }
    c
}

/// Reads a baseline file.
pub fn read_baseline(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a baseline file.
pub fn write_baseline(path: &Path, base: &Baseline) -> Result<(), String> {
    let text = serde_json::to_string_pretty(base).map_err(|e| e.to_string())? + "\n";
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
