//! `aotinterop plan` end to end: the sample request, the quick form, warnings and bad input.

use std::path::Path;
use std::process::{Command, Output};

fn aotinterop(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aotinterop"))
        .args(args)
        .current_dir(cwd)
        .env("NUGET_PACKAGES", cwd.join("no-nuget-cache"))
        .output()
        .expect("run aotinterop")
}

use aotinterop_testkit::repo_root as repo;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(o));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

fn bindings(plan: &serde_json::Value) -> Vec<(String, String, String, String)> {
    plan["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["module"].as_str().unwrap().to_string(),
                i["entry"].as_str().unwrap().to_string(),
                i["binding"].as_str().unwrap().to_string(),
                i["symbol"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn sample_request_linux_split_in_json_and_text() {
    let out = aotinterop(
        &[
            "plan",
            "samples/plan-basics/request.linux-x64.json",
            "--format",
            "json",
        ],
        &repo(),
    );
    let plan = json(&out);
    assert_eq!(plan["rid"], "linux-x64");
    let b = bindings(&plan);
    assert_eq!(b.len(), 21);
    for (module, entry, binding, _) in &b {
        let want = match module.as_str() {
            "libc" => "direct",
            "libz" if ["zlibVersion", "crc32", "adler32"].contains(&entry.as_str()) => "direct",
            _ => "lazy",
        };
        assert_eq!(binding, want, "{module}!{entry}");
    }
    assert_eq!(plan["counts"]["direct"], 10);
    assert_eq!(plan["counts"]["lazy"], 11);
    let crc = &plan["imports"].as_array().unwrap()[8];
    assert_eq!(crc["entry"], "crc32");
    assert_eq!(crc["source"]["kind"], "list");
    assert_eq!(crc["source"]["line"], 3);
    assert_eq!(crc["call_symbol"], "pinvoke_Sample_Interop_Zlib__Crc32");

    let out = aotinterop(&["plan", "samples/plan-basics/request.linux-x64.json"], &repo());
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("libc — 7 imports: 7 direct, 0 lazy"), "{text}");
    assert!(text.contains("libz — 6 imports: 3 direct, 3 lazy"), "{text}");
    assert!(
        text.contains("Total: 21 imports in 4 modules: 10 direct, 11 lazy"),
        "{text}"
    );
    assert!(
        text.contains("DirectPInvokeList `libz!crc32` (samples/plan-basics/direct-zlib.txt:3)"),
        "{text}"
    );
}

#[test]
fn sample_request_windows_split() {
    let oracle = repo().join("../shared/reference/WindowsAPIs.txt");
    let out = aotinterop(
        &[
            "plan",
            "--rid",
            "win-x64",
            "--imports",
            "samples/plan-basics/imports.json",
            "--direct",
            "kernel32!SetDllDirectoryW",
            "--windows-api-list",
            oracle.to_str().unwrap(),
            "--format",
            "json",
        ],
        &repo(),
    );
    let plan = json(&out);
    let b = bindings(&plan);
    let find = |e: &str| b.iter().find(|x| x.1 == e).unwrap().clone();
    // Unicode/Auto imports find their W spelling in the Windows list.
    assert_eq!(find("GetModuleHandle").2, "direct");
    assert_eq!(find("GetModuleHandle").3, "GetModuleHandleW");
    assert_eq!(find("GetEnvironmentVariable").3, "GetEnvironmentVariableW");
    assert_eq!(find("SetDllDirectory").3, "SetDllDirectoryW");
    // `kernel32.dll` matches `kernel32` entries once its suffix is removed.
    assert_eq!(find("Sleep").2, "direct");
    // Not on the list.
    assert_eq!(
        find("OutputDebugStringA").2,
        "direct",
        "OutputDebugStringA is in WindowsAPIs.txt"
    );
    assert!(b
        .iter()
        .filter(|x| x.0 == "libc" || x.0 == "libz")
        .all(|x| x.2 == "lazy"));
    // Lazy imports without ExactSpelling list the spellings the resolver tries, in order (CharSet
    // None is Ansi: the name, then `A`); direct ones and exact spellings list none.
    let imports = plan["imports"].as_array().unwrap();
    let by_entry = |e: &str| imports.iter().find(|i| i["entry"] == e).unwrap();
    assert_eq!(
        by_entry("getpid")["candidates"],
        serde_json::json!(["getpid", "getpidA"])
    );
    assert!(by_entry("GetModuleHandle").get("candidates").is_none());
    assert!(by_entry("OutputDebugStringA").get("candidates").is_none());
    assert_eq!(by_entry("GetModuleHandle")["entry"], "GetModuleHandle");
}

/// `aotinterop plan --rid RID --imports imports.json --format json` in `dir`.
fn quick_plan_json(rid: &str, dir: &Path) -> serde_json::Value {
    let args = [
        "plan",
        "--rid",
        rid,
        "--imports",
        "imports.json",
        "--format",
        "json",
    ];
    json(&aotinterop(&args, dir))
}

#[test]
fn windows_unicode_lazy_import_tries_w_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("imports.json"),
        r#"[{"module": "user32", "entry": "MessageBox", "charset": "unicode"},
            {"module": "user32", "entry": "MessageBeep", "exact_spelling": true}]"#,
    )
    .unwrap();
    let plan = quick_plan_json("win-x64", dir.path());
    let imports = plan["imports"].as_array().unwrap();
    assert_eq!(imports[0]["binding"], "lazy");
    assert_eq!(imports[0]["symbol"], "MessageBox");
    assert_eq!(
        imports[0]["candidates"],
        serde_json::json!(["MessageBoxW", "MessageBox"])
    );
    assert!(imports[1].get("candidates").is_none(), "{}", imports[1]);
    // The same imports on Linux: one spelling, none listed.
    let linux = quick_plan_json("linux-x64", dir.path());
    assert!(linux["imports"][0].get("candidates").is_none());
}

#[test]
fn warnings_for_duplicates_and_unmatched_items() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("imports.json"),
        r#"[{"module": "libc", "entry": "getpid"}, {"module": "libz.so.1", "entry": "crc32"}]"#,
    )
    .unwrap();
    let args: Vec<&str> =
        "plan --rid linux-x64 --imports imports.json --direct libc!getpdi --direct libz --direct libc!getpid --direct libc!getpid"
            .split(' ')
            .collect();
    let out = aotinterop(&args, dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning AOTI1002: DirectPInvoke item `libc!getpdi` matches no import"),
        "{err}"
    );
    assert!(err.contains("`getpid`"), "{err}");
    assert!(
        err.contains("warning AOTI1002: DirectPInvoke item `libz` matches no import"),
        "{err}"
    );
    assert!(err.contains("only one trailing `.so` is removed"), "{err}");
    assert!(
        err.contains("warning AOTI1001: `libc!getpid` is given more than once"),
        "{err}"
    );
}

/// Runs `plan` on a bad input and returns stderr, checking the exit code and the error code.
fn bad(args: &[&str], dir: &Path, code: &str) -> String {
    let out = aotinterop(args, dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(
        err.contains(&format!("error {code}:")),
        "{args:?}: want {code}, got {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let w = |name: &str, text: &[u8]| std::fs::write(d.join(name), text).unwrap();
    w("imports.json", br#"[{"module": "libc", "entry": "getpid"}]"#);
    w("no-module.txt", b"libc\n# fine\n!getpid\n");
    w("no-entry.txt", b"libc!getpid\nlibz!\n");
    w("latin1.txt", b"libc\nlibz!caf\xe9\n");
    w("empty.json", b"  \n");
    w(
        "malformed.json",
        b"{\"rid\": \"linux-x64\",\n \"direct_pinvoke\": [\"libc\" \"libz\"]\n}",
    );
    w(
        "unknown-field.json",
        b"{\"rid\": \"linux-x64\",\n  \"DirectPInvoke\": [\"libc\"]\n}",
    );
    w("unknown-rid.json", b"{\n  \"rid\": \"linux-x65\"\n}");
    w(
        "bad-item.json",
        b"{\n  \"rid\": \"linux-x64\",\n  \"direct_pinvoke\": [\"libc\",\n    \"libz!\"]\n}",
    );
    w(
        "missing-list.json",
        b"{\"rid\": \"linux-x64\", \"direct_pinvoke_list\": [\"nowhere.txt\"]}",
    );
    w(
        "bad-imports.json",
        b"[{\"module\": \"libc\", \"entry\": \"getpid\", \"charset\": \"utf8\"}]",
    );

    let quick = |list: &str| -> Vec<String> {
        [
            "plan",
            "--rid",
            "linux-x64",
            "--imports",
            "imports.json",
            "--direct-list",
            list,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |args: Vec<String>, code: &str| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        bad(&refs, d, code)
    };

    let e = run(quick("nowhere.txt"), "AOTI0001");
    assert!(
        e.starts_with("nowhere.txt: error AOTI0001: cannot read DirectPInvokeList file"),
        "{e}"
    );
    // Lines native AOT accepts but that can never match, and bytes it reads as U+FFFD: warnings.
    let warned = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = aotinterop(&refs, d);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stderr(&out)
    };
    let e = warned(quick("no-module.txt"));
    assert!(
        e.contains("no-module.txt:3: warning AOTI1006: DirectPInvokeList line `!getpid` has no module"),
        "{e}"
    );
    let e = warned(quick("no-entry.txt"));
    assert!(e.contains("no-entry.txt:2: warning AOTI1006:"), "{e}");
    let e = warned(quick("latin1.txt"));
    assert!(
        e.contains("latin1.txt:2: warning AOTI1007: DirectPInvokeList file holds bytes that are not valid"),
        "{e}"
    );
    let e = run(quick("."), "AOTI0001");
    assert!(e.contains("directory"), "{e}");
    let e = warned(
        "plan --rid linux-x64 --imports imports.json --direct !getpid"
            .split(' ')
            .map(str::to_string)
            .collect(),
    );
    assert!(
        e.contains("warning AOTI1006: DirectPInvoke item `!getpid` has no module"),
        "{e}"
    );

    let e = bad(&["plan", "empty.json"], d, "AOTI0003");
    assert!(
        e.starts_with("empty.json: error AOTI0003: publish request is empty"),
        "{e}"
    );
    let e = bad(&["plan", "malformed.json"], d, "AOTI0003");
    assert!(e.starts_with("malformed.json:2:"), "{e}");
    let e = bad(&["plan", "unknown-field.json"], d, "AOTI0004");
    assert!(e.starts_with("unknown-field.json:2:"), "{e}");
    assert!(e.contains("unknown field `DirectPInvoke`"), "{e}");
    let e = bad(&["plan", "unknown-rid.json"], d, "AOTI0006");
    assert!(
        e.starts_with("unknown-rid.json:2:10: error AOTI0006: unknown runtime identifier `linux-x65`"),
        "{e}"
    );
    let out = aotinterop(&["plan", "bad-item.json"], d);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("bad-item.json:4:5: warning AOTI1006: DirectPInvoke item `libz!` has no entry point"),
        "{}",
        stderr(&out)
    );
    // At the value's line, the file named.
    let e = bad(&["plan", "missing-list.json"], d, "AOTI0001");
    assert!(
        e.starts_with("missing-list.json:") && e.contains("nowhere.txt does not exist"),
        "{e}"
    );
    let e = bad(&["plan", "nothing.json"], d, "AOTI0001");
    assert!(
        e.starts_with("nothing.json: error AOTI0001: cannot read publish request"),
        "{e}"
    );
    let e = bad(
        &["plan", "--rid", "linux-x64", "--imports", "bad-imports.json"],
        d,
        "AOTI0012",
    );
    assert!(e.contains("unknown variant `utf8`"), "{e}");
    // A RID that is none is bad usage (exit 2), as for every command-line value.
    let out = aotinterop(&["plan", "--rid", "mac-x64", "--imports", "imports.json"], d);
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(e.contains("unknown runtime identifier `mac-x64`"), "{e}");
}
