//! What aotinterop's tests (and the samples builder) share, once: the repository root, running a
//! tool and showing its output when it fails, the wine prefix, running an image for a row of the
//! model's target table (natively, under qemu-user or under wine), the runtime archive of a row,
//! the downloaded corpora, and Mono's `mcs` and `monodis`.
//!
//! Every tool is required: a missing one fails the test with the Debian package to install
//! (`scripts/install-deps` installs them all). This crate depends on the model crate only, so
//! that every crate's tests can use it without a second copy of their own crate's types.

pub mod mono;

use aotinterop_model::{Runner, TargetRow};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

/// The repository root.
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// The program `name` on `PATH`, if there is one.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `program` on `PATH`, or a failed test naming the Debian package that brings it.
pub fn require(program: &str, package: &str) -> PathBuf {
    on_path(program).unwrap_or_else(|| {
        panic!("`{program}` is not installed (Debian package {package}; run scripts/install-deps)")
    })
}

/// LLVM's Mach-O linker (`ld64.lld`, which Debian installs with a version suffix), or a failed
/// test naming the package.
pub fn ld64_lld() -> PathBuf {
    std::iter::once("ld64.lld".to_string())
        .chain((14..=20).map(|v| format!("ld64.lld-{v}")))
        .find_map(|n| on_path(&n))
        .unwrap_or_else(|| {
            panic!("`ld64.lld` is not installed (Debian package lld; run scripts/install-deps)")
        })
}

/// `ld64.lld -dylib` for `arch` (`arm64`, `x86_64`) and macOS 12, ready for `-o` and inputs.
pub fn ld64_lld_dylib(arch: &str) -> Command {
    let mut c = Command::new(ld64_lld());
    c.args([
        "-dylib",
        "-arch",
        arch,
        "-platform_version",
        "macos",
        "12.0",
        "12.0",
    ]);
    c
}

/// Runs a command and returns its output, failing the test when it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs a command that must succeed (`what` names it in the failure), returning its output.
pub fn run_ok(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {what} ({cmd:?}): {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{cmd:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a command that must succeed, returning its standard output.
pub fn check(cmd: &mut Command) -> String {
    let what = format!("{:?}", cmd.get_program());
    String::from_utf8_lossy(&run_ok(cmd, &what).stdout).into_owned()
}

/// The wine prefix of the tests (`.cache/wine`), prepared once per process by
/// `scripts/wine-prefix`.
pub fn wine_prefix() -> PathBuf {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX
        .get_or_init(|| {
            let out = check(&mut Command::new(repo_root().join("scripts/wine-prefix")));
            PathBuf::from(out.trim())
        })
        .clone()
}

/// A command that runs `image` for `row`: directly, under qemu-user with the row's sysroot (its
/// `lib/` first on the guest's library path, so that Debian's arm64 multiarch libraries never mix
/// another libc build into the process), or under wine in the test prefix.
pub fn image_command(row: &TargetRow, image: &Path) -> Command {
    match row.runner {
        Runner::Native => Command::new(image),
        Runner::Qemu { program, sysroot } => {
            let mut c = Command::new(require(program, "qemu-user"));
            c.arg("-L")
                .arg(sysroot)
                .arg("-E")
                .arg(format!("LD_LIBRARY_PATH={sysroot}/lib"))
                .arg(image);
            c
        }
        Runner::Wine => {
            let mut c = Command::new(require("wine", "wine64"));
            c.env("WINEDEBUG", "-all")
                .env("WINEPREFIX", wine_prefix())
                .arg(image);
            c
        }
        Runner::None => panic!("images for {} cannot run on this machine", row.rid),
    }
}

/// Held while an image of `row` runs under wine: one wine start at a time in a test process
/// (two at once in a fresh prefix can fail to start with "ShellExecuteEx failed").
pub fn wine_turn(row: &TargetRow) -> Option<std::sync::MutexGuard<'static, ()>> {
    static WINE: Mutex<()> = Mutex::new(());
    (row.runner == Runner::Wine).then(|| WINE.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Runs `image` for `row` with `args` and returns what it did (one wine start at a time).
pub fn run_image(row: &TargetRow, image: &Path, args: &[&Path]) -> Output {
    let _turn = wine_turn(row);
    run(image_command(row, image).args(args))
}

/// Runs `image` for `row`, which must succeed, and returns its standard output (without `\r`).
pub fn run_image_ok(row: &TargetRow, image: &Path, args: &[&Path]) -> String {
    let out = run_image(row, image, args);
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}{}",
        image.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

/// The folder of the runtime archives (`<rust-triple>/libaotinterop_runtime.a`):
/// `AOTINTEROP_RUNTIME_DIR`, else where `scripts/build-runtime` writes them.
pub fn runtime_dir() -> PathBuf {
    std::env::var_os("AOTINTEROP_RUNTIME_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/aotinterop-runtime"))
}

/// The runtime archive of `row`, built by `scripts/build-runtime` (a no-op when up to date).
pub fn runtime_archive(row: &TargetRow) -> PathBuf {
    static BUILD: Mutex<()> = Mutex::new(());
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let out = check(Command::new(repo_root().join("scripts/build-runtime")).arg(row.rust_triple));
    let path = PathBuf::from(out.lines().last().unwrap_or_default().trim());
    let path = if path.is_absolute() {
        path
    } else {
        repo_root().join(path)
    };
    assert!(
        path.is_file(),
        "scripts/build-runtime did not produce {}",
        path.display()
    );
    path
}

/// A downloaded corpus folder (`.cache/corpora/NAME`); fails (never skips) when it is missing.
pub fn corpus(name: &str) -> PathBuf {
    let dir = repo_root().join(".cache/corpora").join(name);
    assert!(
        dir.join(".complete").exists(),
        "corpus `{name}` is missing from {}: run scripts/install-deps (or scripts/fetch-corpora)",
        dir.display()
    );
    dir
}

/// Every `.dll` of a folder, sorted.
pub fn dlls(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "dll"))
        .collect();
    v.sort();
    v
}

/// Feeds every `.bin` file of `dir` (inputs that once crashed or hung a reader) to `read`, in
/// name order; each must return within 2 s. Fails when the folder holds none.
pub fn replay_regression_inputs(dir: &Path, mut read: impl FnMut(&Path, &[u8])) {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "bin"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no regression inputs in {}", dir.display());
    for input in inputs {
        let bytes = std::fs::read(&input).unwrap();
        let start = std::time::Instant::now();
        read(&input, &bytes);
        let took = start.elapsed();
        assert!(
            took < std::time::Duration::from_secs(2),
            "{} took {took:?}",
            input.display()
        );
    }
}
