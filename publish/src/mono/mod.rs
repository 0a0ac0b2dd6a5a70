//! Mono's ahead-of-time compiler (`compiler: mono`): where Mono is installed, which assemblies an
//! app compiles into (its closure, [`closure`]), which of their P/Invokes Mono's runtime binds
//! itself ([`runtime_own`]), and the compile step ([`compile`]).

mod closure;
mod compile;
mod host;
mod runtime_own;

pub use closure::{closure, Closure, Member, Origin};
pub use compile::{
    cache_root, can_be_folder, can_make, compile, named_cache_root, untrusted_cache, Compiled,
};
pub use runtime_own::{runtime_own, set_apart_runtime_imports};

use aotinterop_model::diag::{codes, Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The error of the compile step.
fn err(message: impl Into<String>) -> Error {
    Error::new(codes::AOT_COMPILE_FAILED, message)
}

/// The Mono installation that compiles.
pub struct Mono {
    program: PathBuf,
    /// `Mono JIT compiler version 6.8.0.105 (...)`.
    version: String,
    /// `PREFIX/lib/mono/4.5`: the framework assemblies.
    framework: PathBuf,
    /// `PREFIX/include/mono-2.0`.
    include: PathBuf,
}

/// A file Mono's install must have, and the Debian package that brings it.
fn require(path: PathBuf, what: &str, package: &str) -> Result<PathBuf> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(err(format!(
            "{what} ({}) is missing: install {package}",
            path.display()
        )))
    }
}

impl Mono {
    /// Finds `mono` on PATH and checks that its headers and static runtime are installed.
    pub fn find() -> Result<Self> {
        let program = aotinterop_linker::driver::find_program(Path::new("mono"))
            .ok_or_else(|| err("Mono's AOT compiler (`mono`) is not on PATH: install mono-runtime"))?;
        let out =
            aotinterop_linker::driver::run_program(Command::new(&program).arg("--version")).map_err(|e| {
                err(format!(
                    "cannot run {}: {}",
                    program.display(),
                    aotinterop_model::diag::io_words(&e)
                ))
            })?;
        let version = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        let real = program.canonicalize().unwrap_or_else(|_| program.clone());
        let prefix = real
            .parent()
            .and_then(Path::parent)
            .ok_or_else(|| err("cannot tell Mono's prefix from its program"))?;
        let framework = prefix.join("lib/mono/4.5");
        require(framework.join("mscorlib.dll"), "Mono's framework", "mono-runtime")?;
        let include = prefix.join("include/mono-2.0");
        require(
            include.join("mono/jit/jit.h"),
            "Mono's headers",
            "libmono-2.0-dev",
        )?;
        require(
            prefix.join("lib/libmonosgen-2.0.a"),
            "Mono's static runtime",
            "libmonosgen-2.0-dev",
        )?;
        Ok(Mono {
            framework,
            include,
            program,
            version,
        })
    }

    /// The framework folder (`PREFIX/lib/mono/4.5`).
    pub fn framework(&self) -> &Path {
        &self.framework
    }
}
