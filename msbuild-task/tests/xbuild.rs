//! The MSBuild integration through a real engine: Mono's xbuild builds the test projects under
//! `tests/projects/` with the task compiled by `mcs` and the cdylib this package builds, laid out
//! as the NuGet package would be (`build/`, `tasks/`).
//!
//! Needs `xbuild`, `mcs` and Mono's MSBuild reference assemblies (Debian: mono-xbuild, mono-mcs,
//! mono-devel). `AOTINTEROP_MONO_LIB` may name the folder holding `4.5/Microsoft.Build.*.dll`.

mod support;

use std::path::{Path, PathBuf};
use support::{
    assert_msbuild_error, cdylib, copy_dir, package, project, xbuild, xbuild_with, Build, MANIFEST,
};

/// The plan `aotinterop plan REQUEST --format json` prints, as the library computes it.
fn cli_plan(request: &Path) -> String {
    let loaded = aotinterop::PublishRequest::load(request).unwrap();
    serde_json::to_string_pretty(&aotinterop::plan_request(&loaded).unwrap()).unwrap()
}

/// A plan's JSON with the request file made neutral: its path, and the line of an item in it
/// (the generated request has one item a line, a hand-written one may not).
fn neutral(plan: &str, request: &Path) -> serde_json::Value {
    let path = serde_json::to_string(request.to_str().unwrap()).unwrap();
    let path = &path[1..path.len() - 1];
    let mut v = serde_json::from_str(&plan.replace(path, "<request>")).unwrap();
    support::drop_request_lines(&mut v);
    v
}

fn assert_same_plan(dir: &Path, report: &Path, request_file: &str) {
    let built = std::fs::read_to_string(report).unwrap_or_else(|e| panic!("{}: {e}", report.display()));
    let generated = dir.join("obj/aotinterop/request.json");
    let generated = if generated.exists() {
        generated
    } else {
        dir.join("obj/Debug/aotinterop/request.json")
    };
    let request = dir.join(request_file);
    let expected = cli_plan(&request);
    assert_eq!(
        neutral(&built, &generated),
        neutral(&expected, &request),
        "xbuild's plan differs from `aotinterop plan {request_file}`"
    );
    // The generated request, given to the command line, plans the same.
    assert_eq!(
        neutral(&cli_plan(&generated), &generated),
        neutral(&built, &generated)
    );
}

#[test]
fn plan_matches_the_request_file() {
    let sample = Path::new(MANIFEST).join("../samples/plan-basics");
    for rid in ["linux-x64", "win-x64"] {
        let dir = project("plan-basics");
        for f in ["imports.json", "direct-zlib.txt", &format!("request.{rid}.json")] {
            std::fs::copy(sample.join(f), dir.path().join(f)).unwrap();
        }
        let b = xbuild(
            dir.path(),
            "PlanBasics.proj",
            &[&format!("/p:RuntimeIdentifier={rid}")],
        );
        assert!(b.ok, "{}", b.log);
        let report = dir.path().join(format!("bin/{rid}/plan-basics.plan.json"));
        assert_same_plan(dir.path(), &report, &format!("request.{rid}.json"));

        let plan: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        let image = plan["output"].as_str().unwrap();
        let c = &plan["counts"];
        let line = format!(
            "outputs: image={image} report={} imports={} direct={} lazy={}",
            report.display(),
            c["imports"],
            c["direct"],
            c["lazy"]
        );
        assert!(b.log.contains(&line), "missing `{line}` in:\n{}", b.log);
        if rid == "win-x64" {
            assert!(image.ends_with("plan-basics.exe"));
            assert!(b.log.contains("warning AOTI1005:"), "{}", b.log);
        } else {
            assert!(!b.log.contains("warning AOTI"), "{}", b.log);
        }
    }
}

#[test]
fn csharp_project_is_built_and_its_assembly_scanned() {
    let dir = project("csharp-app");
    let b = xbuild(dir.path(), "App.csproj", &[]);
    assert!(b.ok, "{}", b.log);
    assert!(dir.path().join("obj/Debug/CSharpApp.exe").is_file());
    let report = dir.path().join("bin/Debug/native/CSharpApp.plan.json");
    assert_same_plan(dir.path(), &report, "request.linux-x64.json");
    let plan: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let bindings: Vec<(String, String)> = plan["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["entry"].as_str().unwrap().into(),
                i["binding"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = |e: &str, b: &str| (e.to_string(), b.to_string());
    for w in [
        want("getpid", "direct"),
        want("strlen", "direct"),
        want("crc32", "direct"),
        want("zlibVersion", "lazy"),
    ] {
        assert!(bindings.contains(&w), "{w:?} not in {bindings:?}");
    }
}

fn request_of(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("obj/aotinterop/request.json")).unwrap()).unwrap()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn rid_conditions_as_the_docs_write_them() {
    let cases: &[(&str, &str, &[&str], &str)] = &[
        ("linux-x64", "", &["libc"], "RidConditions"),
        ("linux-musl-x64", "", &["libc", "libz"], "RidConditions"),
        ("linux-arm64", "", &["libc", "libSystem"], "RidConditions"),
        ("win-x64", "", &["user32"], "RidConditions.exe"),
        (
            "win-arm64",
            "Shared",
            &["user32", "libSystem"],
            "RidConditions.dll",
        ),
        ("osx-arm64", "Shared", &["libSystem"], "RidConditions.dylib"),
        // `.dylib` on every Apple RID, as native AOT's `_IsApplePlatform`.
        ("ios-arm64", "Shared", &["libSystem"], "RidConditions.dylib"),
        ("iossimulator-x64", "Shared", &[], "RidConditions.dylib"),
        (
            "maccatalyst-arm64",
            "Shared",
            &["libSystem"],
            "RidConditions.dylib",
        ),
        ("tvos-arm64", "Shared", &["libSystem"], "RidConditions.dylib"),
        ("linux-x64", "Shared", &["libc"], "RidConditions.so"),
        ("linux-x64", "Static", &["libc"], "RidConditions.a"),
        ("win-x86", "Static", &["user32"], "RidConditions.lib"),
    ];
    let dir = project("rid-conditions");
    for (rid, native_lib, direct, image) in cases {
        let b = xbuild(
            dir.path(),
            "RidConditions.proj",
            &[
                &format!("/p:RuntimeIdentifier={rid}"),
                &format!("/p:NativeLib={native_lib}"),
            ],
        );
        assert!(b.ok, "{rid} {native_lib}: {}", b.log);
        let req = request_of(dir.path());
        assert_eq!(req["rid"], *rid);
        assert_eq!(strings(&req["direct_pinvoke"]), *direct, "{rid}");
        let linker_args = strings(&req["linker_arg"]);
        let want_args: &[&str] = if *native_lib == "Shared" && !rid.starts_with("win") {
            &["-Wl,-z,defs"]
        } else {
            &[]
        };
        assert_eq!(linker_args, want_args, "{rid} {native_lib}");
        let out = req["output"].as_str().unwrap();
        assert!(
            out.ends_with(&format!("/bin/native/{image}")),
            "{rid} {native_lib}: {out}"
        );
        assert!(b.log.contains(&format!("outputs: image={out} ")), "{}", b.log);
    }
}

/// What the project's properties put in the request: a class library publishes a shared
/// library, as the SDK's targets say; TargetFramework picks the rules; the switches pass through.
#[test]
fn sdk_defaults_and_switches_reach_the_request() {
    let dir = project("rid-conditions");
    let build = |args: &[&str]| {
        let mut all = vec!["/p:RuntimeIdentifier=linux-x64"];
        all.extend_from_slice(args);
        let b = xbuild(dir.path(), "RidConditions.proj", &all);
        assert!(b.ok, "{args:?}: {}", b.log);
        request_of(dir.path())
    };
    let req = build(&["/p:OutputType=Library"]);
    assert_eq!(req["native_lib"], "shared");
    assert!(
        req["output"]
            .as_str()
            .unwrap()
            .ends_with("/bin/native/RidConditions.so"),
        "{req}"
    );
    let req = build(&["/p:OutputType=Library", "/p:NativeLib=Static"]);
    assert_eq!(req["native_lib"], "static");
    let req = build(&["/p:OutputType=Exe"]);
    assert!(req.get("native_lib").is_none(), "{req}");
    let req = build(&[
        "/p:TargetFramework=net8.0",
        "/p:InvariantGlobalization=true",
        "/p:AotInteropSdkDirectPInvoke=false",
        "/p:AotInteropSearchCurrentDirectory=true",
        "/p:AotInteropAssemblyDirectory=Executable",
        "/p:AotInteropCacheDirectory=cache",
    ]);
    // The documented properties reach the request (they never did), as paths from the project;
    // the intermediate folder is the request's own by default.
    let here = dir.path().display();
    assert_eq!(req["cache_dir"], format!("{here}/cache"));
    assert_eq!(req["intermediate_dir"], format!("{here}/obj/aotinterop/"));
    assert_eq!(req["target_framework"], "net8.0");
    assert_eq!(req["invariant_globalization"], true);
    assert_eq!(req["sdk_direct_pinvoke"], false);
    assert_eq!(req["search_current_directory"], true);
    assert_eq!(req["assembly_directory"], "executable");
    // The plan says which rules it followed.
    let plan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("bin/native/RidConditions.plan.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(plan["rules"], "net8.0");
    assert!(req.get("static_executable").is_none(), "{req}");
    assert!(req.get("generate_import_libraries").is_none(), "{req}");
    let req = build(&[
        "/p:OutputType=Exe",
        "/p:StaticExecutable=true",
        "/p:PositionIndependentExecutable=false",
        "/p:StripSymbols=false",
        "/p:AotInteropGenerateImportLibraries=true",
    ]);
    assert_eq!(req["static_executable"], true);
    assert_eq!(req["generate_import_libraries"], true);
    assert_eq!(req["position_independent_executable"], false);
    assert_eq!(req["strip_symbols"], false);
    let b = xbuild(
        dir.path(),
        "RidConditions.proj",
        &["/p:RuntimeIdentifier=linux-x64", "/p:TargetFramework=net9.0"],
    );
    assert!(!b.ok);
    assert!(b.log.contains("error AOTI0007"), "{}", b.log);
}

fn mtime(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

const SKIPPED: &str = "Skipping target \"AotInteropPublish\" because its outputs are up-to-date";

#[test]
fn unchanged_project_is_not_planned_again() {
    let dir = project("plan-basics");
    let sample = Path::new(MANIFEST).join("../samples/plan-basics");
    for f in ["imports.json", "direct-zlib.txt"] {
        std::fs::copy(sample.join(f), dir.path().join(f)).unwrap();
    }
    let report = dir.path().join("bin/linux-x64/plan-basics.plan.json");
    let b = xbuild(dir.path(), "PlanBasics.proj", &[]);
    assert!(b.ok && !b.log.contains(SKIPPED), "{}", b.log);
    let first = mtime(&report);

    let b = xbuild(dir.path(), "PlanBasics.proj", &[]);
    assert!(
        b.ok && b.log.contains(SKIPPED),
        "second build must skip:\n{}",
        b.log
    );
    assert_eq!(mtime(&report), first);

    // A list file that changes plans again.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let list = dir.path().join("direct-zlib.txt");
    std::fs::write(&list, std::fs::read_to_string(&list).unwrap() + "libz!deflate\n").unwrap();
    let b = xbuild(dir.path(), "PlanBasics.proj", &[]);
    assert!(b.ok && !b.log.contains(SKIPPED), "{}", b.log);
    assert!(mtime(&report) > first);

    // So does a property given on the command line (the request file changes), once.
    let b = xbuild(
        dir.path(),
        "PlanBasics.proj",
        &["/p:AotInteropImageName=plan-basics", "/p:NativeLib=Shared"],
    );
    assert!(b.ok && !b.log.contains(SKIPPED), "{}", b.log);
    let b = xbuild(dir.path(), "PlanBasics.proj", &["/p:NativeLib=Shared"]);
    assert!(b.ok && b.log.contains(SKIPPED), "{}", b.log);

    // Opting out of the after-Build hook; the target still runs when asked for.
    std::fs::remove_file(&report).unwrap();
    let b = xbuild(
        dir.path(),
        "PlanBasics.proj",
        &["/p:AotInteropPublishAfterBuild=false"],
    );
    assert!(
        b.ok && !report.exists() && !b.log.contains("aotinterop plan:"),
        "{}",
        b.log
    );
    let b = xbuild(
        dir.path(),
        "PlanBasics.proj",
        &["/p:AotInteropPublishAfterBuild=false", "/t:AotInteropPublish"],
    );
    assert!(b.ok && report.exists(), "{}", b.log);
}

/// The C library mapped into this process, as `/proc/self/maps` names it.
fn loaded_libc() -> PathBuf {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.contains("/libc.so") || p.contains("/libc-"))
        .map(PathBuf::from)
        .expect("libc in /proc/self/maps")
}

fn line_col(file: &Path, needle: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(file).unwrap();
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap();
    (n + 1, line.find(needle).unwrap() + 1)
}

/// Builds BadInputs.proj in `dir` with `property` naming `path`: refused (AOTI0812), saying
/// `says`.
fn refused(dir: &Path, property: &str, path: &Path, says: &str) {
    let b = xbuild(
        dir,
        "BadInputs.proj",
        &[&format!("/p:{property}={}", path.display())],
    );
    assert!(
        !b.ok && b.log.contains("AOTI0812") && b.log.contains(says),
        "{}",
        b.log
    );
}

#[test]
fn bad_inputs_are_msbuild_errors_with_code_and_location() {
    let dir = project("bad-inputs");
    let d = dir.path().display().to_string();
    let proj = dir.path().join("BadInputs.proj");
    let report = dir.path().join("bin/native/BadInputs.plan.json");

    // A good build first, so that each failure below must also remove the report.
    let b = xbuild(dir.path(), "BadInputs.proj", &[]);
    assert!(b.ok && report.exists(), "{}", b.log);

    let (l, c) = line_col(&proj, "\"!getpid\"");
    let cases = [
        (
            "missing-list",
            format!("{d}/BadInputs.proj: error AOTI0001: `direct_pinvoke_list[0]`: {d}/lists/missing.txt does not exist"),
        ),
        (
            "wrong-library-kind",
            format!("{d}/native/zlib.lib: error AOTI0522: NativeLibrary item is a Windows library, not a library for linux-x64"),
        ),
        ("bad-native-lib", format!("{d}/BadInputs.proj: error AOTI0813: NativeLib is `Dynamic`")),
    ];
    for (case, expected) in &cases {
        let b = xbuild(dir.path(), "BadInputs.proj", &[&format!("/p:Case={case}")]);
        // xbuild writes two spaces after a file without a line; real MSBuild one.
        let log = Build {
            ok: b.ok,
            log: b.log.replace(":  error", ": error"),
        };
        assert_msbuild_error(&log, expected);
        assert!(!report.exists(), "{case}: a failed step must not leave a report");
    }

    let b = xbuild(dir.path(), "BadInputs.proj", &["/p:RuntimeIdentifier=linux-x65"]);
    assert_msbuild_error(&b, "error AOTI0006: unknown runtime identifier");

    // A report path naming an input of the publish: refused before MSBuild's up-to-date check
    // (which took the target as up to date, running nothing), and the input is never removed
    // (the task deleted the old report before anything else).
    let input = dir.path().join("imports.json");
    let before = std::fs::read(&input).unwrap();
    for step in ["plan", "publish"] {
        let b = xbuild(
            dir.path(),
            "BadInputs.proj",
            &[
                &format!("/p:AotInteropPlanReport={}", input.display()),
                &format!("/p:AotInteropStep={step}"),
            ],
        );
        assert_msbuild_error(&b, "error AOTI0815: an output of the");
        assert!(b.log.contains("is also one of its inputs"), "{}", b.log);
    }
    assert_eq!(std::fs::read(&input).unwrap(), before);
    // Nor a file the publish writes itself (the publish ran, the report was refused, and the
    // next build was taken as up to date).
    for own in ["BadInputs.plan.md", "BadInputs", "BadInputs.dbg"] {
        let b = xbuild(
            dir.path(),
            "BadInputs.proj",
            &[
                &format!("/p:AotInteropPlanReport=bin/native/{own}"),
                "/p:AotInteropStep=publish",
            ],
        );
        assert_msbuild_error(&b, "error AOTI0815: the plan report");
    }

    // A report that is a FIFO or `/dev/null` through a link: refused before MSBuild's
    // up-to-date check, which took it for a new output and skipped the step.
    let fifo_report = dir.path().join("report-fifo.json");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo_report)
        .status()
        .unwrap()
        .success());
    let null_report = dir.path().join("report-null.json");
    std::os::unix::fs::symlink("/dev/null", &null_report).unwrap();
    for report in [&fifo_report, &null_report] {
        let b = xbuild(
            dir.path(),
            "BadInputs.proj",
            &[
                &format!("/p:AotInteropPlanReport={}", report.display()),
                "/p:AotInteropStep=plan",
            ],
        );
        assert_msbuild_error(&b, "error AOTI0812: is a FIFO, a device or a socket");
    }

    // A report given empty on the command line (a global property, which the project cannot
    // default): the default report, not a target skipped for having no outputs.
    let _ = std::fs::remove_file(&report);
    let b = xbuild(
        dir.path(),
        "BadInputs.proj",
        &["/p:AotInteropPlanReport=", "/p:AotInteropStep=plan"],
    );
    assert!(b.ok && report.exists(), "{}", b.log);

    // A true/false property with another value: its default, as native AOT's targets take it,
    // said in a warning (it was silent).
    let b = xbuild(
        dir.path(),
        "BadInputs.proj",
        &["/p:StripSymbols=yes", "/p:AotInteropStep=plan"],
    );
    assert!(
        b.ok && b.log.contains(
            "warning AOTI1813: StripSymbols is `yes`, which is neither true nor false: taken as true"
        ),
        "{}",
        b.log
    );

    // Lines native AOT accepts but that can never match: warnings with their place, and the
    // build goes on.
    for (case, expected) in [
        (
            "bad-list-line",
            format!("{d}/lists/bad-line.txt(3): warning AOTI1006: DirectPInvokeList line `libz!`"),
        ),
        (
            "malformed-item",
            format!(
                "{d}/BadInputs.proj({l},{}): warning AOTI1006: DirectPInvoke item `!getpid`",
                c + 1
            ),
        ),
    ] {
        let b = xbuild(dir.path(), "BadInputs.proj", &[&format!("/p:Case={case}")]);
        assert!(
            b.ok && b.log.contains(&expected),
            "{case}: missing `{expected}` in:\n{}",
            b.log
        );
    }

    // A warning about an item points at the item too, and the build goes on.
    let b = xbuild(dir.path(), "BadInputs.proj", &["/p:Case=unmatched-item"]);
    let (l, c) = line_col(&proj, "\"libz!crc23\"");
    let expected = format!(
        "{d}/BadInputs.proj({l},{}): warning AOTI1002: DirectPInvoke item `libz!crc23`",
        c + 1
    );
    assert!(
        b.ok && b.log.contains(&expected),
        "missing `{expected}` in:\n{}",
        b.log
    );
    assert!(report.exists());

    // A step the library does not know (quoted as written), or one of its file steps
    // (`write_request` wrote `{"changed": false}` as the plan report).
    for step in ["Link", "write_request"] {
        let b = xbuild(
            dir.path(),
            "BadInputs.proj",
            &[&format!("/p:AotInteropStep={step}")],
        );
        let log = Build {
            ok: b.ok,
            log: b.log.replace(":  error", ": error"),
        };
        assert_msbuild_error(
            &log,
            &format!("error AOTI0802: unknown step `{step}`; the steps are plan, publish, inspect"),
        );
    }

    // publish runs the real pipeline: with no compiled code (no entry point) the link fails,
    // located at the image, and leaves neither an image nor a report.
    support::ensure_runtime("linux-x64");
    let b = xbuild(dir.path(), "BadInputs.proj", &["/p:AotInteropStep=publish"]);
    let log = Build {
        ok: b.ok,
        log: b.log.replace(":  error", ": error"),
    };
    assert_msbuild_error(&log, &format!("{d}/bin/native/BadInputs: error AOTI0501: the "));
    assert!(log.log.contains("linker failed"), "{}", log.log);
    assert!(!dir.path().join("bin/native/BadInputs").exists());
    assert!(!report.exists());
    assert!(!dir.path().join("bin/native/BadInputs.plan.json").exists());
}

/// The files the task writes and removes are its own: a plan report path naming a request is
/// refused (it was removed), and so is a request file naming the project (overwritten with the
/// request) or a FIFO (replaced by a file); each is left as it was.
#[test]
fn the_request_and_the_report_replace_only_the_tasks_own_files() {
    let dir = project("bad-inputs");
    let proj = dir.path().join("BadInputs.proj");
    let report = dir.path().join("bin/native/BadInputs.plan.json");
    let b = xbuild(dir.path(), "BadInputs.proj", &[]);
    assert!(b.ok && report.exists(), "{}", b.log);
    let mine = dir.path().join("mine.json");
    std::fs::write(&mine, "{\"rid\": \"linux-x64\", \"output\": \"app\"}").unwrap();
    let arg = format!("/p:AotInteropPlanReport={}", mine.display());
    let b = xbuild(dir.path(), "BadInputs.proj", &[&arg, "/p:Case=unmatched-item"]);
    assert!(
        !b.ok && b.log.contains("AOTI0812") && b.log.contains("not a plan report"),
        "{}",
        b.log
    );
    assert!(mine.exists());

    // A request file naming the project, or a FIFO: refused, and left as it was (the project
    // was overwritten, the FIFO replaced by a file).
    let project_text = std::fs::read(&proj).unwrap();
    let _ = std::fs::remove_file(&report);
    refused(
        dir.path(),
        "AotInteropRequestFile",
        &proj,
        "not a publish request",
    );
    assert_eq!(std::fs::read(&proj).unwrap(), project_text);
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let _ = std::fs::remove_file(&report);
    refused(dir.path(), "AotInteropRequestFile", &fifo, "FIFO");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn missing_or_broken_cdylib_is_an_msbuild_error() {
    let dir = project("bad-inputs");
    // The package without its native library: the task looks next to itself only.
    let broken = tempfile::tempdir().unwrap();
    copy_dir(package(), broken.path());
    let lib = broken.path().join("tasks").join(cdylib().file_name().unwrap());
    std::fs::remove_file(&lib).unwrap();
    let b = xbuild_with(broken.path(), dir.path(), "BadInputs.proj", &[]);
    assert_msbuild_error(
        &b,
        &format!(
            "{}: error AOTI0810: cannot load the aotinterop native library (the file does not exist)",
            lib.display()
        ),
    );

    // A file that is not a library.
    let not_lib = dir.path().join("imports.json");
    let b = xbuild(
        dir.path(),
        "BadInputs.proj",
        &[&format!("/p:AotInteropNativeLibrary={}", not_lib.display())],
    );
    assert_msbuild_error(
        &b,
        &format!(
            "{}: error AOTI0810: cannot load the aotinterop native library",
            not_lib.display()
        ),
    );

    // A shared library that is not aotinterop's: the C library this test runs with.
    let other = dir.path().join("other.so");
    std::fs::copy(loaded_libc(), &other).unwrap();
    let b = xbuild(
        dir.path(),
        "BadInputs.proj",
        &[&format!("/p:AotInteropNativeLibrary={}", other.display())],
    );
    assert_msbuild_error(&b, "error AOTI0810: cannot load the aotinterop native library (the library has no `aotinterop_run` function");

    // A library of another ABI (its responses another shape): refused, not read as this one's.
    let b = xbuild(dir.path(), "BadInputs.proj", &["/p:AotInteropStep=plan"]);
    assert!(b.ok, "{}", b.log);
    let c = dir.path().join("abi2.c");
    std::fs::write(
        &c,
        "#include <stdlib.h>\n#include <string.h>\n\
         char *aotinterop_run(const char *s, const char *r, const char *o) { (void)s; (void)r; (void)o;\n\
           return strdup(\"{\\\"ok\\\": true, \\\"abi\\\": 2, \\\"version\\\": \\\"9\\\", \\\"result\\\": null, \\\"diagnostics\\\": []}\"); }\n\
         void aotinterop_free(char *t) { free(t); }\n\
         const char *aotinterop_version(void) { return \"9\"; }\n",
    )
    .unwrap();
    let abi2 = dir.path().join("abi2.so");
    let st = std::process::Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&abi2)
        .arg(&c)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::remove_file(dir.path().join("bin/native/BadInputs.plan.json")).unwrap();
    let b = xbuild(
        dir.path(),
        "BadInputs.proj",
        &[
            "/p:AotInteropStep=plan",
            &format!("/p:AotInteropNativeLibrary={}", abi2.display()),
        ],
    );
    assert_msbuild_error(
        &b,
        "error AOTI0811: the aotinterop library gave no valid response: it speaks ABI 2, this task ABI 1",
    );
}

/// xbuild runs the publish in its own process: interrupted by SIGINT while the task publishes,
/// the build ends as the signal asks and leaves nothing beside the output (the staging folder
/// with its partial image was left, found only by the next publish).
#[test]
fn an_interrupted_publish_leaves_nothing_beside_the_output() {
    let dir = project("csharp-app");
    let out_dir = dir.path().join("bin/Debug/native");
    let mut child = std::process::Command::new("xbuild")
        .env("AOTINTEROP_RUNTIME_DIR", support::runtime_dir())
        .current_dir(dir.path())
        .arg("/nologo")
        .arg(format!("/p:AotInteropPackageRoot={}/", package().display()))
        .args([
            "/p:AotInteropStep=publish",
            "/p:AotInteropCompiler=mono",
            "/p:AotInteropGenerateImportLibraries=true",
        ])
        .arg("App.csproj")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let staging = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d)
            .map(|r| {
                r.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(".aotinterop-link-"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let started = std::time::Instant::now();
    while staging(&out_dir).is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before the publish staged anything"
        );
        assert!(started.elapsed().as_secs() < 600, "no publish started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert!(!status.success(), "the interrupted build succeeded");
    let left = staging(&out_dir);
    assert!(left.is_empty(), "left beside the output: {left:?}");
}
