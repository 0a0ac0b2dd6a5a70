//! Builds and runs the C test program of `tests/c/` against real trampolines: the stub object
//! from the emitter, the runtime archive from `scripts/build-runtime`, the platform's C compiler,
//! and qemu-user or wine where the target is not the host.

#![allow(dead_code)]

use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::{Charset, PlannedImport};
use aotinterop_model::{Target, TargetRow};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Number of `f<i>` functions for the thread race.
pub const MANY: usize = 1000;

/// A platform the end-to-end tests run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plat {
    /// x86_64 Linux, natively.
    LinuxX64,
    /// aarch64 Linux under qemu-user.
    LinuxArm64,
    /// 32-bit ARM Linux (Thumb-2, hard float) under qemu-user.
    LinuxArm,
    /// x86_64 Linux with musl, natively (musl's loader).
    LinuxMuslX64,
    /// aarch64 Linux with musl, under qemu-user.
    LinuxMuslArm64,
    /// x86_64 Windows under wine.
    WinX64,
    /// x86 (i386) Windows under 32-bit wine.
    WinX86,
}

impl Plat {
    /// The target table's row.
    pub fn row(self) -> &'static TargetRow {
        let rid = match self {
            Plat::LinuxX64 => "linux-x64",
            Plat::LinuxArm64 => "linux-arm64",
            Plat::LinuxArm => "linux-arm",
            Plat::LinuxMuslX64 => "linux-musl-x64",
            Plat::LinuxMuslArm64 => "linux-musl-arm64",
            Plat::WinX64 => "win-x64",
            Plat::WinX86 => "win-x86",
        };
        TargetRow::of_rid(rid).expect("a row of the target table")
    }

    /// True on Windows.
    pub fn is_windows(self) -> bool {
        matches!(self, Plat::WinX64 | Plat::WinX86)
    }

    /// The emitter's target.
    pub fn target(self) -> Target {
        self.row().target
    }

    /// Rust target triple of the runtime archive.
    pub fn rust_triple(self) -> &'static str {
        self.row().rust_triple
    }

    /// The C compiler.
    pub fn cc(self) -> &'static str {
        self.row().cc
    }

    /// File name of a shared library called `stem` as the tests name it.
    pub fn lib_file(self, stem: &str) -> String {
        match self {
            Plat::WinX64 | Plat::WinX86 => format!("{stem}.dll"),
            _ => format!("lib{stem}.so"),
        }
    }

    /// File name of the program.
    pub fn exe_file(self) -> &'static str {
        match self {
            Plat::WinX64 | Plat::WinX86 => "app.exe",
            _ => "app",
        }
    }

    /// The libraries the Rust runtime archive needs, as `-l` arguments.
    fn runtime_libs(self) -> Vec<String> {
        self.row().runtime_libs.iter().map(|l| format!("-l{l}")).collect()
    }
}

pub use aotinterop_testkit::{repo_root as root, run_ok};

/// The runtime archive for `plat`, built by `scripts/build-runtime` (a no-op when up to date).
pub fn runtime_archive(plat: Plat) -> PathBuf {
    aotinterop_testkit::runtime_archive(plat.row())
}

fn c_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c")
}

/// The Windows-only imports: charset spellings and an ordinal (`sum6_ordinal` is the ordinal
/// of `sum6` in the built callee.dll).
pub fn windows_imports(sum6_ordinal: u32) -> Vec<PlannedImport> {
    let mut unicode = PlannedImport::lazy("pinvoke_pick_unicode", "callee", "pick");
    unicode.charset = Charset::Unicode;
    let mut ansi = PlannedImport::lazy("pinvoke_pick_ansi", "callee", "pick");
    ansi.charset = Charset::Ansi;
    let ordinal = PlannedImport::lazy("pinvoke_sum6_by_ordinal", "callee", &format!("#{sum6_ordinal}"));
    vec![unicode, ansi, ordinal]
}

/// The ordinal of export `name` of the PE image (PE32 or PE32+) at `dll`.
fn pe_ordinal(dll: &Path, name: &str) -> u32 {
    use object::read::pe::{ImageNtHeaders, PeFile, PeFile32, PeFile64};
    fn find<H: ImageNtHeaders>(pe: &PeFile<'_, H>, name: &str) -> Option<u32> {
        let table = pe.export_table().ok()??;
        table.name_iter().find_map(|(name_ptr, index)| {
            (table.name_from_pointer(name_ptr).ok() == Some(name.as_bytes()))
                .then(|| u32::from(table.ordinal_base()) + u32::from(index.0))
        })
    }
    let data = std::fs::read(dll).expect("read dll");
    PeFile64::parse(&*data)
        .ok()
        .and_then(|pe| find(&pe, name))
        .or_else(|| PeFile32::parse(&*data).ok().and_then(|pe| find(&pe, name)))
        .unwrap_or_else(|| panic!("{name} is not exported by {}", dll.display()))
}

/// The imports the test program calls.
pub fn imports() -> Vec<PlannedImport> {
    let mut v = vec![
        PlannedImport::lazy("pinvoke_sum6", "callee", "sum6"),
        PlannedImport::lazy("pinvoke_sum8d", "callee", "sum8d"),
        PlannedImport::lazy("pinvoke_mix", "callee", "mix"),
        PlannedImport::lazy("pinvoke_make_big", "callee", "make_big"),
        PlannedImport::lazy("pinvoke_vsum", "callee", "vsum"),
        PlannedImport::lazy("pinvoke_seen_errno", "callee", "seen_errno"),
        PlannedImport::lazy("pinvoke_callee_loads", "callee", "callee_loads"),
        PlannedImport::lazy("pinvoke_missing_lib", "nosuchlib", "gone"),
        PlannedImport::lazy("pinvoke_missing_entry", "callee", "no_such_entry"),
        PlannedImport::lazy("pinvoke_virtual_sum6", "virtual", "sum6"),
        PlannedImport::lazy("pinvoke_sub_plugin", "sub/plugin", "sub_plugin"),
        PlannedImport::direct("pinvoke_direct_abs", "libc", "abs"),
    ];
    for i in 0..MANY {
        v.push(PlannedImport::lazy(
            &format!("pinvoke_f{i}"),
            "callee",
            &format!("f{i}"),
        ));
    }
    v
}

/// On win-x86 a direct import's native symbol is its COFF name, decorated as the plan decorates
/// it (these are cdecl: `_abs`).
fn decorate_direct(plat: Plat, imports: &mut [PlannedImport]) {
    use aotinterop_model::names::{x86_decorated, X86Convention};
    if plat != Plat::WinX86 {
        return;
    }
    for imp in imports
        .iter_mut()
        .filter(|i| i.binding == aotinterop_model::Binding::Direct)
    {
        imp.spelling = x86_decorated(imp.symbol(), X86Convention::Cdecl, None).map(Into::into);
    }
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
        if !plat.is_windows() {
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
    if plat.is_windows() {
        all.extend(windows_imports(pe_ordinal(&dir.join("callee.dll"), "sum6")));
    }
    if plat == Plat::WinX86 {
        // .NET's win-x86 probe: `sum2_stdcall`, then `_sum2_stdcall@8`, which callee.dll has.
        let mut probe = PlannedImport::lazy("pinvoke_sum2_stdcall", "callee", "sum2_stdcall");
        probe.stdcall_probe = true;
        probe.stack_bytes = Some(8);
        all.push(probe);
        all.push(PlannedImport::lazy("pinvoke_fastsum3", "callee", "fastsum3"));
    }
    decorate_direct(plat, &mut all);
    let obj = emit(&plat.target(), &all, &StubOptions::default()).expect("emit stubs");
    let stubs = gen.join("stubs.o");
    std::fs::write(&stubs, obj).expect("write stubs");

    let plugin_name = match plat {
        Plat::WinX64 | Plat::WinX86 => "plugin.dll",
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
    if plat == Plat::LinuxArm {
        // ARM's unwinder needs `.ARM.exidx` entries for the program's own frames too, which
        // GCC writes for C only when asked (compiled AOT code carries its own).
        c.arg("-funwind-tables");
    }
    c.arg(c_dir().join("app.c")).arg(&stubs).arg(&runtime);
    if !plat.is_windows() {
        // -rdynamic: symbol names for the backtrace scenario.
        // --eh-frame-hdr as aotinterop's driver links (musl's gcc specs leave it out): the
        // backtrace scenario's unwinder finds the unwind tables through it.
        c.args([
            "-pie",
            "-rdynamic",
            "-Wl,-z,now",
            "-Wl,-z,relro",
            "-Wl,--eh-frame-hdr",
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
        let mut c = aotinterop_testkit::image_command(self.plat.row(), &exe);
        c.args(args).current_dir(cwd);
        let _turn = aotinterop_testkit::wine_turn(self.plat.row());
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

/// The line of `out` starting with `key ` split into words after the key.
pub fn line<'a>(out: &'a str, key: &str) -> Vec<&'a str> {
    out.lines()
        .find(|l| l.starts_with(&format!("{key} ")))
        .unwrap_or_else(|| panic!("no `{key}` line in:\n{out}"))
        .split_whitespace()
        .skip(1)
        .collect()
}

/// Builds the C program `program` of `tests/c/` against stubs for `imports` (linked as
/// [`build`] links `app.c`, its symbols exported for libraries that call back), with the callee
/// library and the libraries `libs` (`(stem, C file)`) beside it.
pub fn build_program(plat: Plat, program: &str, libs: &[(&str, &str)], imports: &[PlannedImport]) -> Image {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("image");
    let gen = tmp.path().join("gen");
    let elsewhere = tmp.path().join("elsewhere");
    for d in [&dir, &gen, &elsewhere] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let defs: String = (0..MANY).map(|i| format!("F({i})\n")).collect();
    std::fs::write(gen.join("many_defs.h"), defs).expect("write");
    let cc = plat.cc();
    let mut all_libs = vec![("callee", "callee.c")];
    all_libs.extend_from_slice(libs);
    for (stem, source) in all_libs {
        let mut c = Command::new(cc);
        c.arg("-I")
            .arg(c_dir())
            .arg("-I")
            .arg(&gen)
            .arg("-shared")
            .arg("-O1");
        if !plat.is_windows() {
            c.arg("-fPIC");
        }
        c.arg(c_dir().join(source))
            .arg("-o")
            .arg(dir.join(plat.lib_file(stem)));
        run_ok(&mut c, "compiling a test library");
    }
    let mut imports = imports.to_vec();
    decorate_direct(plat, &mut imports);
    let obj = emit(&plat.target(), &imports, &StubOptions::default()).expect("emit stubs");
    let stubs = gen.join("stubs.o");
    std::fs::write(&stubs, obj).expect("write stubs");
    let mut c = Command::new(cc);
    c.arg("-I").arg(root().join("runtime-stubs/include"));
    c.arg("-O1").arg("-Wall").arg("-Werror");
    if plat == Plat::LinuxArm {
        // ARM's unwinder needs `.ARM.exidx` entries for the program's own frames too, which
        // GCC writes for C only when asked (compiled AOT code carries its own).
        c.arg("-funwind-tables");
    }
    c.arg(c_dir().join(program))
        .arg(&stubs)
        .arg(runtime_archive(plat));
    if !plat.is_windows() {
        c.args([
            "-pie",
            "-rdynamic",
            "-pthread",
            "-Wl,-z,now",
            "-Wl,--fatal-warnings",
        ]);
    }
    c.args(plat.runtime_libs());
    c.arg("-o").arg(dir.join(plat.exe_file()));
    run_ok(&mut c, "linking the test program");
    Image {
        plat,
        tmp,
        dir,
        elsewhere,
    }
}
