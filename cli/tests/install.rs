//! `scripts/install PREFIX` installs aotinterop for use outside the repository: the command and
//! the runtime of every target. Installed into an empty folder, it publishes and runs the hello
//! sample from another folder, with no repository around and no environment variable but PATH.

use aotinterop_testkit::{repo_root, require, run_ok};
use std::path::Path;
use std::process::Command;

fn publish(aotinterop: &Path, work: &Path) -> std::process::Output {
    Command::new(aotinterop)
        .args(["publish", "--quiet", "request.json"])
        .current_dir(work)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap()
}

#[test]
fn an_installed_aotinterop_publishes_from_anywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let prefix = tmp.path().join("prefix");
    std::fs::create_dir(&prefix).unwrap();
    run_ok(
        Command::new(repo_root().join("scripts/install"))
            .arg("--binary")
            .arg(env!("CARGO_BIN_EXE_aotinterop"))
            .arg(&prefix),
        "scripts/install",
    );
    let aotinterop = prefix.join("bin/aotinterop");
    for row in aotinterop_model::TARGETS.iter().filter(|r| r.runs_here()) {
        let archive = prefix
            .join("lib/aotinterop/runtime")
            .join(row.rust_triple)
            .join("libaotinterop_runtime.a");
        assert!(archive.is_file(), "{}", archive.display());
    }
    // Another folder: the app, its request, nothing of the repository.
    let work = tmp.path().join("app");
    std::fs::create_dir(&work).unwrap();
    run_ok(
        Command::new(require("mcs", "mono-mcs"))
            .arg("-nologo")
            .arg("-out:Hello.exe")
            .arg(repo_root().join("samples/hello/Hello.cs"))
            .current_dir(&work),
        "mcs",
    );
    let request = serde_json::json!({
        "rid": "linux-x64",
        "compiler": "mono",
        "output": "bin/hello",
        "assemblies": ["Hello.exe"],
        "direct_pinvoke": ["libc"],
        "cache_dir": repo_root().join(".cache/aotinterop-test"),
    });
    std::fs::write(work.join("request.json"), request.to_string()).unwrap();
    let out = publish(&aotinterop, &work);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(work.join("bin/hello"))
        .current_dir(&work)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && text.contains("(getpid: direct, bound at startup)"),
        "{text}"
    );
    // It was the installed runtime: without it the same publish cannot find one.
    std::fs::remove_dir_all(prefix.join("lib/aotinterop/runtime")).unwrap();
    let out = publish(&aotinterop, &work);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("runtime"), "{err}");
}
