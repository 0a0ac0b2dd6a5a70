//! What the xbuild tests share: finding Mono and xbuild, laying out the package (`build/`, and
//! `tasks/` with the task compiled by `mcs` next to the cdylib cargo built), and running xbuild.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

pub use aotinterop_testkit::{on_path, runtime_dir};

/// Mono's `lib/mono` folders: from `AOTINTEROP_MONO_LIB`, else next to the `mono` and `mcs` found
/// on PATH (`PREFIX/bin/mono` -> `PREFIX/lib/mono`).
pub fn mono_lib_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("AOTINTEROP_MONO_LIB")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    for tool in ["mono", "mcs"] {
        if let Some(p) = on_path(tool) {
            for p in [p.clone(), p.canonicalize().unwrap_or(p)] {
                if let Some(prefix) = p.parent().and_then(Path::parent) {
                    dirs.push(prefix.join("lib/mono"));
                }
            }
        }
    }
    dirs
}

/// A Mono reference assembly (`Microsoft.Build.Framework.dll`, ...), found at run time.
pub fn mono_reference(name: &str) -> PathBuf {
    let dirs = mono_lib_dirs();
    for d in &dirs {
        for sub in ["4.5", "4.5-api", "4.0"] {
            let p = d.join(sub).join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "{name} not found under {dirs:?}: install mono-devel (scripts/install-deps), or set \
         AOTINTEROP_MONO_LIB to Mono's lib/mono folder"
    );
}

/// The cdylib cargo built for this test run (`target/debug/deps/` or `target/debug/`).
pub fn cdylib() -> PathBuf {
    let name = format!(
        "{}aotinterop_msbuild{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    [deps.join(&name), deps.parent().unwrap().join(&name)]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("the cdylib {name} was not built next to {}", exe.display()))
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The package (`build/` and `tasks/` with the task assembly and the cdylib), built once per run.
pub fn package() -> &'static Path {
    static PACKAGE: OnceLock<PathBuf> = OnceLock::new();
    PACKAGE.get_or_init(|| {
        assert!(
            on_path("xbuild").is_some(),
            "xbuild is not on PATH: install mono-xbuild (scripts/install-deps)"
        );
        let mcs = on_path("mcs").expect("mcs is not on PATH: install mono-mcs (scripts/install-deps)");
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(concat!("aotinterop-msbuild-package-", env!("CARGO_CRATE_NAME")));
        let _ = std::fs::remove_dir_all(&root);
        copy_dir(&Path::new(MANIFEST).join("build"), &root.join("build"));
        let tasks = root.join("tasks");
        std::fs::create_dir_all(&tasks).unwrap();
        let mut sources: Vec<PathBuf> = std::fs::read_dir(Path::new(MANIFEST).join("task"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "cs"))
            .collect();
        sources.sort();
        let out = Command::new(mcs)
            .args(["-target:library", "-nologo", "-warnaserror+"])
            .arg(format!(
                "-out:{}",
                tasks.join("AotInterop.Build.Tasks.dll").display()
            ))
            .arg(format!(
                "-r:{}",
                mono_reference("Microsoft.Build.Framework.dll").display()
            ))
            .arg(format!(
                "-r:{}",
                mono_reference("Microsoft.Build.Utilities.v4.0.dll").display()
            ))
            .args(&sources)
            .output()
            .expect("run mcs");
        assert!(
            out.status.success(),
            "mcs failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let lib = cdylib();
        std::fs::copy(&lib, tasks.join(lib.file_name().unwrap())).unwrap();
        root
    })
}

/// A copy of `tests/projects/NAME` in a fresh folder.
pub fn project(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(MANIFEST).join("tests/projects").join(name), dir.path());
    dir
}

pub struct Build {
    pub ok: bool,
    pub log: String,
}

/// Runs xbuild on `project` in `dir` with the package and `props` (`Name=Value`).
pub fn xbuild_with(package: &Path, dir: &Path, project: &str, args: &[&str]) -> Build {
    xbuild_env(package, dir, project, args, &[])
}

/// Runs xbuild as [`xbuild_with`] does, with more environment variables.
pub fn xbuild_env(package: &Path, dir: &Path, project: &str, args: &[&str], env: &[(&str, &Path)]) -> Build {
    let runtime = runtime_dir();
    let out = Command::new("xbuild")
        .env("AOTINTEROP_RUNTIME_DIR", &runtime)
        .envs(env.iter().map(|(k, v)| (*k, *v)))
        .current_dir(dir)
        .arg("/nologo")
        .arg("/v:normal")
        .arg(format!("/p:AotInteropPackageRoot={}/", package.display()))
        .args(args)
        .arg(project)
        .output()
        .expect("run xbuild");
    Build {
        ok: out.status.success(),
        log: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

pub fn xbuild(dir: &Path, project: &str, args: &[&str]) -> Build {
    xbuild_with(package(), dir, project, args)
}

/// A failed build: an MSBuild error with `expected` (the location and code), and no stack trace.
pub fn assert_msbuild_error(b: &Build, expected: &str) {
    assert!(!b.ok, "the build must fail:\n{}", b.log);
    assert!(b.log.contains(expected), "missing `{expected}` in:\n{}", b.log);
    for bad in ["Exception", "   at ", "panicked", "RUST_BACKTRACE"] {
        assert!(!b.log.contains(bad), "`{bad}` in:\n{}", b.log);
    }
}

/// Builds the runtime for a RID unless it is there (scripts/build-runtime).
pub fn ensure_runtime(rid: &str) {
    let row = aotinterop_model::TargetRow::of_rid(rid).expect("a RID of the target table");
    aotinterop_testkit::runtime_archive(row);
}

/// Makes a plan's JSON independent of where an item stands in the request file: the line of
/// every source in `<request>` and the `:LINE` after `<request>` in messages are dropped (the
/// generated request has one item a line, a hand-written one may not).
pub fn drop_request_lines(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if m.get("file").and_then(|f| f.as_str()) == Some("<request>") {
                m.remove("line");
            }
            m.values_mut().for_each(drop_request_lines);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(drop_request_lines),
        serde_json::Value::String(s) => {
            while let Some(at) = s.find("<request>:") {
                let rest = &s[at + "<request>:".len()..];
                let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                *s = format!("{}<request>{}", &s[..at], &rest[digits..]);
                if digits == 0 {
                    break;
                }
            }
        }
        _ => {}
    }
}
