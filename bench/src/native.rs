//! Builds the native parts of the call-path benchmarks with the real tools: the C compiler,
//! the stub emitter, the runtime archive of `scripts/build-runtime` and aotinterop's own linker
//! driver (so the harness is linked exactly like a published image: `-z now`, relro,
//! `-rpath $ORIGIN`, a version script).
//!
//! - `libtarget.so`: the callee (`callee_int`, `callee_mix` from `c/callee.c`) and `many`
//!   distinct functions `f<i>` for first calls;
//! - `libcold.so`: the callee again, loaded only by a first call;
//! - `libcallpaths.so`: `c/harness.c` + the callee compiled into the image + the emitted stub
//!   object (lazy imports of both libraries) + the runtime, linked against `libtarget.so`;
//! - `cg_driver`: the program run under callgrind (`c/cg_driver.c`).

use crate::{bench_dir, run_ok};
use aotinterop_linker::driver::{link, select, LinkJob, LinkerChoice, OutputKind};
use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::{PlannedImport, Target, TargetRow};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target table's row of the benchmarks: linux-x64.
pub fn row() -> &'static TargetRow {
    TargetRow::of_rid("linux-x64").expect("linux-x64 is in the target table")
}

/// The emitter's target for linux-x64.
pub fn target() -> Target {
    row().target
}

/// The C compiler (`CC`, else `cc`).
pub fn cc() -> Command {
    Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()))
}

/// The C sources of the benchmarks.
pub fn c_dir() -> PathBuf {
    bench_dir().join("c")
}

/// The runtime archive, built (or found up to date) by `scripts/build-runtime`.
pub fn runtime_archive() -> Result<PathBuf, String> {
    let p = aotinterop_testkit::runtime_archive(row());
    // The publish pipeline finds it here too (the benchmark binaries live elsewhere).
    if std::env::var_os("AOTINTEROP_RUNTIME_DIR").is_none() {
        if let Some(dir) = p.parent().and_then(Path::parent) {
            std::env::set_var("AOTINTEROP_RUNTIME_DIR", dir);
        }
    }
    Ok(p)
}

/// The system libraries the runtime archive needs (`-l` names).
pub fn runtime_system_libs() -> Vec<String> {
    row().runtime_libs.iter().map(|l| l.to_string()).collect()
}

/// Compiles `src` into a shared library `out` with soname = its file name.
pub fn shared_library(srcs: &[PathBuf], out: &Path, extra: &[&str]) -> Result<(), String> {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    run_ok(
        cc().args(["-O2", "-fPIC", "-shared", "-fno-lto"])
            .arg(format!("-Wl,-soname,{name}"))
            .args(extra)
            .args(srcs)
            .arg("-o")
            .arg(out),
    )?;
    Ok(())
}

/// Compiles one C file to an object.
pub fn object(src: &Path, out: &Path, args: &[String]) -> Result<(), String> {
    run_ok(
        cc().args(["-O2", "-fPIC", "-fno-lto", "-c"])
            .args(args)
            .arg(src)
            .arg("-o")
            .arg(out),
    )?;
    Ok(())
}

/// Writes a C file of `n` functions `uint64_t f<i>(uint64_t x) { return x + i; }`.
pub fn write_many_functions(path: &Path, n: usize) -> Result<(), String> {
    let mut s = String::from("#include <stdint.h>\n");
    for i in 0..n {
        let _ = writeln!(s, "uint64_t f{i}(uint64_t x) {{ return x + {i}; }}");
    }
    std::fs::write(path, s).map_err(|e| format!("{}: {e}", path.display()))
}

/// Links with aotinterop's driver for linux-x64.
pub fn link_image(job: &LinkJob) -> Result<(), String> {
    let linker = select(&job.target, job.kind, &LinkerChoice::default()).map_err(|e| e.to_string())?;
    link(linker.as_ref(), job).map_err(|e| e.to_string())?;
    Ok(())
}

/// How to build the call-path harness.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Distinct lazy imports `f<i>` (first calls into an already-loaded library).
    pub many: usize,
    /// Extra instructions per lazy call (to show the regression check failing).
    pub slowdown: u32,
    /// Also build the callgrind driver.
    pub driver: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            many: 16,
            slowdown: 0,
            driver: true,
        }
    }
}

/// The built call-path harness.
#[derive(Debug)]
pub struct CallPaths {
    /// Folder of everything built.
    pub dir: PathBuf,
    /// `libcallpaths.so`.
    pub harness: PathBuf,
    /// `libtarget.so`.
    pub target_lib: PathBuf,
    /// The callgrind driver, when built.
    pub driver: Option<PathBuf>,
    /// The stub object's bytes.
    pub stubs: Vec<u8>,
}

/// The lazy imports of the harness: the callee in both libraries, then `f0..f<many>`.
pub fn harness_imports(many: usize) -> Vec<PlannedImport> {
    let mut v = vec![
        PlannedImport::lazy("pinvoke_int", "target", "callee_int"),
        PlannedImport::lazy("pinvoke_mix", "target", "callee_mix"),
        PlannedImport::lazy("pinvoke_cold_int", "cold", "callee_int"),
        PlannedImport::lazy("pinvoke_cold_mix", "cold", "callee_mix"),
    ];
    v.extend((0..many).map(|i| PlannedImport::lazy(&format!("pinvoke_f{i}"), "target", &format!("f{i}"))));
    v
}

/// The functions the harness exports.
pub const HARNESS_EXPORTS: &[&str] = &[
    "harness_init",
    "run_local_int",
    "run_plt_int",
    "run_lazy_int",
    "run_check_int",
    "run_fnptr_int",
    "run_dlsym_int",
    "run_local_mix",
    "run_plt_mix",
    "run_lazy_mix",
    "run_check_mix",
    "run_fnptr_mix",
    "run_dlsym_mix",
    "run_first_int",
    "run_first_mix",
    "reset_many",
    "many_count",
    "run_first_many",
    "cold_unload",
    "call_cold_int",
    "call_cold_mix",
];

/// Builds the harness into `dir`.
pub fn build_callpaths(dir: &Path, opts: &Options) -> Result<CallPaths, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let archive = runtime_archive()?;
    let c = c_dir();
    let w = |p: &Path, s: &[u8]| std::fs::write(p, s).map_err(|e| format!("{}: {e}", p.display()));

    // the libraries
    let many_c = dir.join("many.c");
    write_many_functions(&many_c, opts.many)?;
    let target_lib = dir.join("libtarget.so");
    shared_library(&[c.join("callee.c"), many_c], &target_lib, &[])?;
    shared_library(&[c.join("callee.c")], &dir.join("libcold.so"), &[])?;

    // the stub object
    let stubs =
        emit(&target(), &harness_imports(opts.many), &StubOptions::default()).map_err(|e| e.to_string())?;
    let stubs_o = dir.join("stubs.o");
    w(&stubs_o, &stubs)?;

    // the harness objects
    let mut h = String::from("#include <stdint.h>\n");
    for i in 0..opts.many {
        let _ = writeln!(h, "STUB uint64_t pinvoke_f{i}(uint64_t);");
    }
    h.push_str("static const int_fn many[] = {\n");
    for i in 0..opts.many {
        let _ = writeln!(h, "    pinvoke_f{i},");
    }
    h.push_str("};\n");
    w(&dir.join("many.h"), h.as_bytes())?;
    let harness_o = dir.join("harness.o");
    object(
        &c.join("harness.c"),
        &harness_o,
        &[
            format!("-I{}", dir.display()),
            format!("-DBENCH_MANY={}", opts.many),
            format!("-DBENCH_SLOWDOWN={}", opts.slowdown),
        ],
    )?;
    let local_o = dir.join("callee_local.o");
    object(&c.join("callee.c"), &local_o, &["-DCALLEE_LOCAL".into()])?;

    // linked like a published shared library
    let harness = dir.join("libcallpaths.so");
    let mut job = LinkJob::new(target(), OutputKind::Shared, &harness);
    job.objects = vec![harness_o, local_o, stubs_o];
    job.native_libraries = vec![target_lib.clone()];
    job.runtime_inputs = vec![archive];
    for l in runtime_system_libs() {
        if !job.system_libs.contains(&l) {
            job.system_libs.push(l);
        }
    }
    job.exports = HARNESS_EXPORTS.iter().map(|s| s.to_string()).collect();
    link_image(&job)?;

    let driver = if opts.driver {
        let d = dir.join("cg_driver");
        run_ok(
            cc().args(["-O2", "-fno-lto"])
                .arg(c.join("cg_driver.c"))
                .arg("-o")
                .arg(&d)
                .arg("-ldl"),
        )?;
        Some(d)
    } else {
        None
    };
    Ok(CallPaths {
        dir: dir.to_path_buf(),
        harness,
        target_lib,
        driver,
        stubs,
    })
}
