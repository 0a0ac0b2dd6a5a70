//! `aotinterop probe`: candidates in order, which one loads, JSON shape, exit codes.

use std::process::Command;

fn aotinterop() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aotinterop"))
}

#[cfg(target_os = "linux")]
#[test]
fn probe_finds_a_library_in_the_image_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = tmp.path().join("p.c");
    std::fs::write(&src, "int probe_me(void) { return 7; }\n").expect("write");
    let lib = tmp.path().join("libaotcliprobe.so");
    let ok = Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(&src)
        .status()
        .expect("gcc");
    assert!(ok.success());

    let out = aotinterop()
        .args(["probe", "aotcliprobe", "--format", "json", "--from"])
        .arg(tmp.path())
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let first = tmp.path().join("aotcliprobe.so").to_string_lossy().into_owned();
    assert_eq!(v["candidates"][0]["path"], first.as_str());
    assert_eq!(v["candidates"][0]["via"], "assembly-directory");
    assert!(v["candidates"][0]["error"]
        .as_str()
        .unwrap_or("")
        .contains("No such file"));
    assert_eq!(v["candidates"][1]["via"], "os-loader");
    assert_eq!(v["loaded"], lib.to_string_lossy().as_ref());
    assert!(v["error"].is_null());

    let text = aotinterop()
        .args(["probe", "aotcliprobe", "--from"])
        .arg(tmp.path())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("loaded: {}", lib.display())), "{text}");
}

#[test]
fn probe_of_a_missing_library_exits_1_and_bad_arguments_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = aotinterop()
        .args(["probe", "surely-not-a-library-aot", "--format", "json", "--from"])
        .arg(tmp.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["loaded"].is_null());
    assert!(v["error"].as_str().is_some());
    assert!(v["candidates"].as_array().is_some_and(|c| c.len() >= 2));

    let out = aotinterop()
        .args(["probe", "z", "--rid", "plan9-x64"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = aotinterop()
        .args(["probe", "z", "--search-path", "Nowhere"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn probe_lists_another_platforms_candidates_without_loading() {
    let out = aotinterop()
        .args([
            "probe",
            "user32",
            "--rid",
            "win-x64",
            "--search-path",
            "System32",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let paths: Vec<&str> = v["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| c["path"].as_str().unwrap_or(""))
        .collect();
    // System32 only: no image-folder step; name, then name.dll.
    assert_eq!(paths, ["user32", "user32.dll"]);
    assert!(v["loaded"].is_null());
}

#[test]
fn probe_takes_only_rids_the_one_parser_accepts() {
    for bad in ["linux-x65", "linux", "plan9-x64"] {
        let out = aotinterop()
            .args(["probe", "z", "--rid", bad])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("unknown runtime identifier `{bad}`")),
            "{bad}: {err}"
        );
    }
    let out = aotinterop()
        .args(["probe", "z", "--rid", "linux-musl-arm64"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("libz.so"));
}

#[test]
fn probe_follows_the_rules_of_the_target_framework() {
    let out = aotinterop()
        .args(["probe", "z", "--target-framework", "net9.0"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`net9.0` is not a .NET release"));
    let vias = |tfm: &str| {
        let out = aotinterop()
            .args([
                "probe",
                "aotclinone",
                "--format",
                "json",
                "--target-framework",
                tfm,
            ])
            .output()
            .expect("run");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["via"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(vias("net8.0").iter().all(|v| v == "os-loader"));
    assert!(vias("net10.0").iter().any(|v| v == "assembly-directory"));
}

/// A drive-relative Windows name (`Z:lib.dll`) is the drive's current directory's: no candidate
/// is handed to the loader, and none is built in the image's folder (a DLL planted in the current
/// directory was loaded).
#[test]
fn a_drive_relative_windows_name_is_never_tried() {
    let out = aotinterop()
        .args([
            "probe",
            "Z:vendor.dll",
            "--rid",
            "win-x64",
            "--format",
            "json",
            "--from",
            "/app",
        ])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let candidates = v["candidates"].as_array().unwrap();
    assert!(!candidates.is_empty(), "{v}");
    for c in candidates {
        assert_eq!(c["via"], "skipped", "{v}");
    }
}

/// A `--from` that is not a folder is an error (exit 1): a probe of a folder that is not there
/// said nothing of it.
#[test]
fn a_from_that_is_no_folder_is_an_error() {
    let out = aotinterop()
        .args(["probe", "z", "--from", "/nonexistent/folder"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a folder"));
}
