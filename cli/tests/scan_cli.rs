//! `aotinterop scan` as a user runs it.

use aotinterop_testkit::repo_root;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles C# sources of `publish/tests/assemblies/` into `out/NAME.dll` with Mono's mcs.
fn compile(out: &Path, name: &str, sources: &[&str]) -> PathBuf {
    let src = repo_root().join("publish/tests/assemblies");
    aotinterop_testkit::mono::compile_library(&src, out, name, sources, &[])
}

fn run(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aotinterop"))
        .arg("scan")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn json_has_imports_exports_and_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let interop = compile(dir.path(), "Interop", &["Interop.cs"]);
    let other = compile(dir.path(), "Other", &["Other.cs"]);
    let (code, out, err) = run(&[
        interop.as_os_str(),
        other.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let imports = v["imports"].as_array().unwrap();
    assert_eq!(imports.len(), 11);
    let lle = imports.iter().find(|i| i["method"] == "LoadLibraryEx").unwrap();
    assert_eq!(lle["module"], "kernel32.dll");
    assert_eq!(lle["entry"], "LoadLibraryExW");
    assert_eq!(lle["charset"], "unicode");
    assert_eq!(lle["set_last_error"], true);
    assert_eq!(lle["type"], "Sample.Interop.Native");
    assert_eq!(lle["assembly"], "Interop");
    assert_eq!(lle["search_path"], serde_json::json!(["System32"]));
    let mbw = imports.iter().find(|i| i["method"] == "MessageBoxW").unwrap();
    assert_eq!(mbw["exact_spelling"], true);
    let exports = v["exports"].as_array().unwrap();
    assert_eq!(exports.len(), 4);
    assert_eq!(exports[0]["name"], "sample_add");
    assert_eq!(exports[0]["method"], "Sample.Interop.Exports::Add");
    assert_eq!(exports[0]["exported"], true);
    assert_eq!(exports[2]["exported"], false);
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["AOTI1100", "AOTI1101", "AOTI1102"]);
}

#[test]
fn text_lists_each_assembly_and_a_folder_skips_native_files() {
    let dir = tempfile::tempdir().unwrap();
    compile(dir.path(), "Interop", &["Interop.cs"]);
    std::fs::write(dir.path().join("libnative.dll"), b"\x7fELF").unwrap();
    let (code, out, err) = run(&[dir.path().as_os_str()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Interop ("), "{out}");
    assert!(
        out.contains("Sample.Interop.Native/Outer/Inner::ZlibVersion"),
        "{out}"
    );
    assert!(
        out.contains("Total: 1 assemblies, 9 P/Invokes, 2 entry points"),
        "{out}"
    );
    // A folder has no published assembly: its entry points are listed, not exported.
    assert!(out.contains("(not exported)"), "{out}");
    assert!(err.contains("AOTI1103") && err.contains("libnative.dll"), "{err}");
}

#[test]
fn a_non_assembly_named_directly_fails() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("libnative.so");
    std::fs::write(&f, b"\x7fELF").unwrap();
    let (code, _, err) = run(&[f.as_os_str()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("libnative.so") && err.contains("AOTI0100") && err.contains("not a PE image"),
        "{err}"
    );
}

#[test]
fn recursive_searches_subfolders() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    let dll = compile(&nested, "Interop", &["Interop.cs"]);
    let (code, _, err) = run(&[dir.path().as_os_str()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("subfolder is not searched") && err.contains("--recursive"),
        "{err}"
    );
    let (code, out, err) = run(&[
        dir.path().as_os_str(),
        "--recursive".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["assemblies"][0]["path"], dll.display().to_string(), "{out}");
    // As many P/Invokes as monodis lists in its ImplMap.
    let implmap = aotinterop_testkit::mono::monodis_implmap(&dll);
    assert_eq!(v["imports"].as_array().unwrap().len(), implmap.len(), "{out}");
}

/// Two files of one assembly (a copy, the same file named twice) each list their own P/Invokes
/// once, with a warning that they are one assembly: each listed every P/Invoke of both.
#[test]
fn two_files_of_one_assembly_each_list_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let interop = compile(dir.path(), "Interop", &["Interop.cs"]);
    let copy = dir.path().join("copy/Interop.dll");
    std::fs::create_dir(copy.parent().unwrap()).unwrap();
    std::fs::copy(&interop, &copy).unwrap();
    let (code, single, _) = run(&[interop.as_os_str()]);
    assert_eq!(code, 0);
    let count = |text: &str| text.lines().filter(|l| l.starts_with("    ")).count();
    let (code, out, err) = run(&[interop.as_os_str(), copy.as_os_str(), interop.as_os_str()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(count(&out), 3 * count(&single), "{out}");
    assert_eq!(err.matches("warning AOTI1106").count(), 2, "{err}");
}
