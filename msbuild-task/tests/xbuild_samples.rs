//! Each sample's project file (`samples/<sample>/*.csproj`) through Mono's xbuild: it must publish
//! the same image and plan as `aotinterop publish` with the sample's request file.
//!
//! The sample builder (`aotinterop-samples`) first compiles the sample's C/C++ into
//! `samples/<sample>/obj/<rid>/` and publishes its request files into `samples/<sample>/bin/<rid>/`
//! (the reference). The test then copies the sample into a fresh folder, runs xbuild there (the
//! C# compiled by xbuild's own C# targets, the package laid out as in `tests/xbuild.rs`) and
//! compares:
//!
//! - the plan (`<image>.plan.json`): every import, binding, symbol, reason and count, with the
//!   sample's folder, the output folder (`bin/xbuild/<rid>/` against `bin/<rid>/`) and the request
//!   file (the generated one against the sample's, whose lines differ) made neutral;
//! - the images as `aotinterop::inspect::inspect` sees them: needed libraries, symbols bound
//!   at startup, delay-loaded imports, exports, lazy imports and defined symbols. The images are
//!   not compared byte for byte: the assembly xbuild compiles is another build than mcs's, and
//!   paths (the linker's working folder, `-L` folders) differ;
//! - for static archives (`NativeLib=Static`), the member names.
//!
//! hello's image also runs, and must print what the builder's image prints.

mod support;

use aotinterop_samples::recipes::{self, Options};
use aotinterop_samples::{repo_root, Toolchain};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use support::{copy_dir, xbuild, Build};

/// The (sample, RID) pairs built so far. Held while the builder writes into a sample's folder
/// and while a test copies one, so that no copy sees a half-written file.
static BUILT: Mutex<Option<HashSet<(String, String)>>> = Mutex::new(None);

/// Builds `sample` for `rid` with the sample builder, once per test run.
fn build_sample(sample: &str, rid: &str) {
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let built = built.get_or_insert_with(HashSet::new);
    if built.contains(&(sample.to_string(), rid.to_string())) {
        return;
    }
    // The builder publishes in this process: it finds the runtime through the environment.
    if std::env::var_os("AOTINTEROP_RUNTIME_DIR").is_none() {
        std::env::set_var("AOTINTEROP_RUNTIME_DIR", support::runtime_dir());
    }
    let tc = Toolchain::for_rid(rid, &repo_root()).unwrap();
    recipes::build(sample, &tc, Options::BUILD_ONLY)
        .unwrap_or_else(|e| panic!("building the {sample} sample for {rid}: {e}"));
    built.insert((sample.to_string(), rid.to_string()));
}

/// The sample's folder in the repository.
fn sample_dir(sample: &str) -> PathBuf {
    repo_root().join("samples").join(sample)
}

/// A copy of the sample (sources, project, request files and `obj/`, not `bin/`) in a fresh folder.
fn sample_copy(sample: &str) -> tempfile::TempDir {
    let _builder = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(sample_dir(sample)).unwrap() {
        let e = e.unwrap();
        let to = dir.path().join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            if e.file_name() != "bin" {
                copy_dir(&e.path(), &to);
            }
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    // The project's own intermediate folder starts empty.
    let _ = std::fs::remove_dir_all(dir.path().join("obj/xbuild"));
    dir
}

/// The project file of a sample.
fn project_file(sample: &str) -> String {
    std::fs::read_dir(sample_dir(sample))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".csproj"))
        .unwrap_or_else(|| panic!("the {sample} sample has no .csproj"))
}

/// One published variant of a sample: its request file, the xbuild arguments that select it,
/// and the image's path under `bin/<rid>/` (the builder) and `bin/xbuild/<rid>/` (xbuild).
struct Variant {
    request: String,
    args: Vec<String>,
    image: String,
}

fn variants(sample: &str, rid: &str) -> Vec<Variant> {
    let win = rid.starts_with("win");
    let exe = |n: &str| if win { format!("{n}.exe") } else { n.to_string() };
    let v = |request: &str, args: &[&str], image: String| Variant {
        request: format!("{request}.{rid}.json"),
        args: args.iter().map(|s| s.to_string()).collect(),
        image,
    };
    match sample {
        "hello" => vec![v("request", &[], exe("hello"))],
        "static-shim" => vec![v("request", &[], exe("static-shim"))],
        "search-paths" => vec![v("request", &[], exe("search-paths"))],
        "no-import-lib" => vec![v("request", &[], exe("no-import-lib"))],
        "sqlite" => vec![
            v("request", &[], "lazy/sqlite".into()),
            v(
                "request.static",
                &["/p:SqliteBinding=static"],
                "static/sqlite".into(),
            ),
        ],
        "fail-fast" => vec![
            v("request.direct", &[], format!("direct/{}", exe("fail-fast"))),
            v(
                "request.lazy",
                &["/p:FailFastBinding=lazy"],
                format!("lazy/{}", exe("fail-fast")),
            ),
        ],
        "native-exports" => vec![
            v(
                "request",
                &[],
                if win {
                    "native-exports.dll".into()
                } else {
                    "libnative-exports.so".into()
                },
            ),
            v(
                "request.static",
                &["/p:NativeLib=Static"],
                if win {
                    "static/native-exports.lib".into()
                } else {
                    "static/libnative-exports.a".into()
                },
            ),
        ],
        other => panic!("no variants for {other}"),
    }
}

/// A plan report with the paths that differ between the two publishes made neutral.
fn neutral_plan(report: &Path, sample_root: &Path, bin: &Path, request: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(report).unwrap_or_else(|e| panic!("{}: {e}", report.display()));
    let json_str = |p: &Path| {
        let s = serde_json::to_string(p.to_str().unwrap()).unwrap();
        s[1..s.len() - 1].to_string()
    };
    // Longest first: the request and bin folder are inside the sample's folder.
    let text = text
        .replace(&json_str(request), "<request>")
        .replace(&json_str(bin), "<bin>")
        .replace(&json_str(sample_root), "<sample>");
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    support::drop_request_lines(&mut v);
    // A LinkerArg naming a folder or file of the sample: the project spells it out from
    // $(MSBuildProjectDirectory), as the linker runs in the generated request's folder; the
    // request file gives it relative to the sample's folder, where that linker runs.
    if let Some(args) = v.pointer_mut("/link/linker_arg").and_then(|a| a.as_array_mut()) {
        for a in args {
            if let Some(s) = a.as_str() {
                *a = s
                    .replacen("-L<sample>/", "-L", 1)
                    .replacen("<sample>/", "", 1)
                    .into();
            }
        }
    }
    v
}

/// The report next to an image: `<image file>.plan.json`.
fn plan_of(image: &Path) -> PathBuf {
    let mut name = image.file_name().unwrap().to_os_string();
    name.push(".plan.json");
    image.with_file_name(name)
}

/// Member names of a static archive, as `ar t` lists them.
fn archive_members(archive: &Path) -> Vec<String> {
    let out = Command::new("ar").arg("t").arg(archive).output().expect("run ar");
    assert!(
        out.status.success(),
        "ar t {}: {}",
        archive.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Publishes `sample` for `rid` with xbuild in a copy of the sample, and checks each variant
/// against the builder's publish of the same request file. Returns the copy.
fn check_sample(sample: &str, rid: &str) -> tempfile::TempDir {
    build_sample(sample, rid);
    let dir = sample_copy(sample);
    let project = project_file(sample);
    for variant in variants(sample, rid) {
        let mut args = vec![format!("/p:RuntimeIdentifier={rid}")];
        args.extend(variant.args.iter().cloned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let b = xbuild(dir.path(), &project, &args);
        assert!(b.ok, "xbuild {project} {args:?}:\n{}", b.log);

        let ours = dir.path().join("bin/xbuild").join(rid).join(&variant.image);
        let theirs = sample_dir(sample).join("bin").join(rid).join(&variant.image);
        assert!(
            ours.is_file(),
            "xbuild did not write {}:\n{}",
            ours.display(),
            b.log
        );
        assert!(
            b.log
                .contains(&format!("aotinterop publish: {}: ", ours.display())),
            "{}",
            b.log
        );

        // The plan.
        let generated = std::fs::read_dir(dir.path().join("obj/xbuild").join(rid).join("aotinterop"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .flat_map(|p| {
                if p.is_dir() {
                    vec![p.join("request.json")]
                } else {
                    vec![p]
                }
            })
            .filter(|p| p.is_file() && p.file_name().unwrap() == "request.json")
            .find(|p| {
                let req: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
                req["output"].as_str() == Some(ours.to_str().unwrap())
            })
            .unwrap_or_else(|| panic!("no generated request names {}", ours.display()));
        let built = neutral_plan(
            &plan_of(&ours),
            dir.path(),
            &dir.path().join("bin/xbuild").join(rid),
            &generated,
        );
        let sample_root = repo_root().join("samples").join(sample);
        let expected = neutral_plan(
            &plan_of(&theirs),
            &sample_root,
            &sample_root.join("bin").join(rid),
            &sample_root.join(&variant.request),
        );
        assert_eq!(
            built, expected,
            "{sample} {rid}: xbuild's plan differs from `aotinterop publish {}`",
            variant.request
        );
        assert!(plan_of(&ours).with_extension("md").is_file());

        // The image.
        if ours.extension().is_some_and(|e| e == "a" || e == "lib") {
            assert_eq!(
                archive_members(&ours),
                archive_members(&theirs),
                "{sample} {rid}: archive members"
            );
        } else {
            let a = aotinterop::inspect::inspect(&ours).unwrap_or_else(|e| panic!("{}: {e}", ours.display()));
            let b =
                aotinterop::inspect::inspect(&theirs).unwrap_or_else(|e| panic!("{}: {e}", theirs.display()));
            assert!(a.imports.len() + a.lazy.len() + a.exports.len() > 0, "{a:?}");
            // ELF: DT_NEEDED order is the loader's symbol search order, so it must match. PE:
            // GNU ld orders the import directory by the path of each import library (the
            // project names failfast-dep's by its full path, the request file by a relative
            // one), and the order does not change what binds where.
            let (mut na, mut nb) = (a.needed.clone(), b.needed.clone());
            if rid.starts_with("win") {
                na.sort();
                nb.sort();
            }
            assert_eq!(na, nb, "{sample} {rid}: needed libraries");
            assert_eq!(a.imports, b.imports, "{sample} {rid}: startup imports");
            assert_eq!(
                a.delay_loaded, b.delay_loaded,
                "{sample} {rid}: delay-loaded imports"
            );
            assert_eq!(a.exports, b.exports, "{sample} {rid}: exports");
            assert_eq!(a.lazy, b.lazy, "{sample} {rid}: lazy imports");
            assert_eq!(a.defined, b.defined, "{sample} {rid}: defined symbols");
            assert_eq!(
                (a.format, a.kind, &a.arch),
                (b.format, b.kind, &b.arch),
                "{sample} {rid}"
            );
        }
    }
    dir
}

/// Runs an image for `rid` and returns what it printed, with the process id and `folder` made
/// neutral.
fn run_output(rid: &str, image: &Path, folder: &Path) -> String {
    let tc = Toolchain::for_rid(rid, &repo_root()).unwrap();
    let cwd = image.parent().unwrap();
    let out = tc.run(image, &[], cwd).unwrap();
    assert!(out.status.success(), "{}: {out:?}", image.display());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .replace("\r\n", "\n");
    let folder = folder.canonicalize().unwrap();
    let folder = folder.to_str().unwrap();
    let text = text
        .replace(folder, "<bin>")
        .replace(&folder.replace('/', "\\"), "<bin>");
    let pid = text.find("pid ").map(|at| at + 4);
    match pid {
        Some(at) => {
            let digits = text[at..].len() - text[at..].trim_start_matches(|c: char| c.is_ascii_digit()).len();
            format!("{}N{}", &text[..at], &text[at + digits..])
        }
        None => text,
    }
}

fn check_hello_runs(rid: &str, dir: &Path) {
    let exe = if rid.starts_with("win") {
        "hello.exe"
    } else {
        "hello"
    };
    let ours = dir.join("bin/xbuild").join(rid);
    let theirs = sample_dir("hello").join("bin").join(rid);
    let printed = run_output(rid, &ours.join(exe), &ours);
    let lazy_call = if rid.starts_with("win") {
        "PathIsRelative(\"a\\b\") = 1 (shlwapi: lazy, bound on first call)"
    } else {
        "crc32(\"hello\") = 0x3610a686 (lazy, bound on first call)"
    };
    assert!(printed.contains(lazy_call), "{printed}");
    assert!(printed.contains("still running"), "{printed}");
    let expected = run_output(rid, &theirs.join(exe), &theirs);
    assert_eq!(
        printed, expected,
        "{rid}: the xbuild image prints\n{printed}\nthe builder's\n{expected}"
    );
}

/// A real library referenced as a project references it: both images print what Mono's JIT prints.
#[test]
fn sqlite_linux_x64() {
    let dir = check_sample("sqlite", "linux-x64");
    let jit = Command::new("mono")
        .arg(sample_dir("sqlite").join("obj/Sqlite.exe"))
        .output()
        .expect("run mono");
    assert!(jit.status.success());
    for binding in ["lazy", "static"] {
        let image = dir
            .path()
            .join("bin/xbuild/linux-x64")
            .join(binding)
            .join("sqlite");
        let out = Command::new(&image).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{binding}: {out:?}");
        assert_eq!(out.stdout, jit.stdout, "{binding}");
    }
}

#[test]
fn hello_linux_x64() {
    let dir = check_sample("hello", "linux-x64");
    check_hello_runs("linux-x64", dir.path());
}

#[test]
fn static_shim_linux_x64() {
    let dir = check_sample("static-shim", "linux-x64");
    // Linked in statically: no dynamic dependency on the shim.
    let image = dir.path().join("bin/xbuild/linux-x64/static-shim");
    let i = aotinterop::inspect::inspect(&image).unwrap();
    assert!(
        !i.needed.iter().any(|n| n.contains("SampleNative")),
        "{:?}",
        i.needed
    );
}

#[test]
fn native_exports_linux_x64() {
    let dir = check_sample("native-exports", "linux-x64");
    let i =
        aotinterop::inspect::inspect(&dir.path().join("bin/xbuild/linux-x64/libnative-exports.so")).unwrap();
    assert!(i.exports.iter().any(|e| e == "exports_add"), "{:?}", i.exports);
}

#[test]
fn fail_fast_linux_x64() {
    let dir = check_sample("fail-fast", "linux-x64");
    let direct =
        aotinterop::inspect::inspect(&dir.path().join("bin/xbuild/linux-x64/direct/fail-fast")).unwrap();
    assert!(
        direct.needed.iter().any(|n| n == "libfailfast-dep.so"),
        "{:?}",
        direct.needed
    );
    let lazy = aotinterop::inspect::inspect(&dir.path().join("bin/xbuild/linux-x64/lazy/fail-fast")).unwrap();
    assert!(
        !lazy.needed.iter().any(|n| n == "libfailfast-dep.so"),
        "{:?}",
        lazy.needed
    );
}

#[test]
fn search_paths_linux_x64() {
    check_sample("search-paths", "linux-x64");
}

/// AotInteropGenerateImportLibraries: the same stand-ins as the request file's
/// `generate_import_libraries`, and the preflight's note in the build log, at the project.
fn check_no_import_lib(rid: &str) {
    let dir = check_sample("no-import-lib", rid);
    let b = xbuild(
        dir.path(),
        "NoImportLib.csproj",
        &[&format!("/p:RuntimeIdentifier={rid}"), "/t:Rebuild"],
    );
    assert!(b.ok, "{}", b.log);
    assert!(
        b.log
            .contains("NoImportLib.csproj: note AOTI2520: `vendor` is not in the link"),
        "{}",
        b.log
    );
}

#[test]
fn no_import_lib_linux_x64() {
    check_no_import_lib("linux-x64");
}

#[test]
fn no_import_lib_win_x64() {
    check_no_import_lib("win-x64");
}

#[test]
fn hello_win_x64_under_wine() {
    let dir = check_sample("hello", "win-x64");
    check_hello_runs("win-x64", dir.path());
}

#[test]
fn native_exports_win_x64() {
    let dir = check_sample("native-exports", "win-x64");
    let i = aotinterop::inspect::inspect(&dir.path().join("bin/xbuild/win-x64/native-exports.dll")).unwrap();
    assert!(i.exports.iter().any(|e| e == "exports_add"), "{:?}", i.exports);
}

#[test]
fn fail_fast_win_x64() {
    let dir = check_sample("fail-fast", "win-x64");
    let direct =
        aotinterop::inspect::inspect(&dir.path().join("bin/xbuild/win-x64/direct/fail-fast.exe")).unwrap();
    assert!(
        direct
            .needed
            .iter()
            .any(|n| n.eq_ignore_ascii_case("failfast-dep.dll")),
        "{:?}",
        direct.needed
    );
}

fn mtime(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

const SKIPPED: &str = "Skipping target \"AotInteropPublish\" because its outputs are up-to-date";

fn ok(b: Build) -> Build {
    assert!(b.ok, "{}", b.log);
    b
}

#[test]
fn unchanged_sample_is_not_relinked() {
    // linux-arm64: hello's C stand-in is an object file the project links (linux-x64 compiles
    // the C# with Mono instead).
    build_sample("hello", "linux-arm64");
    let dir = sample_copy("hello");
    let image = dir.path().join("bin/xbuild/linux-arm64/hello");
    let report = dir.path().join("bin/xbuild/linux-arm64/hello.plan.json");
    let arm = "/p:RuntimeIdentifier=linux-arm64";

    let b = ok(xbuild(dir.path(), "Hello.csproj", &[arm]));
    assert!(!b.log.contains(SKIPPED) && image.is_file(), "{}", b.log);
    let first = mtime(&image);

    // Nothing changed: the target is skipped, the image untouched.
    let b = ok(xbuild(dir.path(), "Hello.csproj", &[arm]));
    assert!(
        b.log.contains(SKIPPED),
        "the second build must skip the link:\n{}",
        b.log
    );
    assert!(!b.log.contains("aotinterop publish:"), "{}", b.log);
    assert_eq!(mtime(&image), first);

    // A newer object file relinks.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let obj = dir.path().join("obj/linux-arm64/hello.o");
    std::fs::write(&obj, std::fs::read(&obj).unwrap()).unwrap();
    let b = ok(xbuild(dir.path(), "Hello.csproj", &[arm]));
    assert!(
        !b.log.contains(SKIPPED) && b.log.contains("aotinterop publish:"),
        "{}",
        b.log
    );
    let second = mtime(&image);
    assert!(second > first);

    // So does an edited C# source (a new assembly) and a missing image.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let cs = dir.path().join("Hello.cs");
    std::fs::write(&cs, std::fs::read_to_string(&cs).unwrap() + "\n// edited\n").unwrap();
    let b = ok(xbuild(dir.path(), "Hello.csproj", &[arm]));
    assert!(!b.log.contains(SKIPPED), "{}", b.log);
    assert!(mtime(&image) > second);
    std::fs::remove_file(&image).unwrap();
    let b = ok(xbuild(dir.path(), "Hello.csproj", &[arm]));
    assert!(!b.log.contains(SKIPPED) && image.is_file(), "{}", b.log);

    // The plan-only mode is still there: it plans, and links nothing.
    let image_time = mtime(&image);
    std::fs::remove_file(&report).unwrap();
    let b = ok(xbuild(
        dir.path(),
        "Hello.csproj",
        &[arm, "/p:AotInteropStep=plan"],
    ));
    assert!(
        b.log.contains("aotinterop plan: 7 imports, 2 direct, 5 lazy"),
        "{}",
        b.log
    );
    assert!(report.is_file());
    assert_eq!(mtime(&image), image_time);

    // A plan report named elsewhere gets a copy of the one the publish writes next to the image.
    let custom = dir.path().join("reports/hello-plan.json");
    let arg = format!("/p:AotInteropPlanReport={}", custom.display());
    let b = ok(xbuild(dir.path(), "Hello.csproj", &[arm, &arg]));
    assert!(b.log.contains(&format!("-> {}", custom.display())), "{}", b.log);
    assert_eq!(
        std::fs::read_to_string(&custom).unwrap(),
        std::fs::read_to_string(&report).unwrap()
    );
}

#[test]
fn a_sample_without_the_package_is_an_msbuild_error() {
    let dir = sample_copy("hello");
    let missing = dir.path().join("no-package");
    let b = support::xbuild_with(&missing, dir.path(), "Hello.csproj", &[]);
    support::assert_msbuild_error(
        &b,
        &format!(
            "{}: error AOTI0814: the aotinterop package is not in {}/",
            dir.path().join("Hello.csproj").display(),
            missing.display()
        ),
    );
}
