//! Compilers and runners per RID: the cc crate picks the C/C++ compiler for the target triple
//! (gcc, aarch64-linux-gnu-gcc, x86_64-w64-mingw32-gcc), and images run natively, under
//! qemu-user (linux-arm64) or under wine (win-x64).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A RID the samples build for.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// The .NET runtime identifier.
    pub rid: &'static str,
    /// The Rust/cc target triple.
    pub triple: &'static str,
    /// The repository root.
    pub repo: PathBuf,
}

/// The RIDs the samples support.
pub const RIDS: &[&str] = &["linux-x64", "linux-arm64", "win-x64"];

impl Toolchain {
    /// The toolchain of a RID.
    pub fn for_rid(rid: &str, repo: &Path) -> Result<Self, String> {
        let (rid, triple) = match rid {
            "linux-x64" => ("linux-x64", "x86_64-unknown-linux-gnu"),
            "linux-arm64" => ("linux-arm64", "aarch64-unknown-linux-gnu"),
            "win-x64" => ("win-x64", "x86_64-pc-windows-gnu"),
            other => {
                return Err(format!(
                    "the samples build for {} (not `{other}`)",
                    RIDS.join(", ")
                ))
            }
        };
        Ok(Toolchain {
            rid,
            triple,
            repo: repo.to_path_buf(),
        })
    }

    /// True for win-x64.
    pub fn is_windows(&self) -> bool {
        self.rid.starts_with("win")
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

    fn cc(&self, out_dir: &Path, cpp: bool) -> cc::Build {
        let mut b = cc::Build::new();
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

    /// A command that runs `image` for this RID.
    pub fn command(&self, image: &Path) -> Command {
        match self.rid {
            "linux-arm64" => {
                // The cross toolchain's root; its libraries come first, so that Debian's arm64
                // multiarch packages (zlib1g:arm64 and the libc it pulls in) do not mix another
                // libc build into the process.
                let root = "/usr/aarch64-linux-gnu";
                let mut c = Command::new("qemu-aarch64");
                c.arg("-L")
                    .arg(root)
                    .arg("-E")
                    .arg(format!("LD_LIBRARY_PATH={root}/lib"))
                    .arg(image);
                c
            }
            "win-x64" => {
                let mut c = Command::new("wine");
                c.arg(image).env("WINEDEBUG", "-all");
                if let Ok(prefix) = self.wine_prefix() {
                    c.env("WINEPREFIX", prefix);
                }
                c
            }
            _ => Command::new(image),
        }
    }

    /// Runs `image` with `args` in `cwd` and returns what it printed.
    pub fn run(&self, image: &Path, args: &[&str], cwd: &Path) -> Result<Output, String> {
        if self.is_windows() {
            self.wine_prefix()?;
        }
        self.command(image)
            .args(args)
            .current_dir(cwd)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", image.display()))
    }

    /// The wine prefix (`.cache/wine`), prepared by `scripts/wine-prefix`: wine 8 lacks
    /// `bcryptprimitives.dll!ProcessPrng`, which Rust's standard library (in the runtime) imports
    /// on Windows 10 and later, and the script installs a stand-in into the prefix.
    fn wine_prefix(&self) -> Result<PathBuf, String> {
        let out = Command::new(self.repo.join("scripts/wine-prefix"))
            .output()
            .map_err(|e| format!("cannot run scripts/wine-prefix: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "scripts/wine-prefix failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
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
