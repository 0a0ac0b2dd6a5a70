//! Builds and runs aotinterop's sample apps. For a sample and a RID it compiles the managed side
//! with Mono's `mcs` into a real assembly, the native side (the C that stands in for the .NET AOT
//! compiler's output, and native libraries such as the C++ shim) with the cc crate, builds the
//! aotinterop runtime for the target, and publishes the image with `aotinterop publish`.

pub mod recipes;
pub mod toolchain;

use aotinterop::pipeline::{self, Event};
use std::path::{Path, PathBuf};
use std::process::Command;
pub use toolchain::{rids, Toolchain};

/// The samples, by folder name.
pub const SAMPLES: &[&str] = &[
    "hello",
    "static-shim",
    "native-exports",
    "fail-fast",
    "search-paths",
    "no-import-lib",
    "sqlite",
];

pub use aotinterop_testkit::repo_root;

/// Compiles C# sources with Mono's `mcs` into `out`.
pub fn mcs(sources: &[PathBuf], out: &Path, extra: &[&str]) -> Result<(), String> {
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut cmd = Command::new("mcs");
    cmd.arg(format!("-out:{}", out.display()))
        .args(extra)
        .args(sources);
    toolchain::run_tool(&mut cmd).map_err(|e| {
        if e.starts_with("cannot run") {
            format!(
                "{e}\n(install Mono's C# compiler: `apt-get install mono-mcs`, or run scripts/install-deps)"
            )
        } else {
            e
        }
    })
}

pub use aotinterop_testkit::runtime_dir;

/// Builds the aotinterop runtime for the toolchain's target (scripts/build-runtime) unless it is
/// already there.
pub fn ensure_runtime(tc: &Toolchain) -> Result<(), String> {
    let root = runtime_dir();
    if root.join(tc.triple).join("libaotinterop_runtime.a").is_file() {
        return Ok(());
    }
    let mut cmd = Command::new(tc.repo.join("scripts/build-runtime"));
    cmd.arg(tc.triple);
    toolchain::run_tool(&mut cmd)
}

/// Publishes a request file, printing one line per step unless `quiet`.
pub fn publish(request: &Path, quiet: bool) -> Result<PathBuf, String> {
    let mut loaded = aotinterop::PublishRequest::load(request).map_err(|e| e.to_string())?;
    if loaded.request.runtime_dir.is_none() {
        loaded.request.runtime_dir = Some(runtime_dir());
    }
    let mut observer = |event: Event<'_>| {
        if let Event::Finished(s) = event {
            if !quiet {
                println!("{:>9}  {} ({:.1} ms)", s.step.name(), s.detail, s.millis);
            }
        }
    };
    match pipeline::publish(&loaded, &mut observer) {
        Ok(report) => {
            for d in &report.diagnostics {
                eprintln!("{d}");
            }
            Ok(report.output)
        }
        Err(f) => Err(format!("{} failed: {}", f.step.name(), f.error)),
    }
}
