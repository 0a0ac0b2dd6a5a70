//! `aotinterop publish` end to end on linux-x64: the steps it prints, the report it writes, the
//! image it links (run for real), `aotinterop verify` on it, and failures that stop at their
//! step with their exit code and leave the previous image untouched.

mod common;

use common::{aotinterop, text};
use std::path::Path;
use std::process::Command;

use aotinterop_testkit::repo_root as repo;

/// Builds the runtime archive for linux-x64 once (scripts/test builds it before the tests).
fn runtime() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let archive =
            repo().join("target/aotinterop-runtime/x86_64-unknown-linux-gnu/libaotinterop_runtime.a");
        if archive.is_file() {
            return;
        }
        let st = Command::new(repo().join("scripts/build-runtime"))
            .arg("x86_64-unknown-linux-gnu")
            .env("AOTINTEROP_RUNTIME_DIR", repo().join("target/aotinterop-runtime"))
            .status()
            .expect("scripts/build-runtime");
        assert!(st.success());
    });
}

/// A folder with compiled code calling one direct import (libc getpid) and two lazy ones (libm
/// cbrt, and one from a library that does not exist, never called), and a request for it.
fn app(dir: &Path) {
    std::fs::write(
        dir.join("main.c"),
        r#"
#include <stdio.h>
int pinvoke_libc__getpid(void);
double pinvoke_libm_so_6__cbrt(double);
int pinvoke_nosuchlib__never_called(void);
int main(int argc, char **argv) {
    if (argc > 5) pinvoke_nosuchlib__never_called();
    printf("pid>0: %d, cbrt(27) = %g\n", pinvoke_libc__getpid() > 0, pinvoke_libm_so_6__cbrt(27.0));
    return 0;
}
"#,
    )
    .unwrap();
    let st = Command::new("cc")
        .args(["-c", "-fPIC", "-O2", "main.c", "-o", "main.o"])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(
        dir.join("imports.json"),
        r#"[{"module": "libc", "entry": "getpid"}, {"module": "libm.so.6", "entry": "cbrt"},
            {"module": "nosuchlib", "entry": "never_called"}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("request.json"),
        r#"{
  "rid": "linux-x64",
  "output": "bin/app",
  "objects": ["main.o"],
  "imports_file": ["imports.json"],
  "direct_pinvoke": ["libc"]
}"#,
    )
    .unwrap();
}

#[test]
fn publish_links_runs_reports_and_verifies() {
    runtime();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app(d);
    let out = aotinterop(&["publish", "request.json"], d);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for step in ["scan", "plan", "preflight", "emit", "link", "verify"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(step) && l.contains(" ms)")),
            "no `{step}` line in\n{stdout}"
        );
    }
    assert!(stdout.contains("3 imports: 1 direct, 2 lazy"), "{stdout}");

    let image = d.join("bin/app");
    let run = Command::new(&image).output().unwrap();
    assert_eq!(text(&run.stdout), "pid>0: 1, cbrt(27) = 3\n");

    let md = std::fs::read_to_string(d.join("bin/app.plan.md")).unwrap();
    assert!(
        md.contains("| libc | getpid | direct | getpid | DirectPInvoke item `libc`"),
        "{md}"
    );
    assert!(
        md.contains("| libm.so.6 | cbrt | lazy | cbrt | default: lazy |"),
        "{md}"
    );
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("bin/app.plan.json")).unwrap()).unwrap();
    assert_eq!(plan["counts"]["lazy"], 2);

    let v = aotinterop(&["verify", "bin/app", "--plan", "bin/app.plan.json"], d);
    assert!(v.status.success(), "{}{}", text(&v.stdout), text(&v.stderr));

    // JSON form: every step, the output and the reports.
    let out = aotinterop(&["publish", "request.json", "--format", "json"], d);
    assert!(out.status.success());
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["ok"], true);
    // scan, plan, preflight, emit, link, verify, commit.
    assert_eq!(j["report"]["steps"].as_array().unwrap().len(), 7);
    assert!(j["report"]["reports"]["markdown"]
        .as_str()
        .unwrap()
        .ends_with("app.plan.md"));

    // Quiet: nothing on stdout.
    let out = aotinterop(&["publish", "request.json", "--quiet"], d);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

/// Publishes `request` (a JSON text) in a folder holding a working app and a previous image,
/// and checks the failure: exit code, step, message, and the previous image left as it was.
fn fails(request: &str, code: i32, step: &str, message: &str) {
    runtime();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app(d);
    std::fs::create_dir_all(d.join("bin")).unwrap();
    // An image a publish could have made (a file of another kind is refused as an output).
    let previous = std::fs::read("/bin/true").unwrap();
    std::fs::write(d.join("bin/app"), &previous).unwrap();
    std::fs::write(d.join("bad.json"), request).unwrap();
    let out = aotinterop(&["publish", "bad.json"], d);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{}{err}", text(&out.stdout));
    assert!(err.contains(&format!("{step} failed")), "{err}");
    assert!(err.contains(message), "want {message:?} in {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        std::fs::read(d.join("bin/app")).unwrap() == previous,
        "the previous image changed"
    );
    assert!(!d.join("bin/app.plan.json").exists());
    let leftovers: Vec<_> = std::fs::read_dir(d.join("bin"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn a_direct_import_nothing_defines_stops_at_preflight() {
    fails(
        r#"{"rid": "linux-x64", "output": "bin/app", "objects": ["main.o"], "imports_file": ["imports.json"],
            "direct_pinvoke": ["libc", "nosuchlib"]}"#,
        3,
        "preflight",
        "AOTI0520",
    );
}

#[test]
fn a_failing_link_stops_at_link_and_shows_the_command() {
    fails(
        r#"{"rid": "linux-x64", "output": "bin/app", "objects": ["main.o"], "imports_file": ["imports.json"],
            "direct_pinvoke": ["libc"], "linker_arg": ["-Wl,--no-such-linker-option"]}"#,
        4,
        "link",
        "--no-such-linker-option",
    );
}

#[test]
fn bad_requests_stop_before_anything_is_written() {
    fails(
        r#"{"rid": "linux-x64", "objects": ["main.o"], "imports_file": ["imports.json"]}"#,
        1,
        "request",
        "AOTI0201",
    );
    fails(
        r#"{"rid": "linux-x64", "output": "bin/app", "objects": ["main.o"], "imports_file": ["nowhere.json"]}"#,
        1,
        "request",
        "nowhere.json",
    );
}

/// The process umask, from `/proc/self/status` (Linux).
#[cfg(target_os = "linux")]
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("Umask:"))
        .expect("a Umask line");
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn plan_reports_get_an_ordinary_files_mode() {
    use std::os::unix::fs::PermissionsExt;
    runtime();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app(d);
    let out = aotinterop(&["publish", "request.json", "--quiet"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let want = 0o666 & !umask();
    for report in ["bin/app.plan.json", "bin/app.plan.md"] {
        let mode = std::fs::metadata(d.join(report)).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, want,
            "{report}: {mode:o}, expected {want:o} (0666 less the umask)"
        );
    }
    if umask() == 0o022 {
        assert_eq!(want, 0o644);
    }
}

/// A call symbol the caller gave two imports that bind differently is said once, at planning,
/// with its place (it failed at the emit step, exit 4).
#[test]
fn a_call_symbol_clash_is_said_once_at_planning() {
    runtime();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app(d);
    // Two lazy imports from different libraries that the caller gave one symbol.
    std::fs::write(
        d.join("clash.json"),
        r#"{"rid": "linux-x64", "output": "bin/app", "objects": ["main.o"],
            "imports": [{"module": "liba", "entry": "f", "symbol": "shared_name"},
                        {"module": "libb", "entry": "g", "symbol": "shared_name"}]}"#,
    )
    .unwrap();
    let out = aotinterop(&["publish", "clash.json"], d);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("clash.json:3:") && err.contains("error AOTI0013"),
        "{err}"
    );
    assert_eq!(
        err.matches("symbol `shared_name` is given to another import too")
            .count(),
        1,
        "{err}"
    );
}

/// The section names `readelf -S` lists for `image`.
fn sections(image: &Path) -> Vec<String> {
    let out = Command::new("readelf")
        .arg("-SW")
        .arg(image)
        .output()
        .expect("readelf");
    text(&out.stdout)
        .lines()
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix('[')?;
            let (_, after) = rest.split_once(']')?;
            after.split_whitespace().next().map(str::to_string)
        })
        .collect()
}

#[test]
fn strip_symbols_keeps_the_debug_information_beside_the_image() {
    runtime();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app(d);
    // Compiled with debug information, as a user's Debug-configured code would be.
    let st = Command::new("cc")
        .args(["-c", "-fPIC", "-g", "-O0", "main.c", "-o", "main.o"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    let out = aotinterop(&["publish", "request.json"], d);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let (image, debug) = (d.join("bin/app"), d.join("bin/app.dbg"));
    let image_sections = sections(&image);
    assert!(
        !image_sections.iter().any(|s| s.starts_with(".debug_")),
        "{image_sections:?}"
    );
    assert!(
        image_sections.contains(&".gnu_debuglink".to_string()),
        "{image_sections:?}"
    );
    assert!(sections(&debug).contains(&".debug_info".to_string()));
    let link = Command::new("readelf")
        .args(["--string-dump=.gnu_debuglink"])
        .arg(&image)
        .output()
        .unwrap();
    assert!(text(&link.stdout).contains("app.dbg"), "{}", text(&link.stdout));
    let run = Command::new(&image).output().unwrap();
    assert_eq!(text(&run.stdout), "pid>0: 1, cbrt(27) = 3\n");
    // gdb finds main's source line through the debug link.
    let gdb = aotinterop_testkit::require("gdb", "gdb");
    let info = Command::new(gdb)
        .args(["-batch", "-nx", "-ex", "info line main"])
        .arg(&image)
        .output()
        .unwrap();
    let said = text(&info.stdout);
    assert!(said.contains("of \"main.c\""), "{said}{}", text(&info.stderr));

    // StripSymbols off: the image keeps its debug information, and the previous image's .dbg
    // goes with it (a debug file of another build would stay beside it otherwise).
    let request = std::fs::read_to_string(d.join("request.json")).unwrap();
    std::fs::write(
        d.join("request.json"),
        request.replacen("{", "{\n  \"strip_symbols\": false,", 1),
    )
    .unwrap();
    let out = aotinterop(&["publish", "request.json"], d);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(sections(&image).contains(&".debug_info".to_string()));
    assert!(!debug.exists());
    // A file of that name the image being replaced does not link to is the user's: it stays.
    std::fs::write(&debug, "notes").unwrap();
    let out = aotinterop(&["publish", "request.json"], d);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&debug).unwrap(), "notes");
}

#[test]
fn a_stripped_images_symbols_are_read_from_its_debug_file_and_checked() {
    runtime();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    app(d);
    let out = aotinterop(&["publish", "request.json"], d);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let inspect = |d: &Path| {
        let out = aotinterop(&["inspect", "bin/app", "--format", "json"], d);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let notes = inspect(d)["notes"].to_string();
    assert!(notes.contains("read from its debug file app.dbg"), "{notes}");
    // Another build's debug file: its CRC does not match the link, and inspect says so.
    let debug = d.join("bin/app.dbg");
    let mut bytes = std::fs::read(&debug).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&debug, bytes).unwrap();
    let notes = inspect(d)["notes"].to_string();
    assert!(notes.contains("CRC does not match"), "{notes}");
}
