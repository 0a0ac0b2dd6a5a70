//! Builds and runs the C test program of `tests/c/` against real trampolines: the stub object
//! from the emitter, the runtime archive from `scripts/build-runtime`, the platform's C compiler,
//! and qemu-user or wine where the target is not the host.

#![allow(dead_code)]

use aotinterop_linker::emit::{emit, StubCharset, StubImport};
use aotinterop_linker::{Arch, Format, Libc, Target};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// Number of `f<i>` functions for the thread race.
pub const MANY: usize = 1000;

/// A platform the end-to-end tests run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plat {
    /// x86_64 Linux, natively.
    LinuxX64,
    /// aarch64 Linux under qemu-user.
    LinuxArm64,
    /// x86_64 Windows under wine.
    WinX64,
}

impl Plat {
    /// The emitter's target.
    pub fn target(self) -> Target {
        match self {
            Plat::LinuxX64 => Target {
                format: Format::Elf,
                arch: Arch::X86_64,
                libc: Libc::Gnu,
            },
            Plat::LinuxArm64 => Target {
                format: Format::Elf,
                arch: Arch::Aarch64,
                libc: Libc::Gnu,
            },
            Plat::WinX64 => Target {
                format: Format::Coff,
                arch: Arch::X86_64,
                libc: Libc::Other,
            },
        }
    }

    /// Rust target triple of the runtime archive.
    pub fn rust_triple(self) -> &'static str {
        match self {
            Plat::LinuxX64 => "x86_64-unknown-linux-gnu",
            Plat::LinuxArm64 => "aarch64-unknown-linux-gnu",
            Plat::WinX64 => "x86_64-pc-windows-gnu",
        }
    }

    /// The C compiler.
    pub fn cc(self) -> &'static str {
        match self {
            Plat::LinuxX64 => "gcc",
            Plat::LinuxArm64 => "aarch64-linux-gnu-gcc",
            Plat::WinX64 => "x86_64-w64-mingw32-gcc",
        }
    }

    /// File name of a shared library called `stem` as the tests name it.
    pub fn lib_file(self, stem: &str) -> String {
        match self {
            Plat::WinX64 => format!("{stem}.dll"),
            _ => format!("lib{stem}.so"),
        }
    }

    /// File name of the program.
    pub fn exe_file(self) -> &'static str {
        match self {
            Plat::WinX64 => "app.exe",
            _ => "app",
        }
    }

    /// The libraries the Rust runtime archive needs.
    fn runtime_libs(self) -> &'static [&'static str] {
        aotinterop_runtime::archive::link_libs(self.rust_triple())
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn c_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c")
}

static BUILD_RUNTIME: Mutex<()> = Mutex::new(());

/// The runtime archive for `plat`, built by `scripts/build-runtime` (a no-op when up to date).
pub fn runtime_archive(plat: Plat) -> PathBuf {
    let _g = BUILD_RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = run_ok(
        Command::new(root().join("scripts/build-runtime")).arg(plat.rust_triple()),
        "scripts/build-runtime",
    );
    let path = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_string();
    let p = if Path::new(&path).is_absolute() {
        PathBuf::from(path)
    } else {
        root().join(path)
    };
    assert!(
        p.is_file(),
        "scripts/build-runtime did not produce {}",
        p.display()
    );
    p
}

/// Runs a command and asserts it succeeded, showing its output otherwise.
pub fn run_ok(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {what} ({cmd:?}): {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\n{cmd:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The Windows-only imports: charset spellings and an ordinal (`sum6_ordinal` is the ordinal
/// of `sum6` in the built callee.dll).
pub fn windows_imports(sum6_ordinal: u32) -> Vec<StubImport> {
    let mut unicode = StubImport::lazy("pinvoke_pick_unicode", "callee", "pick");
    unicode.charset = StubCharset::Unicode;
    let mut ansi = StubImport::lazy("pinvoke_pick_ansi", "callee", "pick");
    ansi.charset = StubCharset::Ansi;
    let ordinal = StubImport::lazy("pinvoke_sum6_by_ordinal", "callee", &format!("#{sum6_ordinal}"));
    vec![unicode, ansi, ordinal]
}

/// The ordinal of export `name` of the PE image at `dll`.
fn pe_ordinal(dll: &Path, name: &str) -> u32 {
    use object::read::pe::PeFile64;
    let data = std::fs::read(dll).expect("read dll");
    let pe = PeFile64::parse(&*data).expect("parse dll");
    let table = pe.export_table().expect("export table").expect("exports");
    for (name_ptr, index) in table.name_iter() {
        if table.name_from_pointer(name_ptr).ok() == Some(name.as_bytes()) {
            return u32::from(table.ordinal_base()) + u32::from(index.0);
        }
    }
    panic!("{name} is not exported by {}", dll.display());
}

/// The imports the test program calls.
pub fn imports() -> Vec<StubImport> {
    let mut v = vec![
        StubImport::lazy("pinvoke_sum6", "callee", "sum6"),
        StubImport::lazy("pinvoke_sum8d", "callee", "sum8d"),
        StubImport::lazy("pinvoke_mix", "callee", "mix"),
        StubImport::lazy("pinvoke_make_big", "callee", "make_big"),
        StubImport::lazy("pinvoke_vsum", "callee", "vsum"),
        StubImport::lazy("pinvoke_seen_errno", "callee", "seen_errno"),
        StubImport::lazy("pinvoke_callee_loads", "callee", "callee_loads"),
        StubImport::lazy("pinvoke_missing_lib", "nosuchlib", "gone"),
        StubImport::lazy("pinvoke_missing_entry", "callee", "no_such_entry"),
        StubImport::lazy("pinvoke_virtual_sum6", "virtual", "sum6"),
        StubImport::lazy("pinvoke_sub_plugin", "sub/plugin", "sub_plugin"),
        StubImport::direct("pinvoke_direct_abs", "libc", "abs"),
    ];
    for i in 0..MANY {
        v.push(StubImport::lazy(
            &format!("pinvoke_f{i}"),
            "callee",
            &format!("f{i}"),
        ));
    }
    v
}

/// A built test image: `dir` holds the program and the callee library.
pub struct Image {
    /// Platform.
    pub plat: Plat,
    /// Keeps the folders alive.
    pub tmp: tempfile::TempDir,
    /// The image's folder.
    pub dir: PathBuf,
    /// A folder that is not the image's, with `sub/plugin` in it.
    pub elsewhere: PathBuf,
}

/// Builds the program, the stub object, the callee library and the plugin for `plat`.
pub fn build(plat: Plat) -> Image {
    build_with(plat, &[])
}

/// As [`build`], with extra arguments for the program's link (another linker, say).
pub fn build_with(plat: Plat, link_args: &[&str]) -> Image {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("image");
    let gen = tmp.path().join("gen");
    let elsewhere = tmp.path().join("elsewhere");
    for d in [&dir, &gen, &elsewhere.join("sub")] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let mut defs = String::new();
    let mut calls = String::new();
    for i in 0..MANY {
        defs.push_str(&format!("F({i})\n"));
        calls.push_str(&format!("int pinvoke_f{i}(int);\n"));
    }
    calls.push_str("static int call_f(int i, int x) {\n    switch (i) {\n");
    for i in 0..MANY {
        calls.push_str(&format!("    case {i}: return pinvoke_f{i}(x);\n"));
    }
    calls.push_str("    default: return -1;\n    }\n}\n");
    std::fs::write(gen.join("many_defs.h"), defs).expect("write");
    std::fs::write(gen.join("many_calls.h"), calls).expect("write");

    let cc = plat.cc();
    let inc = |c: &mut Command| {
        c.arg("-I")
            .arg(c_dir())
            .arg("-I")
            .arg(&gen)
            .arg("-I")
            .arg(root().join("runtime-stubs/include"));
    };
    let shared = |c: &mut Command| {
        c.arg("-shared");
        if plat != Plat::WinX64 {
            c.arg("-fPIC");
        }
    };
    let mut c = Command::new(cc);
    inc(&mut c);
    shared(&mut c);
    c.arg("-O1")
        .arg(c_dir().join("callee.c"))
        .arg("-o")
        .arg(dir.join(plat.lib_file("callee")));
    run_ok(&mut c, "compiling the callee library");
    let mut all = imports();
    if plat == Plat::WinX64 {
        all.extend(windows_imports(pe_ordinal(&dir.join("callee.dll"), "sum6")));
    }
    let obj = emit(&plat.target(), &all).expect("emit stubs");
    let stubs = gen.join("stubs.o");
    std::fs::write(&stubs, obj).expect("write stubs");

    let plugin_name = match plat {
        Plat::WinX64 => "plugin.dll",
        _ => "plugin.so",
    };
    let mut c = Command::new(cc);
    shared(&mut c);
    c.arg("-O1")
        .arg(c_dir().join("plugin.c"))
        .arg("-o")
        .arg(elsewhere.join("sub").join(plugin_name));
    run_ok(&mut c, "compiling the plugin library");

    let runtime = runtime_archive(plat);
    let mut c = Command::new(cc);
    inc(&mut c);
    c.arg("-O1").arg("-Wall").arg("-Werror");
    c.arg(c_dir().join("app.c")).arg(&stubs).arg(&runtime);
    if plat != Plat::WinX64 {
        // -rdynamic: symbol names for the backtrace scenario.
        c.args([
            "-pie",
            "-rdynamic",
            "-Wl,-z,now",
            "-Wl,-z,relro",
            "-Wl,--fatal-warnings",
        ]);
    }
    c.args(plat.runtime_libs());
    c.args(link_args);
    c.arg("-o").arg(dir.join(plat.exe_file()));
    let out = run_ok(&mut c, "linking the test program");
    let warnings = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(warnings.trim().is_empty(), "linking printed:\n{warnings}");
    if let Some(keep) = std::env::var_os("AOTINTEROP_TEST_KEEP") {
        // Debugging aid: leave the built files where the developer asked.
        let dst = PathBuf::from(keep).join(plat.rust_triple());
        let _ = std::fs::create_dir_all(&dst);
        for d in [&dir, &gen] {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let _ = std::fs::copy(e.path(), dst.join(e.file_name()));
            }
        }
    }
    Image {
        plat,
        tmp,
        dir,
        elsewhere,
    }
}

impl Image {
    /// Runs the program with `args` from the current directory `cwd`.
    pub fn run(&self, args: &[&str], cwd: &Path) -> Output {
        let exe = self.dir.join(self.plat.exe_file());
        let mut c = match self.plat {
            Plat::LinuxX64 => Command::new(&exe),
            Plat::LinuxArm64 => {
                // The cross toolchain's sysroot, with its lib/ first on the guest's library path:
                // when arm64 multiarch packages are installed too (libc6:arm64), the guest's
                // ld.so would otherwise pick /lib/aarch64-linux-gnu/libc.so.6 from another build
                // than itself, and the program hangs in its first pthread_create.
                let sysroot = "/usr/aarch64-linux-gnu";
                let mut c = Command::new("qemu-aarch64");
                c.arg("-L").arg(sysroot);
                c.arg("-E").arg(format!("LD_LIBRARY_PATH={sysroot}/lib"));
                c.arg(&exe);
                c
            }
            Plat::WinX64 => {
                let prefix = wine_prefix();
                let mut c = Command::new("wine");
                c.env("WINEPREFIX", prefix).env("WINEDEBUG", "-all").arg(&exe);
                c
            }
        };
        c.args(args).current_dir(cwd);
        c.output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()))
    }

    /// Runs a mode from the image folder and returns stdout, asserting success.
    pub fn run_mode(&self, args: &[&str]) -> String {
        let out = self.run(args, &self.dir);
        assert!(
            out.status.success(),
            "app {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
        if std::env::var_os("AOTINTEROP_TEST_VERBOSE").is_some() {
            eprintln!("== app {args:?}\n{text}");
        }
        text
    }
}

static WINE_PREFIX: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The wine prefix (`.cache/wine`), prepared once per test process by `scripts/wine-prefix`.
pub fn wine_prefix() -> PathBuf {
    let mut ready = WINE_PREFIX.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = &*ready {
        return p.clone();
    }
    let out = run_ok(
        &mut Command::new(root().join("scripts/wine-prefix")),
        "scripts/wine-prefix",
    );
    let prefix = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    *ready = Some(prefix.clone());
    prefix
}

/// The line of `out` starting with `key ` split into words after the key.
pub fn line<'a>(out: &'a str, key: &str) -> Vec<&'a str> {
    out.lines()
        .find(|l| l.starts_with(&format!("{key} ")))
        .unwrap_or_else(|| panic!("no `{key}` line in:\n{out}"))
        .split_whitespace()
        .skip(1)
        .collect()
}
