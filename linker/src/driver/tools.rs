//! Finding programs and the MinGW-w64 library folders.

use aotinterop_model::lazy_rules::names_directory_by_another_name;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Finds `name` on `PATH` (or checks it, when it names a folder too). Only absolute `PATH`
/// elements are searched: an empty or relative one (`PATH=:/usr/bin`) would run a program
/// planted in the current directory. Unset, `PATH` is the C library's default. Hand-written: a
/// dozen lines, where a crate would add a dependency for the same `PATH` walk.
pub fn find_program(name: &Path) -> Option<PathBuf> {
    let is_file = |p: &Path| p.is_file();
    if name.components().count() > 1 {
        return is_file(name).then(|| name.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let here = Path::new(".");
    let searched = |d: &PathBuf| d.is_absolute() && !names_directory_by_another_name(d, here);
    for dir in std::env::split_paths(&path).filter(searched) {
        let candidate = dir.join(name);
        if is_file(&candidate) {
            return Some(candidate);
        }
        if cfg!(windows) {
            let exe = candidate.with_extension("exe");
            if is_file(&exe) {
                return Some(exe);
            }
        }
    }
    None
}

/// The library folders of the MinGW-w64 GCC for `triple` (where `libkernel32.a` and the
/// other import libraries are), from `TRIPLE-gcc -print-search-dirs`. Empty when that GCC is
/// not installed.
pub fn mingw_lib_dirs(triple: &str) -> Vec<PathBuf> {
    cc_lib_dirs(Path::new(&format!("{triple}-gcc")), &[]).unwrap_or_default()
}

/// The library search folders a GNU-style compiler driver uses (`-print-search-dirs`), with
/// `sysroot` applied; an error (AOTI1521) saying why when it cannot be asked (not on PATH,
/// no process to run it in, no answer).
pub fn cc_lib_dirs(program: &Path, extra_args: &[String]) -> crate::diag::Result<Vec<PathBuf>> {
    let unknown = |why: String| crate::diag::Error::new(crate::diag::codes::SEARCH_INCOMPLETE, why);
    let asked = format!("`{} -print-search-dirs`", program.display());
    let Some(program) = find_program(program) else {
        return Err(unknown(format!("{} is not on PATH", program.display())));
    };
    let out = super::run_program(Command::new(program).args(extra_args).arg("-print-search-dirs"))
        .map_err(|e| unknown(format!("{asked} could not run: {e}")))?;
    if !out.status.success() {
        return Err(unknown(format!("{asked} failed ({})", out.status)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(line) = text.lines().find_map(|l| l.strip_prefix("libraries: ")) else {
        return Err(unknown(format!("{asked} printed no `libraries:` line")));
    };
    let line = line.strip_prefix('=').unwrap_or(line);
    let mut dirs: Vec<PathBuf> = Vec::new();
    for d in std::env::split_paths(line) {
        if let Ok(d) = d.canonicalize() {
            if d.is_dir() && !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    Ok(dirs)
}

/// The target a GNU-style compiler driver builds for (`-dumpmachine`: `x86_64-linux-gnu`,
/// `aarch64-unknown-linux-gnu`, `i686-w64-mingw32`); `None` when it cannot be asked.
pub fn cc_machine(program: &Path, extra_args: &[String]) -> Option<String> {
    let program = find_program(program)?;
    let out = super::run_program(Command::new(program).args(extra_args).arg("-dumpmachine")).ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !text.is_empty() && !text.contains(char::is_whitespace)).then_some(text)
}

/// `cmd` with its program found by [`find_program`] when it is a bare name, so that an empty or
/// relative `PATH` element never runs a program from the current directory; `NotFound` when
/// no absolute `PATH` folder holds it.
pub(crate) fn on_path(cmd: &Command) -> std::io::Result<Command> {
    let program = Path::new(cmd.get_program());
    let found = find_program(program).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "{} is not in any absolute PATH folder (empty and relative PATH elements are not searched)",
                program.display()
            ),
        )
    })?;
    let mut resolved = Command::new(found);
    resolved.args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => resolved.env(k, v),
            None => resolved.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        resolved.current_dir(dir);
    }
    // The search lists the program (and those it runs: `collect2`, `ld`) reads, without their
    // empty and relative elements, which name the current directory: programs through `PATH`
    // and `COMPILER_PATH`, libraries the linker itself loads through `LD_LIBRARY_PATH`, link
    // inputs through `LIBRARY_PATH`; a relative `GCC_EXEC_PREFIX` is dropped.
    for var in [
        "PATH",
        "COMPILER_PATH",
        "LIBRARY_PATH",
        "LD_LIBRARY_PATH",
        "GCC_EXEC_PREFIX",
    ] {
        let given = cmd
            .get_envs()
            .find(|(k, _)| *k == var)
            .map(|(_, v)| v.map(ToOwned::to_owned));
        let Some(value) = given.unwrap_or_else(|| std::env::var_os(var)) else {
            continue;
        };
        // `/proc/self/cwd` and other names of the folder the program runs in are dropped too.
        let runs_in = cmd.get_current_dir().unwrap_or(Path::new("."));
        let absolute: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|d| d.is_absolute() && !names_directory_by_another_name(d, runs_in))
            .collect();
        match std::env::join_paths(&absolute) {
            Ok(joined) if !absolute.is_empty() => resolved.env(var, joined),
            _ => resolved.env_remove(var),
        };
    }
    Ok(resolved)
}
