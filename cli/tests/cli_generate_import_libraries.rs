//! `generate_import_libraries` end to end: direct P/Invokes into a library the link never sees.
//! A linux-arm64 image links on this machine against a stub shared object and runs under qemu
//! once the real arm64 library is beside it; win-x64 and win-x86 images link against generated
//! import libraries (by name, by ordinal, decorated as the DLL exports them) and run under wine.
//! Without the opt-in the preflight names it; a library found at publish time is checked, and
//! each bad input is a clear preflight error that leaves no image.
#![cfg(target_os = "linux")]

mod common;

use aotinterop_model::TargetRow;
use aotinterop_testkit::{check, require, run_image, run_image_ok};
use common::{aotinterop, text};
use std::path::{Path, PathBuf};
use std::process::Command;

const VENDOR_C: &str = r#"
#ifdef _WIN32
#define API __declspec(dllexport)
#define STDCALL __stdcall
#else
#define API __attribute__((visibility("default")))
#define STDCALL
#endif
API int vendor_add(int a, int b) { return a + b; }
API int vendor_secret(void) { return 7; }
API int STDCALL vendor_mul(int a, int b) { return a * b; }
API int vendor_counter = 42;
"#;

/// Compiled code: each P/Invoke called through its call symbol.
const MAIN_C: &str = r#"
#include <stdio.h>
#ifdef _WIN32
#define STDCALL __stdcall
#else
#define STDCALL
#endif
int pinvoke_add(int, int);
int pinvoke_secret(void);
int STDCALL pinvoke_mul(int, int);
int main(void) {
    printf("sum=%d secret=%d product=%d\n", pinvoke_add(2, 3), pinvoke_secret(), pinvoke_mul(6, 7));
    return 0;
}
"#;

fn row(rid: &str) -> &'static TargetRow {
    TargetRow::of_rid(rid).unwrap()
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

/// The C compiler of a RID.
fn cc(rid: &str) -> PathBuf {
    match rid {
        "linux-arm64" => require("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu"),
        "win-x64" => require("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64"),
        "win-x86" => require("i686-w64-mingw32-gcc", "gcc-mingw-w64-i686"),
        other => panic!("no compiler for {other}"),
    }
}

/// The app's object, imports file (entry points as given) and request (`generate` or not).
fn app(dir: &Path, rid: &str, entries: &[(&str, &str, &str)], generate: bool, extra: &str) -> PathBuf {
    let main = write(&dir.join("main.c"), MAIN_C);
    check(
        Command::new(cc(rid))
            .args(["-c", "-O1", "-fPIC"])
            .arg(&main)
            .arg("-o")
            .arg(dir.join("main.o")),
    );
    let imports: Vec<String> = entries
        .iter()
        .map(|(module, entry, symbol)| {
            let convention = if *symbol == "pinvoke_mul" {
                r#""calling_convention": "stdcall", "stack_bytes": 8"#
            } else {
                r#""calling_convention": "cdecl""#
            };
            format!(r#"{{"module": "{module}", "entry": "{entry}", "symbol": "{symbol}", {convention}}}"#)
        })
        .collect();
    write(&dir.join("imports.json"), &format!("[{}]", imports.join(",\n")));
    let modules: Vec<String> = entries.iter().map(|(m, _, _)| format!("\"{m}\"")).collect();
    let exe = if rid.starts_with("win") { "app.exe" } else { "app" };
    write(
        &dir.join("request.json"),
        &format!(
            r#"{{"rid": "{rid}", "output": "bin/{exe}", "objects": ["main.o"], "imports_file": ["imports.json"],
                 "direct_pinvoke": [{}], "windows_api_list": false,
                 "generate_import_libraries": {generate}{extra}}}"#,
            modules.join(", ")
        ),
    );
    dir.join("bin").join(exe)
}

const ALL: &[(&str, &str, &str)] = &[
    ("vendor", "vendor_add", "pinvoke_add"),
    ("vendor", "vendor_secret", "pinvoke_secret"),
    ("vendor", "vendor_mul", "pinvoke_mul"),
];

fn readelf(args: &str, file: &Path) -> String {
    check(Command::new("readelf").arg(args).arg(file))
}

#[test]
fn linux_arm64_image_links_without_its_library_and_runs_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    // The library exists only as an arm64 build in a folder of its own, never given to the link.
    let elsewhere = dir.join("target-only");
    let map = write(
        &dir.join("vendor.map"),
        "VENDOR_2 { global: vendor_*; local: *; };\n",
    );
    let src = write(&dir.join("vendor.c"), VENDOR_C);
    std::fs::create_dir_all(&elsewhere).unwrap();
    let real = elsewhere.join("libvendor.so");
    check(
        Command::new(cc("linux-arm64"))
            .args(["-shared", "-fPIC", "-Wl,-soname,libvendor.so"])
            .arg(format!("-Wl,--version-script,{}", map.display()))
            .arg(&src)
            .arg("-o")
            .arg(&real),
    );
    let image = app(
        dir,
        "linux-arm64",
        ALL,
        true,
        r#", "linker_arg": ["-Wl,-rpath,$ORIGIN"]"#,
    );
    let out = aotinterop(&["publish", "request.json", "--quiet"], dir);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("note AOTI2520") && err.contains("stub shared object naming `libvendor.so`"),
        "{err}"
    );
    // The image needs the library by its soname, as readelf reads both.
    let soname = readelf("-d", &real)
        .lines()
        .find_map(|l| {
            l.split("Library soname: [")
                .nth(1)
                .map(|s| s.trim_end_matches(']').to_string())
        })
        .unwrap();
    let dynamic = readelf("-d", &image);
    assert!(
        dynamic.contains(&format!("Shared library: [{soname}]")),
        "{dynamic}"
    );
    // It does not start without the library; beside it, it runs.
    let missing = run_image(row("linux-arm64"), &image, &[]);
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("libvendor.so"),
        "{}",
        text(&missing.stderr)
    );
    std::fs::copy(&real, dir.join("bin/libvendor.so")).unwrap();
    assert_eq!(
        run_image_ok(row("linux-arm64"), &image, &[]),
        "sum=5 secret=7 product=42\n"
    );

    // Published again with the library beside the image: its exports and versions are read.
    let out = aotinterop(&["publish", "request.json", "--quiet"], dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("were read from"),
        "{}",
        text(&out.stderr)
    );
    let versions = readelf("-V", &image);
    assert!(
        versions.contains("File: libvendor.so") && versions.contains("Name: VENDOR_2"),
        "{versions}"
    );
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("bin/app.plan.json")).unwrap()).unwrap();
    let generated = &plan["link"]["generated"][0];
    assert_eq!(generated["file"], "libvendor.so");
    assert_eq!(generated["symbols"][0]["version"], "VENDOR_2");
    let md = std::fs::read_to_string(dir.join("bin/app.plan.md")).unwrap();
    assert!(
        md.contains("| vendor | libvendor.so | vendor_add@VENDOR_2, "),
        "{md}"
    );
    assert_eq!(
        run_image_ok(row("linux-arm64"), &image, &[]),
        "sum=5 secret=7 product=42\n"
    );
}

/// The vendor DLL of `rid`, built without an import library into `dir`; `kill_at`: stdcall
/// names exported undecorated (as a `.def` file does), else MinGW's `name@N`.
fn vendor_dll(dir: &Path, rid: &str, kill_at: bool) -> PathBuf {
    let src = write(&dir.join("vendor.c"), VENDOR_C);
    let def = write(
        &dir.join("vendor.def"),
        "LIBRARY vendor.dll\nEXPORTS\n    vendor_add @1\n    vendor_secret @7 NONAME\n    vendor_counter @9 DATA\n",
    );
    let dll = dir.join("vendor.dll");
    let mut cmd = Command::new(cc(rid));
    cmd.arg("-shared").arg(&src).arg("-o").arg(&dll);
    if kill_at {
        cmd.arg("-Wl,--kill-at");
    }
    if rid == "win-x64" {
        cmd.arg(&def);
    }
    check(&mut cmd);
    dll
}

fn import_table(image: &Path, rid: &str) -> String {
    let objdump = if rid == "win-x86" {
        require("i686-w64-mingw32-objdump", "binutils-mingw-w64-i686")
    } else {
        require("x86_64-w64-mingw32-objdump", "binutils-mingw-w64-x86-64")
    };
    let dump = check(Command::new(objdump).arg("-p").arg(image));
    let table = dump
        .split("DLL Name: ")
        .find(|t| t.to_ascii_lowercase().starts_with("vendor.dll"))
        .unwrap_or_else(|| panic!("{} imports no vendor.dll:\n{dump}", image.display()));
    table.split("\n\n").next().unwrap().to_string()
}

#[test]
fn win_x64_binds_by_name_and_by_ordinal_from_a_dll_without_an_import_library() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let dll = vendor_dll(&dir.join("vendor"), "win-x64", false);
    // Two spellings of the DLL's name: one library, one stand-in.
    let entries = [
        ("vendor", "vendor_add", "pinvoke_add"),
        ("vendor", "#7", "pinvoke_secret"),
        ("VENDOR.dll", "vendor_mul", "pinvoke_mul"),
    ];
    let image = app(dir, "win-x64", &entries, true, "");
    let out = aotinterop(&["publish", "request.json", "--quiet"], dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("bin/app.exe.plan.json")).unwrap()).unwrap();
    let generated = plan["link"]["generated"].as_array().unwrap();
    assert_eq!(generated.len(), 1, "{generated:?}");
    assert_eq!(generated[0]["symbols"].as_array().unwrap().len(), 3);
    let table = import_table(&image, "win-x64");
    assert!(
        table.contains("vendor_add") && table.contains("vendor_mul"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains("<none>") && l.contains("000007")),
        "{table}"
    );
    std::fs::copy(&dll, dir.join("bin/vendor.dll")).unwrap();
    assert_eq!(
        run_image_ok(row("win-x64"), &image, &[]),
        "sum=5 secret=7 product=42\n"
    );
}

#[test]
fn win_x86_binds_stdcall_functions_by_the_names_the_dll_exports() {
    for kill_at in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let dll = vendor_dll(&dir.join("vendor"), "win-x86", kill_at);
        let image = app(dir, "win-x86", ALL, true, "");
        // The DLL beside the image at publish time: the stdcall name is taken as it exports it.
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::copy(&dll, dir.join("bin/vendor.dll")).unwrap();
        let out = aotinterop(&["publish", "request.json", "--quiet"], dir);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let table = import_table(&image, "win-x86");
        let mul = if kill_at {
            " vendor_mul\n"
        } else {
            " vendor_mul@8\n"
        };
        assert!(format!("{table}\n").contains(mul), "{mul:?} in\n{table}");
        assert_eq!(
            run_image_ok(row("win-x86"), &image, &[]),
            "sum=5 secret=7 product=42\n"
        );
    }
}

#[test]
fn without_the_opt_in_preflight_names_it() {
    for rid in ["win-x64", "linux-arm64"] {
        let dir = tempfile::tempdir().unwrap();
        let image = app(dir.path(), rid, ALL, false, "");
        let out = aotinterop(&["publish", "request.json"], dir.path());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{rid}: {err}");
        assert!(
            err.contains("error AOTI0520")
                && err.contains("direct imports of `vendor`")
                && err.contains("`vendor_add`"),
            "{err}"
        );
        assert!(
            err.contains("set `generate_import_libraries` (MSBuild: AotInteropGenerateImportLibraries)"),
            "{err}"
        );
        assert!(!image.exists());
    }
}

/// Publishes `entries` for `rid` (for win-x64 with the vendor DLL beside the image); returns the
/// stderr of a publish that must stop at the preflight.
fn refused(entries: &[(&str, &str, &str)], rid: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let image = app(dir, rid, entries, true, "");
    if rid == "win-x64" {
        let dll = vendor_dll(&dir.join("vendor"), rid, false);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::copy(dll, dir.join("bin/vendor.dll")).unwrap();
    }
    let out = aotinterop(&["publish", "request.json"], dir);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!image.exists(), "no image after a refused publish");
    err
}

#[test]
fn an_entry_point_the_dll_lacks_is_a_preflight_error() {
    let err = refused(&[("vendor", "vendor_gone", "pinvoke_add")], "win-x64");
    assert!(
        err.contains("error AOTI0524") && err.contains("vendor.dll"),
        "{err}"
    );
    assert!(err.contains("does not export `vendor_gone`"), "{err}");
    let err = refused(&[("vendor", "#8", "pinvoke_add")], "win-x64");
    assert!(
        err.contains("error AOTI0524") && err.contains("does not export ordinal 8"),
        "{err}"
    );
    // Without the DLL: an entry point native AOT reads as ordinal 0 (`#x`) names no export.
    let err = refused(&[("vendor", "#x", "pinvoke_add")], "win-x86");
    assert!(
        err.contains("error AOTI0524") && err.contains("reads as ordinal 0"),
        "{err}"
    );
}

#[test]
fn a_data_export_called_as_code_is_a_preflight_error() {
    let err = refused(&[("vendor", "vendor_counter", "pinvoke_add")], "win-x64");
    assert!(
        err.contains("error AOTI0526") && err.contains("exports `vendor_counter` as data"),
        "{err}"
    );
    let err = refused(&[("vendor", "#9", "pinvoke_add")], "win-x64");
    assert!(
        err.contains("error AOTI0526") && err.contains("ordinal 9 as data"),
        "{err}"
    );
}

#[test]
fn two_libraries_defining_one_symbol_is_a_preflight_error() {
    // Two modules' direct imports of one symbol, neither library in the link.
    let err = refused(
        &[
            ("vendor", "vendor_add", "pinvoke_add"),
            ("other", "vendor_add", "pinvoke_secret"),
        ],
        "linux-arm64",
    );
    assert!(
        err.contains("error AOTI0525") && err.contains("both `other` and `vendor`"),
        "{err}"
    );
    // A generated module's symbol that a library in the link defines too (libc's strlen).
    let err = refused(
        &[
            ("vendor", "vendor_add", "pinvoke_add"),
            ("vendor", "strlen", "pinvoke_secret"),
        ],
        "linux-arm64",
    );
    assert!(
        err.contains("error AOTI0525") && err.contains("`strlen`") && err.contains("libc"),
        "{err}"
    );
}

#[test]
fn an_import_library_lacking_entry_points_is_completed_by_a_generated_one() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let dll = vendor_dll(&dir.join("vendor"), "win-x64", false);
    // The vendor's import library, from an older SDK: it knows vendor_add only.
    let def = write(
        &dir.join("old.def"),
        "LIBRARY vendor.dll\nEXPORTS\n    vendor_add\n",
    );
    let old = dir.join("libvendor-old.a");
    check(
        Command::new(require("x86_64-w64-mingw32-dlltool", "binutils-mingw-w64-x86-64"))
            .arg("-d")
            .arg(&def)
            .arg("-l")
            .arg(&old),
    );
    let entries = [
        ("vendor", "vendor_add", "pinvoke_add"),
        ("vendor", "#7", "pinvoke_secret"),
        ("vendor", "vendor_mul", "pinvoke_mul"),
    ];
    let image = app(
        dir,
        "win-x64",
        &entries,
        true,
        r#", "native_library": ["libvendor-old.a"]"#,
    );
    let out = aotinterop(&["publish", "request.json", "--quiet"], dir);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("`vendor`'s import library in the link lacks `#7`, `vendor_mul`"),
        "{err}"
    );
    std::fs::copy(&dll, dir.join("bin/vendor.dll")).unwrap();
    assert_eq!(
        run_image_ok(row("win-x64"), &image, &[]),
        "sum=5 secret=7 product=42\n"
    );
}

#[test]
fn a_static_executable_cannot_use_a_stand_in() {
    let dir = tempfile::tempdir().unwrap();
    let image = app(
        dir.path(),
        "linux-arm64",
        ALL,
        true,
        r#", "static_executable": true"#,
    );
    let out = aotinterop(&["publish", "request.json"], dir.path());
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("error AOTI0207") && err.contains("vendor!vendor_add"),
        "{err}"
    );
    assert!(!image.exists());
}
