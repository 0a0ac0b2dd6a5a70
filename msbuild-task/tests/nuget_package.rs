//! The package as NuGet lays it out and installs it: `msbuild-task/pack --nupkg` makes a real
//! `.nupkg` with Debian's `nuget pack`, `nuget install` unpacks it into a packages folder, and
//! a project that imports the package's `build/` files (as NuGet adds them) publishes and runs
//! an image with xbuild, the runtime archive taken from the package's
//! `runtimes/linux-x64/native/` (no `AOTINTEROP_RUNTIME_DIR`).

mod support;

use std::path::Path;
use std::process::Command;
use support::{cdylib, copy_dir, on_path, MANIFEST};

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// The entries of a `.nupkg` (a zip), as `unzip -Z1` lists them.
fn entries(nupkg: &Path) -> Vec<String> {
    run(Command::new("unzip").arg("-Z1").arg(nupkg))
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_nuget_package_installs_and_a_project_publishes_with_it() {
    let nuget = on_path("nuget").expect("nuget is not on PATH: install nuget (scripts/install-deps)");
    support::ensure_runtime("linux-x64");
    let tmp = tempfile::tempdir().unwrap();
    let (layout, feed) = (tmp.path().join("layout"), tmp.path().join("feed"));
    let pack = Path::new(MANIFEST).join("pack");
    run(Command::new(&pack)
        .arg(&layout)
        .arg("--nupkg")
        .arg(&feed)
        .env("AOTINTEROP_MSBUILD_CDYLIB", cdylib())
        .env("AOTINTEROP_RUNTIME_DIR", support::runtime_dir()));
    let version = env!("CARGO_PKG_VERSION");
    let nupkg = feed.join(format!("AotInterop.{version}.nupkg"));
    let listed = entries(&nupkg);
    for want in [
        "build/AotInterop.props",
        "build/AotInterop.targets",
        "tasks/AotInterop.Build.Tasks.dll",
        "tasks/libaotinterop_msbuild.so",
        "runtimes/linux-x64/native/libaotinterop_runtime.a",
        "AotInterop.nuspec",
    ] {
        assert!(listed.iter().any(|e| e == want), "{want} not in {listed:?}");
    }

    let project = tmp.path().join("project");
    copy_dir(
        &Path::new(MANIFEST).join("tests/projects/nuget-consumer"),
        &project,
    );
    run(Command::new(&nuget)
        .args(["install", "AotInterop", "-Source"])
        .arg(&feed)
        .arg("-OutputDirectory")
        .arg(project.join("packages"))
        .arg("-NonInteractive"));
    let installed = project.join(format!("packages/AotInterop.{version}"));
    assert!(installed
        .join("runtimes/linux-x64/native/libaotinterop_runtime.a")
        .is_file());
    run(Command::new("cc")
        .args(["-c", "-fPIC", "-O2", "main.c", "-o", "main.o"])
        .current_dir(&project));
    let log = run(Command::new("xbuild")
        .env_remove("AOTINTEROP_RUNTIME_DIR")
        .current_dir(&project)
        .args(["/nologo", "/v:normal"])
        .arg(format!("/p:AotInteropVersion={version}"))
        .arg("Consumer.proj"));
    let image = project.join("bin/app");
    assert!(image.is_file(), "{log}");
    let out = run(&mut Command::new(&image));
    assert_eq!(out, "pid>0: 1, cbrt(27) = 3\n");
}
