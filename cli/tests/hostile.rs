//! Hostile and careless input, as a user would meet it, running the real `aotinterop`: each
//! test fails without its fix.

mod common;

use common::{aotinterop, command, text};
use object::{Object, ObjectSection};
use std::path::Path;
use std::process::Command;

/// `NAME.c` (with `source`) compiled into `NAME.o` in `dir`, and `REQUEST` naming it: a linux-x64
/// image `bin/app` calling one lazy import (`zv`, libz's `zlibVersion`).
fn app_request(dir: &Path, name: &str, source: &str, request: &str) {
    std::fs::write(dir.join(format!("{name}.c")), source).unwrap();
    let st = Command::new("gcc")
        .args([
            "-c",
            "-fPIC",
            "-g",
            "-o",
            &format!("{name}.o"),
            &format!("{name}.c"),
        ])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(st.success());
    let json = serde_json::json!({
        "rid": "linux-x64",
        "output": "bin/app",
        "objects": [format!("{name}.o")],
        "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}],
    });
    std::fs::write(dir.join(request), json.to_string()).unwrap();
}

/// A win-x64 request (MinGW, `generate_import_libraries`) binding `vendor_fn` of `module`
/// directly, its object made in `dir`.
fn stand_in_request(dir: &Path, module: &str) -> serde_json::Value {
    serde_json::json!({"rid": "win-x64", "output": "z/app.exe", "linker": {"flavor": "mingw"},
        "objects": [coff_object(dir)], "windows_api_list": false, "generate_import_libraries": true,
        "imports": [{"module": module, "entry": "vendor_fn"}], "direct_pinvoke": [module]})
}

/// `mainw.o` in `dir`, a win-x64 object (MinGW's) with an empty `main`; its name.
fn coff_object(dir: &Path) -> &'static str {
    std::fs::write(dir.join("mainw.c"), "int main(void) { return 0; }\n").unwrap();
    let st = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-c", "-o", "mainw.o", "mainw.c"])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(st.success());
    "mainw.o"
}

/// Asserts that `out` ended with exit code `code` and that its standard error holds each of
/// `says`; returns that text.
fn exits_saying(out: &std::process::Output, code: i32, says: &[&str]) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{err}");
    for s in says {
        assert!(err.contains(s), "{s}: {err}");
    }
    err
}

/// Writes `to` in `dir`: the request `from` of `dir` with `edit` applied.
fn edit_request(dir: &Path, from: &str, to: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let text = std::fs::read_to_string(dir.join(from)).unwrap();
    let mut r: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut r);
    std::fs::write(dir.join(to), r.to_string()).unwrap();
}

/// A linux-x64 image with aotinterop's import table: a C program calling one lazy import,
/// published from `dir`; returns the image.
fn lazy_image(dir: &Path) -> std::path::PathBuf {
    let source = "extern const char *zv(void);\nint main(void) { return zv() == 0; }\n";
    app_request(dir, "main", source, "request.json");
    let out = aotinterop(&["publish", "--quiet", "request.json"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir.join("bin/app")
}

/// A linux-x64 image binding libz's `zlibVersion` directly (a needed `libz.so.1`): the C
/// program of [`lazy_image`] with `DirectPInvoke` libz.so.1 and `-lz`, published from `dir`.
fn direct_image(dir: &Path) -> std::path::PathBuf {
    let source = "extern const char *zv(void);\nint main(void) { return zv() == 0; }\n";
    app_request(dir, "main", source, "lazy.json");
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("lazy.json")).unwrap()).unwrap();
    r["direct_pinvoke"] = serde_json::json!(["libz.so.1"]);
    r["linker_arg"] = serde_json::json!(["-lz"]);
    std::fs::write(dir.join("direct.json"), r.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "direct.json"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir.join("bin/app")
}

/// `T.cs` (with `source`) compiled by mcs into `T.exe` in `dir`, and `request.json` publishing
/// it with Mono's AOT compiler into `bin/t`, objects cached in `cache`.
fn mono_app_request(dir: &Path, source: &str, cache: &Path) {
    std::fs::write(dir.join("T.cs"), source).unwrap();
    let st = Command::new("mcs")
        .args(["-nologo", "-out:T.exe", "T.cs"])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(st.success());
    let request = serde_json::json!({
        "rid": "linux-x64",
        "compiler": "mono",
        "output": "bin/t",
        "assemblies": ["T.exe"],
        "cache_dir": cache,
    });
    std::fs::write(dir.join("request.json"), request.to_string()).unwrap();
}

/// A fresh folder holding the published lazy image ([`lazy_image`]).
fn published() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    lazy_image(dir.path());
    dir
}

/// The file `name` in a staging folder of the output folder `folder`, if there is one.
fn in_staging(folder: &Path, name: &str) -> Option<std::path::PathBuf> {
    let entries = std::fs::read_dir(folder).ok()?;
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".aotinterop-link-"))
        .map(|e| e.path().join("link").join(name))
        .find(|p| p.exists())
}

/// Writes `request` as `name` in `dir` and publishes it.
fn publish_request(dir: &Path, name: &str, request: &serde_json::Value) -> std::process::Output {
    std::fs::write(dir.join(name), request.to_string()).unwrap();
    aotinterop(&["publish", name], dir)
}

/// `folder` holds no staging folder.
fn leaves_no_staging(folder: &Path) {
    let left = names_in(folder);
    assert!(left.iter().all(|n| !n.starts_with(".aotinterop-")), "{left:?}");
}

/// The names of the entries of `dir`.
fn names_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// An image whose `.aotimp` header claims 2^31 modules: `inspect` and `verify` say what is wrong
/// with it (exit 1) instead of aborting on an allocation the file does not justify.
#[test]
fn a_huge_count_in_the_import_table_is_an_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let image = lazy_image(dir.path());
    let mut bytes = std::fs::read(&image).unwrap();
    let at = {
        let file = object::File::parse(&*bytes).unwrap();
        let section = file
            .section_by_name(".aotimp")
            .expect("the image has an import table");
        section.file_range().unwrap().0 as usize
    };
    bytes[at + 8..at + 12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let bad = dir.path().join("bad");
    std::fs::write(&bad, &bytes).unwrap();
    let out = aotinterop(&["inspect", "bad"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("do not fit"), "{}", text(&out.stderr));
    let plan = dir.path().join("bin/app.plan.json");
    let out = aotinterop(&["verify", "bad", "--plan", plan.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

/// A RID aotinterop has no target row for publishes nothing (it published a glibc Linux image
/// for freebsd-x64): exit 1 before the first step's work, naming the request file.
#[test]
fn an_unsupported_rid_is_refused_before_planning() {
    let dir = tempfile::tempdir().unwrap();
    let request = serde_json::json!({
        "rid": "freebsd-x64",
        "output": "bin/app",
        "imports": [{"module": "libc", "entry": "getpid"}],
    });
    std::fs::write(dir.path().join("request.json"), request.to_string()).unwrap();
    let out = aotinterop(&["publish", "request.json"], dir.path());
    let err = exits_saying(&out, 1, &["request failed", "AOTI0200", "freebsd-x64"]);
    // At the value: line 1, the column of `"freebsd-x64"`.
    let col = request.to_string().find("\"freebsd-x64\"").unwrap() + 1;
    assert!(err.contains(&format!("request.json:1:{col}:")), "{err}");
    assert!(!dir.path().join("bin").exists());
}

/// The request's linker is checked before anything is done, each error at the line of the value
/// it is about, exit 1: a flavour that cannot link for the target, named as written (`msvc` was
/// reported as `lld-link`, exit 3, no line), a program that is not there, a program whose
/// flavour cannot be told.
#[test]
fn linker_errors_are_request_errors_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    for (linker, code, says) in [
        (
            r#"{"flavor": "msvc"}"#,
            "AOTI0508",
            "`msvc` (lld-link) cannot link for x86_64-linux-gnu",
        ),
        (r#"{"path": "/no/such/cc"}"#, "AOTI0502", "tried /no/such/cc"),
        (
            r#"{"path": "notes.txt"}"#,
            "AOTI0508",
            "cannot tell the flavour of linker `notes.txt`",
        ),
    ] {
        let text_of_request = format!(
            "{{\n  \"rid\": \"linux-x64\",\n  \"output\": \"bin/app\",\n  \"linker\": {linker}\n}}\n"
        );
        std::fs::write(dir.path().join("request.json"), text_of_request).unwrap();
        let out = aotinterop(&["publish", "request.json"], dir.path());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{linker}: {err}");
        assert!(
            err.contains("request failed: request.json:4:") && err.contains(code) && err.contains(says),
            "{linker}: {err}"
        );
        assert!(!dir.path().join("bin").exists(), "{linker}");
    }
}

/// `--help` names only commands that exist (it named a `targets` command).
#[test]
fn help_names_only_commands_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let out = aotinterop(&["--help"], dir.path());
    let help = text(&out.stdout);
    assert!(out.status.success());
    let about = help.lines().next().unwrap_or_default();
    let commands = ["plan", "publish", "scan", "inspect", "verify", "probe"];
    for word in about.split([' ', ',', ':']).map(|w| w.trim_end_matches('.')) {
        if word.chars().all(|c| c.is_ascii_lowercase()) && word.len() > 3 && !commands.contains(&word) {
            assert!(
                !matches!(word, "targets" | "target" | "check" | "list"),
                "--help names `{word}`, no command:\n{help}"
            );
        }
    }
    for c in commands {
        assert!(help.contains(c), "{help}");
        let out = aotinterop(&[c, "--help"], dir.path());
        assert!(out.status.success(), "{c} --help");
    }
}

/// A Mono publish leaves nothing in the temporary folder (Mono's AOT compiler left its
/// `mono_aot_*` assembler file there on every publish).
#[test]
fn a_mono_publish_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // A cache of its own, so that the app's assembly is compiled here.
    mono_app_request(
        dir.path(),
        "static class P { static int Main() { return System.Environment.ProcessorCount > 0 ? 0 : 1; } }",
        &dir.path().join("cache"),
    );
    let out = command(&["publish", "--quiet", "request.json"], dir.path())
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let left = names_in(&tmp);
    assert!(left.is_empty(), "left in the temporary folder: {left:?}");
    // The plan report it wrote reads back and matches (mscorlib's overloads, which differ by
    // their signature alone, were taken for one import listed twice).
    let out = aotinterop(&["verify", "bin/t", "--plan", "bin/t.plan.json"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// An output that is one of the inputs (the request itself, named as the plan report; an
/// object; a list file), a folder or a device is refused before anything is done: exit 1, the
/// input unchanged (each was overwritten, exit 0).
#[test]
fn an_output_that_is_an_input_or_not_a_file_is_refused_and_nothing_is_touched() {
    let dir = published();
    let d = dir.path();
    std::fs::write(d.join("list.txt"), "libz.so.1!zlibVersion\n").unwrap();
    std::fs::create_dir(d.join("folder")).unwrap();
    let cases: [(&str, &str, &str); 5] = [
        ("main.o", "main.o", "is an input of this publish"),
        ("list.txt", "list.txt", "is an input of this publish"),
        // `out` writes `out.plan.json`, which is the request here.
        ("out", "out.plan.json", "is an input of this publish"),
        ("folder", "folder", "is a folder"),
        ("/dev/null", "/dev/null", "is a device"),
    ];
    for (output, request_name, why) in cases {
        let request = serde_json::json!({
            "rid": "linux-x64",
            "output": output,
            "objects": ["main.o"],
            "direct_pinvoke_list": ["list.txt"],
            "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}],
        });
        let request_path = if request_name.starts_with('/') {
            d.join("request.json")
        } else if request_name == "out.plan.json" {
            d.join(request_name)
        } else {
            d.join("request.json")
        };
        std::fs::write(&request_path, request.to_string()).unwrap();
        let before: Vec<Vec<u8>> = ["main.o", "list.txt"]
            .iter()
            .map(|f| std::fs::read(d.join(f)).unwrap())
            .collect();
        let request_text = std::fs::read(&request_path).unwrap();
        let out = aotinterop(&["publish", request_path.to_str().unwrap()], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{output}: {err}");
        assert!(err.contains("AOTI0208") && err.contains(why), "{output}: {err}");
        for (f, b) in ["main.o", "list.txt"].iter().zip(&before) {
            assert_eq!(&std::fs::read(d.join(f)).unwrap(), b, "{output}: {f} changed");
        }
        assert_eq!(std::fs::read(&request_path).unwrap(), request_text, "{output}");
        assert!(d.join("folder").is_dir());
    }
}

/// Requests: a JSON object only; the right code per failure (AOTI0003 not JSON, AOTI0005 a
/// missing or wrong-typed field, named); a byte-order mark named; values shortened and escaped.
#[test]
fn request_errors_name_the_field_and_keep_values_short_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(100_000);
    let cases: Vec<(String, &str, Vec<&str>)> = vec![
        (r#"["linux-x64"]"#.into(), "AOTI0005", vec!["a JSON object"]),
        (
            r#"{"output": "x"}"#.into(),
            "AOTI0005",
            vec!["missing field `rid`"],
        ),
        (
            r#"{"rid": 5, "output": "x"}"#.into(),
            "AOTI0005",
            vec!["`rid`", "expected a string"],
        ),
        (
            r#"{"rid": "linux-x64", "output": "x", "compiler": 7}"#.into(),
            "AOTI0005",
            vec!["`compiler`", "wrong kind"],
        ),
        (
            r#"{"rid": "linux-x64", "output": "x", "imports": [{"module": 3, "entry": "a"}]}"#.into(),
            "AOTI0005",
            vec!["`imports[0].module`"],
        ),
        (
            r#"{"rid": "linux-x64", "output": "x","#.into(),
            "AOTI0003",
            vec!["not valid JSON"],
        ),
        (
            "\u{feff}{\"rid\": \"linux-x64\"}".into(),
            "AOTI0003",
            vec!["byte-order mark"],
        ),
        (
            format!(r#"{{"rid": "linux-x64", "output": "x", "compiler": "\u001b[31m{long}"}}"#),
            "AOTI0005",
            vec![
                "unknown variant",
                "\\u{1b}[31m",
                "…`, expected `generated` or `mono`",
            ],
        ),
    ];
    for (body, code, wants) in cases {
        std::fs::write(dir.path().join("r.json"), &body).unwrap();
        let out = aotinterop(&["plan", "r.json"], dir.path());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{body:.80}: {err}");
        assert!(err.contains(&format!("error {code}")), "{body:.80}: {err}");
        assert!(err.starts_with("r.json:1:"), "{body:.80}: {err}");
        for w in wants {
            assert!(err.contains(w), "{body:.80}: `{w}` not in {err}");
        }
        assert!(
            err.len() < 2000 && !err.contains('\u{1b}'),
            "{body:.80}: {err:.300}"
        );
    }
}

/// A staging folder left by a killed publish (its lock free) is removed by the next publish to
/// that output; one whose publish still runs (its lock held) is left alone.
#[test]
fn staging_folders_of_dead_publishes_are_removed_by_the_next() {
    let dir = published();
    let d = dir.path();
    let bin = d.join("bin");
    let dead = bin.join(".aotinterop-link-dead");
    let live = bin.join(".aotinterop-link-live");
    for f in [&dead, &live] {
        std::fs::create_dir_all(f).unwrap();
        std::fs::write(f.join("app"), vec![0u8; 1 << 20]).unwrap();
    }
    std::fs::write(dead.join(".lock"), b"").unwrap();
    let held = std::fs::File::create(live.join(".lock")).unwrap();
    held.lock().unwrap();
    let out = aotinterop(&["publish", "--quiet", "request.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!dead.exists(), "the dead publish's folder is still there");
    assert!(live.join("app").exists(), "a live publish's folder was removed");
    drop(held);
    let left: Vec<String> = names_in(&bin)
        .into_iter()
        .filter(|n| n.starts_with(".aotinterop-link-") && n != ".aotinterop-link-live")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Publishes to one output at once, each of a different image, end with one publish's set: the
/// image's debug link matches the debug file beside it (2 of 40 ended mixed).
#[test]
fn concurrent_publishes_to_one_output_do_not_mix_their_files() {
    let dir = published();
    let d = dir.path();
    let n = 8;
    for i in 0..n {
        let src = format!(
            "extern const char *zv(void);\nconst char *who = \"publisher {i}\";\nint main(void) {{ return zv() == who; }}\n"
        );
        app_request(d, &format!("m{i}"), &src, &format!("r{i}.json"));
    }
    for round in 0..3 {
        let children: Vec<_> = (0..n)
            .map(|i| {
                command(&["publish", "--quiet", &format!("r{i}.json")], d)
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let out = aotinterop(&["inspect", "bin/app", "--format", "json"], d);
        let notes = text(&out.stdout);
        assert!(
            notes.contains("read from its debug file app.dbg") && !notes.contains("does not match"),
            "round {round}: the image and its debug file are of two publishes: {notes}"
        );
    }
}

/// `verify` checks both ways: a plan with its imports removed, or a win-x64 plan, does not pass
/// a linux-x64 image that binds a lazy import (both passed).
#[test]
fn verify_checks_the_image_against_the_plan_both_ways_and_its_target() {
    let dir = published();
    let d = dir.path();
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("bin/app.plan.json")).unwrap()).unwrap();
    let mut emptied = plan.clone();
    emptied["imports"] = serde_json::json!([]);
    emptied["counts"] = serde_json::json!({"imports": 0, "direct": 0, "lazy": 0});
    emptied["modules"] = serde_json::json!({});
    std::fs::write(d.join("emptied.json"), emptied.to_string()).unwrap();
    let out = aotinterop(&["verify", "bin/app", "--plan", "emptied.json"], d);
    let said = text(&out.stdout) + &text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("libz.so.1!zlibVersion") && said.contains("no such lazy import"),
        "{said}"
    );
    let mut windows = plan.clone();
    windows["rid"] = serde_json::json!("win-x64");
    std::fs::write(d.join("windows.json"), windows.to_string()).unwrap();
    let out = aotinterop(&["verify", "bin/app", "--plan", "windows.json"], d);
    let said = text(&out.stdout) + &text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("the plan is for win-x64 (pe x86_64), but the image is elf x86_64"),
        "{said}"
    );
    // The plan as published passes.
    let out = aotinterop(&["verify", "bin/app", "--plan", "bin/app.plan.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// NativeLibrary items that are not what their name says are named by their item, with what
/// they are and what to do (an empty or text `.a` was never named, and a shared library renamed
/// `.a` linked, the image then needing it by its absolute build path).
#[test]
fn a_native_library_that_is_not_an_archive_is_named() {
    let dir = published();
    let d = dir.path();
    std::fs::write(d.join("shim.c"), "int shim_fn(void) { return 7; }\n").unwrap();
    let st = Command::new("gcc")
        .args(["-shared", "-fPIC", "-o", "libshared.a", "shim.c"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(d.join("libempty.a"), b"").unwrap();
    std::fs::write(d.join("libtext.a"), b"not an archive\n").unwrap();
    for (file, what) in [
        ("libempty.a", "is empty"),
        ("libtext.a", "but it is text"),
        ("libshared.a", "but it is a shared library"),
    ] {
        let request = serde_json::json!({
            "rid": "linux-x64",
            "output": "bin/app",
            "objects": ["main.o"],
            "native_library": [file],
            "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}],
        });
        std::fs::write(d.join("native.json"), request.to_string()).unwrap();
        let out = aotinterop(&["publish", "native.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{file}: {err}");
        assert!(err.contains(file) && err.contains(what), "{file}: {err}");
        assert!(err.contains("AOTI0522"), "{file}: {err}");
    }
}

/// Runs `aotinterop ARGS` in `cwd`; fails the test if it has not ended within 30 s.
fn bounded(args: &[&str], cwd: &Path) -> std::process::Output {
    let mut child = command(args, cwd)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..300 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("aotinterop {args:?} hung");
}

/// Every input can be a FIFO, a device or a folder: each is refused, naming the file, before it
/// is opened (a FIFO blocked forever wherever a file was read; /dev/zero was read until memory
/// ran out).
#[test]
fn inputs_that_are_fifos_devices_or_folders_are_refused_without_hanging() {
    let dir = published();
    let d = dir.path();
    let st = Command::new("mkfifo").arg(d.join("fifo")).status().unwrap();
    assert!(st.success());
    std::fs::create_dir(d.join("folder")).unwrap();
    let good = |extra: serde_json::Value| {
        let mut r = serde_json::json!({
            "rid": "linux-x64",
            "output": "bin/other",
            "objects": ["main.o"],
            "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}],
        });
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        r.to_string()
    };
    for bad in ["fifo", "/dev/zero", "folder"] {
        let cases: Vec<(Vec<String>, String)> = vec![
            (vec!["publish".into(), bad.into()], "publish request".into()),
            (vec!["inspect".into(), bad.into()], "image".into()),
            (
                vec!["verify".into(), "bin/app".into(), "--plan".into(), bad.into()],
                "plan".into(),
            ),
        ];
        let mut cases = cases;
        for (field, value) in [
            ("direct_pinvoke_list", serde_json::json!([bad])),
            ("imports_file", serde_json::json!([bad])),
            ("native_library", serde_json::json!([bad])),
            ("assemblies", serde_json::json!([bad])),
        ] {
            let name = format!("{field}.json");
            std::fs::write(d.join(&name), good(serde_json::json!({ field: value }))).unwrap();
            cases.push((vec!["publish".into(), name], String::new()));
        }
        for (args, what) in cases {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = bounded(&args, d);
            let err = text(&out.stderr) + &text(&out.stdout);
            assert!(!out.status.success(), "{args:?} with {bad}: {err}");
            assert!(!err.contains("panicked"), "{args:?}: {err}");
            assert!(
                err.contains(bad.trim_start_matches('/')),
                "{args:?} does not name {bad}: {err}"
            );
            assert!(err.contains(&what), "{args:?}: {err}");
        }
    }
}

/// `LD_LIBRARY_PATH` with an empty element (what `export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/x`
/// gives when it was unset) makes glibc search the current directory: neither the lazy resolver
/// in a published image nor `aotinterop probe` loads a library planted there (both did).
/// `inspect --check IMAGE`, run where and as the image ran (`ld_path`: its `LD_LIBRARY_PATH`),
/// says its lazy `zlibVersion` call binds exactly when the real run `bound`, and loads nothing.
fn check_agrees(image: &Path, run_dir: &Path, ld_path: Option<&str>, bound: bool) {
    let mut check = command(&["inspect", "--check", "--format", "json"], run_dir);
    check.arg(image);
    match ld_path {
        Some(v) => check.env("LD_LIBRARY_PATH", v),
        None => check.env_remove("LD_LIBRARY_PATH"),
    };
    let out = check.output().unwrap();
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let throws = said["would_throw"].to_string().contains("libz.so.1!zlibVersion");
    assert_eq!(throws, !bound, "{ld_path:?}: {said}");
    if !bound {
        assert!(
            said["notes"].to_string().contains("LD_LIBRARY_PATH"),
            "{ld_path:?}: {said}"
        );
    }
}

#[test]
fn an_empty_ld_library_path_element_never_loads_from_the_current_directory() {
    // (Also: an empty LD_LIBRARY_PATH, an `argv[0]` naming the run folder.)
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = lazy_image(d);
    let run_dir = d.join("run");
    std::fs::create_dir(&run_dir).unwrap();
    let marker = d.join("planted-library-loaded");
    let c = d.join("planted.c");
    std::fs::write(
        &c,
        format!(
            "#include <stdio.h>\nconst char *zlibVersion(void) {{ return \"planted\"; }}\n\
             __attribute__((constructor)) static void planted(void) {{ FILE *f = fopen(\"{}\", \"w\"); if (f) fclose(f); }}\n",
            marker.display()
        ),
    )
    .unwrap();
    // `$PLATFORM` is expanded by glibc to a relative folder (`x86_64`): the planted library
    // there was loaded.
    std::fs::create_dir(run_dir.join("x86_64")).unwrap();
    std::fs::create_dir(run_dir.join("sub")).unwrap();
    for name in [
        "libz.so.1",
        "libplanted.so",
        "x86_64/libz.so.1",
        "x86_64/libplanted.so",
        "sub/libz.so.1",
        "sub/libplanted.so",
    ] {
        let st = Command::new("gcc")
            .args(["-shared", "-fPIC", "-o"])
            .arg(run_dir.join(name))
            .arg(&c)
            .status()
            .unwrap();
        assert!(st.success());
    }
    // A link elsewhere to a folder of the current directory (`/opt/libs -> /proc/self/cwd/sub`):
    // its folder was taken for an absolute one.
    std::os::unix::fs::symlink("/proc/self/cwd/sub", d.join("lnk_sub")).unwrap();
    let link = d.join("lnk_sub").display().to_string();
    // Nor by another name of the current directory, nor after musl's newline separator.
    for ld_path in [
        link.as_str(),
        ":/nonexistent",
        "/nonexistent:",
        ".",
        "/nonexistent;",
        "$PLATFORM",
        "/proc/self/cwd",
        "/dev/fd/../cwd/",
        "/nonexistent\n.",
        // A folder of the current directory reached by another name of it.
        "/proc/self/cwd/sub",
        "/dev/fd/../cwd/sub",
        "/proc/self/cwd/sub/..",
        // `$ORIGIN` in LD_LIBRARY_PATH is the program's folder (`bin`) to glibc.
        "$ORIGIN/../run",
        "${ORIGIN}/../run/sub",
    ] {
        let out = Command::new(&image)
            .current_dir(&run_dir)
            .env("LD_LIBRARY_PATH", ld_path)
            .output()
            .unwrap();
        assert!(
            !marker.exists(),
            "{ld_path}: the image loaded ./libz.so.1: {out:?}"
        );
        // The resolver passed the element over and found the system's libz itself.
        assert!(out.status.success(), "{ld_path}: {}", text(&out.stderr));
        check_agrees(&image, &run_dir, Some(ld_path), out.status.success());
        let out = command(&["probe", "planted"], &run_dir)
            .env("LD_LIBRARY_PATH", ld_path)
            .output()
            .unwrap();
        let said = text(&out.stdout) + &text(&out.stderr);
        assert!(
            !marker.exists(),
            "{ld_path}: probe loaded ./libplanted.so: {said}"
        );
        // (`$ORIGIN` is the probe's own folder to it, which holds no such library; glibc
        // does not split at a newline: one absolute folder.)
        assert!(
            ld_path.contains("ORIGIN") || ld_path.contains('\n') || said.contains("LD_LIBRARY_PATH"),
            "{ld_path}: {said}"
        );
    }
    // A relative folder given as the library path of the machine checked is never where the
    // resolver binds a lazy import (it does not hand the loader a name found there).
    let out = aotinterop(
        &[
            "inspect",
            "--check",
            "--format",
            "json",
            "--library-path",
            ".",
            image.to_str().unwrap(),
        ],
        &run_dir,
    );
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for lazy in said["lazy"].as_array().unwrap() {
        let found = lazy["found"].as_str().unwrap_or("/");
        assert!(found.starts_with('/'), "{said}");
    }
    // Without such an element the system's libz loads as ever; an empty variable is no list
    // (glibc ignores it): the image starts as `inspect --check` says (it threw DllNotFound).
    for unset_or_empty in [None, Some("")] {
        let mut run = Command::new(&image);
        match unset_or_empty {
            None => run.env_remove("LD_LIBRARY_PATH"),
            Some(v) => run.env("LD_LIBRARY_PATH", v),
        };
        let out = run.current_dir(&run_dir).output().unwrap();
        assert!(out.status.success(), "{unset_or_empty:?}: {out:?}");
        assert!(!marker.exists());
        check_agrees(&image, &run_dir, unset_or_empty, true);
    }
    // A folder of the list holding a link into the current directory: the resolver withholds
    // the name (the call throws), and `inspect --check` says so (it said the call binds).
    std::fs::create_dir(d.join("hw")).unwrap();
    std::os::unix::fs::symlink("/proc/self/cwd/libz.so.1", d.join("hw/libz.so.1")).unwrap();
    let hw = d.join("hw").display().to_string();
    let out = Command::new(&image)
        .current_dir(&run_dir)
        .env("LD_LIBRARY_PATH", &hw)
        .output()
        .unwrap();
    assert!(
        !marker.exists(),
        "a link into the current directory was loaded: {out:?}"
    );
    assert!(!out.status.success(), "{out:?}");
    check_agrees(&image, &run_dir, Some(&hw), false);
    // A file in the image's folder that is a link through such a folder link.
    let beside = image.with_file_name("libz.so.1");
    std::os::unix::fs::symlink(d.join("lnk_sub/libz.so.1"), &beside).unwrap();
    let out = Command::new(&image)
        .env_remove("LD_LIBRARY_PATH")
        .current_dir(&run_dir)
        .output()
        .unwrap();
    assert!(
        !marker.exists(),
        "a link beside the image into ./sub was loaded: {out:?}"
    );
    assert!(out.status.success(), "{out:?}");
    std::fs::remove_file(&beside).unwrap();
    // The image's folder is its own real path's, not what it was started as: an `argv[0]`
    // naming the run folder (chosen by whoever starts it) does not make it the image's.
    use std::os::unix::process::CommandExt;
    let out = Command::new(&image)
        .arg0(run_dir.join("app"))
        .env_remove("LD_LIBRARY_PATH")
        .current_dir(&run_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        !marker.exists(),
        "argv[0] chose the folder libz.so.1 was loaded from"
    );
}

/// The loader reads `LD_LIBRARY_PATH` once, when the process starts, and takes the last of
/// several entries: the resolver checks that value, not the variable as the program left it
/// (`unsetenv` before the first call let a planted `./libz.so.1` load) nor the first entry
/// (`getenv`'s); `probe` and `inspect --check` too.
#[test]
fn the_library_path_checked_is_the_one_the_loader_started_with() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source = "#include <stdlib.h>\nextern const char *zv(void);\n\
                  int main(void) { unsetenv(\"LD_LIBRARY_PATH\"); return zv() == 0; }\n";
    app_request(d, "main", source, "request.json");
    let out = aotinterop(&["publish", "--quiet", "request.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run_dir = d.join("run");
    std::fs::create_dir(&run_dir).unwrap();
    let marker = d.join("planted-library-loaded");
    std::fs::write(
        d.join("planted.c"),
        format!(
            "#include <stdio.h>\nconst char *zlibVersion(void) {{ return \"planted\"; }}\n\
             __attribute__((constructor)) static void planted(void) {{ FILE *f = fopen(\"{}\", \"w\"); if (f) fclose(f); }}\n",
            marker.display()
        ),
    )
    .unwrap();
    gcc_in(d, &["-shared", "-fPIC", "-o", "run/libz.so.1", "planted.c"]);
    gcc_in(d, &["-shared", "-fPIC", "-o", "run/libplanted.so", "planted.c"]);
    let out = Command::new(d.join("bin/app"))
        .current_dir(&run_dir)
        .env("LD_LIBRARY_PATH", ":/nonexistent")
        .output()
        .unwrap();
    assert!(!marker.exists(), "unsetenv let ./libz.so.1 load: {out:?}");
    // Two entries, the first harmless: `dup` runs a program with both.
    std::fs::write(
        d.join("dup.c"),
        "#include <unistd.h>\nint main(int c, char **v) {\n\
         char *env[] = {\"LD_LIBRARY_PATH=/nonexistent\", \"LD_LIBRARY_PATH=:/nonexistent\", 0};\n\
         execve(v[1], v + 1, env); return 127; }\n",
    )
    .unwrap();
    gcc_in(d, &["-o", "dup", "dup.c"]);
    let dup = |args: &[&str]| {
        Command::new(d.join("dup"))
            .args(args)
            .current_dir(&run_dir)
            .output()
            .unwrap()
    };
    let out = dup(&[d.join("bin/app").to_str().unwrap()]);
    assert!(
        !marker.exists(),
        "the last LD_LIBRARY_PATH entry let ./libz.so.1 load: {out:?}"
    );
    let program = env!("CARGO_BIN_EXE_aotinterop");
    let out = dup(&[program, "probe", "planted"]);
    assert!(!marker.exists(), "probe loaded ./libplanted.so: {out:?}");
    let out = dup(&[program, "inspect", "--check", d.join("bin/app").to_str().unwrap()]);
    assert!(
        text(&out.stdout).contains("LD_LIBRARY_PATH"),
        "{}",
        text(&out.stdout)
    );
}

/// The resolver takes glibc's search list from the loader itself (`dlinfo(RTLD_DI_SERINFO)`)
/// and, when it holds the current directory by any name, never hands the loader a bare name:
/// it searches the list's other folders and the loader's cache itself. So a program started
/// as `ld.so --library-path . app`, or one that rewrote its environment area (setting its
/// title), no longer loads a planted `./libz.so.1` (both did, as did a file swapped in
/// between the check and `dlopen`); a library in an absolute folder after `.` is still found.
#[test]
fn the_resolver_searches_by_the_loaders_own_list() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source = "#include <stdio.h>\n#include <string.h>\nextern char **environ;\n\
                  extern const char *zv(void);\nint main(int c, char **v) {\n\
                  if (c > 1) for (char **e = environ; *e; e++) memset(*e, 'x', strlen(*e));\n\
                  puts(zv()); return 0; }\n";
    app_request(d, "main", source, "request.json");
    let out = aotinterop(&["publish", "--quiet", "request.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run_dir = d.join("run");
    std::fs::create_dir_all(d.join("libs")).unwrap();
    std::fs::create_dir(&run_dir).unwrap();
    let marker = d.join("planted-library-loaded");
    std::fs::write(
        d.join("planted.c"),
        format!(
            "#include <stdio.h>\nconst char *zlibVersion(void) {{ return \"planted\"; }}\n\
             __attribute__((constructor)) static void planted(void) {{ FILE *f = fopen(\"{}\", \"w\"); if (f) fclose(f); }}\n",
            marker.display()
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("libs.c"),
        "const char *zlibVersion(void) { return \"from-libs\"; }\n",
    )
    .unwrap();
    gcc_in(d, &["-shared", "-fPIC", "-o", "run/libz.so.1", "planted.c"]);
    gcc_in(d, &["-shared", "-fPIC", "-o", "run/libplanted.so", "planted.c"]);
    gcc_in(d, &["-shared", "-fPIC", "-o", "libs/libz.so.1", "libs.c"]);
    let app = d.join("bin/app");
    let ld_so = "/lib64/ld-linux-x86-64.so.2";
    let libs = d.join("libs");
    let libs = libs.to_str().unwrap();
    let run = |program: &str, args: &[&str], ld_path: Option<&str>| {
        let mut c = Command::new(program);
        c.args(args).current_dir(&run_dir);
        match ld_path {
            Some(v) => c.env("LD_LIBRARY_PATH", v),
            None => c.env_remove("LD_LIBRARY_PATH"),
        };
        c.output().unwrap()
    };
    let app = app.to_str().unwrap();
    let zlib = text(&run(app, &[], None).stdout);
    let long = std::iter::once(".".to_string())
        .chain((0..80).map(|i| format!("/nonexistent/{}", format!("d{i:03}").repeat(20))))
        .collect::<Vec<_>>()
        .join(":");
    assert!(zlib.starts_with("1."), "the system's libz: {zlib}");
    for (program, args, ld_path, says) in [
        (ld_so, vec!["--library-path", ".", app], None, zlib.as_str()),
        (ld_so, vec!["--library-path", "/proc/self/cwd", app], None, &zlib),
        (
            ld_so,
            vec!["--library-path", &format!(".:{libs}"), app],
            None,
            "from-libs\n",
        ),
        (app, vec!["scrub"], Some(":/nonexistent"), &zlib),
        // A list longer than any fixed room for it (the resolver fell back to the environment).
        (ld_so, vec!["--library-path", &long, app], None, &zlib),
        (app, vec![], Some(&format!(":{libs}")), "from-libs\n"),
        (app, vec![], Some("$PLATFORM:/nonexistent"), &zlib),
    ] {
        let out = run(program, &args, ld_path);
        assert!(
            !marker.exists(),
            "{args:?} {ld_path:?} loaded ./libz.so.1: {out:?}"
        );
        assert!(out.status.success(), "{args:?} {ld_path:?}: {out:?}");
        assert_eq!(text(&out.stdout), says, "{args:?} {ld_path:?}");
    }
    // `probe` is the resolver: started by `ld.so --library-path .`, it does not load the
    // planted library, and says which element it passed over.
    let program = env!("CARGO_BIN_EXE_aotinterop");
    let out = run(ld_so, &["--library-path", ".", program, "probe", "planted"], None);
    let said = text(&out.stdout) + &text(&out.stderr);
    assert!(!marker.exists(), "probe loaded ./libplanted.so: {said}");
    assert!(
        said.contains("LD_LIBRARY_PATH (or RPATH) element `.` was passed over"),
        "{said}"
    );
    let out = run(ld_so, &["--library-path", ".", program, "probe", "z"], None);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(!marker.exists());
}

/// A hand-written lazy import whose stub symbol is a function the lazy resolver itself calls
/// (`memcpy`, or `open`, which it looks up by name) published an image whose first call never
/// returned (it crashed): the preflight refuses it, naming the import. One the resolver does
/// not call (`getpid`) still publishes and runs, bound to the C library's.
#[test]
fn a_lazy_stub_named_like_a_function_the_resolver_calls_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source = "#include <unistd.h>\nint main(void) { return getpid() <= 0; }\n";
    app_request(d, "main", source, "request.json");
    for symbol in ["memcpy", "open", "strlen"] {
        edit_request(d, "request.json", "bad.json", |r| {
            r["imports"] = serde_json::json!([
                {"module": "libc.so.6", "entry": symbol, "symbol": symbol},
                {"module": "libc.so.6", "entry": "getpid", "symbol": "getpid"},
            ]);
        });
        let out = aotinterop(&["publish", "--quiet", "bad.json"], d);
        let err = exits_saying(
            &out,
            3,
            &["AOTI0523", &format!("`{symbol}`"), &format!("libc.so.6!{symbol}")],
        );
        assert!(!err.contains("getpid"), "{err}");
        assert!(!d.join("bin/app").exists());
    }
    edit_request(d, "request.json", "good.json", |r| {
        r["imports"] = serde_json::json!([{"module": "libc.so.6", "entry": "getpid", "symbol": "getpid"}]);
    });
    let out = aotinterop(&["publish", "--quiet", "good.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = Command::new(d.join("bin/app")).output().unwrap();
    assert!(out.status.success(), "{out:?}");
}

/// An image whose own import table was damaged after publishing (a record offset or a string
/// past the table's end) crashed at its first lazy call: the runtime checks the table against
/// its recorded size and reports a bad import instead.
#[test]
fn a_damaged_import_table_is_reported_not_read_past_its_end() {
    use object::{Object, ObjectSection};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = lazy_image(d);
    let bytes = std::fs::read(&image).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let section = file
        .section_by_name(".aotimp")
        .expect("the image has an import table");
    let (at, _) = section.file_range().unwrap();
    let at = at as usize;
    assert_eq!(&bytes[at..at + 4], b"AOTI");
    // Header words (little-endian u32): modules_off at 16, imports_off at 20, table_size at 24.
    let word = |b: &[u8], i: usize| u32::from_le_bytes(b[at + i..at + i + 4].try_into().unwrap());
    let size = word(&bytes, 24);
    for (field, value) in [(16, u32::MAX - 8), (20, size), (24, 40)] {
        let mut damaged = bytes.clone();
        damaged[at + field..at + field + 4].copy_from_slice(&value.to_le_bytes());
        let path = d.join(format!("damaged-{field}"));
        std::fs::write(&path, &damaged).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let out = Command::new(&path).output().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_ne!(out.status.signal(), Some(11), "field {field}: {out:?}");
        assert!(
            text(&out.stderr).contains("records outside its size"),
            "field {field}: {}",
            text(&out.stderr)
        );
    }
    // A module name offset past the table's end: an empty name, no read past it.
    let modules = word(&bytes, 16) as usize;
    let mut damaged = bytes.clone();
    damaged[at + modules..at + modules + 4].copy_from_slice(&(size + 4096).to_le_bytes());
    let path = d.join("damaged-name");
    std::fs::write(&path, &damaged).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = Command::new(&path).output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_ne!(out.status.signal(), Some(11), "{out:?}");
}

/// `verify` compares how each lazy import's library is looked up (the .NET release's rules,
/// `search_current_directory`): an image published for .NET 8, or with the current directory
/// allowed, matched a .NET 10 plan.
#[test]
fn verify_compares_how_lazy_libraries_are_looked_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let _ = lazy_image(d);
    for (name, edit) in [
        ("net8", serde_json::json!({"target_framework": "net8.0"})),
        ("cwd", serde_json::json!({"search_current_directory": true})),
    ] {
        edit_request(d, "request.json", &format!("{name}.json"), |r| {
            for (k, v) in edit.as_object().unwrap() {
                r[k] = v.clone();
            }
            r["output"] = serde_json::json!(format!("{name}/app"));
        });
        let out = aotinterop(&["publish", "--quiet", &format!("{name}.json")], d);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = aotinterop(
            &["verify", &format!("{name}/app"), "--plan", "bin/app.plan.json"],
            d,
        );
        exits_saying(&out, 1, &["looks its library up"]);
        let out = aotinterop(
            &[
                "verify",
                &format!("{name}/app"),
                "--plan",
                &format!("{name}/app.plan.json"),
            ],
            d,
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

/// A FIFO where a library is looked for is not opened (dlopen blocked on it), by the image nor
/// by `probe`; nor one in an absolute LD_LIBRARY_PATH folder.
#[test]
fn a_fifo_where_a_library_is_looked_for_is_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = lazy_image(d);
    let run_dir = d.join("run");
    std::fs::create_dir(&run_dir).unwrap();
    let fifo = image.with_file_name("libz.so.1");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let mut child = Command::new(&image).current_dir(&run_dir).spawn().unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed().as_secs() > 30 {
            let _ = child.kill();
            panic!("the image blocked on a FIFO named libz.so.1 in its folder");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = bounded(
        &[
            "probe",
            "libz.so.1",
            "--from",
            &fifo.parent().unwrap().to_string_lossy(),
        ],
        d,
    );
    assert!(
        text(&out.stdout).contains("not a regular file"),
        "{}",
        text(&out.stdout)
    );
    // A FIFO of that name in an absolute LD_LIBRARY_PATH folder is not handed to the loader
    // either (dlopen of the bare name blocked on it).
    let mut child = Command::new(&image)
        .env("LD_LIBRARY_PATH", fifo.parent().unwrap())
        .current_dir(&run_dir)
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed().as_secs() > 30 {
            let _ = child.kill();
            panic!("the image blocked on a FIFO in an LD_LIBRARY_PATH folder");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::fs::remove_file(&fifo).unwrap();
}

/// Waits for `child` at most 30 s; kills it and fails with `what` when it is still running.
fn finishes(mut child: std::process::Child, what: &str) -> std::process::Output {
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed().as_secs() > 30 {
            let _ = child.kill();
            panic!("{what}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// The loader searches the image's own RUNPATH for a bare name the lazy resolver hands it: a
/// FIFO of that name in the `$ORIGIN` folder of a .NET 8 image, or in an absolute RUNPATH folder
/// a LinkerArg adds, is not handed to the loader (`dlopen` blocked on it); the call fails,
/// naming the RUNPATH.
#[test]
fn a_fifo_in_the_images_runpath_does_not_block_a_lazy_call() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source = "extern const char *zv(void);\nint main(void) { return zv() == 0; }\n";
    app_request(d, "main", source, "request.json");
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("request.json")).unwrap()).unwrap();
    r["target_framework"] = serde_json::json!("net8.0");
    let other = d.join("other");
    std::fs::create_dir(&other).unwrap();
    r["linker_arg"] = serde_json::json!([format!("-Wl,-rpath,{}", other.display())]);
    std::fs::write(d.join("request.json"), r.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "request.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let image = d.join("bin/app");
    let dynamic = Command::new("readelf").arg("-d").arg(&image).output().unwrap();
    assert!(
        text(&dynamic.stdout).contains("$ORIGIN"),
        "{}",
        text(&dynamic.stdout)
    );
    for folder in [d.join("bin"), other] {
        let fifo = folder.join("libz.so.1");
        assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let child = Command::new(&image)
            .env_remove("LD_LIBRARY_PATH")
            .current_dir(d)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let what = format!(
            "the image blocked on a FIFO in its RUNPATH folder {}",
            folder.display()
        );
        let out = finishes(child, &what);
        assert!(!out.status.success());
        assert!(text(&out.stderr).contains("RUNPATH"), "{}", text(&out.stderr));
        // `inspect --check` says so before it runs.
        let mut check = command(&["inspect", "--check", "--format", "json"], d);
        let out = check.arg(&image).env_remove("LD_LIBRARY_PATH").output().unwrap();
        let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            said["would_throw"].to_string().contains("libz.so.1!zlibVersion"),
            "{said}"
        );
        assert!(
            said["notes"].to_string().contains("the image's RUNPATH element"),
            "{said}"
        );
        std::fs::remove_file(&fifo).unwrap();
    }
}

/// SIGTERM or SIGINT during a publish (Mono compiling mscorlib, with a cache of its own) removes
/// what it staged beside the output and leaves the previous image (they were left, 19–54 MB).
#[test]
fn a_publish_ended_by_a_signal_leaves_nothing_beside_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("T.cs"),
        "static class P { static int Main() { return 0; } }",
    )
    .unwrap();
    let st = Command::new("mcs")
        .args(["-nologo", "-out:T.exe", "T.cs"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::create_dir(d.join("bin")).unwrap();
    // An image a publish could have made (a file of another kind is refused as an output).
    let previous = std::fs::read("/bin/true").unwrap();
    std::fs::write(d.join("bin/t"), &previous).unwrap();
    // Ended so, it says so: AOTI0209 (a JSON document with `--format json`); it said nothing.
    for (signal, i, format) in [("TERM", 0, "text"), ("INT", 1, "json")] {
        let request = serde_json::json!({
            "rid": "linux-x64",
            "compiler": "mono",
            "output": "bin/t",
            "assemblies": ["T.exe"],
            "cache_dir": d.join(format!("cache{i}")),
        });
        std::fs::write(d.join("request.json"), request.to_string()).unwrap();
        let child = command(&["publish", "--quiet", "--format", format, "request.json"], d)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Into the compile step (mscorlib takes seconds), where the staging folder exists.
        let staged = |d: &Path| {
            names_in(&d.join("bin"))
                .into_iter()
                .any(|n| n.starts_with(".aotinterop-"))
        };
        for _ in 0..200 {
            if staged(d) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(staged(d), "the publish never staged");
        std::thread::sleep(std::time::Duration::from_millis(300));
        let st = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "{signal}: {out:?}");
        let said = if format == "json" {
            text(&out.stdout)
        } else {
            text(&out.stderr)
        };
        assert!(
            said.contains("AOTI0209") && said.contains(&format!("SIG{signal}")),
            "{said}"
        );
        if format == "json" {
            let doc: serde_json::Value = serde_json::from_str(&said).unwrap();
            assert_eq!(doc["ok"], false, "{said}");
        }
        let left: Vec<String> = names_in(&d.join("bin"))
            .into_iter()
            .filter(|n| n.starts_with(".aotinterop-"))
            .collect();
        assert!(left.is_empty(), "{signal}: left beside the output: {left:?}");
        assert!(
            std::fs::read(d.join("bin/t")).unwrap() == previous,
            "the previous image changed"
        );
    }
}

/// A shared object whose constructor creates `marker` and which defines `symbol` (returning 42):
/// planted where nothing may load it from.
fn plant(path: &Path, marker: &Path, symbol: &str) {
    let c = path.with_extension("c");
    std::fs::write(
        &c,
        format!(
            "#include <stdio.h>\n__attribute__((constructor)) static void planted(void) {{ FILE *f = fopen(\"{}\", \"w\"); if (f) fclose(f); }}\nlong {symbol}(void *s) {{ (void)s; return 42; }}\n",
            marker.display()
        ),
    )
    .unwrap();
    let st = Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(path)
        .arg(&c)
        .status()
        .unwrap();
    assert!(st.success());
}

/// S3: a Mono image reads no assembly configuration from the current directory (an
/// `App.exe.config` or `mscorlib.dll.config` there, whose `<dllmap>` would send one of Mono's
/// own modules to any library), nor from where MONO_CONFIG, MONO_CFG_DIR or HOME point
/// relatively, and finds no assembly there through MONO_PATH or MONO_GAC_PREFIX.
#[test]
fn a_mono_image_reads_no_configuration_from_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    // A P/Invoke into one of Mono's own shims (left to Mono, mapped by its configuration).
    mono_app_request(
        dir,
        "using System; using System.Runtime.InteropServices;\n\
         static class P {\n\
           [DllImport(\"MonoPosixHelper\", EntryPoint = \"Mono_Posix_Stdlib_strlen\")] static extern IntPtr Len(string s);\n\
           static void Main() { Console.WriteLine(\"strlen=\" + Len(\"abc\")); }\n\
         }\n",
        &aotinterop_testkit::repo_root().join(".cache/aotinterop-test"),
    );
    let out = aotinterop(&["publish", "--quiet", "request.json"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let run = dir.join("run");
    std::fs::create_dir_all(run.join("mono")).unwrap();
    std::fs::create_dir_all(run.join(".mono")).unwrap();
    let marker = dir.join("planted-library-loaded");
    let evil = run.join("evil.so");
    plant(&evil, &marker, "Mono_Posix_Stdlib_strlen");
    let config = format!(
        "<configuration>\n  <dllmap dll=\"MonoPosixHelper\" target=\"{}\"/>\n</configuration>\n",
        evil.display()
    );
    for name in [
        "T.exe.config",
        "mscorlib.dll.config",
        "mono/config",
        ".mono/config",
        "planted.config",
    ] {
        std::fs::write(run.join(name), &config).unwrap();
    }
    std::fs::copy(dir.join("T.exe"), run.join("T.exe")).unwrap();
    let out = Command::new(dir.join("bin/t"))
        .current_dir(&run)
        .env("MONO_PATH", ".:")
        .env("MONO_GAC_PREFIX", ".")
        .env("MONO_CFG_DIR", ".")
        .env("MONO_CONFIG", "planted.config")
        .env("HOME", ".")
        .output()
        .unwrap();
    assert_eq!(
        (out.status.code(), text(&out.stdout).trim()),
        (Some(0), "strlen=3"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !marker.exists(),
        "a library named by a configuration file in the current directory was loaded"
    );
}

/// `inspect --check --sysroot` with a sysroot that does not exist (or is a file) names the
/// sysroot, exit 1, instead of reporting every library of the image missing.
#[test]
fn a_missing_sysroot_is_named_not_every_library() {
    let dir = published();
    std::fs::write(dir.path().join("a-file"), "").unwrap();
    for (root, why) in [("no-such-root", "cannot be read"), ("a-file", "is not a folder")] {
        let out = aotinterop(&["inspect", "--check", "--sysroot", root, "bin/app"], dir.path());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{root}: {err}");
        assert!(
            err.contains("AOTI0001") && err.contains(root) && err.contains(why),
            "{root}: {err}"
        );
        assert!(!text(&out.stdout).contains("missing"), "{root}");
    }
}

/// The files readers find on their own are hostile input too: a FIFO as an image's debug file
/// (named by its debug link), as the loader cache, the loader configuration and a library of a
/// sysroot `inspect --check` searches: nothing blocks (each was opened and read).
#[test]
fn files_readers_find_themselves_can_be_fifos_without_hanging() {
    let dir = published();
    let d = dir.path();
    let fifo = |p: &Path| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
    };
    // The debug file beside the image.
    let _ = std::fs::remove_file(d.join("bin/app.dbg"));
    fifo(&d.join("bin/app.dbg"));
    let out = bounded(&["inspect", "bin/app"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("app.dbg, which cannot be read"),
        "{}",
        text(&out.stdout)
    );
    // A sysroot whose loader files and libraries are FIFOs.
    let root = d.join("root");
    for f in [
        "etc/ld.so.cache",
        "etc/ld.so.conf",
        "lib/x86_64-linux-gnu/libc.so.6",
        "lib/x86_64-linux-gnu/libz.so.1",
        "lib64/ld-linux-x86-64.so.2",
    ] {
        fifo(&root.join(f));
    }
    // A FIFO among a folder's assemblies is said to be skipped (it was passed over silently).
    fifo(&d.join("asm/a.dll"));
    let out = bounded(&["scan", "asm"], d);
    assert!(text(&out.stderr).contains("AOTI1103"), "{}", text(&out.stderr));
    let out = bounded(&["inspect", "--check", "--sysroot", "root", "bin/app"], d);
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("libc.so.6"), "{}", text(&out.stdout));
}

/// A file of another kind is refused on its first bytes, whatever its size: a 1.5 GB sparse file
/// given as an assembly or an image is not read whole (it was, to reject its magic). The program
/// runs with 700 MB of address space (`prlimit`), so reading the file would fail.
#[test]
fn a_huge_file_of_another_kind_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let huge = std::fs::File::create(d.join("huge.exe")).unwrap();
    huge.set_len(1_500_000_000).unwrap();
    drop(huge);
    let request = serde_json::json!({
        "rid": "linux-x64",
        "output": "bin/app",
        "assemblies": ["huge.exe"],
    });
    std::fs::write(d.join("request.json"), request.to_string()).unwrap();
    for (args, says) in [
        (["plan", "request.json"], "does not start with the `MZ` signature"),
        (
            ["inspect", "huge.exe"],
            "not an ELF, PE or Mach-O image: it starts with 00 00 00 00",
        ),
    ] {
        let out = Command::new("prlimit")
            .arg("--as=700000000")
            .arg(env!("CARGO_BIN_EXE_aotinterop"))
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("huge.exe") && err.contains(says), "{args:?}: {err}");
    }
}

/// A huge file that starts with a real signature and then holds nothing it declares (the
/// signature, then zeros) is refused on its first bytes too, within a memory limit far below its
/// size: an image, an assembly, a NativeLibrary archive.
#[test]
fn a_huge_file_with_a_real_signature_is_refused_on_its_first_bytes() {
    let dir = published();
    let d = dir.path();
    let sparse = |name: &str, magic: &[u8]| {
        let f = std::fs::File::create(d.join(name)).unwrap();
        std::io::Write::write_all(&mut &f, magic).unwrap();
        f.set_len(1_500_000_000).unwrap();
    };
    sparse("huge.so", b"\x7fELF");
    sparse("huge.exe", b"MZ");
    sparse("libhuge.a", b"!<arch>\n");
    let request = |key: &str, file: &str| {
        let mut r = serde_json::json!({
            "rid": "linux-x64",
            "output": "bin/app",
            "objects": ["main.o"],
            "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}],
        });
        r[key] = serde_json::json!([file]);
        std::fs::write(d.join(format!("{key}.json")), r.to_string()).unwrap();
    };
    request("assemblies", "huge.exe");
    request("native_library", "libhuge.a");
    // A real image with 1.5 GB after it: read, or refused as too big for memory; never an abort.
    std::fs::copy(d.join("bin/app"), d.join("padded.so")).unwrap();
    let padded = std::fs::OpenOptions::new()
        .write(true)
        .open(d.join("padded.so"))
        .unwrap();
    padded.set_len(1_500_000_000).unwrap();
    drop(padded);
    sparse("zeros-elf.so", b"\x7fELF\x02\x01\x01\x00");
    for (args, file, says) in [
        (
            ["inspect", "huge.so"],
            "huge.so",
            "an ELF file of unknown class 0",
        ),
        (
            ["inspect", "libhuge.a"],
            "libhuge.a",
            "first member's header does not end",
        ),
        (
            ["plan", "assemblies.json"],
            "huge.exe",
            "no `PE` signature at offset 0x0",
        ),
        (
            ["publish", "native_library.json"],
            "libhuge.a",
            "first member's header does not end",
        ),
        (
            ["inspect", "padded.so"],
            "padded.so",
            "more than this process can hold in memory",
        ),
        (
            ["inspect", "zeros-elf.so"],
            "zeros-elf.so",
            "an ELF file of type 0",
        ),
    ] {
        let out = Command::new("prlimit")
            .arg("--as=700000000")
            .arg(env!("CARGO_BIN_EXE_aotinterop"))
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.contains(file) && err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("memory allocation"), "{args:?}: {err}");
        assert_ne!(out.status.code(), Some(134), "{args:?}: {err}");
    }
}

/// Every file the request names is checked before the first step: one that is missing or of the
/// wrong kind is a request error at the value's line, exit 1, nothing written (a missing object
/// was a link error, exit 4, blamed on the output; a missing NativeLibrary a preflight error).
#[test]
fn missing_inputs_are_request_errors_at_their_line() {
    let dir = published();
    let d = dir.path();
    for (field, value, says) in [
        ("objects", "nope.o", "`objects[0]`: nope.o does not exist"),
        (
            "native_library",
            "nope.a",
            "`native_library[0]`: nope.a does not exist",
        ),
        (
            "imports_file",
            "bin",
            "`imports_file[0]`: bin is a folder, not a file",
        ),
        (
            "direct_pinvoke_list",
            "nope.txt",
            "`direct_pinvoke_list[0]`: nope.txt does not exist",
        ),
    ] {
        let text_of_request = format!(
            "{{\n  \"rid\": \"linux-x64\",\n  \"output\": \"out/app\",\n  \"{field}\": [\"{value}\"]\n}}\n"
        );
        std::fs::write(d.join("request.json"), text_of_request).unwrap();
        let out = aotinterop(&["publish", "request.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{field}: {err}");
        assert!(
            err.contains("request failed: request.json:4:") && err.contains("AOTI0001") && err.contains(says),
            "{field}: {err}"
        );
        assert!(!d.join("out").exists(), "{field}: something was written");
    }
}

/// An output that names a folder (a trailing separator), lies under a file, or holds a NUL is
/// refused before anything is done (a trailing `/` left `x.dbg` and `x.plan.*` without an
/// image; the others failed at the link, exit 4).
#[test]
fn outputs_that_cannot_be_files_are_refused_before_anything_is_done() {
    let dir = published();
    let d = dir.path();
    for (output, code, says) in [
        ("out/app/", "AOTI0208", "names a folder"),
        ("main.o/app", "AOTI0208", "main.o is a file, not a folder"),
        ("out/a\u{0}b", "AOTI0005", "holds a NUL character"),
        // Through a folder that does not exist yet: the request itself (it was overwritten).
        ("out/../o.json", "AOTI0208", "is an input of this publish"),
    ] {
        let request = serde_json::json!({
            "rid": "linux-x64",
            "output": output,
            "objects": ["main.o"],
            "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}],
        });
        std::fs::write(d.join("o.json"), request.to_string()).unwrap();
        let out = aotinterop(&["publish", "o.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{output:?}: {err}");
        assert!(err.contains(code) && err.contains(says), "{output:?}: {err}");
        assert!(err.contains("o.json:1:"), "{output:?}: no line and column: {err}");
        assert!(!err.contains('\u{0}'), "{output:?}: a NUL was printed");
        assert!(!d.join("out").exists(), "{output:?}: something was written");
    }
}

/// Control characters from a request or an image never reach the terminal (an escape sequence
/// in `target_framework` was printed raw), and a failed write of the output is an error, not a
/// panic (`> /dev/full` exited 101 with a backtrace).
#[test]
fn output_escapes_control_characters_and_survives_a_full_disk() {
    let dir = published();
    let d = dir.path();
    let request = r#"{"rid": "linux-x64", "output": "bin/a", "target_framework": "\u001b]0;PWN\u0007"}"#;
    std::fs::write(d.join("c.json"), request).unwrap();
    let out = aotinterop(&["plan", "c.json"], d);
    let err = exits_saying(&out, 1, &["\\u{1b}]0;PWN\\u{7}"]);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    for args in [
        &["inspect", "--format", "json", "bin/app"][..],
        &["--help"],
        &["--version"],
    ] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = command(args, d).stdout(full).output().unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("cannot write the output") && !err.contains("panicked"),
            "{err}"
        );
    }
    // A name from the image with a line break in it cannot forge a line of `inspect`, `plan`.
    let request = serde_json::json!({
        "rid": "linux-x64",
        "output": "nl/app",
        "objects": ["main.o"],
        "imports": [{"module": "libz.so.1\nFORGED\tLINE", "entry": "zlibVersion", "symbol": "zv"}],
    });
    std::fs::write(d.join("nl.json"), request.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "nl.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for args in [&["inspect", "nl/app"][..], &["plan", "nl.json"]] {
        let said = text(&aotinterop(args, d).stdout);
        assert!(said.contains("libz.so.1\\nFORGED\\tLINE"), "{args:?}: {said}");
        assert!(!said.lines().any(|l| l.starts_with("FORGED")), "{args:?}: {said}");
    }
}

/// SIGTERM during a publish kills the programs it runs (the linker went on, reparented to
/// init) and removes its staging folder; the exit is the signal's (130), with no error of the
/// step the signal cut short.
#[test]
fn a_signal_ends_the_programs_a_publish_runs() {
    let dir = published();
    let d = dir.path();
    // The linker may write only in the publish's staging folder, whose `tmp` is its TMPDIR.
    let linker = d.join("slow-gcc");
    std::fs::write(
        &linker,
        "#!/bin/sh\n[ \"$1\" = -dumpmachine ] && exec gcc -dumpmachine\necho $$ > \"$TMPDIR/../linker.pid\"\nexec sleep 300\n",
    )
    .unwrap();
    std::fs::set_permissions(&linker, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let request = serde_json::json!({
        "rid": "linux-x64",
        "output": "slow/app",
        "objects": ["main.o"],
        "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}],
        "linker": {"flavor": "gcc", "path": linker},
    });
    std::fs::write(d.join("slow.json"), request.to_string()).unwrap();
    let child = command(&["publish", "--quiet", "slow.json"], d)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let linker_pid = loop {
        let pid = in_staging(&d.join("slow"), "linker.pid").and_then(|p| std::fs::read_to_string(p).ok());
        if let Some(pid) = pid.filter(|p| !p.trim().is_empty()) {
            break pid.trim().to_string();
        }
        assert!(started.elapsed().as_secs() < 60, "the linker never started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(
        said.starts_with("error AOTI0209: ended by SIGTERM") && said.lines().count() == 1,
        "{said}"
    );
    let gone = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(10));
        !Path::new("/proc").join(&linker_pid).exists()
    });
    assert!(gone, "the linker (pid {linker_pid}) outlived the publish");
    leaves_no_staging(&d.join("slow"));
}

/// Values serde would take in the wrong shape are request errors: an array standing for an
/// object (serde's positional form: `"imports": [["libz", "f"]]` planned, exit 0), a string
/// holding a NUL (it reached the linker); a `runtime_dir` without the archive is an error at
/// its line (the environment's archive was taken silently); a plan for a RID aotinterop does
/// not link for, or for another kind of image, does not verify; a list file is bounded as text.
#[test]
fn values_of_the_wrong_shape_and_silent_fallbacks_are_errors() {
    let dir = published();
    let d = dir.path();
    for (request, says) in [
        (
            r#"{"rid": "linux-x64", "output": "bin/a", "imports": [["libz.so.1", "zlibVersion"]]}"#,
            "`imports[0]`: expected an object",
        ),
        (
            r#"{"rid": "linux-x64", "output": "bin/a", "linker": ["gcc"]}"#,
            "`linker`: expected an object",
        ),
        (
            r#"{"rid": "linux-x64", "output": "bin/a", "linker_arg": ["-Wl,\u0000"]}"#,
            "`linker_arg[0]`: holds a NUL character",
        ),
        (
            r#"{"rid": "linux-x64", "output": "bin/a", "objects": ["main.o"], "runtime_dir": "no-runtime"}"#,
            "AOTI0204",
        ),
        (
            r#"{"rid": "linux-x64", "output": "bin/a", "objects": ["main.o"], "linker": {"sysroot": "no-root"}}"#,
            "`linker.sysroot`",
        ),
        (
            r#"{"rid": "linux-x64", "output": "bin/a", "compiler": "mono", "assemblies": ["main.o"], "cache_dir": "main.o"}"#,
            "`cache_dir`",
        ),
        (
            r#"{"rid": "linux-musl-x64", "output": "bin/a", "compiler": "mono", "assemblies": ["main.o"]}"#,
            "linux-x64 images only",
        ),
    ] {
        std::fs::write(d.join("w.json"), request).unwrap();
        let out = aotinterop(&["publish", "w.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{request}: {err}");
        assert!(
            err.contains("w.json:1:") && err.contains(says),
            "{request}: {err}"
        );
    }
    let plan = std::fs::read_to_string(d.join("bin/app.plan.json")).unwrap();
    for (from, to) in [
        ("\"linux-x64\"", "\"freebsd-x64\""),
        ("\"linux-x64\"", "\"linux-musl-x64\""),
        ("\"executable\"", "\"shared\""),
    ] {
        assert!(plan.contains(from), "{from}");
        std::fs::write(d.join("edited.plan.json"), plan.replacen(from, to, 1)).unwrap();
        let out = aotinterop(&["verify", "bin/app", "--plan", "edited.plan.json"], d);
        assert_eq!(out.status.code(), Some(1), "{to}: {}", text(&out.stdout));
    }
    let big = std::fs::File::create(d.join("big.txt")).unwrap();
    big.set_len(100 << 20).unwrap();
    let request = r#"{"rid": "linux-x64", "output": "bin/x", "direct_pinvoke_list": ["big.txt"], "imports": [{"module": "a", "entry": "b"}]}"#;
    std::fs::write(d.join("big.json"), request).unwrap();
    let out = aotinterop(&["plan", "big.json"], d);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("more than"), "{}", text(&out.stderr));
    // AOTI0520's suggested list is never written over one of the publish's own lists.
    let list = d.join("libz.so.1.DirectPInvokeList.txt");
    std::fs::write(&list, "# mine\nlibz.so.1\n").unwrap();
    let request = r#"{"rid": "linux-x64", "output": "bin/l", "objects": ["main.o"], "linker_arg": ["-lz"],
        "direct_pinvoke_list": ["libz.so.1.DirectPInvokeList.txt"], "intermediate_dir": ".",
        "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"},
                    {"module": "libz.so.1", "entry": "no_such_function"}]}"#;
    std::fs::write(d.join("l.json"), request).unwrap();
    let out = aotinterop(&["publish", "l.json"], d);
    exits_saying(&out, 3, &["AOTI0520", "not written"]);
    assert_eq!(std::fs::read_to_string(&list).unwrap(), "# mine\nlibz.so.1\n");
    // A NativeLibrary of another kind is refused on its first bytes (1.9 GB of zeros were read
    // twice over), within 700 MB of address space.
    let request =
        r#"{"rid": "linux-x64", "output": "bin/n", "objects": ["main.o"], "native_library": ["big.txt"]}"#;
    std::fs::write(d.join("n.json"), request).unwrap();
    let out = Command::new("prlimit")
        .arg("--as=700000000")
        .arg(env!("CARGO_BIN_EXE_aotinterop"))
        .args(["publish", "n.json"])
        .env(
            "AOTINTEROP_RUNTIME_DIR",
            aotinterop_testkit::repo_root().join("target/aotinterop-runtime"),
        )
        .current_dir(d)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(
        err.contains("it starts with 00 00 00 00") && !err.contains("panicked"),
        "{err}"
    );
}

/// `inspect --check` reads; it loads nothing: a library beside an image it is asked about (the
/// image's lazy module) has no initialiser run (the check loaded each candidate it probed).
#[test]
fn inspect_check_loads_no_library() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = lazy_image(d);
    let marker = d.join("loaded");
    plant(&image.with_file_name("libz.so.1"), &marker, "zlibVersion");
    let out = command(&["inspect", "--check", "bin/app"], d)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    let said = text(&out.stdout);
    assert!(
        said.contains("lazy libz.so.1:") && said.contains("bin/libz.so.1"),
        "{said}"
    );
    assert!(!marker.exists(), "inspect --check ran the library's initialiser");
}

/// glibc also searches folders inside each `LD_LIBRARY_PATH` element (`tls`, the platform,
/// `glibc-hwcaps/x86-64-v2`, …): a library planted in one under the current directory is not
/// taken through an empty element by the image, `probe` or `inspect --check`, wherever a plain C
/// program's `dlopen` of the bare name (the oracle) does take it; and a FIFO in one under an
/// absolute element does not block the image.
#[test]
fn folders_glibc_searches_inside_an_element_are_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = lazy_image(d);
    let marker = d.join("planted-library-loaded");
    std::fs::write(
        d.join("oracle.c"),
        "#include <dlfcn.h>\nint main(void) { return dlopen(\"libz.so.1\", RTLD_NOW) ? 0 : 1; }\n",
    )
    .unwrap();
    let oracle = d.join("oracle");
    let st = Command::new("gcc")
        .arg(d.join("oracle.c"))
        .arg("-o")
        .arg(&oracle)
        .arg("-ldl")
        .status()
        .unwrap();
    assert!(st.success());
    let mut taken = 0;
    for sub in [
        "tls",
        "x86_64",
        "tls/x86_64",
        "glibc-hwcaps/x86-64-v2",
        "glibc-hwcaps/x86-64-v3",
    ] {
        let run_dir = d.join(format!("run-{}", sub.replace('/', "-")));
        std::fs::create_dir_all(run_dir.join(sub)).unwrap();
        plant(&run_dir.join(sub).join("libz.so.1"), &marker, "zlibVersion");
        let ran = |c: &mut Command| {
            let _ = std::fs::remove_file(&marker);
            let out = c
                .current_dir(&run_dir)
                .env("LD_LIBRARY_PATH", ":")
                .output()
                .unwrap();
            (marker.exists(), out)
        };
        if !ran(&mut Command::new(&oracle)).0 {
            continue; // glibc does not search this folder on this machine
        }
        taken += 1;
        let (loaded, out) = ran(&mut Command::new(&image));
        assert!(!loaded, "{sub}: the image loaded the planted library: {out:?}");
        assert!(
            out.status.success(),
            "{sub}: the system's libz, found by the resolver: {out:?}"
        );
        let (loaded, out) = ran(&mut command(&["probe", "libz.so.1"], &run_dir));
        assert!(!loaded, "{sub}: probe loaded the planted library: {out:?}");
        check_agrees(&image, &run_dir, Some(":"), true);
    }
    assert!(taken >= 2, "glibc searched only {taken} of the folders");
    // A FIFO in `tls` of an absolute element: not handed to the loader (dlopen blocked on it).
    let abs = d.join("abs");
    std::fs::create_dir_all(abs.join("tls")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(abs.join("tls/libz.so.1"))
        .status()
        .unwrap()
        .success());
    let mut child = Command::new(&image).env("LD_LIBRARY_PATH", &abs).spawn().unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed().as_secs() > 30 {
            let _ = child.kill();
            panic!("the image blocked on a FIFO in tls/ of an LD_LIBRARY_PATH folder");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Files a publish reads that the request does not list by field — LinkerArg items (a path,
/// `-Wl,--opt=FILE`, `-lNAME` in a `-L` folder), the runtime archive, an assembly the app
/// references — are inputs too: an output that is one is refused, exit 1, the file untouched.
#[test]
fn files_the_link_reads_are_inputs_too() {
    let dir = published();
    let d = dir.path();
    std::fs::copy(d.join("main.o"), d.join("helper.o")).unwrap();
    std::fs::write(d.join("vs.dbg"), "{ global: *; };\n").unwrap();
    std::fs::create_dir(d.join("L")).unwrap();
    std::fs::copy(d.join("main.o"), d.join("L/libhelp.so")).unwrap();
    let triple = "x86_64-unknown-linux-gnu";
    std::fs::create_dir_all(d.join("rt").join(triple)).unwrap();
    let archive = d.join("rt").join(triple).join("libaotinterop_runtime.a");
    std::fs::copy(
        aotinterop_testkit::runtime_dir()
            .join(triple)
            .join("libaotinterop_runtime.a"),
        &archive,
    )
    .unwrap();
    let helper = d.join("helper.o").to_string_lossy().into_owned();
    let cases = [
        (
            with(serde_json::json!({"output": "helper.o", "linker_arg": [helper]})),
            "helper.o",
        ),
        (
            with(serde_json::json!({"output": "vs", "linker_arg": ["-Wl,--version-script=vs.dbg"]})),
            "vs.dbg",
        ),
        (
            with(
                serde_json::json!({"output": "L/libhelp.so", "native_lib": "shared", "linker_arg": ["-LL", "-lhelp"]}),
            ),
            "L/libhelp.so",
        ),
        (
            with(
                serde_json::json!({"output": format!("rt/{triple}/libaotinterop_runtime.a"), "native_lib": "static", "runtime_dir": "rt"}),
            ),
            "rt/x86_64-unknown-linux-gnu/libaotinterop_runtime.a",
        ),
    ];
    std::fs::copy(d.join("main.o"), d.join("libbar.a")).unwrap();
    std::fs::write(d.join("s.ld"), "INPUT(main.o)\n").unwrap();
    std::fs::copy(d.join("main.o"), d.join("inner.o")).unwrap();
    std::fs::write(d.join("resp.txt"), "inner.o\n").unwrap();
    let more = [
        (serde_json::json!(["-L.", "-l", "bar"]), "libbar.a"),
        (serde_json::json!(["-Wl,-L,.", "-lbar"]), "libbar.a"),
        (
            serde_json::json!(["-Wl,--library-path=.", "-Wl,--library=bar"]),
            "libbar.a",
        ),
        (serde_json::json!(["-Wl,-Ts.ld"]), "s.ld"),
        (serde_json::json!(["-Wl,@resp.txt"]), "inner.o"),
    ];
    let cases: Vec<(serde_json::Value, &str)> = cases
        .into_iter()
        .chain(more.into_iter().map(|(args, input)| {
            (
                with(serde_json::json!({"output": input, "linker_arg": args})),
                input,
            )
        }))
        .collect();
    for (request, input) in cases {
        let before = std::fs::read(d.join(input)).unwrap();
        std::fs::write(d.join("r.json"), request.to_string()).unwrap();
        let out = bounded(&["publish", "r.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{input}: {err}");
        assert!(
            err.contains("AOTI0208") && err.contains("input of this publish"),
            "{input}: {err}"
        );
        assert_eq!(
            std::fs::read(d.join(input)).unwrap(),
            before,
            "{input} was touched"
        );
    }
}

/// The request of [`published`]'s C program (linux-x64, `main.o`, one lazy libz import) with
/// the fields of `extra`.
fn with(extra: serde_json::Value) -> serde_json::Value {
    let mut r = serde_json::json!({
        "rid": "linux-x64",
        "objects": ["main.o"],
        "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}],
    });
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

/// FIFOs named by LinkerArg items (a path, a `-l` library, a response file) are refused at the
/// item's line, not waited on.
#[test]
fn fifos_linker_args_name_are_refused() {
    let dir = published();
    let d = dir.path();
    std::fs::create_dir(d.join("L")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(d.join("fifo"))
        .status()
        .unwrap()
        .success());
    assert!(Command::new("mkfifo")
        .arg(d.join("L/libfifo.so"))
        .status()
        .unwrap()
        .success());
    for args in [
        serde_json::json!(["fifo"]),
        serde_json::json!(["-LL", "-lfifo"]),
        serde_json::json!(["-Wl,@fifo"]),
    ] {
        let r = with(serde_json::json!({"output": "bin/app", "linker_arg": args}));
        std::fs::write(d.join("r.json"), serde_json::to_string_pretty(&r).unwrap()).unwrap();
        let out = bounded(&["publish", "r.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args}: {err}");
        assert!(
            err.contains("AOTI0001") && err.contains("FIFO") && err.contains("r.json:"),
            "{args}: {err}"
        );
    }
}

/// An output of `.`, or with a name too long for a file, is refused before any step, its name
/// shortened; an assembly at the output (one the app references, beside it) is not replaced.
#[test]
fn an_output_that_is_a_folder_too_long_or_an_assembly_is_refused() {
    let dir = published();
    let d = dir.path();
    let long = "x".repeat(5000);
    for (output, says) in [(".", "names a folder"), (long.as_str(), "too long")] {
        std::fs::write(
            d.join("r.json"),
            with(serde_json::json!({"output": output})).to_string(),
        )
        .unwrap();
        let out = bounded(&["publish", "r.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("AOTI0208") && err.contains(says), "{err}");
        assert!(err.len() < 1500, "{} bytes: {}", err.len(), &err[..300]);
    }
    // An assembly at the output (one the app references, beside it) is not replaced.
    std::fs::write(
        d.join("Lib.cs"),
        "public static class L { public static int F() { return 1; } }",
    )
    .unwrap();
    let st = Command::new("mcs")
        .args(["-nologo", "-target:library", "-out:Lib.dll", "Lib.cs"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    let before = std::fs::read(d.join("Lib.dll")).unwrap();
    std::fs::write(
        d.join("r.json"),
        with(serde_json::json!({"output": "Lib.dll"})).to_string(),
    )
    .unwrap();
    let out = bounded(&["publish", "r.json"], d);
    exits_saying(&out, 1, &["is a .NET assembly"]);
    assert_eq!(std::fs::read(d.join("Lib.dll")).unwrap(), before);
}

/// A publish to an output whose previous image left files this one does not make removes them
/// with its commit: an executable's `app.dbg` when `app` is now a static archive.
#[test]
fn files_the_previous_image_made_and_this_publish_does_not_are_removed() {
    let dir = published();
    let d = dir.path();
    assert!(d.join("bin/app.dbg").is_file());
    let request = serde_json::json!({
        "rid": "linux-x64",
        "output": "bin/app",
        "native_lib": "static",
        "objects": ["main.o"],
        "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}],
    });
    std::fs::write(d.join("static.json"), request.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "static.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(d.join("bin/app"))
        .unwrap()
        .starts_with(b"!<arch>\n"));
    assert!(
        !d.join("bin/app.dbg").exists(),
        "the executable's debug file stayed"
    );
}

/// The DirectPInvokeList a preflight error suggests is never written over a file of the
/// publish: a failed publish leaves the previous image as it was.
#[test]
fn a_suggested_direct_pinvoke_list_never_replaces_the_image() {
    let dir = published();
    let d = dir.path();
    let output = "x/libz.so.1.DirectPInvokeList.txt";
    let first = serde_json::json!({
        "rid": "linux-x64",
        "output": output,
        "objects": ["main.o"],
        "imports": [{"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}],
    });
    std::fs::write(d.join("first.json"), first.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "first.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let image = std::fs::read(d.join(output)).unwrap();
    let second = serde_json::json!({
        "rid": "linux-x64",
        "output": output,
        "intermediate_dir": "x",
        "objects": ["main.o"],
        "direct_pinvoke": ["libz.so.1"],
        "linker_arg": ["-lz"],
        "imports": [
            {"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"},
            {"module": "libz.so.1", "entry": "zNoSuchEntry", "symbol": "zn"},
        ],
    });
    std::fs::write(d.join("second.json"), second.to_string()).unwrap();
    let out = aotinterop(&["publish", "second.json"], d);
    exits_saying(&out, 3, &["not written"]);
    assert_eq!(
        std::fs::read(d.join(output)).unwrap(),
        image,
        "the image was replaced"
    );
}

/// `probe --rid` of another machine's RID lists the candidates and loads none of them (an
/// x86-64 library is no linux-arm64 one: its initialisers ran).
#[test]
fn probe_for_another_rid_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let marker = d.join("loaded");
    plant(&d.join("libz.so.1"), &marker, "zlibVersion");
    for rid in ["linux-arm64", "linux-musl-x64", "win-x64"] {
        let out = command(&["probe", "libz.so.1", "--rid", rid, "--from"], d)
            .arg(d)
            .output()
            .unwrap();
        let said = text(&out.stdout);
        assert!(!marker.exists(), "{rid}: the library was loaded: {said}");
        assert!(
            said.contains("none is loaded") && !said.contains("not loaded: not loaded"),
            "{rid}: {said}"
        );
        assert!(out.status.success(), "{rid}: {said}");
    }
}

/// An empty `PATH` element (`PATH=:/usr/bin:/bin`) does not run a program planted in the
/// current directory: the linker and objcopy come from the absolute folders.
#[test]
fn an_empty_path_element_runs_no_program_from_the_current_directory() {
    let dir = published();
    let d = dir.path();
    let marker = d.join("planted-program-ran");
    for name in [
        "cc",
        "gcc",
        "clang",
        "ld",
        "ld.bfd",
        "collect2",
        "objcopy",
        "llvm-objcopy",
    ] {
        let script = d.join(name);
        std::fs::write(
            &script,
            format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
        )
        .unwrap();
        let mut perm = std::fs::metadata(&script).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&script, perm).unwrap();
    }
    let path = std::env::var("PATH").unwrap_or_default();
    // The default linker, and gcc by name (whose collect2 runs `ld` through PATH).
    let gcc = std::fs::read_to_string(d.join("request.json")).unwrap().replacen(
        '{',
        "{\"linker\": {\"flavor\": \"gcc\"},",
        1,
    );
    std::fs::write(d.join("gcc.json"), gcc).unwrap();
    // The current directory by another name (`/proc/self/cwd`) is the current directory too.
    for (request, element) in [
        ("request.json", ""),
        ("gcc.json", ""),
        ("request.json", "/proc/self/cwd"),
        ("gcc.json", "/proc/self/cwd/"),
    ] {
        let out = command(&["publish", "--quiet", request], d)
            .env("PATH", format!("{element}:{path}"))
            .output()
            .unwrap();
        assert!(
            !marker.exists(),
            "{request}: a planted program ran: {}",
            text(&out.stderr)
        );
        assert!(out.status.success(), "{request}: {}", text(&out.stderr));
    }
}

/// The longest output name accepted publishes (its debug file and objcopy's temporary files
/// fit); one byte more is refused before any step.
#[test]
fn the_longest_accepted_output_name_publishes() {
    let dir = published();
    let d = dir.path();
    for (n, ok) in [(223, true), (224, false)] {
        edit_request(d, "request.json", "long.json", |r| {
            r["output"] = serde_json::json!("x".repeat(n));
        });
        let out = aotinterop(&["publish", "--quiet", "long.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(if ok { 0 } else { 1 }), "{n}: {err}");
        assert!(ok || err.contains("AOTI0208"), "{n}: {err}");
    }
}

/// `inspect --check` finds a needed library where `ld.so` does: in the folders glibc searches
/// inside each library-path element (`tls`, the platform, `glibc-hwcaps/*`) and through
/// `$PLATFORM`; the oracle is the real loader running the image.
#[test]
fn inspect_check_finds_needed_libraries_where_ld_so_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = direct_image(d);
    let marker = d.join("planted-library-loaded");
    let mut agreed = 0;
    for (sub, ld_path) in [
        ("tls", ":"),
        ("x86_64", ":"),
        ("glibc-hwcaps/x86-64-v2", ":"),
        ("x86_64", "$PLATFORM"),
    ] {
        let run_dir = d.join(format!("run-{}-{}", sub.replace('/', "-"), agreed));
        std::fs::create_dir_all(run_dir.join(sub)).unwrap();
        plant(&run_dir.join(sub).join("libz.so.1"), &marker, "zlibVersion");
        let _ = std::fs::remove_file(&marker);
        let _ = Command::new(&image)
            .current_dir(&run_dir)
            .env("LD_LIBRARY_PATH", ld_path)
            .output()
            .unwrap();
        if !marker.exists() {
            continue; // ld.so does not search this folder on this machine
        }
        let out = command(&["inspect", "--check", "--format", "json"], &run_dir)
            .arg(&image)
            .env("LD_LIBRARY_PATH", ld_path)
            .output()
            .unwrap();
        let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found = said["needed"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == "libz.so.1")
            .map(|n| n["found"].as_str().unwrap_or("").to_string())
            .unwrap_or_default();
        assert!(
            found.ends_with(&format!("{sub}/libz.so.1")),
            "{sub} {ld_path}: {said}"
        );
        agreed += 1;
    }
    assert!(agreed >= 2, "ld.so searched only {agreed} of the folders");
}

/// Messages name the place and say what is wrong in words: no serde or Rust type names, no
/// ` (os error N)`, the field and line of a missing file for `plan` as for `publish`, the
/// element's line in an imports file, invisible and direction characters escaped.
#[test]
fn messages_say_where_and_what_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let imports = r#"[{"module": "libz.so.1", "entry": "zlibVersion"}]"#;
    let cases: [(&str, &[&str], &[&str]); 6] = [
        (
            r#"{"rid": "linux-x64", "exports": {"symbols": ["e;e"]}, "imports": IMPORTS}"#,
            &["r.json:1:", "AOTI0507", "`;`"],
            &[],
        ),
        (
            r#"{"rid": "linux-x64", "windows_api_list": 7, "imports": IMPORTS}"#,
            &["r.json:1:", "`windows_api_list`", "the path of a list file"],
            &["untagged", "Repr"],
        ),
        (
            "{\"rid\": \"linux-x64\",\n \"direct_pinvoke_list\": [\"nope.txt\"], \"imports\": IMPORTS}",
            &["r.json:2:", "`direct_pinvoke_list[0]`", "does not exist"],
            &["os error"],
        ),
        (
            r#"{"rid": "linux-x64", "imports": [{"module": "m", "entry": "e", "stack_bytes": 1.5}]}"#,
            &["r.json:1:", "a whole number"],
            &["u32"],
        ),
        (
            r#"{"rid": "linux-x64", "direct_pinvoke_list": ["a\u202eb.txt"], "imports": IMPORTS}"#,
            &["\\u{202e}"],
            &["\u{202e}"],
        ),
        (
            r#"{"rid": "linux-x64", "imports_file": ["imp.json"]}"#,
            &["imp.json:3:12:", "empty entry point"],
            &[],
        ),
    ];
    std::fs::write(
        d.join("imp.json"),
        "[\n {\"module\": \"libz.so.1\",\n  \"entry\": \"\"}\n]",
    )
    .unwrap();
    for (request, says, never) in cases {
        std::fs::write(d.join("r.json"), request.replace("IMPORTS", imports)).unwrap();
        let out = aotinterop(&["plan", "r.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{request}: {err}");
        for s in says {
            assert!(err.contains(s), "{request}: wanted {s:?}: {err}");
        }
        for s in never {
            assert!(!err.contains(s), "{request}: {s:?} shown: {err}");
        }
    }
    let out = aotinterop(&["inspect", "/nonexistent-image"], d);
    assert!(!text(&out.stderr).contains("os error"), "{}", text(&out.stderr));
}

/// A LinkerArg item that has the linker write over an input (`-Wl,-Map=`, `--dependency-file=`,
/// `--out-implib=`) or write the image elsewhere (`-o`) is refused before any step, the input
/// untouched; the programs the publish runs get no empty or relative `COMPILER_PATH` or
/// `LD_LIBRARY_PATH` element (gcc and clang ran `./ld` through one).
#[test]
fn linker_args_that_write_files_and_search_lists_that_reach_the_current_directory() {
    let dir = published();
    let d = dir.path();
    std::fs::write(d.join("rsp.txt"), "-Wl,-Map=main.o\n").unwrap();
    // Quoted and escaped, as the driver and the linkers read response files.
    std::fs::write(d.join("rspq.txt"), "\"-Wl,--Map=ma\\in.o\"\n").unwrap();
    let before = std::fs::read(d.join("main.o")).unwrap();
    for args in [
        serde_json::json!(["-Wl,-Map=main.o"]),
        serde_json::json!(["-Wl,--dependency-file=main.o"]),
        serde_json::json!(["-Wl,--out-implib=main.o"]),
        serde_json::json!(["-o", "elsewhere"]),
        // The long spellings of `-o`, the driver's and ld's (ld overwrote the input).
        serde_json::json!(["-Wl,--output=main.o"]),
        serde_json::json!(["-Wl,--output,main.o"]),
        serde_json::json!(["--output=main.o"]),
        serde_json::json!(["--output", "main.o"]),
        serde_json::json!(["-Xlinker", "--output=main.o"]),
        // Abbreviations ld takes, and a map file named in two `-Xlinker` words.
        serde_json::json!(["-Wl,--out=main.o"]),
        serde_json::json!(["-Wl,--dependency=main.o"]),
        serde_json::json!(["-Wl,--Ma=main.o"]),
        serde_json::json!(["-Xlinker", "-Map", "-Xlinker", "main.o"]),
        // A one-letter abbreviation with its value, a response file the driver reads, and a map
        // written where the image (a file of this publish) goes.
        serde_json::json!(["-Wl,--M=main.o"]),
        serde_json::json!(["@rsp.txt"]),
        serde_json::json!(["@rspq.txt"]),
        serde_json::json!(["-Wl,-Map=bin/app"]),
        // A flag that starts like a writing option, and the LTO plugin's option as two words.
        serde_json::json!(["-Wl,--time-trace,--Map=main.o"]),
        serde_json::json!(["-Wl,--plugin-opt,obj-path=main.o"]),
    ] {
        edit_request(d, "request.json", "w.json", |r| {
            r["linker_arg"] = args.clone();
        });
        let out = aotinterop(&["publish", "w.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args}: {err}");
        assert!(
            err.contains("AOTI0208") && err.contains("w.json:1:"),
            "{args}: {err}"
        );
        assert_eq!(
            std::fs::read(d.join("main.o")).unwrap(),
            before,
            "{args}: main.o was touched"
        );
    }
    // Relative to the request's folder, where the linker runs, whatever folder the publish is
    // started from (an input was overwritten when started elsewhere).
    edit_request(d, "request.json", "w.json", |r| {
        r["linker_arg"] = serde_json::json!(["-Wl,-Map,main.o"]);
    });
    let out = command(&["publish"], Path::new("/"))
        .arg(d.join("w.json"))
        .output()
        .unwrap();
    exits_saying(&out, 1, &["AOTI0208"]);
    assert_eq!(std::fs::read(d.join("main.o")).unwrap(), before);
    let marker = d.join("planted-program-ran");
    for name in ["ld", "collect2", "ld.bfd", "ld.lld"] {
        let script = d.join(name);
        std::fs::write(
            &script,
            format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
        )
        .unwrap();
        let mut perm = std::fs::metadata(&script).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&script, perm).unwrap();
    }
    for (var, value) in [
        ("COMPILER_PATH", ":/nonexistent"),
        ("COMPILER_PATH", "."),
        ("GCC_EXEC_PREFIX", "./"),
    ] {
        let out = command(&["publish", "--quiet", "request.json"], d)
            .env(var, value)
            .output()
            .unwrap();
        assert!(
            !marker.exists(),
            "{var}={value}: a planted program ran: {}",
            text(&out.stderr)
        );
        assert!(out.status.success(), "{var}={value}: {}", text(&out.stderr));
    }
}

/// `inspect --check` says "will not start" where the real start fails: the needed library only
/// in a folder glibc does not search for this machine (`glibc-hwcaps/power10`, `tls/tls`), or
/// behind a file of its name that is no ELF file (a folder, text) in an earlier folder.
#[test]
fn inspect_check_agrees_with_ld_so_when_the_start_fails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = direct_image(d);
    let marker = d.join("loaded");
    // Only in folders glibc does not search here: the real start fails (libz is not on the
    // default path of this test: the folder holds the only copy the search may find).
    for (i, setup) in ["folder-first", "text-first"].iter().enumerate() {
        let l = d.join(format!("L{i}"));
        std::fs::create_dir_all(&l).unwrap();
        match *setup {
            "folder-first" => std::fs::create_dir(l.join("libz.so.1")).unwrap(),
            _ => std::fs::write(l.join("libz.so.1"), "not a library\n").unwrap(),
        }
        let run = Command::new(&image).env("LD_LIBRARY_PATH", &l).output().unwrap();
        let check = command(&["inspect", "--check"], d)
            .arg(&image)
            .env("LD_LIBRARY_PATH", &l)
            .output()
            .unwrap();
        let said = text(&check.stdout);
        assert_eq!(
            run.status.success(),
            check.status.success(),
            "{setup}: real run {:?}; check said:\n{said}",
            run.status
        );
        assert!(!marker.exists());
    }
    for sub in ["glibc-hwcaps/power10", "tls/tls", "i686"] {
        let l = d.join("only").join(sub.replace('/', "-"));
        std::fs::create_dir_all(l.join(sub)).unwrap();
        plant(&l.join(sub).join("libz.so.1"), &marker, "zlibVersion");
        let check = command(&["inspect", "--check", "--format", "json"], d)
            .arg(&image)
            .env("LD_LIBRARY_PATH", &l)
            .output()
            .unwrap();
        let said: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
        let found: Vec<String> = said["needed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["found"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(
            !found.iter().any(|f| f.ends_with(&format!("{sub}/libz.so.1"))),
            "{sub}: {said}"
        );
    }
}

/// Files a GNU ld script names (a NativeLibrary item or a LinkerArg file that is a script) are
/// inputs too: an output that is one is refused, and a FIFO among them is refused, not waited on.
#[test]
fn files_a_linker_script_names_are_inputs_too() {
    let dir = published();
    let d = dir.path();
    std::fs::copy(d.join("main.o"), d.join("keep.o")).unwrap();
    std::fs::write(d.join("libbar.so"), "GROUP ( keep.o )\n").unwrap();
    std::fs::write(d.join("script.ld"), "INPUT ( keep.o )\n").unwrap();
    // A thin archive's members are files of their own.
    assert!(Command::new("ar")
        .args(["rcsT", "libthin.a", "keep.o"])
        .current_dir(d)
        .status()
        .unwrap()
        .success());
    let before = std::fs::read(d.join("keep.o")).unwrap();
    let base = |extra: serde_json::Value| {
        let mut r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("request.json")).unwrap()).unwrap();
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    for extra in [
        serde_json::json!({"output": "keep.o", "native_library": ["libbar.so"]}),
        serde_json::json!({"output": "keep.o", "linker_arg": ["script.ld"]}),
        serde_json::json!({"output": "keep.o", "linker_arg": ["-L.", "-lbar"]}),
        serde_json::json!({"output": "keep.o", "native_library": ["libthin.a"]}),
    ] {
        std::fs::write(d.join("s.json"), base(extra.clone()).to_string()).unwrap();
        let out = bounded(&["publish", "s.json"], d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{extra}: {err}");
        assert!(err.contains("AOTI0208"), "{extra}: {err}");
        assert_eq!(std::fs::read(d.join("keep.o")).unwrap(), before, "{extra}");
    }
    assert!(Command::new("mkfifo")
        .arg(d.join("ff"))
        .status()
        .unwrap()
        .success());
    std::fs::write(d.join("libfifo.so"), "GROUP ( ff )\n").unwrap();
    std::fs::write(
        d.join("s.json"),
        base(serde_json::json!({"native_library": ["libfifo.so"]})).to_string(),
    )
    .unwrap();
    let out = bounded(&["publish", "s.json"], d);
    exits_saying(&out, 1, &["FIFO", "native_library[0]"]);
}

/// A whole-module DirectPInvoke item written twice matches through its first writing: the
/// second is said to be given twice, at its own place (and the first at its), and never to match
/// nothing.
#[test]
fn a_direct_pinvoke_item_given_twice_is_not_said_to_match_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let request = r#"{"rid": "linux-x64", "imports": [{"module": "libz", "entry": "x"}], "direct_pinvoke": ["libz", "libz"]}"#;
    std::fs::write(d.join("dup.json"), request).unwrap();
    let out = aotinterop(&["plan", "dup.json"], d);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("AOTI1002"), "{err}");
    let at = request.rfind("\"libz\"").unwrap() + 1;
    assert!(
        err.contains(&format!("dup.json:1:{at}: warning AOTI1001")),
        "{err}"
    );
    // The first writing is named by its column too.
    let first = request.find("[\"libz\"").unwrap() + 2;
    assert!(err.contains(&format!("(also at dup.json:1:{first})")), "{err}");
}

/// A Mono object cache others can write in, or another user's, is refused before anything is
/// compiled (exit 1, naming what chose it): objects planted there were linked into the image.
#[test]
fn a_mono_cache_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let open = d.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    mono_app_request(d, "static class P { static int Main() { return 0; } }", &open);
    let out = aotinterop(&["publish", "--quiet", "request.json"], d);
    exits_saying(&out, 1, &["writable by other users", "cache_dir"]);
    // A private cache inside a folder everyone may write (without the sticky bit): another
    // user could swap it for theirs between the compile and the link.
    let mine = open.join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o700)).unwrap();
    edit_request(d, "request.json", "request.json", |r| {
        r["cache_dir"] = serde_json::json!(mine)
    });
    let out = aotinterop(&["publish", "--quiet", "request.json"], d);
    exits_saying(&out, 1, &["writable by every user", "cache_dir"]);
    // Named by the environment, made by another user (as root only).
    use std::os::unix::fs::MetadataExt;
    if std::fs::metadata("/proc/self").unwrap().uid() != 0 {
        return;
    }
    edit_request(d, "request.json", "request.json", |r| {
        r.as_object_mut().unwrap().remove("cache_dir");
    });
    let xdg = d.join("xdg");
    std::fs::create_dir_all(xdg.join("aotinterop")).unwrap();
    std::os::unix::fs::chown(xdg.join("aotinterop"), Some(65534), None).unwrap();
    let out = command(&["publish", "--quiet", "request.json"], d)
        .env_remove("AOTINTEROP_CACHE_DIR")
        .env("XDG_CACHE_HOME", &xdg)
        .output()
        .unwrap();
    exits_saying(&out, 1, &["another user's", "XDG_CACHE_HOME"]);
}

/// A Mono image that crashes starts no debugger: Mono looked `gdb` up through `PATH`, and ran
/// `./gdb` when `PATH` named the current directory.
#[test]
fn a_crashing_mono_image_starts_no_debugger_from_the_current_directory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    mono_app_request(
        dir,
        "using System; using System.Runtime.InteropServices;\n\
         static class P {\n\
           [DllImport(\"libc\")] static extern IntPtr strlen(IntPtr s);\n\
           static void Main() { Console.WriteLine(strlen((IntPtr)1)); }\n\
         }\n",
        &aotinterop_testkit::repo_root().join(".cache/aotinterop-test"),
    );
    let out = aotinterop(&["publish", "--quiet", "request.json"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run = dir.join("run");
    std::fs::create_dir(&run).unwrap();
    let marker = dir.join("debugger-ran");
    for name in ["gdb", "lldb"] {
        let script = run.join(name);
        std::fs::write(&script, format!("#!/bin/sh\ntouch '{}'\n", marker.display())).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = Command::new(dir.join("bin/t"))
        .current_dir(&run)
        .env("PATH", ".:/usr/bin:/bin")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the bad pointer did not crash: {out:?}");
    assert!(
        !marker.exists(),
        "a debugger in the current directory ran: {}",
        text(&out.stderr)
    );
}

/// A linker that says it succeeded but leaves its output cut short (what `ld` did on a full
/// disk) fails the link, exit 4, saying so: it was reported as a failed verify, exit 5. The
/// previous image stays.
#[test]
fn a_linker_output_cut_short_is_a_failed_link() {
    let dir = published();
    let d = dir.path();
    let before = std::fs::read(d.join("bin/app")).unwrap();
    let linker = d.join("cutting-gcc");
    let script = "#!/bin/sh\ngcc \"$@\" || exit $?\nprev=\nfor a in \"$@\"; do [ \"$prev\" = -o ] && truncate -s 200 \"$a\"; prev=$a; done\nexit 0\n";
    std::fs::write(&linker, script).unwrap();
    std::fs::set_permissions(&linker, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    edit_request(d, "request.json", "cut.json", |r| {
        r["linker"] = serde_json::json!({"flavor": "gcc", "path": linker});
        // (With StripSymbols, objcopy finds it first.)
        r["strip_symbols"] = serde_json::json!(false);
    });
    let out = aotinterop(&["publish", "--quiet", "cut.json"], d);
    exits_saying(&out, 4, &["AOTI0501", "cannot be read"]);
    assert_eq!(std::fs::read(d.join("bin/app")).unwrap(), before);
    // The linker program the request names is an input: not an output (it was replaced).
    let script = std::fs::read(&linker).unwrap();
    edit_request(d, "cut.json", "self.json", |r| {
        r["output"] = serde_json::json!("cutting-gcc")
    });
    exits_saying(&aotinterop(&["publish", "self.json"], d), 1, &["AOTI0208"]);
    assert_eq!(std::fs::read(&linker).unwrap(), script);
}

/// A publish started with SIGHUP and SIGINT ignored (`nohup`, a script's background job) is not
/// ended by them, and one started with SIGCHLD ignored waits for its programs as ever (SIGHUP
/// ended it, 130; an ignored SIGCHLD failed the preflight or the link with ECHILD).
#[test]
fn signals_the_caller_ignores_stay_ignored() {
    use std::os::unix::process::CommandExt;
    let dir = published();
    let d = dir.path();
    let linker = d.join("slow-gcc");
    std::fs::write(
        &linker,
        "#!/bin/sh\n[ \"$1\" = -dumpmachine ] && exec gcc -dumpmachine\ntouch \"$TMPDIR/../linker-started\"\nsleep 2\nexec gcc \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&linker, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    edit_request(d, "request.json", "slow.json", |r| {
        r["linker"] = serde_json::json!({"flavor": "gcc", "path": linker});
    });
    let mut publish = command(&["publish", "--quiet", "slow.json"], d);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        publish.pre_exec(|| {
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            libc::signal(libc::SIGINT, libc::SIG_IGN);
            Ok(())
        });
    }
    let child = publish.stderr(std::process::Stdio::piped()).spawn().unwrap();
    let t = std::time::Instant::now();
    while in_staging(&d.join("bin"), "linker-started").is_none() {
        assert!(t.elapsed().as_secs() < 60, "the linker never started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    for sig in [libc::SIGHUP, libc::SIGINT] {
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, sig) };
    }
    let out = finishes(child, "the publish did not end");
    assert!(out.status.success(), "{}", text(&out.stderr));
    for reap in [false, true] {
        let mut publish = command(&["publish", "--quiet", "request.json"], d);
        // SAFETY: as above; `sigaction` is async-signal-safe.
        unsafe {
            publish.pre_exec(move || {
                if reap {
                    // The default action, with the kernel reaping children (`SA_NOCLDWAIT`).
                    let mut a: libc::sigaction = std::mem::zeroed();
                    a.sa_sigaction = libc::SIG_DFL;
                    a.sa_flags = libc::SA_NOCLDWAIT;
                    libc::sigaction(libc::SIGCHLD, &a, std::ptr::null_mut());
                } else {
                    libc::signal(libc::SIGCHLD, libc::SIG_IGN);
                }
                Ok(())
            });
        }
        let out = publish.output().unwrap();
        assert!(out.status.success(), "reap {reap}: {}", text(&out.stderr));
    }
}

/// A lazy import of the exact name `libc` binds (the resolver opens the C library's file, as
/// .NET does), and `probe` and `inspect --check` say so: both said it was missing.
#[test]
fn lazy_libc_is_found_by_probe_and_check_as_the_image_finds_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source = "extern int gp(void);\nint main(void) { return gp() > 0 ? 0 : 1; }\n";
    app_request(d, "main", source, "request.json");
    edit_request(d, "request.json", "request.json", |r| {
        r["imports"] = serde_json::json!([{"module": "libc", "entry": "getpid", "symbol": "gp"}]);
    });
    let out = aotinterop(&["publish", "--quiet", "request.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run = Command::new(d.join("bin/app")).output().unwrap();
    assert!(run.status.success(), "{run:?}");
    let out = command(&["inspect", "--check", "--format", "json", "bin/app"], d)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!said["would_throw"].to_string().contains("getpid"), "{said}");
    let out = aotinterop(&["probe", "libc"], d);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("libc.so.6: loaded"),
        "{}",
        text(&out.stdout)
    );
}

/// DirectPInvoke items that are empty or start with `#` (native AOT reads items as list lines:
/// nothing, and a comment) are said to have no effect, each at its place: they were ignored
/// silently.
#[test]
fn empty_and_comment_direct_pinvoke_items_are_said_to_do_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let request = r##"{"rid": "linux-x64", "imports": [{"module": "libz", "entry": "x"}], "direct_pinvoke": ["", "   ", "#libz"]}"##;
    std::fs::write(d.join("r.json"), request).unwrap();
    let out = aotinterop(&["plan", "r.json"], d);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("warning AOTI1006").count(), 3, "{err}");
    assert!(
        err.contains("starts with `#`") && err.contains("is empty"),
        "{err}"
    );
    let at = request.find("\"#libz\"").unwrap() + 1;
    assert!(err.contains(&format!("r.json:1:{at}: warning AOTI1006")), "{err}");
}

/// An assembly whose file name Mono's AOT compiler cannot write into its assembler source (a
/// `"`) is refused before anything is compiled, naming it: the assembler reported junk, exit 4.
#[test]
fn a_mono_assembly_name_the_assembler_cannot_take_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mono_app_request(
        d,
        "static class P { static int Main() { return 0; } }",
        &aotinterop_testkit::repo_root().join(".cache/aotinterop-test"),
    );
    std::fs::rename(d.join("T.exe"), d.join("In\"j.exe")).unwrap();
    edit_request(d, "request.json", "request.json", |r| {
        r["assemblies"] = serde_json::json!(["In\"j.exe"]);
    });
    let out = aotinterop(&["publish", "--quiet", "request.json"], d);
    exits_saying(&out, 1, &["assemblies[0]", "rename the file"]);
}

/// A folder where a referenced assembly is looked for is said to be there but no file (the
/// error said the assembly was found nowhere).
#[test]
fn a_folder_named_like_a_referenced_assembly_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("Lib.cs"),
        "public static class L { public static int F() { return 0; } }",
    )
    .unwrap();
    let mcs = |args: &[&str]| {
        let st = Command::new("mcs").args(args).current_dir(d).status().unwrap();
        assert!(st.success());
    };
    mcs(&["-nologo", "-target:library", "-out:Lib.dll", "Lib.cs"]);
    std::fs::write(
        d.join("T.cs"),
        "static class P { static int Main() { return L.F(); } }",
    )
    .unwrap();
    mcs(&["-nologo", "-r:Lib.dll", "-out:T.exe", "T.cs"]);
    let request = serde_json::json!({
        "rid": "linux-x64",
        "compiler": "mono",
        "output": "bin/t",
        "assemblies": ["T.exe"],
        "cache_dir": aotinterop_testkit::repo_root().join(".cache/aotinterop-test"),
    });
    std::fs::write(d.join("request.json"), request.to_string()).unwrap();
    std::fs::remove_file(d.join("Lib.dll")).unwrap();
    std::fs::create_dir(d.join("Lib.dll")).unwrap();
    let out = aotinterop(&["publish", "--quiet", "request.json"], d);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("Lib.dll is there, but it is not a regular file"),
        "{err}"
    );
}

/// A stand-in would give the loader the found library's SONAME; one with a folder
/// (`./libvendor.so`) is a path from the current directory: refused (AOTI0527), not noted (an
/// image that loaded a planted `./libvendor.so` was published).
#[test]
fn a_stand_in_named_by_a_relative_soname_is_refused() {
    let dir = published();
    let d = dir.path();
    std::fs::create_dir_all(d.join("out")).unwrap();
    std::fs::write(
        d.join("vendor.c"),
        "int vendor_add(int a, int b) { return a + b; }\n",
    )
    .unwrap();
    let st = Command::new("gcc")
        .args([
            "-shared",
            "-fPIC",
            "-o",
            "out/libvendor.so",
            "vendor.c",
            "-Wl,-soname,./libvendor.so",
        ])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(
        d.join("v.c"),
        "extern int va(int, int);\nint main(void) { return va(1, 2) == 3 ? 0 : 1; }\n",
    )
    .unwrap();
    let st = Command::new("gcc")
        .args(["-c", "-fPIC", "-o", "v.o", "v.c"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    let request = serde_json::json!({
        "rid": "linux-x64",
        "output": "out/app",
        "objects": ["v.o"],
        "imports": [{"module": "vendor", "entry": "vendor_add", "symbol": "va"}],
        "direct_pinvoke": ["vendor"],
        "generate_import_libraries": true,
    });
    std::fs::write(d.join("v.json"), request.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "v.json"], d);
    exits_saying(&out, 3, &["AOTI0527", "./libvendor.so", "current directory"]);
    assert!(!d.join("out/app").exists());
}

/// A file named as the previous image's debug file but not the one its debug link's CRC names
/// (another publish's image put there since), or another user's, is not removed as the previous
/// image's: it was.
#[test]
fn only_the_previous_images_own_side_files_are_removed() {
    let dir = published();
    let d = dir.path();
    assert!(d.join("bin/app.dbg").exists());
    // Another image where the debug file was (a publish to it is refused now).
    std::fs::copy(d.join("bin/app"), d.join("bin/app.dbg")).unwrap();
    let image_b = std::fs::read(d.join("bin/app.dbg")).unwrap();
    edit_request(d, "request.json", "a.json", |r| {
        r["strip_symbols"] = serde_json::json!(false)
    });
    let out = aotinterop(&["publish", "--quiet", "a.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(d.join("bin/app.dbg")).unwrap(),
        image_b,
        "another publish's image was removed"
    );
}

/// DirectPInvokeList lines that name entry points a whole-module item also makes direct match
/// them too: no "matches nothing" warning (AOTI1003 said none of them matched).
#[test]
fn list_lines_under_a_whole_module_item_are_not_said_to_match_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("l.txt"), "libv!va\nlibv!vb\n").unwrap();
    let request = serde_json::json!({
        "rid": "linux-x64",
        "imports": [{"module": "libv", "entry": "va"}, {"module": "libv", "entry": "vb"}],
        "direct_pinvoke_list": ["l.txt"],
        "direct_pinvoke": ["libv"],
    });
    std::fs::write(d.join("r.json"), request.to_string()).unwrap();
    let out = aotinterop(&["plan", "r.json"], d);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("AOTI1003"), "{err}");
    // An entry item after a whole-module one (or a list line after a list's whole module) is
    // redundant, not unmatched (AOTI1002 said it matched nothing, with a "did you mean" of itself).
    std::fs::write(d.join("imps.json"), r#"[{"module": "libc", "entry": "getpid"}]"#).unwrap();
    let args = [
        "plan",
        "--rid",
        "linux-x64",
        "--direct",
        "libc",
        "--direct",
        "libc!getpid",
        "--imports",
        "imps.json",
    ];
    let out = aotinterop(&args, d);
    let err = text(&out.stderr);
    assert!(err.contains("AOTI1001") && !err.contains("AOTI1002"), "{err}");
}

/// A static archive's member named by an object whose file name holds a newline is readable
/// (the newline written as `_`): the archive was broken for llvm-ar and ld.lld.
#[test]
fn a_static_archive_of_an_oddly_named_object_reads_back() {
    let dir = published();
    let d = dir.path();
    std::fs::copy(d.join("main.o"), d.join("we\nird.o")).unwrap();
    let request =
        with(serde_json::json!({"output": "lib/app.a", "native_lib": "static", "objects": ["we\nird.o"]}));
    std::fs::write(d.join("s.json"), request.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "s.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = Command::new("llvm-ar")
        .arg("t")
        .arg(d.join("lib/app.a"))
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    assert!(
        text(&listed.stdout).lines().any(|l| l == "we_ird.o"),
        "{}",
        text(&listed.stdout)
    );
}

/// An image the link makes load from the current directory — a real library whose SONAME is
/// `./libvendor.so` (the linker copies it into DT_NEEDED), or a relative RPATH folder — is not
/// published (AOTI0531, exit 4), unless the request asks for the current directory.
#[test]
fn an_image_that_would_load_from_the_current_directory_is_not_published() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("lib")).unwrap();
    std::fs::write(
        d.join("vendor.c"),
        "int vendor_add(int a, int b) { return a + b; }\n",
    )
    .unwrap();
    let gcc = |args: &[&str]| gcc_in(d, args);
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        "lib/libvendor.so",
        "vendor.c",
        "-Wl,-soname,./libvendor.so",
    ]);
    std::fs::write(
        d.join("v.c"),
        "extern int va(int, int);\nint main(void) { return va(1, 2) == 3 ? 0 : 1; }\n",
    )
    .unwrap();
    gcc(&["-c", "-fPIC", "-o", "v.o", "v.c"]);
    let request = |extra: serde_json::Value| {
        let mut r = serde_json::json!({
            "rid": "linux-x64",
            "output": "out/app",
            "objects": ["v.o"],
            "imports": [{"module": "libvendor.so", "entry": "vendor_add", "symbol": "va"}],
            "direct_pinvoke": ["libvendor.so"],
        });
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        std::fs::write(d.join("v.json"), r.to_string()).unwrap();
    };
    request(serde_json::json!({"native_library": ["lib/libvendor.so"]}));
    exits_saying(
        &aotinterop(&["publish", "v.json"], d),
        4,
        &["AOTI0531", "./libvendor.so"],
    );
    assert!(!d.join("out/app").exists());
    gcc(&["-shared", "-fPIC", "-o", "lib/libvendor.so", "vendor.c"]);
    request(serde_json::json!({"native_library": ["lib/libvendor.so"], "linker_arg": ["-Wl,-rpath,."]}));
    exits_saying(
        &aotinterop(&["publish", "v.json"], d),
        4,
        &["AOTI0531", "RPATH/RUNPATH folder `.`"],
    );
    request(
        serde_json::json!({"native_library": ["lib/libvendor.so"], "linker_arg": ["-Wl,-rpath,."], "search_current_directory": true}),
    );
    let out = aotinterop(&["publish", "--quiet", "v.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A relative interpreter or auditor, a RUNPATH that only looks like `$ORIGIN`.
    // Or one through procfs (`/proc/self/cwd`), however it is spelled.
    for (arg, says) in [
        ("-Wl,-dynamic-linker,./ld.so", "program interpreter"),
        ("-Wl,--audit,./a.so", "auditor"),
        ("-Wl,-rpath,$ORIGINX", "RPATH/RUNPATH folder `$ORIGINX`"),
        (
            "-Wl,-rpath,/proc/self/cwd",
            "RPATH/RUNPATH folder `/proc/self/cwd`",
        ),
        (
            "-Wl,-rpath,/dev/fd/../cwd",
            "RPATH/RUNPATH folder `/dev/fd/../cwd`",
        ),
        ("-Wl,-rpath,/dev/fd/3", "RPATH/RUNPATH folder `/dev/fd/3`"),
        (
            "-Wl,-rpath,$ORIGIN/../../../../../../../../proc/self/cwd",
            "RPATH/RUNPATH folder",
        ),
        ("-Wl,-dynamic-linker,/proc/self/cwd/ld.so", "program interpreter"),
        ("-Wl,--audit,/proc/thread-self/cwd/a.so", "auditor"),
    ] {
        request(serde_json::json!({"native_library": ["lib/libvendor.so"], "linker_arg": [arg]}));
        exits_saying(&aotinterop(&["publish", "v.json"], d), 4, &["AOTI0531", says]);
    }
    // A shared library's filtees (`DT_AUXILIARY`, `DT_FILTER`) are loaded as needed ones.
    for (arg, says) in [
        ("-Wl,-f,./libaux.so", "it needs `./libaux.so`"),
        (
            "-Wl,-F,/proc/self/cwd/libflt.so",
            "it needs `/proc/self/cwd/libflt.so`",
        ),
    ] {
        request(
            serde_json::json!({"native_library": ["lib/libvendor.so"], "linker_arg": [arg],
            "native_lib": "shared", "output": "out/libapp.so"}),
        );
        exits_saying(&aotinterop(&["publish", "v.json"], d), 4, &["AOTI0531", says]);
    }
    // Asked for, the `./` SONAME is linked, and `inspect --check` says where it is looked for.
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        "lib/libvendor.so",
        "vendor.c",
        "-Wl,-soname,./libvendor.so",
    ]);
    request(serde_json::json!({"native_library": ["lib/libvendor.so"], "search_current_directory": true}));
    let out = aotinterop(&["publish", "--quiet", "v.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = aotinterop(&["inspect", "--check", "--format", "json", "out/app"], d);
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        said["notes"]
            .to_string()
            .contains("a path from the current directory"),
        "{said}"
    );
    // A SONAME under `$ORIGIN` is the image's folder to glibc: published, found by the check.
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        "lib/libvendor.so",
        "vendor.c",
        "-Wl,-soname,$ORIGIN/../lib/libvendor.so",
    ]);
    request(serde_json::json!({"native_library": ["lib/libvendor.so"]}));
    let out = aotinterop(&["publish", "--quiet", "v.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = aotinterop(&["inspect", "--check", "out/app"], d);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(Command::new(d.join("out/app"))
        .current_dir("/")
        .status()
        .unwrap()
        .success());
    // A thin archive's member files are read for what they define, as the linkers read them.
    gcc(&["-c", "-fPIC", "-o", "vendor.o", "vendor.c"]);
    gcc(&["-c", "-fPIC", "-o", "lib/vendor.o", "vendor.c"]);
    assert!(Command::new("ar")
        .args(["rcsT", "lib/libthin.a", "lib/vendor.o"])
        .current_dir(d)
        .status()
        .unwrap()
        .success());
    request(serde_json::json!({"native_library": ["lib/libthin.a"]}));
    let out = aotinterop(&["publish", "--quiet", "v.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(Command::new(d.join("out/app")).status().unwrap().success());
}

/// UnmanagedCallersOnly entry points an export file cannot hold are refused when planned, all
/// at once, exit 1 (as the same names in `exports.symbols` are): they failed the link, exit 4,
/// one per run.
#[test]
fn bad_export_names_from_assemblies_are_refused_when_planned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("E.cs"),
        "namespace System.Runtime.InteropServices {\n\
           [AttributeUsage(AttributeTargets.Method)]\n\
           public sealed class UnmanagedCallersOnlyAttribute : Attribute { public Type[] CallConvs; public string EntryPoint; }\n\
         }\n\
         public static class E {\n\
           [System.Runtime.InteropServices.UnmanagedCallersOnly(EntryPoint = \"data\")] public static int A() { return 1; }\n\
           [System.Runtime.InteropServices.UnmanagedCallersOnly(EntryPoint = \"LIBRARY\")] public static int B() { return 2; }\n\
         }\n",
    )
    .unwrap();
    let st = Command::new("mcs")
        .args(["-nologo", "-target:library", "-out:E.dll", "E.cs"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    let request =
        r#"{"rid": "linux-x64", "native_lib": "shared", "output": "out/libe.so", "assemblies": ["E.dll"]}"#;
    std::fs::write(d.join("r.json"), request).unwrap();
    exits_saying(
        &aotinterop(&["publish", "r.json"], d),
        1,
        &["AOTI0507", "`data`", "`LIBRARY`"],
    );
}

/// `ld.so.conf` files that include each other are read once each (eight that all include
/// `*.conf` took minutes), and the JSON of names with invisible characters stays JSON.
#[test]
fn loader_configuration_that_fans_out_is_read_once_and_json_stays_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = lazy_image(d);
    let conf = d.join("root/etc/ld.so.conf.d");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        d.join("root/etc/ld.so.conf"),
        "include /etc/ld.so.conf.d/*.conf\n",
    )
    .unwrap();
    for i in 0..12 {
        std::fs::write(
            conf.join(format!("{i}.conf")),
            "include /etc/ld.so.conf.d/*.conf\n/opt/z=libc6\n",
        )
        .unwrap();
    }
    let image = image.to_str().unwrap();
    let out = bounded(&["inspect", "--check", "--sysroot", "root", image], d);
    assert!(out.status.code().is_some(), "{out:?}");
    std::fs::write(
        d.join("imports.json"),
        r#"[{"module": "lib\u202ez", "entry": "f\u200bg"}]"#,
    )
    .unwrap();
    let args: Vec<&str> = "plan --rid linux-x64 --imports imports.json --format json"
        .split(' ')
        .collect();
    let out = aotinterop(&args, d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(plan["imports"][0]["module"], "lib\u{202e}z");
    assert!(!text(&out.stdout).contains('\u{202e}'));
}

/// The linker writes only in the publish's staging folder and the files LinkerArg items name
/// for writing: an option no check knows (one a gcc spec file adds) fails the link, exit 4,
/// and the input it names and the previous image are as they were. A known writing option
/// still writes its file.
#[test]
fn the_linker_writes_only_where_the_publish_lets_it() {
    let dir = published();
    let d = dir.path();
    let (input, image) = (
        std::fs::read(d.join("main.o")).unwrap(),
        std::fs::read(d.join("bin/app")).unwrap(),
    );
    std::fs::write(d.join("map.specs"), "*link:\n+ -Map=main.o\n\n").unwrap();
    std::fs::write(d.join("cg.txt"), "main zv 10\n").unwrap();
    for linker_arg in [
        serde_json::json!(["-specs=map.specs"]),
        serde_json::json!([
            "-fuse-ld=lld",
            "-Wl,--call-graph-ordering-file=cg.txt",
            "-Wl,--print-symbol-order=main.o"
        ]),
    ] {
        let request = with(
            serde_json::json!({"output": "bin/app", "linker": {"flavor": "gcc"}, "linker_arg": linker_arg}),
        );
        std::fs::write(d.join("w.json"), request.to_string()).unwrap();
        let out = aotinterop(&["publish", "w.json"], d);
        // Refused by the request's check (1) where it knows the option, else by the jail (4).
        let code = out.status.code();
        assert!(
            matches!(code, Some(1 | 4)),
            "{linker_arg}: {code:?} {}",
            text(&out.stderr)
        );
        assert!(
            std::fs::read(d.join("main.o")).unwrap() == input,
            "{linker_arg}: main.o was written"
        );
        assert!(
            std::fs::read(d.join("bin/app")).unwrap() == image,
            "{linker_arg}: the image was replaced"
        );
    }
    let request = with(serde_json::json!({"output": "bin/app", "linker_arg": ["-Wl,-Map=bin/app.map"]}));
    std::fs::write(d.join("w.json"), request.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "w.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(d.join("bin/app.map"))
        .unwrap()
        .contains("main.o"));
}

/// A runtime archive found beside the program (not named by `runtime_dir` or
/// `AOTINTEROP_RUNTIME_DIR`) that another user could have planted, in a shared folder the
/// program was unpacked in, is not linked in.
#[test]
fn a_runtime_archive_another_user_planted_is_not_linked_in() {
    use std::os::unix::fs::PermissionsExt;
    let dir = published();
    let d = dir.path();
    let shared = d.join("shared");
    let bin = shared.join("x");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let program = bin.join("aotinterop");
    std::fs::copy(env!("CARGO_BIN_EXE_aotinterop"), &program).unwrap();
    let planted = shared.join("aotinterop-runtime/x86_64-unknown-linux-gnu");
    std::fs::create_dir_all(&planted).unwrap();
    let archive = planted.join("libaotinterop_runtime.a");
    let built = aotinterop_testkit::repo_root()
        .join("target/aotinterop-runtime/x86_64-unknown-linux-gnu/libaotinterop_runtime.a");
    std::fs::copy(built, &archive).unwrap();
    // SAFETY: a path of our own; as root, the archive is handed to another user.
    let c = std::ffi::CString::new(archive.to_str().unwrap()).unwrap();
    if unsafe { libc::chown(c.as_ptr(), 65534, 65534) } != 0 {
        eprintln!("not root: no other user's file to plant");
        return;
    }
    let out = (0..50)
        .find_map(|_| {
            let run = Command::new(&program)
                .args(["publish", "request.json"])
                .current_dir(d)
                .env_remove("AOTINTEROP_RUNTIME_DIR")
                .output();
            // A program just written may still be busy (ETXTBSY) for a moment.
            run.ok().or_else(|| {
                std::thread::sleep(std::time::Duration::from_millis(50));
                None
            })
        })
        .unwrap();
    exits_saying(&out, 3, &["AOTI0204", "belongs to another user"]);
}

/// An output named as lld-link names its side files (`NAME.pdb`) is refused before anything is
/// done (the commit failed after the link); a file ld reads only for its symbols (`-Rfile`) is
/// an input, not an output.
#[test]
fn outputs_named_as_side_files_or_symbol_inputs_are_refused() {
    let dir = published();
    let d = dir.path();
    std::fs::copy(d.join("main.o"), d.join("syms.o")).unwrap();
    let request = with(serde_json::json!({"output": "syms.o", "linker_arg": ["-Wl,-Rsyms.o"]}));
    exits_saying(&publish_request(d, "r.json", &request), 1, &["AOTI0208"]);
    assert_eq!(
        std::fs::read(d.join("syms.o")).unwrap(),
        std::fs::read(d.join("main.o")).unwrap()
    );
    let request = serde_json::json!({
        "rid": "win-x64", "output": "bin/hello.pdb", "linker": {"flavor": "lld-link"},
        "imports": [{"module": "kernel32", "entry": "GetTickCount"}],
    });
    exits_saying(
        &publish_request(d, "w.json", &request),
        1,
        &["hello.pdb", "beside the image"],
    );
}

/// Small mistakes get words of their own: an `--arch` that is none, a `search_path` of the
/// wrong type, a missing `--windows-api-list` on any RID, a linker path holding a newline,
/// LinkerArg items past what is read to check them, a map file option naming a folder.
#[test]
fn small_mistakes_get_clear_words() {
    let dir = published();
    let d = dir.path();
    let out = aotinterop(&["inspect", "--arch", "", "bin/app"], d);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    std::fs::write(
        d.join("sp.json"),
        r#"[{"module": "libz.so.1", "entry": "zlibVersion", "search_path": [1]}]"#,
    )
    .unwrap();
    let out = aotinterop(&["plan", "--rid", "linux-x64", "--imports", "sp.json"], d);
    let err = exits_saying(&out, 1, &["sp.json:1", "expected a string"]);
    assert!(!err.contains("untagged"), "{err}");
    std::fs::write(
        d.join("ok.json"),
        r#"[{"module": "libz.so.1", "entry": "zlibVersion"}]"#,
    )
    .unwrap();
    let args: Vec<&str> = "plan --rid linux-x64 --imports ok.json --windows-api-list none.txt"
        .split(' ')
        .collect();
    exits_saying(&aotinterop(&args, d), 1, &["none.txt", "--windows-api-list"]);
    let request = with(serde_json::json!({"output": "bin/app", "linker": {"path": "gc\nc"}}));
    std::fs::write(d.join("nl.json"), request.to_string()).unwrap();
    let err = text(&aotinterop(&["publish", "nl.json"], d).stderr);
    assert!(err.contains("gc\\nc") && !err.contains("gc\nc"), "{err}");
    std::fs::write(d.join("e.rsp"), "-Wl,--as-needed\n").unwrap();
    let mut many = vec!["@e.rsp".to_string(); 100];
    many.push("-Wl,--as-needed".into());
    let request = with(serde_json::json!({"output": "bin/app", "linker_arg": many}));
    exits_saying(
        &publish_request(d, "many.json", &request),
        1,
        &["linker_arg", "pass fewer"],
    );
    std::fs::create_dir(d.join("maps")).unwrap();
    let request = with(serde_json::json!({"output": "bin/app", "linker_arg": ["-Wl,-Map=maps"]}));
    std::fs::write(d.join("map.json"), request.to_string()).unwrap();
    let err = text(&aotinterop(&["publish", "map.json"], d).stderr);
    assert!(!err.contains("an input of this publish"), "{err}");
    // A map file named by a symbolic link to nothing: said so, not "File exists".
    std::os::unix::fs::symlink("gone/nowhere.map", d.join("dangling.map")).unwrap();
    let request = with(serde_json::json!({"output": "bin/app", "linker_arg": ["-Wl,-Map=dangling.map"]}));
    let err = exits_saying(
        &publish_request(d, "dangling.json", &request),
        4,
        &["dangling.map", "symbolic link"],
    );
    assert!(!err.contains("File exists"), "{err}");
    // A map file option never writes over a program, an image, an object or an archive that is
    // no input (`-Wl,-Map=/usr/bin/gcc` replaced the compiler).
    std::fs::copy("/bin/true", d.join("other")).unwrap();
    std::fs::write(d.join("tool.sh"), "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(
        d.join("tool.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    for (file, says) in [("other", "ELF"), ("tool.sh", "program")] {
        let request =
            with(serde_json::json!({"output": "bin/app", "linker_arg": [format!("-Wl,-Map={file}")]}));
        exits_saying(&publish_request(d, "over.json", &request), 1, &["AOTI0208", says]);
    }
    assert_eq!(
        std::fs::read(d.join("other")).unwrap(),
        std::fs::read("/bin/true").unwrap()
    );
    // A link that fails before writing leaves no empty map file made for it.
    let request = with(
        serde_json::json!({"output": "bin/app", "linker_arg": ["-Wl,-Map=fresh.map", "-Wl,--no-such-option-at-all"]}),
    );
    exits_saying(
        &publish_request(d, "fails.json", &request),
        4,
        &["no-such-option-at-all"],
    );
    assert!(
        !d.join("fresh.map").exists(),
        "{:?}",
        std::fs::metadata(d.join("fresh.map")).map(|m| m.len())
    );
    // A symbolic link loop is called one, without Rust's `(os error 40)`.
    std::os::unix::fs::symlink("loop2", d.join("loop1")).unwrap();
    std::os::unix::fs::symlink("loop1", d.join("loop2")).unwrap();
    let out = aotinterop(&["inspect", "--check", "--sysroot", "loop1", "bin/app"], d);
    let err = exits_saying(&out, 1, &["symbolic link loop"]);
    assert!(!err.contains("os error"), "{err}");
    // Every preflight error is shown, each with its place, not only the first.
    let request = with(serde_json::json!({
        "output": "bin/two", "direct_pinvoke": ["liba", "libb"],
        "imports": [{"module": "liba", "entry": "fa", "symbol": "zv"}, {"module": "libb", "entry": "fb"}],
    }));
    exits_saying(
        &publish_request(d, "two.json", &request),
        3,
        &["liba!fa", "also: error AOTI0520", "libb!fb"],
    );
    // A name holding a newline cannot forge a line of its own; a long item is shortened.
    let request = with(serde_json::json!({
        "output": "bin/nl", "direct_pinvoke": ["liba"],
        "imports": [{"module": "liba", "entry": "fa\nerror AOTI9999: forged", "symbol": "zv"}],
    }));
    // (Refused at planning: a native symbol holding a newline is none a linker binds.)
    let err = exits_saying(&publish_request(d, "nl2.json", &request), 1, &["AOTI0013"]);
    assert!(!err.contains("\nerror AOTI9999"), "{err}");
    let long = format!("{}!", "z".repeat(50_000));
    let request = with(serde_json::json!({"output": "bin/app", "direct_pinvoke": [long]}));
    std::fs::write(d.join("long.json"), request.to_string()).unwrap();
    let out = aotinterop(&["plan", "long.json"], d);
    assert!(text(&out.stderr).len() < 5_000, "{} bytes", out.stderr.len());
    // A RID that is none is a usage error (exit 2) for `plan` as for `probe`.
    std::fs::write(d.join("none.json"), "[]").unwrap();
    for args in [
        &["plan", "--rid", "", "--imports", "none.json"][..],
        &["probe", "--rid", "", "z"],
    ] {
        exits_saying(&aotinterop(args, d), 2, &["--rid"]);
    }
}

/// Outputs and inputs the publish must not take: another image's debug file as the output (its
/// debug information was replaced by an executable), a file of the kernel's as an input (a read
/// of `/proc/kmsg` blocks), an output in `/proc`; and a LinkerArg output the linker left empty
/// (`-Wl,-Map=-` writes to standard output) is not left behind as an empty file.
#[test]
fn debug_files_kernel_files_and_empty_linker_outputs() {
    let dir = published();
    let d = dir.path();
    assert!(d.join("bin/app.dbg").exists());
    let dbg = std::fs::read(d.join("bin/app.dbg")).unwrap();
    let request = with(serde_json::json!({"output": "bin/app.dbg"}));
    exits_saying(
        &publish_request(d, "dbg.json", &request),
        1,
        &["AOTI0208", "debug information"],
    );
    assert_eq!(std::fs::read(d.join("bin/app.dbg")).unwrap(), dbg);
    let request = with(serde_json::json!({"output": "bin/app", "objects": ["main.o", "/proc/self/status"]}));
    exits_saying(
        &publish_request(d, "kernel.json", &request),
        1,
        &["objects[1]", "/proc or /sys"],
    );
    let out = aotinterop(
        &["plan", "--rid", "linux-x64", "--imports", "/proc/self/status"],
        d,
    );
    exits_saying(&out, 1, &["/proc or /sys"]);
    let request = with(serde_json::json!({"output": "/proc/self/fd/app"}));
    exits_saying(
        &publish_request(d, "proc.json", &request),
        1,
        &["AOTI0208", "/proc or /sys"],
    );
    let request = with(serde_json::json!({"output": "bin/app", "linker_arg": ["-Wl,-Map=-"]}));
    let out = publish_request(d, "dash.json", &request);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!d.join("-").exists());
    // A static executable that needs a shared library (no loader would map it) is refused.
    std::fs::write(d.join("s.c"), "int main(void) { return 0; }\n").unwrap();
    gcc_in(d, &["-c", "-fPIC", "-o", "s.o", "s.c"]);
    let request = serde_json::json!({
        "rid": "linux-x64", "output": "st/app", "objects": ["s.o"], "static_executable": true,
        "linker_arg": ["-Wl,-Bdynamic", "-lz"],
    });
    exits_saying(
        &publish_request(d, "static.json", &request),
        4,
        &["needs shared libraries"],
    );
    assert!(!d.join("st/app").exists());
    // A user's file where the debug file or a plan report goes is not replaced.
    for (side, says) in [
        ("q/q.dbg", "not a debug file"),
        ("q/q.plan.json", "not a plan report"),
    ] {
        std::fs::create_dir_all(d.join("q")).unwrap();
        std::fs::write(d.join(side), "int main(void) { return 0; }\n").unwrap();
        let request = with(serde_json::json!({"output": "q/q"}));
        exits_saying(&publish_request(d, "side.json", &request), 1, &["AOTI0208", says]);
        assert_eq!(
            std::fs::read_to_string(d.join(side)).unwrap(),
            "int main(void) { return 0; }\n"
        );
        std::fs::remove_file(d.join(side)).unwrap();
    }
    // A `%` in a folder above the output (llvm-objcopy reads the path as a pattern), and a
    // folder name of 245 bytes (the file name's room for suffixes was asked of every folder).
    let long = "f".repeat(245);
    for output in ["p/100%/app".to_string(), format!("{long}/app")] {
        let request = with(serde_json::json!({"output": output, "linker": {"flavor": "clang"}}));
        let out = publish_request(d, "odd.json", &request);
        assert!(out.status.success(), "{output}: {}", text(&out.stderr));
        assert!(d.join(&output).exists() && d.join(format!("{output}.dbg")).exists());
    }
}

/// An assembly whose file name is not UTF-8 is named, escaped, when it cannot be written as
/// JSON (the error named no file).
#[test]
fn a_name_that_is_not_utf8_is_named_when_json_cannot_hold_it() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("Lib.cs"),
        "public static class L { public static int F() { return 1; } }",
    )
    .unwrap();
    let st = Command::new("mcs")
        .args(["-nologo", "-target:library", "-out:Lib.dll", "Lib.cs"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    let odd = std::ffi::OsStr::from_bytes(b"L\xffb.dll");
    std::fs::rename(d.join("Lib.dll"), d.join(odd)).unwrap();
    let out = command(&["scan", "--format", "json"], d)
        .arg(odd)
        .output()
        .unwrap();
    exits_saying(&out, 1, &["L\\xffb.dll: error", "not UTF-8"]);
    let out = command(&["scan"], d).arg(odd).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // In a folder: a skipped file so named is written escaped; a link loop is called one.
    std::fs::create_dir(d.join("f")).unwrap();
    std::fs::rename(d.join(odd), d.join("f/Lib.dll")).unwrap();
    std::fs::write(d.join("f").join(std::ffi::OsStr::from_bytes(b"\xff.dll")), "").unwrap();
    std::os::unix::fs::symlink("b.dll", d.join("f/a.dll")).unwrap();
    std::os::unix::fs::symlink("a.dll", d.join("f/b.dll")).unwrap();
    // A link to a kernel file is skipped too (it stopped the scan).
    std::os::unix::fs::symlink("/proc/self/maps", d.join("f/maps.dll")).unwrap();
    let out = aotinterop(&["scan", "--format", "json", "f"], d);
    let err = exits_saying(
        &out,
        0,
        &[
            "f/a.dll: warning AOTI1103: skipped: a symbolic link loop",
            "f/maps.dll: warning AOTI1103",
        ],
    );
    assert!(text(&out.stdout).contains("f/\\\\xff.dll"), "{err}");
}

/// Runs gcc with `args` in `dir`.
fn gcc_in(dir: &Path, args: &[&str]) {
    let st = Command::new("gcc").args(args).current_dir(dir).status().unwrap();
    assert!(st.success(), "{args:?}");
}

/// A folder holding `bin/libown.so`, whose `own()` says "own folder", and its source `own.c`.
fn own_folder_library() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("bin")).unwrap();
    std::fs::write(
        d.join("own.c"),
        "const char *own(void) { return \"own folder\"; }\n",
    )
    .unwrap();
    gcc_in(d, &["-shared", "-fPIC", "-o", "bin/libown.so", "own.c"]);
    dir
}

/// A shared library a host loads by a relative path (`dlopen("./bin/libapp.so")`) takes its own
/// folder as its AssemblyDirectory, where it was loaded from, not the host executable's (the
/// loader reports it by that relative name): its lazy import binds the library beside it.
#[test]
fn a_library_loaded_by_a_relative_path_finds_its_own_folder() {
    let dir = own_folder_library();
    let d = dir.path();
    let gcc = |args: &[&str]| gcc_in(d, args);
    std::fs::write(
        d.join("lib.c"),
        "extern const char *ov(void);\nconst char *call(void) { return ov(); }\n",
    )
    .unwrap();
    gcc(&["-c", "-fPIC", "-o", "lib.o", "lib.c"]);
    std::fs::write(
        d.join("host.c"),
        "#include <dlfcn.h>\n#include <stdio.h>\n#include <unistd.h>\nint main(int c, char **v) {\n\
         void *h = dlopen(v[1], RTLD_NOW); if (!h) return 2;\n\
         if (c > 2 && chdir(v[2]) != 0) return 4;\n\
         const char *(*f)(void) = (const char *(*)(void))dlsym(h, \"call\"); if (!f) return 3;\n\
         puts(f()); return 0; }\n",
    )
    .unwrap();
    gcc(&["-o", "host", "host.c", "-ldl"]);
    let request = serde_json::json!({
        "rid": "linux-x64", "native_lib": "shared", "output": "bin/libapp.so", "objects": ["lib.o"],
        "imports": [{"module": "libown.so", "entry": "own", "symbol": "ov",
                     "search_path": ["AssemblyDirectory"]}],
        "exports": {"symbols": ["call"]},
    });
    std::fs::write(d.join("r.json"), request.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "r.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for path in ["./bin/libapp.so", "bin/libapp.so"] {
        let out = Command::new(d.join("host"))
            .arg(path)
            .current_dir(d)
            .output()
            .unwrap();
        assert_eq!(text(&out.stdout), "own folder\n", "{path}: {}", text(&out.stderr));
    }
    // Nor when it was loaded through `/proc/self/cwd` and the host then moves to a folder
    // holding a library of that name: the folder is the one it was loaded from.
    std::fs::create_dir_all(d.join("elsewhere/bin")).unwrap();
    std::fs::write(
        d.join("planted.c"),
        "const char *own(void) { return \"planted\"; }\n",
    )
    .unwrap();
    gcc(&["-shared", "-fPIC", "-o", "elsewhere/bin/libown.so", "planted.c"]);
    for path in ["/proc/self/cwd/bin/libapp.so", "/dev/fd/../cwd/bin/libapp.so"] {
        let host = Command::new(d.join("host"))
            .args([path, "elsewhere"])
            .current_dir(d)
            .output();
        let out = host.unwrap();
        assert_eq!(text(&out.stdout), "own folder\n", "{path}: {}", text(&out.stderr));
    }
}

/// A library's own folder is found from the kernel's map of it even when its name holds a
/// newline (which the map escapes as `\012`) or a backslash: loaded through `/proc/self/cwd`
/// by a host that then moves to a folder holding a library of the same name, its lazy import
/// still binds the library beside it (the loader's name for it was taken, and led there).
#[test]
fn a_library_in_a_folder_with_a_newline_or_backslash_finds_its_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path();
    std::fs::write(
        top.join("own.c"),
        "const char *own(void) { return \"own folder\"; }\n",
    )
    .unwrap();
    std::fs::write(
        top.join("planted.c"),
        "const char *own(void) { return \"planted\"; }\n",
    )
    .unwrap();
    std::fs::write(
        top.join("lib.c"),
        "extern const char *ov(void);\nconst char *call(void) { return ov(); }\n",
    )
    .unwrap();
    std::fs::write(
        top.join("host.c"),
        "#include <dlfcn.h>\n#include <stdio.h>\n#include <unistd.h>\nint main(int c, char **v) {\n\
         void *h = dlopen(v[1], RTLD_NOW); if (!h) return 2;\n\
         if (chdir(v[2]) != 0) return 4;\n\
         const char *(*f)(void) = (const char *(*)(void))dlsym(h, \"call\"); if (!f) return 3;\n\
         puts(f()); return 0; }\n",
    )
    .unwrap();
    gcc_in(top, &["-o", "host", "host.c", "-ldl"]);
    gcc_in(top, &["-c", "-fPIC", "-o", "lib.o", "lib.c"]);
    for name in ["new\nline", "back\\slash"] {
        let d = top.join(name);
        std::fs::create_dir_all(d.join("elsewhere/bin")).unwrap();
        std::fs::create_dir_all(d.join("bin")).unwrap();
        let own = d.join("bin/libown.so");
        let planted = d.join("elsewhere/bin/libown.so");
        for (out, src) in [(&own, "own.c"), (&planted, "planted.c")] {
            gcc_in(top, &["-shared", "-fPIC", "-o", out.to_str().unwrap(), src]);
        }
        std::fs::copy(top.join("lib.o"), d.join("lib.o")).unwrap();
        let request = serde_json::json!({
            "rid": "linux-x64", "native_lib": "shared", "output": "bin/libapp.so", "objects": ["lib.o"],
            "imports": [{"module": "libown.so", "entry": "own", "symbol": "ov",
                         "search_path": ["AssemblyDirectory"]}],
            "exports": {"symbols": ["call"]},
        });
        std::fs::write(d.join("r.json"), request.to_string()).unwrap();
        let out = aotinterop(&["publish", "--quiet", "r.json"], &d);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = Command::new(top.join("host"))
            .args(["/proc/self/cwd/bin/libapp.so", "elsewhere"])
            .current_dir(&d)
            .output()
            .unwrap();
        assert_eq!(
            text(&out.stdout),
            "own folder\n",
            "{name:?}: {}",
            text(&out.stderr)
        );
    }
}

/// An image in a folder whose name holds `$PLATFORM` (or `$LIB`, `$ORIGIN`) does not have the
/// loader open another file than the one beside it (glibc replaced the token in the path it was
/// handed: `x86_64/libown.so` loaded), and `probe` and `inspect --check` say it is not tried.
#[test]
fn an_image_in_a_folder_named_with_a_loader_token_loads_nothing_else() {
    let dir = own_folder_library();
    let d = dir.path();
    std::fs::write(
        d.join("main.c"),
        "#include <stdio.h>\nextern const char *ov(void);\nint main(void) { puts(ov()); return 0; }\n",
    )
    .unwrap();
    gcc_in(d, &["-c", "-fPIC", "-o", "main.o", "main.c"]);
    std::fs::write(
        d.join("planted.c"),
        "const char *own(void) { return \"planted\"; }\n",
    )
    .unwrap();
    std::fs::create_dir_all(d.join("P/x86_64")).unwrap();
    gcc_in(d, &["-shared", "-fPIC", "-o", "P/x86_64/libown.so", "planted.c"]);
    let request = serde_json::json!({
        "rid": "linux-x64", "output": "P/$PLATFORM/app", "objects": ["main.o"],
        "imports": [{"module": "libown.so", "entry": "own", "symbol": "ov", "search_path": ["AssemblyDirectory"]}],
    });
    std::fs::create_dir_all(d.join("P/$PLATFORM")).unwrap();
    std::fs::copy(d.join("bin/libown.so"), d.join("P/$PLATFORM/libown.so")).unwrap();
    std::fs::write(d.join("r.json"), request.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "r.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = Command::new(d.join("P/$PLATFORM/app"))
        .current_dir("/")
        .output()
        .unwrap();
    assert!(!text(&out.stdout).contains("planted"), "{out:?}");
    assert!(text(&out.stderr).contains("$PLATFORM"), "{out:?}");
    let said = text(&aotinterop(&["probe", "libown.so", "--from", "P/$PLATFORM"], d).stdout);
    assert!(
        !said.lines().any(|l| l.starts_with("loaded:")) && said.contains("would replace"),
        "{said}"
    );
    let said = text(&aotinterop(&["inspect", "--check", "P/$PLATFORM/app"], d).stdout);
    assert!(
        said.contains("would replace") && said.contains("would throw"),
        "{said}"
    );
}

/// `inspect --check` says what the image does: an image named by a bare file name from its own
/// folder finds the library beside it; an import whose record has no OS-loader step (.NET 10,
/// `AssemblyDirectory` alone) is not found on the library path; a library path element that is
/// the current directory by another name binds nothing; `..` does not leave the sysroot.
#[test]
fn inspect_check_says_what_the_image_does() {
    let dir = own_folder_library();
    let d = dir.path();
    std::fs::write(
        d.join("main.c"),
        "#include <stdio.h>\nextern const char *ov(void);\nint main(void) { puts(ov()); return 0; }\n",
    )
    .unwrap();
    gcc_in(d, &["-c", "-fPIC", "-o", "main.o", "main.c"]);
    let request = serde_json::json!({
        "rid": "linux-x64", "output": "bin/app", "objects": ["main.o"],
        "imports": [{"module": "libown.so", "entry": "own", "symbol": "ov", "search_path": ["AssemblyDirectory"]}],
    });
    std::fs::write(d.join("r.json"), request.to_string()).unwrap();
    let out = aotinterop(&["publish", "--quiet", "r.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&aotinterop(&["inspect", "--check", "app"], &d.join("bin")).stdout);
    assert!(
        said.contains("bin/libown.so") && !said.contains("would throw"),
        "{said}"
    );
    // Moved away from its library, found only on the library path: the image throws (no
    // OS-loader step for this import), and the check says so.
    std::fs::create_dir(d.join("sys")).unwrap();
    std::fs::rename(d.join("bin/libown.so"), d.join("sys/libown.so")).unwrap();
    let sys = d.join("sys");
    let out = Command::new(d.join("bin/app"))
        .env("LD_LIBRARY_PATH", &sys)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    let args = [
        "inspect",
        "--check",
        "--library-path",
        sys.to_str().unwrap(),
        "bin/app",
    ];
    let said = text(&aotinterop(&args, d).stdout);
    assert!(said.contains("would throw"), "{said}");
    // A library path that is the current directory by another name, and `..` at a sysroot's root.
    std::fs::copy(d.join("sys/libown.so"), d.join("libown.so")).unwrap();
    let args = [
        "inspect",
        "--check",
        "--library-path",
        "/proc/self/cwd",
        "bin/app",
    ];
    let said = text(&aotinterop(&args, d).stdout);
    assert!(
        !said.contains("/proc/self/cwd/libown.so") && said.contains("would throw"),
        "{said}"
    );
    std::fs::create_dir(d.join("sr")).unwrap();
    let up = format!("/../../../../../../..{}", d.join("sys").display());
    let args = [
        "inspect",
        "--check",
        "--sysroot",
        "sr",
        "--library-path",
        &up,
        "bin/app",
    ];
    let said = text(&aotinterop(&args, d).stdout);
    assert!(!said.contains("sys/libown.so"), "{said}");
}

/// A lazy import whose module names the current directory by another name
/// (`/proc/self/cwd/libown.so`) is not loaded from there, as `./libown.so` is not; and an image
/// started through the loader by name (`ld.so ./bin/app`) searches its own folder, not the
/// loader's.
#[test]
fn modules_through_the_current_directory_and_images_started_by_the_loader() {
    let dir = own_folder_library();
    let d = dir.path();
    let gcc = |args: &[&str]| gcc_in(d, args);
    std::fs::write(
        d.join("planted.c"),
        "const char *own(void) { return \"planted\"; }\n",
    )
    .unwrap();
    gcc(&["-shared", "-fPIC", "-o", "libown.so", "planted.c"]);
    std::fs::write(
        d.join("main.c"),
        "#include <stdio.h>\nextern const char *ov(void);\nint main(void) { puts(ov()); return 0; }\n",
    )
    .unwrap();
    gcc(&["-c", "-fPIC", "-o", "main.o", "main.c"]);
    for (module, output) in [("/proc/self/cwd/libown.so", "bin/cwd"), ("libown.so", "bin/app")] {
        let request = serde_json::json!({
            "rid": "linux-x64", "output": output, "objects": ["main.o"],
            "imports": [{"module": module, "entry": "own", "symbol": "ov"}],
        });
        std::fs::write(d.join("r.json"), request.to_string()).unwrap();
        let out = aotinterop(&["publish", "--quiet", "r.json"], d);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = Command::new(d.join("bin/cwd")).current_dir(d).output().unwrap();
    assert!(!text(&out.stdout).contains("planted"), "{out:?}");
    // `probe` and `inspect --check` say so too (they loaded it, and called it found).
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::copy(d.join("libown.so"), d.join("sub/libown.so")).unwrap();
    for module in ["/proc/self/cwd/libown.so", "/proc/self/cwd/sub/libown.so"] {
        let said = text(&aotinterop(&["probe", module], d).stdout);
        assert!(
            !said.lines().any(|l| l.starts_with("loaded:")) && said.contains("another name"),
            "{module}: {said}"
        );
    }
    let said = text(&aotinterop(&["inspect", "--check", "bin/cwd"], d).stdout);
    assert!(
        said.contains("another name") && said.contains("would throw"),
        "{said}"
    );
    assert!(
        text(&out.stderr).contains("another name"),
        "{}",
        text(&out.stderr)
    );
    let loader = [
        "/lib64/ld-linux-x86-64.so.2",
        "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
    ]
    .into_iter()
    .find(|l| Path::new(l).exists())
    .expect("glibc's loader");
    let out = Command::new(loader)
        .arg("./bin/app")
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "own folder\n", "{}", text(&out.stderr));
}

/// A file-size limit (`ulimit -f`) fails the publish with an error (the write's EFBIG), not a
/// SIGXFSZ kill: the previous image stays and no staging folder is left.
#[test]
fn a_file_size_limit_fails_the_publish_and_leaves_nothing() {
    let dir = published();
    let d = dir.path();
    let before = std::fs::read(d.join("bin/app")).unwrap();
    let program = env!("CARGO_BIN_EXE_aotinterop");
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("ulimit -f 4 && exec '{program}' publish request.json"))
        .current_dir(d)
        .env(
            "AOTINTEROP_RUNTIME_DIR",
            aotinterop_testkit::repo_root().join("target/aotinterop-runtime"),
        )
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c != 0 && c < 128), "{out:?}");
    assert_eq!(std::fs::read(d.join("bin/app")).unwrap(), before);
    leaves_no_staging(&d.join("bin"));
}

/// What the linker leaves is taken only as regular files out of a folder of its own: an image
/// it leaves as a link to another file is refused, and a file it plants where the publish
/// writes its reports is never written through. A map file option given as two words
/// publishes again and again (its file was then read as an input), and an output that is
/// already a file of another kind (a linker script the linker finds by its search) is refused.
#[test]
fn the_linker_leaves_only_regular_files_and_maps_republish() {
    use std::os::unix::fs::PermissionsExt;
    let dir = published();
    let d = dir.path();
    let before = std::fs::read(d.join("bin/app")).unwrap();
    std::fs::write(d.join("victim"), "victim").unwrap();
    let wrapper = d.join("linking-gcc");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\ngcc \"$@\" || exit 1\nout=\"\"; prev=\"\"\nfor a in \"$@\"; do [ \"$prev\" = -o ] && out=\"$a\"; prev=\"$a\"; done\n\
             d=$(dirname \"$out\")\nln -s '{v}' \"$d/app.plan.json\" 2>/dev/null\nln -s '{v}' \"$d/../app.plan.json\" 2>/dev/null\n\
             rm -f \"$out\" && ln -s '{v}' \"$out\"\n",
            v = d.join("victim").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let request =
        with(serde_json::json!({"output": "bin/app", "linker": {"flavor": "gcc", "path": wrapper}}));
    exits_saying(&publish_request(d, "w.json", &request), 4, &["no regular file"]);
    assert_eq!(std::fs::read_to_string(d.join("victim")).unwrap(), "victim");
    assert_eq!(std::fs::read(d.join("bin/app")).unwrap(), before);
    let request = with(serde_json::json!({"output": "bin/app", "linker_arg": ["-Wl,-Map,bin/app.map"]}));
    std::fs::write(d.join("m.json"), request.to_string()).unwrap();
    for _ in 0..2 {
        let out = aotinterop(&["publish", "--quiet", "m.json"], d);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    std::fs::write(d.join("bin/script.ld"), "INPUT ( main.o )\n").unwrap();
    let request = with(serde_json::json!({"output": "bin/script.ld"}));
    exits_saying(
        &publish_request(d, "s.json", &request),
        1,
        &["AOTI0208", "not an image"],
    );
    assert_eq!(
        std::fs::read_to_string(d.join("bin/script.ld")).unwrap(),
        "INPUT ( main.o )\n"
    );
    // An archive there is a library's, for a publish of an image.
    let st = Command::new("ar")
        .args(["rcs", "bin/libfoo.a", "main.o"])
        .current_dir(d)
        .status();
    assert!(st.unwrap().success());
    let request = with(serde_json::json!({"output": "bin/libfoo.a"}));
    exits_saying(
        &publish_request(d, "a.json", &request),
        1,
        &["AOTI0208", "static archive"],
    );
}

/// `AOTINTEROP_RUNTIME_DIR` is the only folder looked in when set (a missing one fell back to
/// another build's archive, silently), and a runtime archive that is a FIFO is named as one
/// (it was "not built"). A file name holding a line break is shown escaped.
#[test]
fn the_runtime_the_environment_names_is_the_only_one() {
    let dir = published();
    let d = dir.path();
    let publish = |runtime: &Path| {
        command(&["publish", "request.json"], d)
            .env("AOTINTEROP_RUNTIME_DIR", runtime)
            .output()
            .unwrap()
    };
    exits_saying(&publish(&d.join("none")), 3, &["AOTI0204", "none"]);
    let folder = d.join("rt/x86_64-unknown-linux-gnu");
    std::fs::create_dir_all(&folder).unwrap();
    let fifo = folder.join("libaotinterop_runtime.a");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    exits_saying(&publish(&d.join("rt")), 3, &["AOTI0204", "a FIFO"]);
    let odd = d.join("a\nb");
    std::fs::write(&odd, "text").unwrap();
    let err = text(&aotinterop(&["inspect", "a\nb"], d).stderr);
    assert!(err.contains("a\\nb") && !err.contains("a\nb"), "{err}");
}

/// A library file that is a link into the current directory (`libz.so.1 ->
/// /proc/self/cwd/libz.so.1`), in an `LD_LIBRARY_PATH` folder or the image's own folder, was
/// loaded: the link is followed and the file refused, by the image and by `probe`.
#[test]
fn a_link_into_the_current_directory_is_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = lazy_image(d);
    let run_dir = d.join("run");
    let links = d.join("links");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::create_dir_all(links.join("glibc-hwcaps")).unwrap();
    let marker = d.join("planted-library-loaded");
    plant(&run_dir.join("libz.so.1"), &marker, "zlibVersion");
    std::os::unix::fs::symlink("/proc/self/cwd/libz.so.1", links.join("libz.so.1")).unwrap();
    std::os::unix::fs::symlink("/proc/self/cwd", links.join("glibc-hwcaps/x86-64-v2")).unwrap();
    let run = |ld_path: Option<&Path>| {
        let mut c = Command::new(&image);
        c.current_dir(&run_dir);
        match ld_path {
            Some(p) => c.env("LD_LIBRARY_PATH", p),
            None => c.env_remove("LD_LIBRARY_PATH"),
        };
        c.output().unwrap()
    };
    let out = run(Some(&links));
    assert!(
        !marker.exists(),
        "a link in LD_LIBRARY_PATH led to ./libz.so.1: {out:?}"
    );
    let said = text(&out.stderr);
    assert!(
        out.status.success() || said.contains("LD_LIBRARY_PATH (or RPATH) element"),
        "{said}"
    );
    let out = command(&["probe", "libz.so.1"], &run_dir)
        .env("LD_LIBRARY_PATH", &links)
        .output()
        .unwrap();
    assert!(!marker.exists(), "probe followed the link: {out:?}");
    // The image's own folder: its assembly-directory candidate is a link there.
    std::os::unix::fs::symlink("/proc/self/cwd/libz.so.1", d.join("bin/libz.so.1")).unwrap();
    let out = run(None);
    assert!(
        !marker.exists(),
        "a link in the image's folder led to ./libz.so.1: {out:?}"
    );
    assert!(out.status.success(), "the system's libz: {out:?}");
}

/// A shared image is loaded by a host whose `DT_RPATH` is `.`: glibc searches the host's RPATH
/// for the image's `dlopen` too, and the planted `./libz.so.1` was loaded; the resolver takes
/// the loader's own list, RPATH included, and passes `.` over.
#[test]
fn a_hosts_relative_rpath_is_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source = "extern const char *zv(void);\nconst char *run(void) { return zv(); }\n";
    app_request(d, "lib", source, "lib.json");
    edit_request(d, "lib.json", "lib.json", |r| {
        r["native_lib"] = serde_json::json!("shared");
        r["output"] = serde_json::json!("bin/libapp.so");
        r["exports"] = serde_json::json!({"symbols": ["run"]});
    });
    let out = aotinterop(&["publish", "--quiet", "lib.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(
        d.join("host.c"),
        "#include <dlfcn.h>\n#include <stdio.h>\nint main(int c, char **v) {\n\
         void *h = dlopen(v[1], RTLD_NOW); if (!h) return 2;\n\
         const char *(*run)(void) = (const char *(*)(void))dlsym(h, \"run\");\n\
         puts(run()); return 0; }\n",
    )
    .unwrap();
    gcc_in(
        d,
        &[
            "-o",
            "host",
            "host.c",
            "-ldl",
            "-Wl,-rpath,.",
            "-Wl,--disable-new-dtags",
        ],
    );
    let run_dir = d.join("run");
    std::fs::create_dir(&run_dir).unwrap();
    let marker = d.join("planted-library-loaded");
    plant(&run_dir.join("libz.so.1"), &marker, "zlibVersion");
    let out = Command::new(d.join("host"))
        .arg(d.join("bin/libapp.so"))
        .current_dir(&run_dir)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    assert!(
        !marker.exists(),
        "the host's RPATH `.` led to ./libz.so.1: {out:?}"
    );
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).starts_with("1."), "the system's libz: {out:?}");
}

/// LinkerArg items that make an executable static (`-static-pie`, `-Wl,--no-dynamic-linker`)
/// published images that crashed as they started (they still need libc.so.6): refused at
/// verify. `-Wl,-Bstatic` left on no longer has the C library linked statically.
#[test]
fn linker_args_that_make_the_image_static_are_caught() {
    let dir = published();
    let d = dir.path();
    for (arg, publishes) in [
        ("-static-pie", false),
        ("-Wl,--no-dynamic-linker", false),
        ("-Wl,-Bstatic", true),
    ] {
        let name = format!("s{}.json", arg.len());
        let output = format!("s{}/app", arg.len());
        std::fs::write(
            d.join(&name),
            with(serde_json::json!({"output": output, "linker_arg": [arg]})).to_string(),
        )
        .unwrap();
        let out = aotinterop(&["publish", "--quiet", &name], d);
        if publishes {
            assert!(out.status.success(), "{arg}: {}", text(&out.stderr));
            let ran = Command::new(d.join(&output)).output().unwrap();
            assert!(ran.status.success(), "{arg}: {ran:?}");
        } else {
            exits_saying(&out, 5, &["AOTI0207", "no program interpreter"]);
            assert!(!d.join(&output).exists(), "{arg}");
        }
    }
}

/// Files a publish writes beside its image replaced a user's files of another kind: an image
/// where the debug file goes (`bin/y.dbg` published first), text where lld-link's PDB and
/// import library go. Each is refused before anything is linked, the file untouched; a name
/// like aotinterop's work folders (`.aotinterop-new-…`, which publishes remove) is refused too.
#[test]
fn side_files_of_another_kind_are_not_replaced() {
    let dir = published();
    let d = dir.path();
    let write = |name: &str, extra: serde_json::Value| {
        std::fs::write(d.join(name), with(extra).to_string()).unwrap();
    };
    write("y-dbg.json", serde_json::json!({"output": "side/y.dbg"}));
    let out = aotinterop(&["publish", "--quiet", "y-dbg.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = std::fs::read(d.join("side/y.dbg")).unwrap();
    write("y.json", serde_json::json!({"output": "side/y"}));
    let out = aotinterop(&["publish", "--quiet", "y.json"], d);
    exits_saying(&out, 1, &["AOTI0208", "y.dbg", "is not a debug file"]);
    assert_eq!(std::fs::read(d.join("side/y.dbg")).unwrap(), before);
    std::fs::create_dir(d.join("win")).unwrap();
    for (file, why) in [
        ("win/l.pdb", "is not a PDB"),
        ("win/l.lib", "is not an import library"),
    ] {
        std::fs::write(d.join(file), "my notes").unwrap();
        write(
            "w.json",
            serde_json::json!({"rid": "win-x64", "output": "win/l.exe", "linker": {"flavor": "lld-link"}}),
        );
        let out = aotinterop(&["publish", "--quiet", "w.json"], d);
        exits_saying(&out, 1, &["AOTI0208", file, why]);
        assert_eq!(std::fs::read_to_string(d.join(file)).unwrap(), "my notes");
        std::fs::remove_file(d.join(file)).unwrap();
    }
    for output in ["bin/.aotinterop-new-release/app", ".aotinterop-link-x/app"] {
        write("n.json", serde_json::json!({"output": output}));
        let out = aotinterop(&["publish", "--quiet", "n.json"], d);
        exits_saying(&out, 1, &["AOTI0208", "aotinterop's work folders"]);
    }
    // An output name that starts with `-` is no option to objcopy (StripSymbols).
    write("dash.json", serde_json::json!({"output": "side/-app"}));
    let out = aotinterop(&["publish", "--quiet", "dash.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(d.join("side/-app.dbg").is_file());
}

/// A NativeLibrary item that is text but no GNU ld script (C source) was compiled into the
/// image by the driver; an archive whose symbol index is malformed passed the preflight when
/// the imports were lazy. Both are refused, naming the item.
#[test]
fn native_library_text_and_bad_indexes_are_named() {
    let dir = published();
    let d = dir.path();
    std::fs::write(d.join("h.c"), "int helper(void) { return 1; }\n").unwrap();
    std::fs::write(d.join("ok.ld"), "/* GNU ld script */\nINPUT(main.o)\n").unwrap();
    gcc_in(d, &["-c", "-fPIC", "-o", "h.o", "h.c"]);
    assert!(Command::new("ar")
        .args(["rcs", "libh.a", "h.o"])
        .current_dir(d)
        .status()
        .unwrap()
        .success());
    // The index's symbol count (the first word of the `/` member, big-endian) made huge.
    let mut archive = std::fs::read(d.join("libh.a")).unwrap();
    let index = 8 + 60;
    archive[index..index + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    std::fs::write(d.join("libbad.a"), archive).unwrap();
    for (item, says) in [
        ("h.c", "no GNU ld script"),
        ("libbad.a", "symbol index is malformed"),
    ] {
        std::fs::write(
            d.join("nl.json"),
            with(serde_json::json!({"output": "nl/app", "native_library": [item]})).to_string(),
        )
        .unwrap();
        let out = aotinterop(&["publish", "--quiet", "nl.json"], d);
        exits_saying(&out, 3, &[item, says]);
    }
    std::fs::write(
        d.join("nl.json"),
        with(serde_json::json!({"output": "nl/app", "native_library": ["ok.ld"], "objects": []})).to_string(),
    )
    .unwrap();
    let out = aotinterop(&["plan", "nl.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// `${ORIGIN}x` (glibc expands the braced token whatever follows) was refused as a folder of the
/// current directory (AOTI0531); a relative `NUGET_PACKAGES` or `HOME` had a Windows API list
/// planted in the current directory make imports direct.
#[test]
fn origin_tokens_and_relative_package_folders_are_read_as_the_loader_and_nuget_do() {
    let dir = published();
    let d = dir.path();
    std::fs::write(
        d.join("o.json"),
        with(serde_json::json!({"output": "o/app", "linker_arg": ["-Wl,-rpath,${ORIGIN}x"]})).to_string(),
    )
    .unwrap();
    let out = aotinterop(&["publish", "--quiet", "o.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = d.join("pk/microsoft.dotnet.ilcompiler/99.0.0/build");
    std::fs::create_dir_all(&list).unwrap();
    std::fs::write(list.join("WindowsAPIs.txt"), "zlib1.dll\n").unwrap();
    std::fs::create_dir_all(d.join(".nuget")).unwrap();
    std::os::unix::fs::symlink(d.join("pk"), d.join(".nuget/packages")).unwrap();
    std::fs::write(
        d.join("imp.json"),
        r#"[{"module": "zlib1.dll", "entry": "zlibVersion"}]"#,
    )
    .unwrap();
    for (var, value) in [("NUGET_PACKAGES", "pk"), ("HOME", ".")] {
        let out = command(
            &[
                "plan",
                "--rid",
                "win-x64",
                "--imports",
                "imp.json",
                "--format",
                "json",
            ],
            d,
        )
        .env_remove("NUGET_PACKAGES")
        .env(var, value)
        .output()
        .unwrap();
        let said = text(&out.stdout);
        assert!(said.contains("\"binding\": \"lazy\""), "{var}={value}: {said}");
        let warned = text(&out.stderr);
        assert!(
            var != "NUGET_PACKAGES" || warned.contains("NUGET_PACKAGES is relative"),
            "{warned}"
        );
        assert!(!said.contains("\"binding\": \"direct\""), "{var}={value}: {said}");
    }
}

/// Two publishes into one folder at once, one's output being the other's debug file: both
/// passed their start checks and both ended with exit 0, one's image replacing the other's
/// debug file. The checks run again under the folder's lock at the commit: the later one is
/// refused, and the set in place is whole.
#[test]
fn a_concurrent_publish_cannot_replace_the_others_side_files() {
    let dir = published();
    let d = dir.path();
    let slow = d.join("slow-gcc");
    std::fs::write(
        &slow,
        "#!/bin/sh\n[ \"$1\" = -dumpmachine ] && exec gcc -dumpmachine\nsleep 2\nexec gcc \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&slow, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let request = |name: &str, extra: serde_json::Value| {
        std::fs::write(d.join(name), with(extra).to_string()).unwrap();
    };
    request(
        "y.json",
        serde_json::json!({"output": "c/app.dbg", "linker": {"flavor": "gcc", "path": slow}}),
    );
    request("a.json", serde_json::json!({"output": "c/app"}));
    let slow_one = command(&["publish", "--quiet", "y.json"], d)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out = aotinterop(&["publish", "--quiet", "a.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let late = finishes(slow_one, "the slow publish never ended");
    assert!(!late.status.success(), "both publishes succeeded");
    assert!(text(&late.stderr).contains("AOTI0208"), "{}", text(&late.stderr));
    // A debug file: its code section holds no bytes (`objcopy --only-keep-debug`).
    use object::{Object, ObjectSection};
    let dbg = std::fs::read(d.join("c/app.dbg")).unwrap();
    let dbg = object::File::parse(&*dbg).unwrap();
    let text_section = dbg.section_by_name(".text").unwrap();
    assert!(
        text_section.file_range().is_none(),
        "c/app.dbg is not c/app's debug file"
    );
    let ran = Command::new(d.join("c/app")).output().unwrap();
    assert!(ran.status.success(), "{ran:?}");
}

/// A Mono reference that resolves to a file holding another assembly (`Lib.dll` holding
/// `Other`) was compiled in, and the image stopped as it started; a cache folder that cannot be
/// one (`cache_dir` through a file, or empty) was silently no cache. Both are refused.
#[test]
fn mono_references_and_cache_folders_are_what_they_claim() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mcs = |args: &[&str]| {
        let st = Command::new("mcs")
            .arg("-nologo")
            .args(args)
            .current_dir(d)
            .status()
            .unwrap();
        assert!(st.success(), "{args:?}");
    };
    std::fs::write(
        d.join("Lib.cs"),
        "public static class Lib { public static int F() { return 1; } }\n",
    )
    .unwrap();
    std::fs::write(
        d.join("Other.cs"),
        "public static class Other { public static int G() { return 2; } }\n",
    )
    .unwrap();
    std::fs::write(
        d.join("App.cs"),
        "static class App { static int Main() { return Lib.F() - 1; } }\n",
    )
    .unwrap();
    mcs(&["-target:library", "-out:Lib.dll", "Lib.cs"]);
    mcs(&["-target:library", "-out:Other.dll", "Other.cs"]);
    mcs(&["-out:App.exe", "-r:Lib.dll", "App.cs"]);
    std::fs::copy(d.join("Other.dll"), d.join("Lib.dll")).unwrap();
    let request = |extra: serde_json::Value| {
        let mut r = serde_json::json!({
            "rid": "linux-x64", "compiler": "mono", "output": "bin/app", "assemblies": ["App.exe"],
        });
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        std::fs::write(d.join("r.json"), r.to_string()).unwrap();
    };
    request(serde_json::json!({}));
    let out = aotinterop(&["publish", "--quiet", "r.json"], d);
    let err = exits_saying(
        &out,
        1,
        &["Lib.dll", "references `Lib`", "holds the assembly `Other`"],
    );
    assert!(!d.join("bin/app").exists(), "{err}");
    mcs(&["-target:library", "-out:Lib.dll", "Lib.cs"]);
    std::fs::write(d.join("afile"), "").unwrap();
    for (cache, says) in [
        ("afile/sub", "cannot be a folder"),
        ("", "`cache_dir` is \"\" (an empty name)"),
    ] {
        request(serde_json::json!({"cache_dir": cache}));
        let out = aotinterop(&["publish", "--quiet", "r.json"], d);
        let err = text(&out.stderr);
        assert!(!out.status.success() && err.contains(says), "{cache}: {err}");
    }
}

/// Small things a sweep found: a LinkerArg naming a file of the kernel's (`/proc/version`,
/// `-Wl,@/proc/self/environ`) is refused as other inputs are; an empty NativeLibrary name is
/// shown as one; a static library's request naming a linker program (which would not run) is
/// refused; a plan whose stated counts disagree with its imports is refused by `verify`.
#[test]
fn kernel_files_empty_names_static_linkers_and_edited_plans_are_named() {
    let dir = published();
    let d = dir.path();
    let request = |name: &str, extra: serde_json::Value| {
        std::fs::write(d.join(name), with(extra).to_string()).unwrap();
        aotinterop(&["publish", "--quiet", name], d)
    };
    for arg in ["/proc/version", "-Wl,@/proc/self/environ"] {
        let out = request(
            "k.json",
            serde_json::json!({"output": "k/app", "linker_arg": [arg]}),
        );
        exits_saying(&out, 1, &["`linker_arg[0]`", "a file of the kernel's"]);
    }
    let out = request(
        "e.json",
        serde_json::json!({"output": "e/app", "native_library": [""]}),
    );
    exits_saying(&out, 1, &["\"\" (an empty name)"]);
    let out = request(
        "s.json",
        serde_json::json!({"output": "s/app.a", "native_lib": "static", "linker": {"path": "/bin/false"}}),
    );
    exits_saying(&out, 1, &["`native_lib: static`", "would not run"]);
    let plan = std::fs::read_to_string(d.join("bin/app.plan.json")).unwrap();
    let mut edited: serde_json::Value = serde_json::from_str(&plan).unwrap();
    edited["counts"]["lazy"] = serde_json::json!(7);
    std::fs::write(d.join("edited.json"), edited.to_string()).unwrap();
    let out = aotinterop(&["verify", "bin/app", "--plan", "edited.json"], d);
    let said = text(&out.stderr) + &text(&out.stdout);
    assert!(!out.status.success() && said.contains("`counts` say"), "{said}");
    let mut edited: serde_json::Value = serde_json::from_str(&plan).unwrap();
    edited["modules"]["libz.so.1"]["lazy"] = serde_json::json!(0);
    std::fs::write(d.join("edited.json"), edited.to_string()).unwrap();
    let out = aotinterop(&["verify", "bin/app", "--plan", "edited.json"], d);
    let said = text(&out.stderr) + &text(&out.stdout);
    assert!(
        !out.status.success() && said.contains("`modules` count"),
        "{said}"
    );
}

/// The resolver's own search (the loader's list holds `.`) and what the loader does first: a
/// library already loaded under that SONAME is the one taken (an `LD_PRELOAD`ed copy: a second
/// copy was loaded); a found folder whose name holds `$PLATFORM` (come in through `$ORIGIN`) is
/// not handed to glibc, which would expand it and open `./x86_64/libz.so.1`; a chain of 20
/// links into the current directory is refused (16 were followed).
#[test]
fn the_resolvers_own_search_takes_what_the_loader_would() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source =
        "#include <stdio.h>\nextern const char *zv(void);\nint main(void) { puts(zv()); return 0; }\n";
    app_request(d, "main", source, "request.json");
    let out = aotinterop(&["publish", "--quiet", "request.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let marker = d.join("planted-library-loaded");
    std::fs::create_dir_all(d.join("pre")).unwrap();
    std::fs::write(
        d.join("pre.c"),
        "const char *zlibVersion(void) { return \"preloaded\"; }\n",
    )
    .unwrap();
    gcc_in(
        d,
        &[
            "-shared",
            "-fPIC",
            "-Wl,-soname,libz.so.1",
            "-o",
            "pre/libz.so.1",
            "pre.c",
        ],
    );
    let run = |program: &Path, cwd: &Path, env: &[(&str, &str)]| {
        let mut c = Command::new(program);
        c.current_dir(cwd).env_remove("LD_LIBRARY_PATH");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let preload = d.join("pre/libz.so.1");
    let out = run(
        &d.join("bin/app"),
        d,
        &[
            ("LD_PRELOAD", preload.to_str().unwrap()),
            ("LD_LIBRARY_PATH", ":/x"),
        ],
    );
    assert_eq!(text(&out.stdout), "preloaded\n", "{out:?}");
    // Preloaded by a relative name: the loader's own match by SONAME, no second copy.
    let out = run(
        &d.join("bin/app"),
        d,
        &[("LD_PRELOAD", "pre/libz.so.1"), ("LD_LIBRARY_PATH", ":/x")],
    );
    assert_eq!(text(&out.stdout), "preloaded\n", "{out:?}");
    // A library of another machine first in the list is passed over, as the loader does.
    std::fs::create_dir_all(d.join("arm")).unwrap();
    let st = Command::new("aarch64-linux-gnu-gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(d.join("arm/libz.so.1"))
        .arg(d.join("pre.c"))
        .status()
        .unwrap();
    assert!(st.success());
    let list = format!(".:{}:{}", d.join("arm").display(), d.join("pre").display());
    let out = run(&d.join("bin/app"), d, &[("LD_LIBRARY_PATH", &list)]);
    assert_eq!(text(&out.stdout), "preloaded\n", "{out:?}");
    // `Q/$PLATFORM/app` beside a copy of the real libz; `Q/x86_64/libz.so.1` planted.
    let q = d.join("Q");
    std::fs::create_dir_all(q.join("$PLATFORM")).unwrap();
    std::fs::create_dir_all(q.join("x86_64")).unwrap();
    std::fs::copy(d.join("bin/app"), q.join("$PLATFORM/app")).unwrap();
    std::fs::copy(d.join("pre/libz.so.1"), q.join("$PLATFORM/libz.so.1")).unwrap();
    plant(&q.join("x86_64/libz.so.1"), &marker, "zlibVersion");
    let out = run(&q.join("$PLATFORM/app"), &q, &[("LD_LIBRARY_PATH", ":$ORIGIN")]);
    assert!(
        !marker.exists(),
        "glibc expanded $PLATFORM in the found path: {out:?}"
    );
    // A chain of links, the last into the current directory.
    let links = d.join("links");
    std::fs::create_dir_all(&links).unwrap();
    std::os::unix::fs::symlink("/proc/self/cwd/libz.so.1", links.join("l20")).unwrap();
    for i in (1..20).rev() {
        std::os::unix::fs::symlink(format!("l{}", i + 1), links.join(format!("l{i}"))).unwrap();
    }
    std::os::unix::fs::symlink("l1", links.join("libz.so.1")).unwrap();
    let run_dir = d.join("run");
    std::fs::create_dir_all(&run_dir).unwrap();
    plant(&run_dir.join("libz.so.1"), &marker, "zlibVersion");
    let out = run(
        &d.join("bin/app"),
        &run_dir,
        &[("LD_LIBRARY_PATH", links.to_str().unwrap())],
    );
    assert!(
        !marker.exists(),
        "a chain of 20 links led to ./libz.so.1: {out:?}"
    );
}

/// Folders named by the environment that another user could fill: a relative
/// `AOTINTEROP_RUNTIME_DIR` (the current directory's) had a planted runtime archive linked in;
/// a NuGet folder every user may write had a planted Windows API list make imports direct.
/// Both are passed over.
#[test]
fn runtime_and_api_list_folders_others_could_fill_are_passed_over() {
    let dir = published();
    let d = dir.path();
    let rt = d.join("rt/x86_64-unknown-linux-gnu");
    std::fs::create_dir_all(&rt).unwrap();
    std::fs::write(rt.join("libaotinterop_runtime.a"), "!<arch>\nplanted").unwrap();
    std::fs::write(
        d.join("r.json"),
        with(serde_json::json!({"output": "r/app"})).to_string(),
    )
    .unwrap();
    let out = command(&["publish", "--quiet", "r.json"], d)
        .env("AOTINTEROP_RUNTIME_DIR", "rt")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the relative runtime folder was used: {}",
        text(&out.stderr)
    );
    // An absolute one every user may write is no place to take the code every image links.
    let ww = d.join("ww");
    let triple_dir = ww.join("x86_64-unknown-linux-gnu");
    std::fs::create_dir_all(&triple_dir).unwrap();
    std::fs::copy(
        aotinterop_testkit::runtime_dir()
            .join("x86_64-unknown-linux-gnu")
            .join("libaotinterop_runtime.a"),
        triple_dir.join("libaotinterop_runtime.a"),
    )
    .unwrap();
    std::fs::set_permissions(&ww, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let out = command(&["publish", "--quiet", "r.json"], d)
        .env("AOTINTEROP_RUNTIME_DIR", &ww)
        .output()
        .unwrap();
    exits_saying(&out, 3, &["AOTI0204"]);
    let nuget = d.join("nuget");
    let list = nuget.join("microsoft.dotnet.ilcompiler/99.0.0/build");
    std::fs::create_dir_all(&list).unwrap();
    std::fs::write(list.join("WindowsAPIs.txt"), "zlib1.dll\n").unwrap();
    std::fs::set_permissions(&nuget, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    std::fs::write(
        d.join("imp.json"),
        r#"[{"module": "zlib1.dll", "entry": "zlibVersion"}]"#,
    )
    .unwrap();
    let out = command(
        &[
            "plan",
            "--rid",
            "win-x64",
            "--imports",
            "imp.json",
            "--format",
            "json",
        ],
        d,
    )
    .env("NUGET_PACKAGES", &nuget)
    .output()
    .unwrap();
    let said = text(&out.stdout) + &text(&out.stderr);
    assert!(!said.contains("\"binding\": \"direct\""), "{said}");
    assert!(said.contains("another user could have put there"), "{said}");
}

/// A linker script that names itself (GNU ld read it forever, its memory growing) is refused; a
/// NativeLibrary that is a GNU ld script offers what the files it names define (a direct import
/// it defines was refused as undefined); the DirectPInvokeList the preflight suggests is not
/// written over a file of the user's; a lld-link DLL's import library is not written over an
/// import library the link reads by `/LIBPATH:`; a drive-relative module (`Z:vendor.dll`) is
/// refused as relative.
#[test]
fn scripts_suggested_lists_searched_libraries_and_drive_names() {
    let dir = published();
    let d = dir.path();
    let publish = |name: &str, r: serde_json::Value| {
        std::fs::write(d.join(name), r.to_string()).unwrap();
        aotinterop(&["publish", "--quiet", name], d)
    };
    std::fs::write(d.join("self.so"), "INPUT(self.so)\n").unwrap();
    let out = publish(
        "c.json",
        with(serde_json::json!({"output": "c/app", "native_library": ["self.so"]})),
    );
    exits_saying(&out, 1, &["`native_library[0]`", "names itself"]);
    std::fs::write(d.join("h.c"), "int helper(void) { return 1; }\n").unwrap();
    std::fs::write(
        d.join("m2.c"),
        "extern int helper(void);\nextern const char *zv(void);\nint main(void) { return helper() == 1 && zv() ? 0 : 1; }\n",
    )
    .unwrap();
    gcc_in(d, &["-c", "-fPIC", "-o", "h.o", "h.c"]);
    gcc_in(d, &["-c", "-fPIC", "-o", "m2.o", "m2.c"]);
    assert!(Command::new("ar")
        .args(["rcs", "libh.a", "h.o"])
        .current_dir(d)
        .status()
        .unwrap()
        .success());
    std::fs::write(
        d.join("libhs.so"),
        format!("GROUP({})\n", d.join("libh.a").display()),
    )
    .unwrap();
    let direct = |native: &str, extra_import: Option<&str>| {
        let mut imports = vec![
            serde_json::json!({"module": "libz.so.1", "entry": "zlibVersion", "symbol": "zv"}),
            serde_json::json!({"module": "libh", "entry": "helper"}),
        ];
        imports.extend(extra_import.map(|e| serde_json::json!({"module": "libh", "entry": e})));
        serde_json::json!({"rid": "linux-x64", "output": "s/app", "objects": ["m2.o"], "imports": imports,
                           "direct_pinvoke": ["libh"], "native_library": [native]})
    };
    let out = publish("s.json", direct("libhs.so", None));
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(d.join("libh.DirectPInvokeList.txt"), "my own list\n").unwrap();
    let out = publish("q.json", direct("libh.a", Some("missing_fn")));
    exits_saying(&out, 3, &["AOTI0520"]);
    assert_eq!(
        std::fs::read_to_string(d.join("libh.DirectPInvokeList.txt")).unwrap(),
        "my own list\n"
    );
    // lld-link: `lib/vendor.lib`, found by `/LIBPATH:lib`, is an input.
    std::fs::create_dir(d.join("lib")).unwrap();
    let def = d.join("vendor.def");
    std::fs::write(&def, "LIBRARY vendor.dll\nEXPORTS\n  vendor_fn\n").unwrap();
    let st = Command::new("llvm-dlltool")
        .args(["-m", "i386:x86-64", "-d"])
        .arg(&def)
        .arg("-l")
        .arg(d.join("lib/vendor.lib"))
        .status()
        .unwrap();
    assert!(st.success());
    let before = std::fs::read(d.join("lib/vendor.lib")).unwrap();
    let out = publish(
        "w.json",
        serde_json::json!({"rid": "win-x64", "native_lib": "shared", "output": "lib/vendor.dll",
            "linker": {"flavor": "lld-link"}, "objects": ["main.o"], "windows_api_list": false,
            "linker_arg": ["/LIBPATH:lib", "vendor.lib"]}),
    );
    exits_saying(&out, 1, &["AOTI0208", "vendor.lib", "is an input"]);
    assert_eq!(std::fs::read(d.join("lib/vendor.lib")).unwrap(), before);
    let out = publish("z.json", stand_in_request(d, "Z:vendor.dll"));
    exits_saying(&out, 3, &["AOTI0527", "Z:vendor.dll"]);
}

/// Linker scripts and searched libraries the checks missed: a quoted self-reference, a cycle of
/// 20 scripts, one read from the request's folder while the tool runs elsewhere (GNU ld read
/// them forever); a library a quoted script, `-L=DIR` or lld-link's dash options and working
/// folder reach, which the output then replaced; a Windows module named `/vendor.dll`.
#[test]
fn script_spellings_and_searched_libraries_are_followed() {
    let dir = published();
    let d = dir.path();
    let publish_from = |cwd: &Path, name: &str, r: serde_json::Value| {
        std::fs::write(d.join(name), r.to_string()).unwrap();
        aotinterop(&["publish", "--quiet", d.join(name).to_str().unwrap()], cwd)
    };
    std::fs::write(d.join("q.so"), "INPUT(\"q.so\")\n").unwrap();
    for i in 0..20 {
        std::fs::write(
            d.join(format!("c{i}.so")),
            format!("INPUT(c{}.so)\n", (i + 1) % 20),
        )
        .unwrap();
    }
    std::fs::create_dir_all(d.join("elsewhere")).unwrap();
    for (script, cwd) in [
        ("q.so", d.to_path_buf()),
        ("c0.so", d.to_path_buf()),
        ("c0.so", d.join("elsewhere")),
    ] {
        let out = publish_from(
            &cwd,
            "c.json",
            with(serde_json::json!({"output": "c/app", "native_library": [script]})),
        );
        exits_saying(&out, 1, &["names itself"]);
    }
    std::fs::create_dir_all(d.join("lib")).unwrap();
    std::fs::copy(d.join("main.o"), d.join("lib/libv.so")).unwrap();
    std::fs::write(d.join("s.so"), "GROUP(\"lib/libv.so\")\n").unwrap();
    let before = std::fs::read(d.join("lib/libv.so")).unwrap();
    for extra in [
        serde_json::json!({"native_library": ["s.so"]}),
        serde_json::json!({"linker_arg": [format!("-L={}", d.join("lib").display()), "-lv"]}),
    ] {
        let mut r = with(serde_json::json!({"output": "lib/libv.so", "native_lib": "shared"}));
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        let out = publish_from(d, "o.json", r);
        exits_saying(&out, 1, &["AOTI0208", "is an input"]);
        assert_eq!(std::fs::read(d.join("lib/libv.so")).unwrap(), before);
    }
    let lld = |name: &str, args: serde_json::Value| {
        serde_json::json!({"rid": "win-x64", "native_lib": "shared", "output": format!("{name}/vendor.dll"),
            "linker": {"flavor": "lld-link"}, "objects": ["main.o"], "windows_api_list": false, "linker_arg": args})
    };
    std::fs::write(d.join("vendor.lib"), "!<arch>\n").unwrap();
    std::fs::create_dir_all(d.join("w")).unwrap();
    std::fs::copy(d.join("vendor.lib"), d.join("w/vendor.lib")).unwrap();
    for (name, args) in [
        (".", serde_json::json!(["/DEFAULTLIB:vendor"])),
        ("w", serde_json::json!(["-libpath:w", "-defaultlib:vendor"])),
    ] {
        let out = publish_from(d, "l.json", lld(name, args));
        exits_saying(&out, 1, &["AOTI0208", "vendor.lib", "is an input"]);
    }
    let out = publish_from(d, "z.json", stand_in_request(d, "/vendor.dll"));
    exits_saying(&out, 3, &["AOTI0527", "/vendor.dll"]);
}

/// A win-x86 direct import by ordinal written `#01`, `# 3` or `#-1` publishes and verifies:
/// its native symbol is the number native AOT reads (`#1`, `#3`, `#65535`), which the import
/// table holds (verify failed on `#01`, and `# 3` failed at the emit step without a place).
#[test]
fn win_x86_direct_ordinals_written_any_way_publish_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("m.c"), "int main(void) { return 0; }\n").unwrap();
    let st = Command::new("i686-w64-mingw32-gcc")
        .args(["-c", "m.c", "-o", "m.o"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    let request = serde_json::json!({
        "rid": "win-x86", "output": "bin/app.exe", "objects": ["m.o"],
        "direct_pinvoke": ["vendor"], "generate_import_libraries": true, "windows_api_list": false,
        "imports": [{"module": "vendor", "entry": "#01"}, {"module": "vendor", "entry": "# 3"},
                    {"module": "vendor", "entry": "#-1"}],
    });
    let out = publish_request(d, "r.json", &request);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = aotinterop(&["inspect", "bin/app.exe", "--format", "json"], d);
    let inspected: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = inspected["imports"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["library"] == "vendor.dll")
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(names, ["#1", "#3", "#65535"], "{inspected}");
}

/// Off Windows `# 1` is no ordinal: bound directly its symbol holds a space no linker binds,
/// refused at planning with the DirectPInvoke item's place (it failed at the emit step, exit
/// 4, without one).
#[test]
fn a_direct_symbol_no_linker_binds_is_a_request_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = "{\"rid\": \"linux-x64\", \"output\": \"bin/app\",\n \"direct_pinvoke\": [\"libfoo\"],\n \
                \"imports\": [{\"module\": \"libfoo\", \"entry\": \"# 1\"}]}";
    std::fs::write(d.join("r.json"), text).unwrap();
    let out = aotinterop(&["publish", "r.json"], d);
    exits_saying(
        &out,
        1,
        &["r.json:2", "AOTI0013", "native symbol `# 1` holds a space"],
    );
    assert!(!d.join("bin/app").exists());
}

/// Empty names for files and folders are refused at their field, before anything runs (an
/// empty `intermediate_dir` or `exports.assemblies` entry was taken as the request's folder).
#[test]
fn empty_file_and_folder_names_are_refused_at_their_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (field, value) in [
        ("intermediate_dir", serde_json::json!("")),
        ("objects", serde_json::json!(["a.o", ""])),
        ("runtime_dir", serde_json::json!("")),
        ("exports", serde_json::json!({"assemblies": [""]})),
    ] {
        let mut r = serde_json::json!({"rid": "linux-x64", "output": "bin/app"});
        r[field] = value;
        std::fs::write(d.join("r.json"), serde_json::to_string_pretty(&r).unwrap()).unwrap();
        let out = aotinterop(&["plan", "r.json"], d);
        exits_saying(&out, 1, &["AOTI0005", "\"\" (an empty name)", "r.json:"]);
    }
}

/// `DllImport("libc")` is the C library's file (`libc.so.6`) in the resolver's own search too
/// (the loader's list holding the current directory): it looked for a file named `libc` and
/// threw DllNotFoundException, where `probe` said it loads.
#[test]
fn libc_is_found_by_the_resolvers_own_search() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source = "extern int lc_getpid(void);\nint main(void) { return lc_getpid() > 0 ? 0 : 1; }\n";
    app_request(d, "main", source, "z.json");
    edit_request(d, "z.json", "libc.json", |r| {
        r["imports"] = serde_json::json!([{"module": "libc", "entry": "getpid", "symbol": "lc_getpid"}]);
    });
    let out = aotinterop(&["publish", "--quiet", "libc.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for ld_path in ["/nonexistent:", "lib"] {
        let out = Command::new(d.join("bin/app"))
            .env("LD_LIBRARY_PATH", ld_path)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(out.status.success(), "{ld_path}: {}", text(&out.stderr));
    }
}

/// `generate_import_libraries` with a module whose own library the link takes by name (`libm`
/// and the link's `-lm`, `libc`) lacking the entry point: AOTI0524, not a stand-in named
/// `libm.so` (the development link, a linker script: the image could not start) or `libc.so`.
#[test]
fn a_stand_in_is_never_made_for_a_library_the_link_has() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app_request(d, "main", "int main(void) { return 0; }\n", "base.json");
    for module in ["libm", "libc"] {
        edit_request(d, "base.json", "g.json", |r| {
            r["imports"] = serde_json::json!([{"module": module, "entry": "cosx_typo"}]);
            r["direct_pinvoke"] = serde_json::json!([module]);
            r["generate_import_libraries"] = serde_json::json!(true);
        });
        let out = aotinterop(&["publish", "--quiet", "g.json"], d);
        exits_saying(
            &out,
            3,
            &["AOTI0524", &format!("this library of `{module}` is in the link")],
        );
        assert!(!d.join("bin/app").exists());
    }
}

/// A line break in a name never starts an output line of its own: a direct module whose
/// generated stand-in would be named after it is refused at planning (it failed at the emit
/// step without a place, after a progress line and a note printed it raw), and `verify` shows
/// the paths it was given escaped.
#[test]
fn line_breaks_in_names_never_start_a_line_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app_request(d, "main", "int main(void) { return 0; }\n", "base.json");
    edit_request(d, "base.json", "nl.json", |r| {
        r["imports"] = serde_json::json!([{"module": "libv\nerror AOTI9999: forged", "entry": "vf"}]);
        r["direct_pinvoke"] = serde_json::json!(["libv\nerror AOTI9999: forged"]);
        r["generate_import_libraries"] = serde_json::json!(true);
    });
    let out = aotinterop(&["publish", "nl.json"], d);
    let err = exits_saying(&out, 1, &["AOTI0013", "control character"]);
    assert!(!(err + &text(&out.stdout)).contains("\nerror AOTI9999"));
    let image = lazy_image(d);
    let odd = d.join("x\nmatches: forged");
    std::fs::create_dir(&odd).unwrap();
    std::fs::copy(&image, odd.join("app")).unwrap();
    std::fs::copy(d.join("bin/app.plan.json"), odd.join("app.plan.json")).unwrap();
    let (app, plan) = (odd.join("app"), odd.join("app.plan.json"));
    let args = ["verify", app.to_str().unwrap(), "--plan", plan.to_str().unwrap()];
    let out = command(&args, d).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert_eq!(said.lines().count(), 1, "{said}");
}

/// A compiler driver that cannot say its library folders (`-print-search-dirs` fails: a
/// wrapper, no file descriptors left) is said to (AOTI1521), and the direct imports are left to
/// the link: they were said to be defined by nothing (AOTI0520), and the publish stopped.
#[test]
fn unknown_linker_folders_are_said_not_taken_for_missing_symbols() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let wrapper = d.join("cc-wrap");
    std::fs::write(
        &wrapper,
        "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = -print-search-dirs ] && exit 1; done\nexec gcc \"$@\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let source = "extern int getpid(void);\nint main(void) { return getpid() > 0 ? 0 : 1; }\n";
    app_request(d, "main", source, "base.json");
    edit_request(d, "base.json", "r.json", |r| {
        r["imports"] = serde_json::json!([{"module": "libc", "entry": "getpid"}]);
        r["direct_pinvoke"] = serde_json::json!(["libc"]);
        r["linker"] = serde_json::json!({"flavor": "gcc", "path": wrapper});
    });
    let out = aotinterop(&["publish", "r.json"], d);
    let err = exits_saying(
        &out,
        0,
        &["warning AOTI1521", "could not be learned", "-print-search-dirs"],
    );
    assert!(!err.contains("AOTI0520"), "{err}");
}

/// A `linker.path` compiler of another target (MinGW's for linux-x64, the arm64 cross compiler)
/// is refused by the preflight with what it builds for (its `-dumpmachine`), before the link:
/// it failed only at the link, its search folders read for the wrong machine.
#[test]
fn a_linker_of_another_target_is_refused_before_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app_request(d, "main", "int main(void) { return 0; }\n", "base.json");
    for (program, builds_for) in [
        ("x86_64-w64-mingw32-gcc", "x86_64-w64-mingw32"),
        ("aarch64-linux-gnu-gcc", "aarch64-linux-gnu"),
    ] {
        edit_request(d, "base.json", "r.json", |r| {
            r["linker"] = serde_json::json!({"path": program});
        });
        let out = aotinterop(&["publish", "r.json"], d);
        exits_saying(
            &out,
            3,
            &[
                "AOTI0508",
                &format!("builds for {builds_for}"),
                "not for x86_64-linux-gnu",
            ],
        );
    }
}

/// A response file or linker script with a byte that is not UTF-8 (a Latin-1 comment) is read
/// as the compiler driver and GNU ld read it, byte by byte: the library it names is an input,
/// so an output naming it is refused (the file was passed over as empty, and the library
/// replaced by the image that needed it).
#[test]
fn files_that_are_not_utf8_still_name_the_inputs_of_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("bar.c"), "int bar(void) { return 1; }\n").unwrap();
    let st = Command::new("gcc")
        .args(["-shared", "-fPIC", "-o", "libbar.so", "bar.c"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    let before = std::fs::read(d.join("libbar.so")).unwrap();
    std::fs::write(d.join("bad.rsp"), b"-DNOTE=caf\xe9 -L. -lbar\n").unwrap();
    std::fs::write(d.join("bad.ld"), b"/* caf\xe9 */\nINPUT ( -lbar )\n").unwrap();
    app_request(d, "main", "int main(void) { return 0; }\n", "base.json");
    for args in [
        serde_json::json!(["@bad.rsp"]),
        serde_json::json!(["-L.", "bad.ld"]),
    ] {
        edit_request(d, "base.json", "r.json", |r| {
            r["native_lib"] = serde_json::json!("shared");
            r["output"] = serde_json::json!("libbar.so");
            r["linker_arg"] = args.clone();
        });
        let out = aotinterop(&["publish", "r.json"], d);
        exits_saying(&out, 1, &["AOTI0208", "libbar.so"]);
        assert_eq!(std::fs::read(d.join("libbar.so")).unwrap(), before, "{args}");
    }
}

/// An object of another machine, or a file that is no object, is refused at its field: a
/// static archive packed it and succeeded (the host's link failed on it, `file in wrong
/// format`); an image linked with it failed only at the link.
#[test]
fn objects_of_another_machine_or_none_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app_request(d, "main", "int main(void) { return 0; }\n", "base.json");
    std::fs::write(d.join("notes.o"), "hello\n").unwrap();
    for (rid, kind, object, says) in [
        ("linux-arm64", "static", "main.o", "is an object of x86_64"),
        ("win-x64", "static", "main.o", "not of x86_64-w64-mingw32"),
        (
            "linux-x64",
            "static",
            "notes.o",
            "is no object file (it reads as text)",
        ),
        ("linux-arm64", "shared", "main.o", "is an object of x86_64"),
    ] {
        edit_request(d, "base.json", "r.json", |r| {
            r["rid"] = serde_json::json!(rid);
            r["native_lib"] = serde_json::json!(kind);
            r["output"] = serde_json::json!("out/lib");
            r["objects"] = serde_json::json!([object]);
        });
        let out = aotinterop(&["publish", "r.json"], d);
        exits_saying(&out, 1, &["AOTI0505", "`objects[0]`", says]);
        assert!(!d.join("out").exists(), "{rid} {kind}");
    }
}

/// Values of linker options that name no file (`-soname=NAME`, `--wrap=SYM`, `-y,SYM`, an
/// rpath) are not taken for inputs: a library named after itself (`-Wl,-soname=libbar.so`)
/// published again was refused as its own input.
#[test]
fn option_values_that_name_no_file_are_no_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app_request(d, "main", "int helper(void) { return 0; }\n", "base.json");
    for arg in [
        "-Wl,-soname=libbar.so",
        "-Wl,--soname=libbar.so",
        "-Wl,-y,libbar.so",
        "-Wl,--wrap=libbar.so",
    ] {
        edit_request(d, "base.json", "r.json", |r| {
            r["native_lib"] = serde_json::json!("shared");
            r["output"] = serde_json::json!("libbar.so");
            r["linker_arg"] = serde_json::json!([arg]);
        });
        for round in 0..2 {
            let out = aotinterop(&["publish", "--quiet", "r.json"], d);
            assert!(
                out.status.success(),
                "{arg}, publish {round}: {}",
                text(&out.stderr)
            );
        }
    }
}

/// `cache_dir` or `intermediate_dir` naming the output (or a file beside it the publish writes,
/// or a folder inside one) is refused before anything is written: the Mono cache was made
/// where the image goes, found only at the commit ("nothing was written": it was).
#[test]
fn folders_the_publish_makes_are_never_its_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app_request(d, "main", "int main(void) { return 0; }\n", "base.json");
    for (field, value) in [
        ("intermediate_dir", "out/app"),
        ("intermediate_dir", "out/app.plan.json"),
        ("cache_dir", "out/app.dbg"),
        ("cache_dir", "out/app/cache"),
    ] {
        edit_request(d, "base.json", "r.json", |r| {
            r["output"] = serde_json::json!("out/app");
            r[field] = serde_json::json!(value);
        });
        let out = aotinterop(&["publish", "r.json"], d);
        exits_saying(
            &out,
            1,
            &["AOTI0208", &format!("`{field}`"), "a file this publish writes"],
        );
        assert!(!d.join("out").exists(), "{field}: {value}");
    }
}

/// GNU ld scripts as NativeLibrary items: one naming itself along two relative spellings is a
/// cycle at once (the walk doubled at every spelling, and hung); a chain thousands long is
/// walked without recursion (20,000 overflowed the stack) and to its end (the preflight
/// stopped at 4 levels: a false AOTI0520); a file a script names beside itself is found as
/// GNU ld finds it (the preflight looked in the request's folder only).
#[test]
fn linker_scripts_are_walked_as_the_linker_walks_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source = "extern int bar(void);\nint main(void) { return bar() == 1 ? 0 : 1; }\n";
    app_request(d, "main", source, "base.json");
    std::fs::create_dir_all(d.join("br/a")).unwrap();
    std::fs::create_dir_all(d.join("br/b")).unwrap();
    std::fs::write(d.join("br/s.so"), "INPUT ( a/../s.so b/../s.so )\n").unwrap();
    std::fs::create_dir_all(d.join("chain")).unwrap();
    std::fs::create_dir_all(d.join("vendor")).unwrap();
    std::fs::write(d.join("vendor/bar.c"), "int bar(void) { return 1; }\n").unwrap();
    let st = Command::new("gcc")
        .args(["-c", "-fPIC", "-o", "vendor/libbar_impl.o", "vendor/bar.c"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    const LINKS: usize = 3000;
    for i in 0..LINKS {
        let text = match i + 1 {
            n if n < LINKS => format!("INPUT ( c{n}.so )\n"),
            _ => "INPUT ( ../vendor/libbar_impl.o )\n".to_string(),
        };
        std::fs::write(d.join(format!("chain/c{i}.so")), text).unwrap();
    }
    std::fs::write(d.join("vendor/libbar.so"), "INPUT ( libbar_impl.o )\n").unwrap();
    let publish = |library: &str| {
        edit_request(d, "base.json", "r.json", |r| {
            r["native_library"] = serde_json::json!([library]);
            r["direct_pinvoke"] = serde_json::json!(["bar"]);
            r["imports"] = serde_json::json!([{"module": "bar", "entry": "bar"}]);
        });
        aotinterop(&["publish", "--quiet", "r.json"], d)
    };
    exits_saying(&publish("br/s.so"), 1, &["AOTI0522", "names itself"]);
    for library in ["chain/c0.so", "vendor/libbar.so"] {
        let out = publish(library);
        assert!(out.status.success(), "{library}: {}", text(&out.stderr));
    }
}

/// `inspect --check --sysroot` named relatively finds a lazy module under it as one named
/// absolutely does (every candidate under `s1/` was passed over as a relative path, silently:
/// the module was said missing).
#[test]
fn a_relative_sysroot_is_searched_as_an_absolute_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = lazy_image(d);
    std::fs::create_dir_all(d.join("s1/etc")).unwrap();
    std::fs::create_dir_all(d.join("s1/opt/l")).unwrap();
    std::fs::write(d.join("s1/etc/ld.so.conf"), "/opt/l\n").unwrap();
    std::fs::copy(
        "/usr/lib/x86_64-linux-gnu/libz.so.1",
        d.join("s1/opt/l/libz.so.1"),
    )
    .unwrap();
    for sysroot in ["s1".to_string(), d.join("s1").display().to_string()] {
        let args = [
            "inspect",
            image.to_str().unwrap(),
            "--check",
            "--sysroot",
            &sysroot,
            "--format",
            "json",
        ];
        let out = aotinterop(&args, d);
        let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found = said["lazy"][0]["found"].as_str().unwrap_or_default().to_string();
        assert!(found.ends_with("s1/opt/l/libz.so.1"), "{sysroot}: {said}");
    }
}

/// `inspect --arch` takes an architecture in any usual spelling (`i686` was refused as a
/// usage error), and says which when it is none.
#[test]
fn inspect_takes_any_spelling_of_an_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = lazy_image(d);
    for spelling in ["i686", "I386", "x86"] {
        let out = aotinterop(&["inspect", image.to_str().unwrap(), "--arch", spelling], d);
        exits_saying(&out, 1, &["the image is x86_64, not x86"]);
    }
    let out = aotinterop(&["inspect", image.to_str().unwrap(), "--arch", "AMD64"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = aotinterop(&["inspect", image.to_str().unwrap(), "--arch", "ppc"], d);
    exits_saying(&out, 2, &["not an architecture", "i686"]);
}
