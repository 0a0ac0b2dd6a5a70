//! How each sample is built and run. Every recipe returns the runs a user would make, each with
//! what it printed, so the command line shows them and the tests check them.

use crate::toolchain::Toolchain;
use crate::{mcs, publish};
use std::path::{Path, PathBuf};

/// One run of a built program.
#[derive(Debug)]
pub struct RunResult {
    /// What was run, in words.
    pub what: String,
    /// Exit code (None when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Options of a build.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Print no progress.
    pub quiet: bool,
    /// Build only; run nothing.
    pub build_only: bool,
}

impl Options {
    /// Build quietly and run nothing.
    pub const BUILD_ONLY: Options = Options {
        quiet: true,
        build_only: true,
    };
    /// Build and run quietly.
    pub const QUIET: Options = Options {
        quiet: true,
        build_only: false,
    };
}

struct Ctx<'a> {
    tc: &'a Toolchain,
    dir: PathBuf,
    opts: Options,
    runs: Vec<RunResult>,
}

impl Ctx<'_> {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn obj(&self, name: &str) -> PathBuf {
        self.dir.join("obj").join(self.tc.rid).join(name)
    }

    /// Compiles the C file that stands in for an AOT compiler's output of `Main`, except on
    /// linux-x64, where the request says `compiler: mono` and Mono's AOT compiler compiles the C#.
    fn stand_in(&self, c_file: &str) -> Result<(), String> {
        if self.tc.rid == "linux-x64" {
            return Ok(());
        }
        let object = Path::new(c_file).with_extension("o");
        self.tc
            .object(&self.path(c_file), &self.obj(&object.to_string_lossy()), &[])?;
        if self.tc.is_win_arm64() {
            self.tc.win_arm64_sdk(&self.obj("sdk"))?;
        }
        Ok(())
    }

    fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(self.tc.rid).join(name)
    }

    fn publish(&self, request: &str) -> Result<PathBuf, String> {
        let request = self.path(&format!("{request}.{}.json", self.tc.rid));
        if !self.opts.quiet {
            println!("aotinterop publish {}", request.display());
        }
        publish(&request, self.opts.quiet)
    }

    fn run(&mut self, what: &str, image: &Path, args: &[&str], cwd: &Path) -> Result<(), String> {
        if self.opts.build_only {
            return Ok(());
        }
        if !self.tc.row.runs_here() {
            if !self.opts.quiet {
                println!(
                    "\n(not run: nothing runs {} images here; the publish verified it)",
                    self.tc.rid
                );
            }
            return Ok(());
        }
        let out = self.tc.run(image, args, cwd)?;
        let r = RunResult {
            what: what.to_string(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"),
            stderr: String::from_utf8_lossy(&out.stderr).replace("\r\n", "\n"),
        };
        if !self.opts.quiet {
            let code = r
                .code
                .map_or("none: killed by a signal".to_string(), |c| c.to_string());
            println!("\n$ {what}\n{}{}(exit code {code})", r.stdout, r.stderr);
        }
        self.runs.push(r);
        Ok(())
    }
}

/// Builds (and unless `build_only`, runs) `sample` for the toolchain's RID.
pub fn build(sample: &str, tc: &Toolchain, opts: Options) -> Result<Vec<RunResult>, String> {
    let dir = tc.repo.join("samples").join(sample);
    if !dir.is_dir() {
        return Err(format!(
            "no sample `{sample}` (samples: {})",
            crate::SAMPLES.join(", ")
        ));
    }
    crate::ensure_runtime(tc)?;
    let mut cx = Ctx {
        tc,
        dir,
        opts,
        runs: Vec::new(),
    };
    match sample {
        "hello" => hello(&mut cx)?,
        "static-shim" => static_shim(&mut cx)?,
        "native-exports" => native_exports(&mut cx)?,
        "fail-fast" => fail_fast(&mut cx)?,
        "search-paths" => search_paths(&mut cx)?,
        "no-import-lib" => no_import_lib(&mut cx)?,
        "sqlite" => sqlite(&mut cx)?,
        other => return Err(format!("no recipe for sample `{other}`")),
    }
    Ok(cx.runs)
}

fn hello(cx: &mut Ctx<'_>) -> Result<(), String> {
    mcs(&[cx.path("Hello.cs")], &cx.path("obj/Hello.exe"), &[])?;
    cx.stand_in("hello.c")?;
    let image = cx.publish("request")?;
    if cx.tc.is_musl() {
        cx.tc.zlib_for_musl(&cx.bin("libz.so.1"))?;
    }
    let dir = cx.dir.clone();
    cx.run("hello", &image, &[], &dir)
}

fn static_shim(cx: &mut Ctx<'_>) -> Result<(), String> {
    mcs(
        &[cx.path("StaticShim.cs")],
        &cx.path("obj/StaticShim.exe"),
        &["-unsafe"],
    )?;
    let out = cx.obj("");
    cx.tc
        .static_lib("SampleNative", &[cx.path("shim/samplenative.cpp")], true, &out)?;
    cx.stand_in("main.c")?;
    let image = cx.publish("request")?;
    let dir = cx.dir.clone();
    cx.run("static-shim", &image, &[], &dir)
}

fn native_exports(cx: &mut Ctx<'_>) -> Result<(), String> {
    mcs(
        &[cx.path("NativeExports.cs")],
        &cx.path("obj/NativeExports.dll"),
        &["-target:library"],
    )?;
    cx.tc.object(&cx.path("exports.c"), &cx.obj("exports.o"), &[])?;
    let shared = cx.publish("request")?;
    let archive = cx.publish("request.static")?;
    let host = cx.bin(&cx.tc.exe("host"));
    let dl: Vec<String> = if cx.tc.is_windows() {
        vec![]
    } else {
        vec!["-ldl".into()]
    };
    cx.tc.program(&[cx.path("host.c")], &dl, &host)?;
    let host_static = cx.bin(&format!("static/{}", cx.tc.exe("host_static")));
    let mut libs = vec![archive.display().to_string()];
    libs.extend(cx.tc.runtime_libs());
    cx.tc.program(&[cx.path("host_static.c")], &libs, &host_static)?;
    let bin = cx.bin("");
    let lib_arg = shared
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let lib_path = if cx.tc.is_windows() {
        lib_arg.clone()
    } else {
        format!("./{lib_arg}")
    };
    cx.run(
        "host (dlopen/LoadLibrary of the NativeLib=Shared image)",
        &host,
        &[&lib_path],
        &bin,
    )?;
    let static_dir = host_static.parent().unwrap_or(&bin).to_path_buf();
    cx.run(
        "host_static (linked with the NativeLib=Static archive)",
        &host_static,
        &[],
        &static_dir,
    )
}

fn fail_fast(cx: &mut Ctx<'_>) -> Result<(), String> {
    mcs(&[cx.path("FailFast.cs")], &cx.path("obj/FailFast.exe"), &[])?;
    cx.tc.shared_lib(
        &cx.path("dep.c"),
        &cx.obj(&format!("dep/{}", cx.tc.shared("failfast-dep"))),
        &[],
    )?;
    cx.stand_in("main.c")?;
    let direct = cx.publish("request.direct")?;
    let lazy = cx.publish("request.lazy")?;
    let dir = cx.dir.clone();
    cx.run(
        "fail-fast, direct build (failfast-dep is not shipped)",
        &direct,
        &[],
        &dir,
    )?;
    cx.run(
        "fail-fast, lazy build (failfast-dep is not shipped)",
        &lazy,
        &[],
        &dir,
    )
}

fn search_paths(cx: &mut Ctx<'_>) -> Result<(), String> {
    if cx.tc.is_windows() {
        return Err("the search-paths sample is for Linux RIDs (it shows rpath and the Unix loader)".into());
    }
    mcs(&[cx.path("SearchPaths.cs")], &cx.path("obj/SearchPaths.exe"), &[])?;
    let src = cx.path("libs.c");
    // Next to the image: found by the lazy resolver's AssemblyDirectory step.
    cx.tc.shared_lib(
        &src,
        &cx.bin("libsp-next.so"),
        &[
            ("VALUE_NAME", "next_value"),
            ("ALSO_NAME", "next_value_system32"),
            ("VALUE", "1"),
        ],
    )?;
    // For the link, and in plugins/ for the loader (rpath $ORIGIN/plugins).
    let sub = [("VALUE_NAME", "sub_value"), ("VALUE", "2")];
    cx.tc.shared_lib(&src, &cx.obj("libs/libsp-sub.so"), &sub)?;
    cx.tc.shared_lib(&src, &cx.bin("plugins/libsp-sub.so"), &sub)?;
    // Only in the folder the program runs from.
    let cwd = cx.obj("cwd");
    cx.tc.shared_lib(
        &src,
        &cwd.join("libsp-cwd.so"),
        &[("VALUE_NAME", "cwd_value"), ("VALUE", "4")],
    )?;
    cx.stand_in("main.c")?;
    let image = cx.publish("request")?;
    cx.run(
        "search-paths (run from a folder holding libsp-cwd.so)",
        &image,
        &[],
        &cwd,
    )
}

fn no_import_lib(cx: &mut Ctx<'_>) -> Result<(), String> {
    if cx.tc.is_win_arm64() {
        return Err(
            "the no-import-lib sample runs what it publishes; nothing runs win-arm64 images here".into(),
        );
    }
    mcs(&[cx.path("VendorApp.cs")], &cx.path("obj/VendorApp.exe"), &[])?;
    // The vendor's library alone: a DLL from a .def file with no import library, or a versioned
    // shared library; it stays out of the link, which sees only a generated stand-in.
    let src = cx.path("vendor/vendor.c");
    let (real, extra) = if cx.tc.is_windows() {
        (
            cx.obj("vendor/vendor.dll"),
            vec![cx.path("vendor/vendor.def").display().to_string()],
        )
    } else {
        (
            cx.obj("vendor/libvendor.so"),
            vec![
                "-Wl,-soname,libvendor.so".to_string(),
                format!("-Wl,--version-script,{}", cx.path("vendor/vendor.map").display()),
            ],
        )
    };
    cx.tc.vendor_lib(&[src], &extra, &real)?;
    // Compiled by itself on every RID (no Mono AOT compile: the C stands in everywhere).
    cx.tc.object(&cx.path("main.c"), &cx.obj("main.o"), &[])?;
    // Publish as on a build machine that has never seen the library (a deployment of an earlier
    // run would be read for its exports).
    let name = real.file_name().unwrap_or_default();
    let deployed = cx.bin("").join(name);
    let _ = std::fs::remove_file(&deployed);
    let image = cx.publish("request")?;
    // Deploy the vendor's library beside the image, as the app ships it.
    std::fs::copy(&real, &deployed).map_err(|e| format!("{}: {e}", deployed.display()))?;
    let dir = cx.dir.clone();
    cx.run(
        "no-import-lib (the vendor library deployed beside it)",
        &image,
        &[],
        &dir,
    )
}

fn sqlite(cx: &mut Ctx<'_>) -> Result<(), String> {
    if cx.tc.rid != "linux-x64" {
        return Err("the sqlite sample is compiled by Mono's AOT compiler: linux-x64 only".into());
    }
    mcs(
        &[cx.path("Sqlite.cs")],
        &cx.path("obj/Sqlite.exe"),
        &["-r:Mono.Data.Sqlite.dll", "-r:System.Data.dll"],
    )?;
    let lazy = cx.publish("request")?;
    let static_image = cx.publish("request.static")?;
    let dir = cx.dir.clone();
    cx.run("sqlite (sqlite3 bound lazily)", &lazy, &[], &dir)?;
    cx.run(
        "sqlite (SQLite linked in from libsqlite3.a, bound directly)",
        &static_image,
        &[],
        &dir,
    )
}
