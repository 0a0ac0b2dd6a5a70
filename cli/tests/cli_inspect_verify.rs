//! `aotinterop inspect` and `aotinterop verify` on an image linked by the system compiler,
//! checked against a plan written by `aotinterop plan`.

use std::path::Path;
use std::process::{Command, Output};

fn aotinterop(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aotinterop"))
        .args(args)
        .output()
        .expect("run aotinterop")
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

/// A program calling `puts` (bound at startup from libc).
fn image(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("main.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n",
    )
    .unwrap();
    let out = dir.join("main");
    let st = Command::new("gcc")
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .expect("gcc");
    assert!(st.success());
    out
}

/// `aotinterop plan --rid linux-x64 --imports ... --direct libc --format json` into `plan.json`.
fn plan(dir: &Path, imports: &str) -> std::path::PathBuf {
    let imp = dir.join("imports.json");
    std::fs::write(&imp, imports).unwrap();
    let out = aotinterop(&[
        os("plan"),
        os("--rid"),
        os("linux-x64"),
        os("--imports"),
        imp.as_os_str(),
        os("--direct"),
        os("libc"),
        os("--format"),
        os("json"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let p = dir.join("plan.json");
    std::fs::write(&p, &out.stdout).unwrap();
    p
}

#[test]
fn inspect_prints_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let out = aotinterop(&[os("inspect"), img.as_os_str()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("elf x86_64 executable\n") && text.contains("  puts  [libc.so.6]"),
        "{text}"
    );
    let out = aotinterop(&[os("inspect"), img.as_os_str(), os("--format"), os("json")]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["needed"].as_array().unwrap().iter().any(|n| n == "libc.so.6"),
        "{v}"
    );
    assert!(
        v["imports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "puts"),
        "{v}"
    );
    assert_eq!(v["lazy"], serde_json::json!([]));
    let bad = aotinterop(&[os("inspect"), dir.path().join("imports.missing").as_os_str()]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("error AOTI0001: cannot read image"));
}

#[test]
fn verify_passes_and_fails_with_the_differences() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let good = plan(dir.path(), r#"[{"module": "libc", "entry": "puts"}]"#);
    let out = aotinterop(&[os("verify"), img.as_os_str(), os("--plan"), good.as_os_str()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("(1 direct, 0 lazy, 0 exports checked)"));

    let bad = plan(
        dir.path(),
        r#"[{"module": "libc", "entry": "puts"}, {"module": "libc", "entry": "getpid"}, {"module": "libz", "entry": "compress"}]"#,
    );
    let out = aotinterop(&[os("verify"), img.as_os_str(), os("--plan"), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error AOTI0530: the image does not match its plan (2 difference(s))"),
        "{err}"
    );
    assert!(
        err.contains("libc!getpid: the plan binds it directly, but the image neither imports nor defines it"),
        "{err}"
    );
    assert!(
        err.contains(
            "libz!compress: the plan binds it lazily, but no stub record (or native AOT fixup cell) lists it"
        ),
        "{err}"
    );
    let out = aotinterop(&[
        os("verify"),
        img.as_os_str(),
        os("--plan"),
        bad.as_os_str(),
        os("--format"),
        os("json"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["report"]["differences"][0]["kind"], "direct_missing");
}

#[test]
fn check_says_whether_an_image_starts_and_exits_1_when_not() {
    let dll = aotinterop_testkit::corpus("ilc").join("win-x64/ExcelReader.Native.dll");
    let empty = tempfile::tempdir().unwrap();
    let out = aotinterop(&[
        os("inspect"),
        dll.as_os_str(),
        os("--check"),
        os("--sysroot"),
        empty.path().as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("needed KERNEL32.dll: MISSING"), "{text}");
    assert!(text.contains("will not start: "), "{text}");
    assert!(text.contains("winhttp.dll!WinHttpOpen"), "{text}");
    // This machine, for this tool itself: it starts.
    let out = aotinterop(&[os("inspect"), os(env!("CARGO_BIN_EXE_aotinterop")), os("--check")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("starts: every needed library is found"));
    // A Mach-O image against an empty sysroot, its DYLD_LIBRARY_PATH given: tried first.
    let dylib = aotinterop_testkit::corpus("ilc").join("osx-arm64/ExcelReader.Native.dylib");
    let out = aotinterop(&[
        os("inspect"),
        dylib.as_os_str(),
        os("--check"),
        os("--sysroot"),
        empty.path().as_os_str(),
        os("--library-path"),
        os("/opt/dyld-path"),
        os("--format"),
        os("json"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let objc = v["needed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "/usr/lib/libobjc.A.dylib")
        .expect("libobjc is needed");
    assert_eq!(objc["tried"][0], "/opt/dyld-path/libobjc.A.dylib");
}

/// An ELF image without section headers (the loader needs none) is read from its program
/// headers: its needed libraries as `readelf -d` lists them from the dynamic segment, and an
/// executable as the loader starts it, with a note that its symbols are not read. It read as a
/// shared library needing nothing.
#[test]
fn an_elf_image_without_section_headers_is_read_from_its_program_headers() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("true");
    let mut bytes = std::fs::read("/usr/bin/true").unwrap();
    // e_shoff, e_shnum, e_shstrndx (ELF64).
    bytes[0x28..0x30].fill(0);
    bytes[0x3c..0x40].fill(0);
    std::fs::write(&copy, &bytes).unwrap();
    std::fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // (Another test's fork may hold the just-written file open for a moment: "text file busy".)
    let status = (0..50)
        .find_map(|_| match Command::new(&copy).status() {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                None
            }
            other => Some(other.unwrap()),
        })
        .unwrap();
    assert!(status.success(), "the copy does not start");
    let readelf = Command::new("readelf").arg("-d").arg(&copy).output().unwrap();
    let listed: Vec<String> = String::from_utf8_lossy(&readelf.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split('[').nth(1)?.trim_end_matches(']').to_string()))
        .collect();
    assert!(!listed.is_empty(), "{}", String::from_utf8_lossy(&readelf.stdout));
    let out = aotinterop(&[os("inspect"), copy.as_os_str(), os("--format"), os("json")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let needed: Vec<String> = said["needed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(needed, listed);
    assert_eq!(said["kind"], "executable", "{said}");
    assert!(said["notes"].to_string().contains("no section headers"), "{said}");
}

/// A static PIE (no interpreter, `DF_1_PIE`) is an executable: it was read as a shared library,
/// and a StaticExecutable publish with the default PIE failed its verify.
#[test]
fn a_static_pie_is_an_executable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.c"), "int main(void) { return 0; }\n").unwrap();
    let exe = dir.path().join("m");
    let st = Command::new("gcc")
        .args(["-static-pie", "-o"])
        .arg(&exe)
        .arg(dir.path().join("m.c"))
        .status()
        .unwrap();
    assert!(st.success());
    let flags = Command::new("readelf").arg("-d").arg(&exe).output().unwrap();
    assert!(String::from_utf8_lossy(&flags.stdout).contains("Flags: PIE"));
    let out = aotinterop(&[os("inspect"), exe.as_os_str(), os("--format"), os("json")]);
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(said["kind"], "executable", "{said}");
}
