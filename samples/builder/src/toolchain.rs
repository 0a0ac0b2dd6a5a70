//! Compilers and runners per RID: the cc crate picks the C/C++ compiler for the target triple
//! (gcc, aarch64-linux-gnu-gcc, x86_64-w64-mingw32-gcc), and images run as the test kit runs
//! them for the row (natively, under qemu-user or under wine).

use aotinterop_model::{Libc, Platform, TargetRow, TARGETS};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A RID the samples build for: its row of the model's target table, and the repository.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// The target table's row.
    pub row: &'static TargetRow,
    /// The .NET runtime identifier.
    pub rid: &'static str,
    /// The Rust/cc target triple.
    pub triple: &'static str,
    /// The repository root.
    pub repo: PathBuf,
}

/// The RIDs the samples build and run for: the rows of the target table that run here.
pub fn rids() -> Vec<&'static str> {
    TARGETS.iter().filter(|r| r.runs_here()).map(|r| r.rid).collect()
}

impl Toolchain {
    /// The toolchain of a RID: one the samples run for ([`rids`]), or win-arm64, which they
    /// build, publish and verify only (nothing runs its images here).
    pub fn for_rid(rid: &str, repo: &Path) -> Result<Self, String> {
        let row = TargetRow::of_rid(rid)
            .filter(|r| r.runs_here() || r.rid == "win-arm64")
            .ok_or_else(|| {
                format!(
                    "the samples build for {} and win-arm64 (not `{rid}`)",
                    rids().join(", ")
                )
            })?;
        Ok(Toolchain {
            row,
            rid: row.rid,
            triple: row.rust_triple,
            repo: repo.to_path_buf(),
        })
    }

    /// True for Windows RIDs.
    pub fn is_windows(&self) -> bool {
        self.row.platform() == Platform::Windows
    }

    /// `.exe` on Windows.
    pub fn exe(&self, name: &str) -> String {
        if self.is_windows() {
            format!("{name}.exe")
        } else {
            name.to_string()
        }
    }

    /// The file name of a shared library: `libNAME.so` or `NAME.dll`.
    pub fn shared(&self, name: &str) -> String {
        if self.is_windows() {
            format!("{name}.dll")
        } else {
            format!("lib{name}.so")
        }
    }

    /// True for win-arm64, built against the stand-in SDK of `win-arm64-sdk/`.
    pub fn is_win_arm64(&self) -> bool {
        self.row.target.format == aotinterop_model::Format::Coff
            && self.row.target.arch == aotinterop_model::Arch::Aarch64
    }

    fn cc(&self, out_dir: &Path, cpp: bool) -> cc::Build {
        let mut b = cc::Build::new();
        if self.is_win_arm64() {
            // clang with MinGW-w64's (architecture-neutral) headers; the C runtime's own printf
            // rather than MinGW's, which lives in a library not packaged for ARM64.
            b.compiler("clang")
                .flag("--target=aarch64-w64-mingw32")
                .flag("-isystem")
                .flag("/usr/share/mingw-w64/include")
                .define("__USE_MINGW_ANSI_STDIO", "0");
        }
        b.target(self.triple)
            .host(env!("SAMPLES_HOST_TRIPLE"))
            .opt_level(2)
            .debug(false)
            .out_dir(out_dir)
            .cargo_metadata(false)
            .cargo_warnings(false)
            .warnings(true)
            .cpp(cpp)
            .include(self.repo.join("runtime-stubs/include"));
        if cpp {
            b.cpp_link_stdlib(None).flag("-fno-exceptions").flag("-fno-rtti");
        }
        b
    }

    /// Compiles one C file into `out` (an object file).
    pub fn object(&self, src: &Path, out: &Path, defines: &[(&str, &str)]) -> Result<(), String> {
        let dir = out.parent().ok_or("object path has no folder")?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut b = self.cc(dir, false);
        b.file(src).pic(true);
        for (k, v) in defines {
            b.define(k, Some(*v));
        }
        let objs = b
            .try_compile_intermediates()
            .map_err(|e| format!("compiling {}: {e}", src.display()))?;
        let obj = objs.first().ok_or("the compiler produced no object")?;
        std::fs::rename(obj, out).map_err(|e| format!("{}: {e}", out.display()))
    }

    /// Compiles sources into `out_dir/libNAME.a`.
    pub fn static_lib(
        &self,
        name: &str,
        srcs: &[PathBuf],
        cpp: bool,
        out_dir: &Path,
    ) -> Result<PathBuf, String> {
        std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
        let mut b = self.cc(out_dir, cpp);
        b.files(srcs).pic(true);
        b.try_compile(name)
            .map_err(|e| format!("building lib{name}.a: {e}"))?;
        Ok(out_dir.join(format!("lib{name}.a")))
    }

    /// The target's C compiler as a command.
    fn compiler(&self, scratch: &Path) -> Command {
        self.cc(scratch, false).get_compiler().to_command()
    }

    /// Links a shared library from C sources and `extra` inputs (a `.def` file, linker flags) as a
    /// vendor ships one: the library alone, with no import library beside it.
    pub fn vendor_lib(&self, srcs: &[PathBuf], extra: &[String], out: &Path) -> Result<(), String> {
        let dir = out.parent().ok_or("library path has no folder")?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut cmd = self.compiler(dir);
        cmd.arg("-shared")
            .arg("-O2")
            .args(srcs)
            .args(extra)
            .arg("-o")
            .arg(out);
        if !self.is_windows() {
            cmd.arg("-fPIC");
        }
        run_tool(&mut cmd)
    }

    /// Links a shared library from one C file; on Windows also writes the import library
    /// `lib<dll>.a` beside it.
    pub fn shared_lib(&self, src: &Path, out: &Path, defines: &[(&str, &str)]) -> Result<(), String> {
        let dir = out.parent().ok_or("library path has no folder")?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut cmd = self.compiler(dir);
        cmd.arg("-shared").arg("-O2").arg(src).arg("-o").arg(out);
        for (k, v) in defines {
            cmd.arg(format!("-D{k}={v}"));
        }
        if self.is_windows() {
            let name = out.file_name().unwrap_or_default().to_string_lossy();
            cmd.arg(format!(
                "-Wl,--out-implib,{}",
                dir.join(format!("lib{name}.a")).display()
            ));
        } else {
            cmd.arg("-fPIC");
        }
        run_tool(&mut cmd)
    }

    /// Links a C program (a native host) from sources and libraries.
    pub fn program(&self, srcs: &[PathBuf], libs: &[String], out: &Path) -> Result<(), String> {
        let dir = out.parent().ok_or("program path has no folder")?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut cmd = self.compiler(dir);
        cmd.arg("-O2").args(srcs).arg("-o").arg(out).args(libs);
        run_tool(&mut cmd)
    }

    /// A command that runs `image` for this RID (natively, under qemu-user or wine).
    pub fn command(&self, image: &Path) -> Command {
        aotinterop_testkit::image_command(self.row, image)
    }

    /// Runs `image` with `args` in `cwd` and returns what it printed.
    pub fn run(&self, image: &Path, args: &[&str], cwd: &Path) -> Result<Output, String> {
        self.command(image)
            .args(args)
            .current_dir(cwd)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", image.display()))
    }

    /// True for the musl RIDs.
    pub fn is_musl(&self) -> bool {
        self.row.target.libc == Libc::Musl
    }

    /// Builds `samples/hello/zlib-rs` (zlib's C API from zlib-rs) for this musl RID and copies
    /// it to `dest`: Debian packages no musl build of zlib, so the sample deploys one beside the
    /// image, as an app ships its native dependencies. Built with the RID's musl C compiler as
    /// linker, against the dynamic C runtime.
    pub fn zlib_for_musl(&self, dest: &Path) -> Result<(), String> {
        let manifest = self.repo.join("samples/hello/zlib-rs/Cargo.toml");
        let target_dir = self.repo.join("target/sample-zlib");
        let linker_var = format!(
            "CARGO_TARGET_{}_LINKER",
            self.triple.to_ascii_uppercase().replace('-', "_")
        );
        let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.args(["build", "--quiet", "--release", "--target", self.triple])
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target_dir)
            .env(linker_var, self.row.cc)
            .env("CARGO_ENCODED_RUSTFLAGS", "-Ctarget-feature=-crt-static");
        run_tool(&mut cmd)?;
        let built = target_dir.join(self.triple).join("release/libz.so");
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::copy(&built, dest).map_err(|e| format!("{} → {}: {e}", built.display(), dest.display()))?;
        Ok(())
    }

    /// win-arm64: the import libraries of `samples/builder/win-arm64-sdk/*.def` (llvm-dlltool),
    /// empty ones for the other system libraries the linker driver names, and the start file,
    /// into `dir` (`dir/lib`, `dir/start.o`).
    pub fn win_arm64_sdk(&self, dir: &Path) -> Result<(), String> {
        let sdk = self.repo.join("samples/builder/win-arm64-sdk");
        let lib = dir.join("lib");
        std::fs::create_dir_all(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
        let mut defs = Vec::new();
        for name in ["kernel32", "ucrtbase"] {
            defs.push((name.to_string(), sdk.join(format!("{name}.def"))));
        }
        // The rest of native AOT's default Windows libraries, which nothing here calls.
        for name in ["advapi32", "bcrypt", "ntdll", "ole32", "user32", "ws2_32"] {
            let def = lib.join(format!("{name}.def"));
            std::fs::write(&def, format!("LIBRARY {name}.dll\nEXPORTS\n"))
                .map_err(|e| format!("{}: {e}", def.display()))?;
            defs.push((name.to_string(), def));
        }
        for (name, def) in defs {
            run_tool(
                Command::new("llvm-dlltool")
                    .args(["-m", "arm64", "-d"])
                    .arg(&def)
                    .arg("-l")
                    .arg(lib.join(format!("{name}.lib"))),
            )?;
        }
        self.object(&sdk.join("start.c"), &dir.join("start.o"), &[])
    }

    /// The system libraries a C host adds when it links a NativeLib=Static archive: the
    /// runtime's, from the target table.
    pub fn runtime_libs(&self) -> Vec<String> {
        self.row.runtime_libs.iter().map(|l| format!("-l{l}")).collect()
    }
}

/// Runs a build tool, with its output in the error when it fails.
pub fn run_tool(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{:?} failed ({}):\n{}{}",
            cmd,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
