//! Control-flow protection: a library whose compiled code is built with CET (x86_64,
//! `-fcf-protection=full`) or BTI + PAC (aarch64, `-mbranch-protection=standard`) and whose
//! P/Invokes are lazy comes out marked, because the stub object and the runtime archive are
//! marked too (the linker marks an output only when every input is). The links are made to fail
//! on any unmarked input (`-z cet-report=error`; `-z force-bti` with fatal warnings), and on
//! aarch64 the library then runs under BTI enforcement (qemu-user with glibc's loader guards the
//! pages of a marked library), through first calls, the failure handler and both fallbacks.
//!
//! The libraries are linked without the C start files (`-nostartfiles`): Debian's `crti.o` and
//! `crtn.o` are not marked, so nothing linked with them is, whatever the runtime does.
#![cfg(target_os = "linux")]

mod support;

use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::PlannedImport;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{root, run_ok, runtime_archive, Plat};

/// How a platform's code is protected, how a link is made to fail on an unmarked input, and
/// what `readelf -n` says of a marked image.
struct Protection {
    compile: &'static [&'static str],
    report: &'static [&'static str],
    note: &'static str,
}

fn protection(plat: Plat) -> Protection {
    match plat {
        Plat::LinuxX64 => Protection {
            compile: &["-fcf-protection=full"],
            report: &["-Wl,-z,cet-report=error"],
            note: "x86 feature: IBT, SHSTK",
        },
        Plat::LinuxArm64 => Protection {
            compile: &["-mbranch-protection=standard"],
            report: &["-Wl,-z,force-bti", "-Wl,--fatal-warnings"],
            note: "AArch64 feature: BTI, PAC",
        },
        other => unreachable!(
            "{other:?}: no marked objects (Windows has CFG; musl images are not built protected)"
        ),
    }
}

fn c_source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c").join(name)
}

/// The folders of one platform's build: the callee library and the stub object in place.
struct Build {
    plat: Plat,
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    stubs: PathBuf,
}

fn prepare(plat: Plat) -> Build {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_path_buf();
    std::fs::write(dir.join("many_defs.h"), "").expect("write");
    run_ok(
        Command::new(plat.cc())
            .args(["-shared", "-fPIC", "-O1", "-I"])
            .arg(c_source(""))
            .arg("-I")
            .arg(&dir)
            .arg(c_source("callee.c"))
            .arg("-o")
            .arg(dir.join("libcallee.so")),
        "compiling the callee library",
    );
    let imports = [
        PlannedImport::lazy("pinvoke_sum6", "callee", "sum6"),
        PlannedImport::lazy("pinvoke_sum8d", "callee", "sum8d"),
        PlannedImport::lazy("pinvoke_missing_entry", "callee", "no_such_entry"),
        PlannedImport::lazy("pinvoke_missing_lib", "nosuchlib", "gone"),
    ];
    let stubs = dir.join("stubs.o");
    std::fs::write(
        &stubs,
        emit(&plat.target(), &imports, &StubOptions::default()).expect("emit"),
    )
    .expect("write");
    Build {
        plat,
        _tmp: tmp,
        dir,
        stubs,
    }
}

impl Build {
    /// Links `source` into `lib<name>.so` with the stubs and the runtime, its code compiled with
    /// `compile` and the link checked with the platform's report flags.
    fn link_library(&self, name: &str, source: &str, compile: &[&str]) -> std::process::Output {
        let p = protection(self.plat);
        let mut c = Command::new(self.plat.cc());
        c.args(["-shared", "-fPIC", "-O1", "-nostartfiles"])
            .args(compile)
            .args(p.report)
            .arg("-I")
            .arg(root().join("runtime-stubs/include"))
            .arg(c_source(source))
            .arg(&self.stubs)
            .arg(runtime_archive(self.plat))
            .args(self.plat.row().runtime_libs.iter().map(|l| format!("-l{l}")))
            .arg("-o")
            .arg(self.dir.join(format!("lib{name}.so")));
        c.output().expect("run the C compiler")
    }

    /// Links the main program against `lib<name>.so` (found beside it) and runs it.
    fn run_main(&self, name: &str) -> std::process::Output {
        let exe = self.dir.join(format!("main_{name}"));
        run_ok(
            Command::new(self.plat.cc())
                .arg("-O1")
                .arg(c_source("protected_main.c"))
                .arg("-L")
                .arg(&self.dir)
                .arg(format!("-l{name}"))
                .arg("-Wl,-rpath,$ORIGIN")
                .arg("-o")
                .arg(&exe),
            "linking the main program",
        );
        aotinterop_testkit::image_command(self.plat.row(), &exe)
            .current_dir(&self.dir)
            .output()
            .expect("run the main program")
    }
}

fn readelf_notes(file: &Path) -> String {
    aotinterop_testkit::check(Command::new("readelf").arg("-n").arg(file))
}

fn protected_library_is_marked_and_runs(plat: Plat) {
    let b = prepare(plat);
    let p = protection(plat);
    let out = b.link_library("protected", "protected.c", p.compile);
    assert!(
        out.status.success(),
        "an input of the protected library is not marked:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let notes = readelf_notes(&b.dir.join("libprotected.so"));
    assert!(
        notes.contains(p.note),
        "libprotected.so is not marked `{}`:\n{notes}",
        p.note
    );

    let run = b.run_main("protected");
    assert_eq!(
        String::from_utf8_lossy(&run.stdout).trim(),
        "protected 4242",
        "status {:?}, stderr:\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );

    // The same link with the library's own code unprotected must fail: the report flags catch
    // an unmarked input, so the passing link above says every other input is marked.
    let out = b.link_library("unmarked", "protected.c", &[]);
    assert!(!out.status.success(), "an unmarked input passed the link's check");
}

#[test]
fn linux_x64_cet_marked() {
    protected_library_is_marked_and_runs(Plat::LinuxX64);
}

#[test]
fn linux_arm64_bti_marked_and_enforced() {
    protected_library_is_marked_and_runs(Plat::LinuxArm64);
    // The control: in this environment the marking is enforced. A marked library whose
    // function lacks its landing pad traps when called through a pointer (SIGILL).
    let b = prepare(Plat::LinuxArm64);
    let p = protection(Plat::LinuxArm64);
    let out = b.link_library("control", "unprotected_target.c", p.compile);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = b.run_main("control");
    assert!(
        !run.status.success() && !String::from_utf8_lossy(&run.stdout).contains("4242"),
        "BTI is not enforced here, so the protected run above proves nothing: {:?}",
        run.status
    );
}
