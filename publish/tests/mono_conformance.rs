//! The P/Invoke conformance program (`tests/conformance/Conformance.cs`, over a small C library):
//! what peers' P/Invoke suites exercise — CharSet and ExactSpelling overloads, ANSI, UTF-8 and
//! UTF-16 strings, StringBuilder, SetLastError, structs by value, by ref and returned, arrays,
//! HandleRef and SafeHandle, callbacks with `[MonoPInvokeCallback]` and plain delegates, a delegate
//! over a DllImport method, a missing entry point, a missing library. Run by Mono's JIT (the
//! oracle) and as two published images, every import lazy and the library direct; every sub-test
//! must print what the JIT prints.

use aotinterop::PublishRequest;
use aotinterop_model::TargetRow;
use aotinterop_testkit::{repo_root, require, run_ok};
use std::path::Path;
use std::process::Command;

/// The sub-tests' lines, `name: result`.
fn subtests(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(n, r)| (n.to_string(), r.to_string()))
        .collect()
}

fn run(program: &mut Command, cwd: &Path) -> String {
    let out = program.current_dir(cwd).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn every_subtest_matches_monos_jit_lazy_and_direct() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let src = repo_root().join("publish/tests/conformance");
    let lib = dir.join("libconformance.so");
    run_ok(
        Command::new(require("gcc", "gcc"))
            .args(["-shared", "-fPIC", "-O1", "-o"])
            .arg(&lib)
            .arg(src.join("conformance.c")),
        "gcc",
    );
    let exe = dir.join("Conformance.exe");
    run_ok(
        Command::new(require("mcs", "mono-mcs"))
            .arg("-nologo")
            .arg(format!("-out:{}", exe.display()))
            .arg(src.join("Conformance.cs")),
        "mcs",
    );
    let jit = subtests(&run(Command::new(require("mono", "mono-runtime")).arg(&exe), dir));
    assert_eq!(jit.len(), 28, "{jit:?}");
    let runtime = aotinterop_testkit::runtime_archive(TargetRow::of_rid("linux-x64").unwrap());
    for binding in ["lazy", "direct"] {
        let bin = dir.join("bin").join(binding);
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(&lib, bin.join("libconformance.so")).unwrap();
        let mut json = serde_json::json!({
            "rid": "linux-x64",
            "compiler": "mono",
            "output": bin.join("conformance"),
            "assemblies": [exe],
            "runtime_dir": runtime.parent().and_then(Path::parent).unwrap(),
            "cache_dir": repo_root().join(".cache/aotinterop-test"),
        });
        if binding == "direct" {
            json["direct_pinvoke"] = serde_json::json!(["conformance"]);
            json["linker_arg"] = serde_json::json!([
                format!("-L{}", dir.display()),
                "-lconformance",
                "-Wl,-rpath,$ORIGIN"
            ]);
        }
        let loaded = PublishRequest::parse(&json.to_string(), &dir.join("request.json"), dir).unwrap();
        let report = aotinterop::pipeline::publish(&loaded, &mut |_| {})
            .unwrap_or_else(|f| panic!("{binding}: {}", f.error));
        let direct = report
            .plan
            .imports
            .iter()
            .filter(|i| i.module == "conformance" && i.binding == aotinterop_model::Binding::Direct)
            .count();
        assert_eq!(direct > 0, binding == "direct", "{binding}: {direct} direct");
        let ours = subtests(&run(&mut Command::new(&report.output), &bin));
        let differences: Vec<String> = jit
            .iter()
            .zip(&ours)
            .filter(|(a, b)| a != b)
            .map(|(a, b)| format!("  {}: JIT `{}`, image `{}: {}`", a.0, a.1, b.0, b.1))
            .collect();
        assert!(
            differences.is_empty() && ours.len() == jit.len(),
            "{binding}: {} of {} sub-tests differ from Mono's JIT ({} lines):\n{}",
            differences.len(),
            jit.len(),
            ours.len(),
            differences.join("\n")
        );
    }
}
