//! `inspect --check` of Mach-O images by dyld's rules: a native AOT dylib (ILC's, from the
//! excelreader-native wheel) against a sysroot laid out as a macOS SDK (`.tbd` text stubs where
//! the system libraries would be), and a dylib linked here by ld64.lld with an `@rpath`
//! dependency and a weakly loaded one.

mod common;

use aotinterop_image::{availability, inspect};
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The libraries `llvm-objdump` says the dylib loads (its own install name left out).
fn dylibs_used(image: &Path) -> Vec<String> {
    let objdump = require("llvm-objdump", "llvm");
    let id = check(Command::new(&objdump).args(["--macho", "--dylib-id"]).arg(image));
    let own: Vec<&str> = id.lines().skip(1).map(str::trim).collect();
    let used = check(
        Command::new(&objdump)
            .args(["--macho", "--dylibs-used"])
            .arg(image),
    );
    used.lines()
        .skip(1)
        .filter_map(|l| l.trim().split(" (compatibility").next())
        .filter(|n| !n.is_empty() && !own.contains(n))
        .map(str::to_string)
        .collect()
}

/// A text stub for `install_name` built for `target` (`arm64-macos`).
fn tbd(install_name: &str, target: &str) -> String {
    format!("--- !tapi-tbd\ntbd-version: 4\ntargets: [ {target} ]\ninstall-name: '{install_name}'\n...\n")
}

/// Where an SDK keeps the stub of `install_name` under `root`: `libX.B.tbd` for
/// `/usr/lib/libX.B.dylib`, `Name.tbd` beside a framework's binary, and for a framework also the
/// `Name.framework/Name.tbd` link to the versioned one.
fn write_stub(root: &Path, install_name: &str, target: &str) -> PathBuf {
    let path = root.join(install_name.trim_start_matches('/'));
    let stub = match install_name.strip_suffix(".dylib") {
        Some(base) => root.join(format!("{}.tbd", base.trim_start_matches('/'))),
        None => PathBuf::from(format!("{}.tbd", path.display())),
    };
    std::fs::create_dir_all(stub.parent().unwrap()).unwrap();
    std::fs::write(&stub, tbd(install_name, target)).unwrap();
    if let Some(at) = install_name.find(".framework/Versions/") {
        let framework = root.join(install_name[..at + ".framework".len()].trim_start_matches('/'));
        let name = install_name.rsplit('/').next().unwrap();
        let link = framework.join(format!("{name}.tbd"));
        if !link.exists() {
            // Relative, as an SDK's (an absolute link is the SDK machine's path).
            std::os::unix::fs::symlink(stub.strip_prefix(&framework).unwrap(), link).unwrap();
        }
    }
    stub
}

fn on(root: &Path) -> availability::Machine {
    availability::Machine {
        sysroot: Some(root.to_path_buf()),
        path_dirs: Vec::new(),
    }
}

#[test]
fn a_native_aot_dylib_is_checked_against_an_sdk_layout() {
    let dylib = aotinterop_testkit::corpus("ilc").join("osx-arm64/ExcelReader.Native.dylib");
    let data = std::fs::read(&dylib).unwrap();
    let ins = inspect(&dylib).unwrap();
    let used = dylibs_used(&dylib);
    assert!(used.contains(&"/usr/lib/libobjc.A.dylib".to_string()), "{used:?}");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for n in &used {
        write_stub(root, n, "arm64-macos");
    }
    let a = availability::check(&dylib, &data, &ins, &on(root));
    assert!(a.starts, "{a:#?}");
    // The frameworks the lazy P/Invokes name but the image does not load: their calls throw.
    let framework_of = |m: &str| m.rsplit('/').next().unwrap().to_string();
    let loaded: Vec<String> = used.iter().map(|n| framework_of(n)).collect();
    let want: Vec<String> = ins
        .lazy
        .iter()
        .filter(|l| !loaded.contains(&framework_of(&l.module)))
        .map(|l| format!("{}!{}", l.module, l.entry))
        .collect();
    assert!(
        want.iter()
            .filter(|c| c.contains("/CFNetwork.framework/"))
            .count()
            >= 1,
        "{want:?}"
    );
    assert_eq!(a.would_throw, want);
    // CFNetwork added as the SDK has it: its calls no longer throw.
    write_stub(
        root,
        "/System/Library/Frameworks/CFNetwork.framework/Versions/A/CFNetwork",
        "arm64-macos",
    );
    let a = availability::check(&dylib, &data, &ins, &on(root));
    assert!(
        a.would_throw.iter().all(|c| !c.contains("CFNetwork")),
        "{:?}",
        a.would_throw
    );
    assert_eq!(
        a.would_throw.len(),
        want.len() - want.iter().filter(|c| c.contains("CFNetwork")).count()
    );
    // One needed library removed: named, and the image does not start.
    std::fs::remove_file(root.join("usr/lib/libobjc.A.tbd")).unwrap();
    let a = availability::check(&dylib, &data, &ins, &on(root));
    assert!(!a.starts);
    assert_eq!(a.missing_needed(), ["/usr/lib/libobjc.A.dylib"]);
    // The x86_64 build finds none of the arm64 stubs.
    let x64 = aotinterop_testkit::corpus("ilc").join("osx-x64/ExcelReader.Native.dylib");
    let x64_data = std::fs::read(&x64).unwrap();
    let x64_ins = inspect(&x64).unwrap();
    let a = availability::check(&x64, &x64_data, &x64_ins, &on(root));
    assert!(a.needed.iter().all(|n| n.found.is_none()), "{a:#?}");
}

/// `clang -c` of `source` for arm64 macOS.
fn object(dir: &Path, name: &str, source: &str) -> PathBuf {
    let c = dir.join(format!("{name}.c"));
    std::fs::write(&c, source).unwrap();
    let o = dir.join(format!("{name}.o"));
    check(
        Command::new(require("clang", "clang"))
            .args(["--target=arm64-apple-macos11", "-c"])
            .arg(&c)
            .arg("-o")
            .arg(&o),
    );
    o
}

/// `ld64.lld -dylib` of `objects` with `args`.
fn link_dylib(out: &Path, objects: &[&Path], args: &[&str]) {
    check(
        Command::new(aotinterop_testkit::ld64_lld())
            .args([
                "-dylib",
                "-arch",
                "arm64",
                "-platform_version",
                "macos",
                "11.0",
                "11.0",
            ])
            .args(["-undefined", "dynamic_lookup", "-o"])
            .arg(out)
            .args(objects)
            .args(args),
    );
}

#[test]
fn rpath_and_weak_libraries_follow_dyld() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let frameworks = d.join("Frameworks");
    std::fs::create_dir_all(&frameworks).unwrap();
    let dep_o = object(d, "dep", "int dep(void) { return 1; }\n");
    link_dylib(
        &frameworks.join("libdep.dylib"),
        &[&dep_o],
        &["-install_name", "@rpath/libdep.dylib"],
    );
    let weak_tbd = d.join("libweak.tbd");
    std::fs::write(&weak_tbd, tbd("/usr/lib/libweak.dylib", "arm64-macos")).unwrap();
    let app_o = object(d, "app", "int dep(void);\nint app(void) { return dep(); }\n");
    let image = d.join("libapp.dylib");
    link_dylib(
        &image,
        &[&app_o, &frameworks.join("libdep.dylib")],
        &[
            "-rpath",
            "@loader_path/Frameworks",
            "-weak_library",
            weak_tbd.to_str().unwrap(),
        ],
    );
    // The oracle: llvm-objdump's load commands.
    let headers = check(
        Command::new(require("llvm-objdump", "llvm"))
            .args(["--macho", "--private-headers"])
            .arg(&image),
    );
    assert!(headers.contains("LC_LOAD_WEAK_DYLIB"), "{headers}");
    assert!(headers.contains("@loader_path/Frameworks"), "{headers}");

    let data = std::fs::read(&image).unwrap();
    let ins = inspect(&image).unwrap();
    let root = d.join("sysroot");
    let a = availability::check(&image, &data, &ins, &on(&root));
    let dep = a
        .needed
        .iter()
        .find(|n| n.name == "@rpath/libdep.dylib")
        .expect("needed");
    assert_eq!(
        dep.found.as_deref(),
        Some(frameworks.join("libdep.dylib").as_path())
    );
    let weak = a
        .needed
        .iter()
        .find(|n| n.name == "/usr/lib/libweak.dylib")
        .expect("needed");
    assert!(weak.weak && weak.found.is_none(), "{weak:?}");
    assert!(a.starts, "a missing weak library does not stop the start: {a:#?}");
    let text = availability::render_text(&a, Some(&root));
    assert!(text.contains("weakly loaded"), "{text}");
    // The @rpath library gone: the image does not start.
    std::fs::remove_file(frameworks.join("libdep.dylib")).unwrap();
    let a = availability::check(&image, &data, &ins, &on(&root));
    assert_eq!(a.missing_needed(), ["@rpath/libdep.dylib"]);
}
