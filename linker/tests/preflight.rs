//! Preflight on real archives, shared libraries and import libraries: each check, passing
//! and failing.

mod common;

use aotinterop_linker::driver::{select, Flavor, LinkJob, LinkerChoice, OutputKind};
use aotinterop_linker::preflight::preflight;
use aotinterop_model::{codes, Diagnostic, Plan, PlannedImport, Severity, Target};
use common::*;
use std::path::Path;
use std::process::Command;

/// A plan whose direct imports are `pairs` of module and native symbol.
fn direct(pairs: &[(&str, &str)]) -> Plan {
    let mut plan = Plan::parse(r#"{"rid": "linux-x64"}"#, Path::new("plan.json")).unwrap();
    plan.imports = pairs
        .iter()
        .map(|(m, s)| PlannedImport::direct(&format!("pinvoke_{s}"), m, s))
        .collect();
    plan
}

fn run_preflight(job: &LinkJob, flavor: Option<Flavor>, imports: &[(&str, &str)]) -> Vec<Diagnostic> {
    let linker = select(
        &job.target,
        job.kind,
        &LinkerChoice {
            flavor,
            program: None,
        },
    )
    .unwrap();
    preflight(&*linker, job, &direct(imports)).diagnostics
}

fn codes_of(d: &[Diagnostic]) -> Vec<&'static str> {
    d.iter().map(|d| d.code).collect()
}

fn shim_archive(t: &Target, dir: &Path) -> std::path::PathBuf {
    let o = compile(t, "shim.c", dir, &[]);
    archive(t, "libshim.a", &[o], dir)
}

/// A shared library `libcustom.so` in `dir`.
fn custom_so(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    check(
        Command::new(cc_for(&LINUX_X64))
            .args(["-shared", "-fPIC", "-o"])
            .arg(dir.join("libcustom.so"))
            .arg(source("custom.c")),
    );
}

#[test]
fn direct_imports_found_in_archives_system_libraries_and_linker_args() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(LINUX_X64, OutputKind::Executable, dir.path().join("app"));
    job.native_libraries.push(shim_archive(&LINUX_X64, dir.path()));
    custom_so(&dir.path().join("custom"));
    let custom = dir.path().join("custom");
    job.linker_args = vec![
        format!("-L{}", custom.display()),
        format!("-Wl,-rpath,{}", custom.display()),
        "-lcustom".into(),
        "-lz".into(),
    ];
    let d = run_preflight(
        &job,
        None,
        &[
            ("shim", "shim_add"),
            ("libc", "printf"),
            ("libm", "cos"),
            ("custom", "custom_fn"),
            ("libz", "compress"),
        ],
    );
    assert!(d.is_empty(), "{d:?}");
}

/// A direct import of the image itself (`__Internal`, `*`) is checked too: the link must define
/// it (a NativeLibrary here, or the C library).
#[test]
fn a_direct_import_of_the_image_itself_nothing_defines_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(LINUX_X64, OutputKind::Executable, dir.path().join("app"));
    job.native_libraries.push(shim_archive(&LINUX_X64, dir.path()));
    let imports = [
        ("__Internal", "shim_add"),
        ("*", "printf"),
        ("__Internal", "no_such_fn"),
    ];
    let d = run_preflight(&job, None, &imports);
    assert_eq!(codes_of(&d), [codes::DIRECT_IMPORT_UNRESOLVED], "{d:?}");
    assert!(
        d[0].message
            .starts_with("direct import `__Internal!no_such_fn`: the image binds it from itself"),
        "{}",
        d[0]
    );
    assert!(run_preflight(&job, None, &imports[..2]).is_empty());
}

/// A NativeLibrary whose index cannot be read is the one error: the direct import its member
/// defines is not also said to be defined by nothing.
#[test]
fn a_native_library_that_cannot_be_read_is_the_only_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(LINUX_X64, OutputKind::Executable, dir.path().join("app"));
    let a = shim_archive(&LINUX_X64, dir.path());
    let mut bytes = std::fs::read(&a).unwrap();
    assert_eq!(&bytes[8..10], b"/ ");
    bytes[68..72].copy_from_slice(&[0xff; 4]);
    std::fs::write(&a, bytes).unwrap();
    job.native_libraries.push(a);
    let d = run_preflight(&job, None, &[("shim", "shim_add")]);
    assert_eq!(codes_of(&d), [codes::BAD_FORMAT], "{d:?}");
}

#[test]
fn a_direct_import_nothing_defines_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let job = LinkJob::new(LINUX_X64, OutputKind::Shared, dir.path().join("libapp.so"));
    let d = run_preflight(
        &job,
        None,
        &[("libc", "printf"), ("libz", "compress"), ("libfoo", "foo_open")],
    );
    assert_eq!(
        codes_of(&d),
        [codes::DIRECT_IMPORT_UNRESOLVED, codes::DIRECT_IMPORT_UNRESOLVED],
        "{d:?}"
    );
    assert!(
        d[0].message.starts_with("direct import `libz!compress`"),
        "{}",
        d[0]
    );
    assert!(
        d[1].message.contains("`foo_open`") && d[1].message.contains("fail to link or to start"),
        "{}",
        d[1]
    );
    assert_eq!(d[0].severity, Severity::Error);
}

#[test]
fn libraries_in_a_sysroot_are_seen() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sysroot");
    custom_so(&root.join("usr/lib"));
    let mut job = LinkJob::new(LINUX_X64, OutputKind::Executable, dir.path().join("app"));
    job.linker_args = vec!["-lcustom".into()];
    let d = run_preflight(&job, None, &[("custom", "custom_fn")]);
    assert_eq!(
        codes_of(&d),
        [codes::SEARCH_INCOMPLETE, codes::DIRECT_IMPORT_UNRESOLVED],
        "{d:?}"
    );
    assert!(d[0].message.contains("`-lcustom`"), "{}", d[0]);
    job.sysroot = Some(root);
    let d = run_preflight(&job, None, &[("custom", "custom_fn")]);
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn arm64_direct_imports_resolve_in_the_cross_libraries() {
    let dir = tempfile::tempdir().unwrap();
    let job = LinkJob::new(LINUX_ARM64, OutputKind::Executable, dir.path().join("app"));
    assert!(run_preflight(&job, None, &[("libc", "printf"), ("libm", "cos")]).is_empty());
    assert_eq!(
        codes_of(&run_preflight(&job, None, &[("libfoo", "foo_open")])),
        [codes::DIRECT_IMPORT_UNRESOLVED]
    );
}

#[test]
fn windows_direct_imports_resolve_in_import_libraries() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(WIN_X64, OutputKind::Executable, dir.path().join("app.exe"));
    job.system_libs = vec!["kernel32".into()];
    let d = run_preflight(
        &job,
        Some(Flavor::LldLink),
        &[("kernel32", "GetTickCount"), ("user32", "MessageBoxW")],
    );
    assert_eq!(codes_of(&d), [codes::DIRECT_IMPORT_UNRESOLVED], "{d:?}");
    assert!(d[0].message.contains("user32!MessageBoxW"), "{}", d[0]);
    job.system_libs.push("user32".into());
    assert!(run_preflight(&job, Some(Flavor::LldLink), &[("user32", "MessageBoxW")]).is_empty());
    // MinGW-w64's GCC links user32 by itself.
    job.system_libs.pop();
    assert!(run_preflight(&job, Some(Flavor::Mingw), &[("user32", "MessageBoxW")]).is_empty());
    // A MinGW-w64 static archive is a fine NativeLibrary for Windows, with either linker.
    job.native_libraries.push(shim_archive(&WIN_X64, dir.path()));
    for f in [Flavor::Mingw, Flavor::LldLink] {
        assert!(
            run_preflight(&job, Some(f), &[("shim", "shim_add")]).is_empty(),
            "{f}"
        );
    }
}

#[test]
fn duplicate_globals_across_native_libraries_are_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let t = LINUX_X64;
    let a = shim_archive(&t, dir.path());
    let dup = compile(&t, "shim_dup.c", dir.path(), &[]);
    let b = archive(&t, "libshimdup.a", &[dup], dir.path());
    let mut job = LinkJob::new(t, OutputKind::Executable, dir.path().join("app"));
    job.native_libraries = vec![a.clone(), b.clone()];
    let d = run_preflight(&job, None, &[]);
    assert_eq!(codes_of(&d), [codes::DUPLICATE_SYMBOL], "{d:?}");
    assert_eq!(d[0].severity, Severity::Warning);
    assert_eq!(d[0].file(), Some(b.as_path()));
    assert!(
        d[0].message.contains(&*a.to_string_lossy()) && d[0].message.contains("`shim_add`"),
        "{}",
        d[0]
    );
}

#[test]
fn native_library_paths_that_are_missing_or_of_the_wrong_kind() {
    let dir = tempfile::tempdir().unwrap();
    let linux = LINUX_X64;
    let mut job = LinkJob::new(linux, OutputKind::Executable, dir.path().join("app"));
    let missing = dir.path().join("libnone.a");
    let lib = dir.path().join("shim.lib");
    std::fs::copy(shim_archive(&WIN_X64, dir.path()), &lib).unwrap();
    let coff_a = dir.path().join("libcoff.a");
    std::fs::copy(&lib, &coff_a).unwrap();
    let arm = compile(&LINUX_ARM64, "shim.c", dir.path(), &[]);
    let arm_a = archive(&LINUX_ARM64, "libarm.a", &[arm], dir.path());
    job.native_libraries = vec![missing.clone(), lib.clone(), coff_a.clone(), arm_a.clone()];
    let d = run_preflight(&job, None, &[]);
    assert_eq!(
        codes_of(&d),
        [
            codes::NATIVE_LIBRARY_MISSING,
            codes::NATIVE_LIBRARY_WRONG_KIND,
            codes::NATIVE_LIBRARY_WRONG_KIND,
            codes::NATIVE_LIBRARY_WRONG_KIND
        ],
        "{d:?}"
    );
    assert_eq!(d[0].file(), Some(missing.as_path()));
    assert!(
        d[1].to_string()
            .contains("shim.lib: error AOTI0522: NativeLibrary item is a Windows library"),
        "{}",
        d[1]
    );
    assert!(d[2].message.contains("holds PE/COFF code"), "{}", d[2]);
    assert!(
        d[3].message.contains("Aarch64") && d[3].message.contains("x86_64-linux-gnu"),
        "{}",
        d[3]
    );
    // An ELF shared library for Windows.
    let mut win = LinkJob::new(WIN_X64, OutputKind::Executable, dir.path().join("app.exe"));
    custom_so(&dir.path().join("so"));
    win.native_libraries = vec![dir.path().join("so/libcustom.so")];
    assert_eq!(
        codes_of(&run_preflight(&win, Some(Flavor::Mingw), &[])),
        [codes::NATIVE_LIBRARY_WRONG_KIND]
    );
}

#[test]
fn a_shared_library_the_loader_will_not_find_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let libs = dir.path().join("libs");
    custom_so(&libs);
    let out = dir.path().join("bin");
    let mut job = LinkJob::new(LINUX_X64, OutputKind::Executable, out.join("app"));
    job.linker_args = vec![format!("-L{}", libs.display()), "-lcustom".into()];
    let d = run_preflight(&job, None, &[("custom", "custom_fn")]);
    assert_eq!(codes_of(&d), [codes::LOADER_MAY_NOT_FIND], "{d:?}");
    assert_eq!(d[0].file(), Some(libs.join("libcustom.so").as_path()));
    assert!(
        d[0].message.contains("`custom_fn`") && d[0].message.contains("fail to start"),
        "{}",
        d[0]
    );
    // Not when no direct import needs it.
    assert!(run_preflight(&job, None, &[("libc", "printf")]).is_empty());
    // An rpath relative to the image names the folder.
    std::fs::create_dir_all(&out).unwrap();
    job.linker_args.push("-Wl,-rpath,$ORIGIN/../libs".into());
    assert!(run_preflight(&job, None, &[("custom", "custom_fn")]).is_empty());
    // So does the image's own folder.
    job.linker_args = vec![format!("-L{}", libs.display()), "-lcustom".into()];
    job.output = libs.join("app");
    assert!(run_preflight(&job, None, &[("custom", "custom_fn")]).is_empty());
}

/// .NET 10's images get no `$ORIGIN` rpath (dotnet/runtime#115236): a library in the image's own
/// folder is not found at startup, and the advice is the LinkerArg that makes it found, not a
/// copy next to the image (which is where it already is).
#[test]
fn without_the_origin_rpath_the_images_folder_is_not_searched() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    custom_so(&bin);
    let mut job = LinkJob::new(LINUX_X64, OutputKind::Executable, bin.join("app"));
    job.origin_rpath = false;
    job.linker_args = vec![format!("-L{}", bin.display()), "-lcustom".into()];
    let d = run_preflight(&job, None, &[("custom", "custom_fn")]);
    assert_eq!(codes_of(&d), [codes::LOADER_MAY_NOT_FIND], "{d:?}");
    let m = &d[0].message;
    assert!(
        m.contains("it is in the image's folder") && m.contains("no `$ORIGIN` rpath"),
        "{m}"
    );
    assert!(m.contains("add `-Wl,-rpath,$ORIGIN` as a LinkerArg"), "{m}");
    assert!(!m.contains("copy it next to the image"), "{m}");
    // Following the advice silences it.
    job.linker_args.push("-Wl,-rpath,$ORIGIN".into());
    assert!(run_preflight(&job, None, &[("custom", "custom_fn")]).is_empty());
}

/// With `-Wl,-rpath,$ORIGIN` given as a LinkerArg, a library in another folder is advised the
/// rpath of that folder or a copy beside the image, not the `$ORIGIN` rpath it already has.
#[test]
fn an_origin_rpath_given_is_not_advised_again() {
    let dir = tempfile::tempdir().unwrap();
    let libs = dir.path().join("libs");
    custom_so(&libs);
    let mut job = LinkJob::new(LINUX_X64, OutputKind::Executable, dir.path().join("bin/app"));
    job.origin_rpath = false;
    job.linker_args = vec![
        format!("-L{}", libs.display()),
        "-lcustom".into(),
        "-Wl,-rpath,$ORIGIN".into(),
    ];
    let d = run_preflight(&job, None, &[("custom", "custom_fn")]);
    assert_eq!(codes_of(&d), [codes::LOADER_MAY_NOT_FIND], "{d:?}");
    let m = &d[0].message;
    assert!(!m.contains("add `-Wl,-rpath,$ORIGIN`"), "{m}");
    assert!(
        m.contains("`-Wl,-rpath,FOLDER`") && m.contains("copy it next to"),
        "{m}"
    );
}

#[test]
fn a_native_library_defining_a_lazy_stubs_symbol_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(LINUX_X64, OutputKind::Executable, dir.path().join("app"));
    job.native_libraries.push(shim_archive(&LINUX_X64, dir.path()));
    let linker = select(&job.target, job.kind, &LinkerChoice::default()).unwrap();
    // Compiled code that calls entry points by their own names (Mono's AOT compiler).
    let mut plan = direct(&[]);
    plan.imports = vec![PlannedImport::lazy("shim_add", "libshim", "shim_add")];
    let d = preflight(&*linker, &job, &plan).diagnostics;
    assert_eq!(codes_of(&d), [codes::LAZY_STUB_DEFINED], "{d:?}");
    assert!(
        d[0].message.contains("`shim_add`") && d[0].message.contains("libshim!shim_add"),
        "{}",
        d[0]
    );
    assert!(d[0].file().is_some_and(|f| f.ends_with("libshim.a")));
    // A generated call symbol does not clash.
    plan.imports = vec![PlannedImport::lazy(
        "pinvoke_libshim__shim_add",
        "libshim",
        "shim_add",
    )];
    assert!(preflight(&*linker, &job, &plan).diagnostics.is_empty());
}
