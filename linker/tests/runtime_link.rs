//! The whole chain with the real parts: the emitter's stub object, the runtime archive (built
//! by `scripts/build-runtime`) and compiled code, linked by the drivers into an executable and
//! into a `NativeLib=Static` archive a C host links; each run, and the lazy call made.

mod common;

use aotinterop_linker::driver::{default_system_libs, link, select, LinkJob, LinkerChoice, OutputKind};
use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::PlannedImport;
use aotinterop_model::{Arch, Format, Target};
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

static BUILD: Mutex<()> = Mutex::new(());

/// The runtime archive for `t`, from `scripts/build-runtime` (a no-op when up to date).
fn runtime_archive(t: &Target) -> PathBuf {
    let triple = match (t.format, t.arch) {
        (Format::Elf, Arch::X86_64) => "x86_64-unknown-linux-gnu",
        (Format::Elf, Arch::Aarch64) => "aarch64-unknown-linux-gnu",
        (Format::Coff, Arch::X86_64) => "x86_64-pc-windows-gnu",
        _ => panic!("no runtime for {t}"),
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let _g = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let out = check(
        Command::new(root.join("scripts/build-runtime"))
            .arg(triple)
            .current_dir(&root),
    );
    let path = root.join(
        out.lines()
            .last()
            .expect("build-runtime prints the archive")
            .trim(),
    );
    assert!(path.is_file(), "{}", path.display());
    path
}

/// The stub object: `app_puts` direct to `puts`, `app_custom_fn` lazy to `custom!custom_fn`.
fn stubs(t: &Target, dir: &Path) -> PathBuf {
    let bytes = emit(
        t,
        &[
            PlannedImport::direct("app_puts", "libc", "puts"),
            PlannedImport::lazy("app_custom_fn", "custom", "custom_fn"),
        ],
        &StubOptions::default(),
    )
    .unwrap();
    let path = dir.join("stubs.o");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Builds the `custom` library into `dir` (next to the image: the resolver's first place).
fn custom_library(t: &Target, dir: &Path) {
    let mut cmd = Command::new(cc_for(t));
    if t.format == Format::Coff {
        cmd.arg("-shared")
            .arg("-o")
            .arg(dir.join("custom.dll"))
            .arg(source("custom_dll.c"));
    } else {
        cmd.args(["-shared", "-fPIC", "-o"])
            .arg(dir.join("libcustom.so"))
            .arg(source("custom.c"));
    }
    check(&mut cmd);
}

fn exe(t: &Target, dir: &Path, name: &str) -> PathBuf {
    dir.join(if t.format == Format::Coff {
        format!("{name}.exe")
    } else {
        name.to_string()
    })
}

fn executable_with_runtime(t: Target) {
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(t, OutputKind::Executable, exe(&t, dir.path(), "app"));
    job.objects = vec![
        compile(&t, "runtime_main.c", dir.path(), &[]),
        stubs(&t, dir.path()),
    ];
    job.runtime_inputs.push(runtime_archive(&t));
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    custom_library(&t, dir.path());
    assert_eq!(run_ok(&t, &job.output, &[]), "direct call\nlazy call=42\n");
}

fn static_archive_with_runtime(t: Target) {
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(t, OutputKind::Static, dir.path().join("libapp.a"));
    job.objects = vec![
        compile(&t, "runtime_main.c", dir.path(), &["-DNO_MAIN"]),
        stubs(&t, dir.path()),
    ];
    job.runtime_inputs.push(runtime_archive(&t));
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    // The host links the archive and the system libraries, nothing else.
    let host = exe(&t, dir.path(), "host");
    let mut cmd = Command::new(cc_for(&t));
    cmd.arg("-o")
        .arg(&host)
        .arg(source("host_runtime.c"))
        .arg(&job.output);
    cmd.args(default_system_libs(&t).iter().map(|l| format!("-l{l}")));
    check(&mut cmd);
    custom_library(&t, dir.path());
    assert_eq!(run_ok(&t, &host, &[]), "direct call\nlazy call=42\n");
}

#[test]
fn linux_x64_executable_with_the_runtime() {
    executable_with_runtime(LINUX_X64);
}

#[test]
fn linux_arm64_executable_with_the_runtime_under_qemu() {
    executable_with_runtime(LINUX_ARM64);
}

#[test]
fn win_x64_executable_with_the_runtime_under_wine() {
    executable_with_runtime(WIN_X64);
}

#[test]
fn linux_x64_static_archive_with_the_runtime_in_a_c_host() {
    static_archive_with_runtime(LINUX_X64);
}

#[test]
fn linux_arm64_static_archive_with_the_runtime_in_a_c_host_under_qemu() {
    static_archive_with_runtime(LINUX_ARM64);
}

#[test]
fn win_x64_static_archive_with_the_runtime_in_a_c_host_under_wine() {
    static_archive_with_runtime(WIN_X64);
}

#[test]
fn the_runtime_adds_no_dll_but_kernel32_to_a_win_x64_image() {
    let t = WIN_X64;
    let dir = tempfile::tempdir().unwrap();
    // The same program with and without lazy imports (and so without and with the runtime).
    std::fs::write(dir.path().join("plain.c"), "int main(void) { return 0; }\n").unwrap();
    let plain_obj = dir.path().join("plain.o");
    check(
        Command::new(cc_for(&t))
            .arg("-c")
            .arg(dir.path().join("plain.c"))
            .arg("-o")
            .arg(&plain_obj),
    );
    let mut plain = LinkJob::new(t, OutputKind::Executable, exe(&t, dir.path(), "plain"));
    plain.objects = vec![plain_obj];
    link(
        &*select(&t, plain.kind, &LinkerChoice::default()).unwrap(),
        &plain,
    )
    .unwrap();
    let mut lazy = LinkJob::new(t, OutputKind::Executable, exe(&t, dir.path(), "app"));
    lazy.objects = vec![
        compile(&t, "runtime_main.c", dir.path(), &[]),
        stubs(&t, dir.path()),
    ];
    lazy.runtime_inputs.push(runtime_archive(&t));
    link(&*select(&t, lazy.kind, &LinkerChoice::default()).unwrap(), &lazy).unwrap();
    let lower = |image: &Path| -> std::collections::BTreeSet<String> {
        objdump_dlls(image)
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect()
    };
    let (base, with_runtime) = (lower(&plain.output), lower(&lazy.output));
    let added: Vec<&String> = with_runtime.difference(&base).collect();
    assert!(
        added.iter().all(|d| *d == "kernel32.dll"),
        "the runtime brought {added:?} (the C runtime alone imports {base:?})"
    );
    // `aotinterop inspect` says the same.
    let ins = aotinterop_image::inspect(&lazy.output).unwrap();
    let listed: std::collections::BTreeSet<String> =
        ins.needed.iter().map(|n| n.to_ascii_lowercase()).collect();
    assert_eq!(listed, with_runtime);
}
