//! `StaticExecutable` on linux-musl-x64: an app whose imports are all direct publishes as a
//! static executable (no program interpreter, no needed libraries) and runs; one with a lazy
//! import is refused before anything is linked, naming the import, since a static executable
//! cannot load libraries; a compiler that ignores `-static-pie` is caught after the link.
#![cfg(target_os = "linux")]

mod common;

use common::aotinterop;
use std::path::Path;
use std::process::Command;

/// Compiled code (musl) calling `getpid` and `abs` of libc, and `cbrt` of libm when `lazy_libm`.
fn app(dir: &Path, lazy_libm: bool) {
    let call = if lazy_libm {
        "double pinvoke_libm__cbrt(double);\n#define CBRT(x) pinvoke_libm__cbrt(x)\n"
    } else {
        "#define CBRT(x) 3.0\n"
    };
    std::fs::write(
        dir.join("main.c"),
        format!(
            "#include <stdio.h>\nint pinvoke_libc__getpid(void);\nint pinvoke_libc__abs(int);\n{call}\
             int main(void) {{\n    printf(\"static: pid>0 %d, abs(-7) %d, cbrt %g\\n\", \
             pinvoke_libc__getpid() > 0, pinvoke_libc__abs(-7), CBRT(27.0));\n    return 0;\n}}\n"
        ),
    )
    .unwrap();
    let st = Command::new("x86_64-linux-musl-gcc")
        .args(["-c", "-fPIC", "-O2", "main.c", "-o", "main.o"])
        .current_dir(dir)
        .status()
        .expect("x86_64-linux-musl-gcc (Debian's musl-dev)");
    assert!(st.success());
    let mut imports =
        r#"[{"module": "libc", "entry": "getpid"}, {"module": "libc", "entry": "abs"}"#.to_string();
    if lazy_libm {
        imports.push_str(r#", {"module": "libm", "entry": "cbrt"}"#);
    }
    imports.push(']');
    std::fs::write(dir.join("imports.json"), imports).unwrap();
}

fn request(dir: &Path, extra: &str) {
    std::fs::write(
        dir.join("request.json"),
        format!(
            r#"{{
  "rid": "linux-musl-x64",
  "output": "bin/app",
  "objects": ["main.o"],
  "imports_file": ["imports.json"],
  "direct_pinvoke": ["libc"],
  "static_executable": true{extra}
}}"#
        ),
    )
    .unwrap();
}

/// Whether the ELF image at `path` is position independent (`readelf -h`: type `DYN`, a static
/// PIE, rather than `EXEC`).
fn position_independent(path: &Path) -> bool {
    let header = aotinterop_testkit::check(Command::new("readelf").arg("-h").arg(path));
    let kind = header
        .lines()
        .find(|l| l.trim_start().starts_with("Type:"))
        .unwrap_or_default();
    assert!(kind.contains("DYN") || kind.contains("EXEC"), "{header}");
    kind.contains("DYN")
}

#[test]
fn all_direct_imports_make_a_static_executable_that_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    app(dir, false);
    request(dir, ",\n  \"position_independent_executable\": false");
    let out = aotinterop(&["publish", "request.json", "--quiet"], dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let image = dir.join("bin/app");
    assert!(!position_independent(&image));
    let readelf = aotinterop_testkit::check(Command::new("readelf").args(["-d", "-l"]).arg(&image));
    assert!(!readelf.contains("(NEEDED)"), "{readelf}");
    assert!(!readelf.contains("INTERP"), "{readelf}");
    let run = Command::new(&image).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "static: pid>0 1, abs(-7) 7, cbrt 3\n"
    );
}

/// Native AOT's default for StaticExecutable is `-static-pie`, which Debian's musl-gcc wrapper
/// drops (its specs replace the link spec that handles it) and links a dynamic executable
/// instead: the publish fails at the link step with the way out, and writes no image.
#[test]
fn a_static_pie_the_compiler_ignores_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    app(dir, false);
    request(dir, "");
    let out = aotinterop(&["publish", "request.json"], dir);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AOTI0501") && err.contains("PT_INTERP"), "{err}");
    assert!(err.contains("PositionIndependentExecutable=false"), "{err}");
    assert!(!dir.join("bin/app").exists(), "no image is put in place");
}

#[test]
fn a_lazy_import_in_a_static_executable_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    app(dir, true);
    request(dir, "");
    let out = aotinterop(&["publish", "request.json"], dir);
    // Exit code 3: refused before anything is emitted or linked.
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("request.json"), "{err}");
    assert!(err.contains("AOTI0207"), "{err}");
    assert!(err.contains("libm!cbrt"), "{err}");
    assert!(!dir.join("bin/app").exists(), "nothing is linked");
}
