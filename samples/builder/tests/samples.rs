//! Builds, publishes and runs every sample on linux-x64 natively, on linux-arm64 and linux-arm
//! under qemu-user,
//! on linux-musl-x64 natively (musl's loader), on linux-musl-arm64 under qemu-user, on win-x64
//! under wine and on win-x86 under 32-bit wine, and checks what each program prints. Each publish also verifies
//! its image against the plan (the pipeline's last step).

use aotinterop_samples::recipes::{self, Options, RunResult};
use aotinterop_samples::{repo_root, Toolchain};
use std::sync::Mutex;

/// Samples of one RID share output folders (obj/, bin/), so builds are serialized.
static BUILD: Mutex<()> = Mutex::new(());

fn build(sample: &str, rid: &str) -> Vec<RunResult> {
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let tc = Toolchain::for_rid(rid, &repo_root()).unwrap();
    recipes::build(sample, &tc, Options::QUIET).unwrap_or_else(|e| panic!("{sample} for {rid}: {e}"))
}

fn has(r: &RunResult, text: &str) {
    assert!(
        r.stdout.contains(text) || r.stderr.contains(text),
        "{}: expected {text:?} in\n--- stdout\n{}--- stderr\n{}",
        r.what,
        r.stdout,
        r.stderr
    );
}

fn check_hello(rid: &str) {
    let runs = build("hello", rid);
    let r = &runs[0];
    assert_eq!(r.code, Some(0), "{r:?}");
    if rid.starts_with("win") {
        has(r, "(GetCurrentProcessId: direct, bound at startup)");
        has(
            r,
            "PathIsRelative(\"a\\b\") = 1 (shlwapi: lazy, bound on first call)",
        );
        has(
            r,
            "caught: System.DllNotFoundException: Unable to load DLL 'aotinterop-sample-absent'",
        );
    } else {
        has(r, "(getpid: direct, bound at startup)");
        has(r, "write: direct, bound at startup");
        has(r, "crc32(\"hello\") = 0x3610a686 (lazy, bound on first call)");
        has(
            r,
            "caught: System.DllNotFoundException: Unable to load shared library 'aotinterop-sample-absent'",
        );
        has(r, "libaotinterop-sample-absent.so");
    }
    // The C stand-in's call returns 0 after its failure; the C#'s throws. Both go on.
    has(
        r,
        "; still running: only the call that needed the missing library failed",
    );
}

fn check_static_shim(rid: &str) {
    let runs = build("static-shim", rid);
    let r = &runs[0];
    assert_eq!(r.code, Some(0), "{r:?}");
    has(r, "SampleNative_Add(2, 40) = 42");
    has(r, "SampleNative_Sum = 3000000010");
    has(r, "SampleNative_Reverse = mihs citats");
    // Linked statically: nothing loads the shim at startup.
    let plan = std::fs::read_to_string(repo_root().join(format!(
        "samples/static-shim/bin/{rid}/{}.plan.json",
        exe(rid, "static-shim")
    )))
    .unwrap();
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(plan["counts"]["direct"], 3);
}

fn exe(rid: &str, name: &str) -> String {
    if rid.starts_with("win") {
        format!("{name}.exe")
    } else {
        name.to_string()
    }
}

fn check_native_exports(rid: &str) {
    let runs = build("native-exports", rid);
    for r in &runs {
        assert_eq!(r.code, Some(0), "{r:?}");
        has(r, "exports_version() = 3");
        has(r, "exports_add(-2, 40) = 42");
        has(r, "exports_scale(1.5, 4) = 6");
    }
    // The shared library exports the entry points and nothing else of the compiled code.
    has(&runs[0], "exports_internal_helper visible: no");
}

fn check_fail_fast(rid: &str) {
    let runs = build("fail-fast", rid);
    let (direct, lazy) = (&runs[0], &runs[1]);
    // The direct build does not start: the loader's own error, and not our "started".
    assert_ne!(direct.code, Some(0), "{direct:?}");
    assert!(!direct.stdout.contains("started"), "{direct:?}");
    if rid.starts_with("win") {
        assert!(direct.stdout.is_empty(), "{direct:?}");
    } else if rid.starts_with("linux-musl") {
        has(direct, "Error loading shared library libfailfast-dep.so");
    } else {
        has(direct, "error while loading shared libraries: libfailfast-dep.so");
    }
    // The lazy build starts and fails only at the call, with .NET's message, then aborts.
    assert_ne!(lazy.code, Some(0), "{lazy:?}");
    has(lazy, "started");
    has(lazy, "System.DllNotFoundException");
    has(lazy, "'failfast-dep'");
    assert!(!lazy.stdout.contains("failfast_dep_value() ="), "{lazy:?}");
}

fn check_search_paths(rid: &str) {
    let runs = build("search-paths", rid);
    let r = &runs[0];
    assert_eq!(r.code, Some(0), "{r:?}");
    has(r, "next_value (lazy, next to the image) = 1");
    has(r, "sub_value (direct, rpath $ORIGIN/plugins) = 2");
    has(
        r,
        "next_value_system32 (lazy, System32 only: found by the OS loader through the image's rpath) = 1",
    );
    has(
        r,
        "not found: System.DllNotFoundException: Unable to load shared library 'sp-cwd'",
    );
    has(r, "cwd_value (lazy, only in the current directory) failed");
}

/// The vendor's library is never in the link: the image names it all the same (read back with
/// binutils, not with aotinterop's own reader), and runs once it is deployed beside it.
fn check_no_import_lib(rid: &str) {
    let runs = build("no-import-lib", rid);
    let r = &runs[0];
    assert_eq!(r.code, Some(0), "{r:?}");
    has(r, "vendor library 1.0");
    has(r, "vendor_add(2, 40) = 42");
    let sample = repo_root().join("samples/no-import-lib");
    let image = sample.join(format!("bin/{rid}/{}", exe(rid, "no-import-lib")));
    let vendor = sample.join(format!("obj/{rid}/vendor"));
    let built: Vec<String> = std::fs::read_dir(&vendor)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if rid.starts_with("win") {
        has(r, "ordinal 7 = 1234");
        assert_eq!(built, ["vendor.dll"], "the vendor ships no import library");
        let objdump = if rid == "win-x86" {
            "i686-w64-mingw32-objdump"
        } else {
            "x86_64-w64-mingw32-objdump"
        };
        let dump = aotinterop_testkit::check(std::process::Command::new(objdump).arg("-p").arg(&image));
        let table = dump
            .split("DLL Name: ")
            .find(|t| t.starts_with("vendor.dll"))
            .unwrap_or_else(|| panic!("no vendor.dll in the import table:\n{dump}"));
        let table = table.split("\n\n").next().unwrap();
        for name in ["vendor_add", "vendor_name"] {
            assert!(table.contains(name), "{table}");
        }
        // By ordinal: objdump prints the ordinal with the high bit of the thunk set.
        assert!(
            table
                .lines()
                .any(|l| l.contains("<none>") && l.contains("000007")),
            "{table}"
        );
        // The same publish without the opt-in stops at the preflight, naming it.
        let mut loaded =
            aotinterop::PublishRequest::load(&sample.join(format!("request.{rid}.json"))).unwrap();
        loaded.request.generate_import_libraries = false;
        loaded.request.output = Some(sample.join(format!("bin/{rid}/without-opt-in/no-import-lib.exe")));
        let failure = aotinterop::pipeline::publish(&loaded, &mut |_| {}).unwrap_err();
        assert_eq!(failure.step, aotinterop::pipeline::Step::Preflight);
        assert_eq!(failure.error.code(), "AOTI0520", "{}", failure.error);
        assert!(
            failure.error.to_string().contains("generate_import_libraries"),
            "{}",
            failure.error
        );
    } else {
        assert_eq!(built, ["libvendor.so"]);
        let dynamic = aotinterop_testkit::check(std::process::Command::new("readelf").arg("-dW").arg(&image));
        assert!(dynamic.contains("Shared library: [libvendor.so]"), "{dynamic}");
    }
}

/// The sqlite sample, lazy and static, against the same program run by Mono's JIT (the oracle);
/// the static image needs no libsqlite3 at run time (readelf).
fn check_sqlite() {
    let runs = build("sqlite", "linux-x64");
    let exe = repo_root().join("samples/sqlite/obj/Sqlite.exe");
    let jit = std::process::Command::new("mono").arg(&exe).output().unwrap();
    assert!(jit.status.success());
    let jit = String::from_utf8_lossy(&jit.stdout).into_owned();
    assert!(jit.contains("caught: SqliteException"), "{jit}");
    for r in &runs {
        assert_eq!(r.code, Some(0), "{r:?}");
        assert_eq!(r.stdout, jit, "{}", r.what);
    }
    let image = repo_root().join("samples/sqlite/bin/linux-x64/static/sqlite");
    let dynamic = std::process::Command::new("readelf")
        .arg("-d")
        .arg(&image)
        .output()
        .unwrap();
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    assert!(dynamic.contains("(NEEDED)"), "{dynamic}");
    assert!(!dynamic.contains("libsqlite3"), "{dynamic}");
    let lazy = repo_root().join("samples/sqlite/bin/linux-x64/lazy/sqlite.plan.json");
    let plan: aotinterop_model::Plan = serde_json::from_str(&std::fs::read_to_string(lazy).unwrap()).unwrap();
    assert_eq!(
        plan.imports.iter().filter(|i| i.module == "sqlite3").count(),
        78,
        "Mono.Data.Sqlite's P/Invokes"
    );
}

#[test]
fn linux_x64() {
    check_sqlite();
    check_no_import_lib("linux-x64");
    check_hello("linux-x64");
    check_static_shim("linux-x64");
    check_native_exports("linux-x64");
    check_fail_fast("linux-x64");
    check_search_paths("linux-x64");
}

#[test]
fn linux_arm64_under_qemu() {
    check_no_import_lib("linux-arm64");
    check_hello("linux-arm64");
    check_static_shim("linux-arm64");
    check_native_exports("linux-arm64");
    check_fail_fast("linux-arm64");
    check_search_paths("linux-arm64");
}

#[test]
fn linux_arm_under_qemu() {
    check_no_import_lib("linux-arm");
    check_hello("linux-arm");
    check_static_shim("linux-arm");
    check_native_exports("linux-arm");
    check_fail_fast("linux-arm");
    check_search_paths("linux-arm");
}

/// musl: every sample but static-shim, whose C++ needs a C++ library built for musl (Debian has
/// none). zlib for hello comes from `samples/hello/zlib-rs`.
#[test]
fn linux_musl_x64() {
    check_no_import_lib("linux-musl-x64");
    check_hello("linux-musl-x64");
    check_native_exports("linux-musl-x64");
    check_fail_fast("linux-musl-x64");
    check_search_paths("linux-musl-x64");
}

#[test]
fn linux_musl_arm64_under_qemu() {
    check_no_import_lib("linux-musl-arm64");
    check_hello("linux-musl-arm64");
    check_native_exports("linux-musl-arm64");
    check_fail_fast("linux-musl-arm64");
    check_search_paths("linux-musl-arm64");
}

#[test]
fn win_x86_under_32_bit_wine() {
    check_no_import_lib("win-x86");
    check_hello("win-x86");
    check_static_shim("win-x86");
    check_native_exports("win-x86");
    check_fail_fast("win-x86");
}

/// win-arm64: nothing runs its images here. hello publishes (the pipeline's last step verifies
/// the image against its plan), and the image reads back as ARM64 with its lazy imports and
/// kernel32 bound at startup; `verify` passes on it again from the plan it wrote.
#[test]
fn win_arm64_publishes_and_verifies() {
    let runs = build("hello", "win-arm64");
    assert!(runs.is_empty(), "nothing runs: {runs:?}");
    let bin = repo_root().join("samples/hello/bin/win-arm64");
    let image = bin.join("hello.exe");
    let ins = aotinterop::inspect::inspect(&image).unwrap();
    assert_eq!(ins.arch.name(), "aarch64");
    assert!(ins
        .lazy
        .iter()
        .any(|l| l.module == "shlwapi" && l.entry == "PathIsRelative"));
    assert!(ins.needed.iter().any(|n| n.eq_ignore_ascii_case("kernel32.dll")));
    let plan_path = bin.join("hello.exe.plan.json");
    let plan =
        aotinterop_model::Plan::parse(&std::fs::read_to_string(&plan_path).unwrap(), &plan_path).unwrap();
    let native = aotinterop::verify::native_library_symbols(&plan.link.native_library);
    let report = aotinterop::verify::verify(&ins, &plan, &native).unwrap();
    assert!(report.ok(), "{report:?}");
}

#[test]
fn win_x64_under_wine() {
    check_no_import_lib("win-x64");
    check_hello("win-x64");
    check_static_shim("win-x64");
    check_native_exports("win-x64");
    check_fail_fast("win-x64");
}
