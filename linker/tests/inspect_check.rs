//! `inspect --check`: an image linked by aotinterop's driver, its needed libraries copied into a
//! sysroot from where `ldd` says this machine has them, then one removed.

mod common;

use aotinterop_linker::driver::{link, select, LinkJob, LinkerChoice, OutputKind};
use aotinterop_linker::inspect::availability;
use aotinterop_linker::inspect::inspect;
use common::*;
use std::path::{Path, PathBuf};

/// `ldd`'s `name => path` lines.
fn ldd(image: &Path) -> Vec<(String, PathBuf)> {
    let out = check(std::process::Command::new(require("ldd", "libc-bin")).arg(image));
    out.lines()
        .filter_map(|l| {
            let (name, rest) = l.trim().split_once(" => ")?;
            let path = rest.split_whitespace().next()?;
            path.starts_with('/')
                .then(|| (name.to_string(), PathBuf::from(path)))
        })
        .collect()
}

#[test]
fn needed_libraries_and_lazy_modules_are_looked_up_under_a_sysroot() {
    let dir = tempfile::tempdir().unwrap();
    let t = LINUX_X64;
    let mut job = LinkJob::new(t, OutputKind::Executable, dir.path().join("app"));
    job.objects = vec![
        compile(&t, "app.c", dir.path(), &[]),
        records_object(&t, &[("libz", "compress")], dir.path()),
    ];
    job.native_libraries.push(archive(
        &t,
        "libshim.a",
        &[compile(&t, "shim.c", dir.path(), &[])],
        dir.path(),
    ));
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    let image = job.output;
    let data = std::fs::read(&image).unwrap();
    let ins = inspect(&image).unwrap();

    // A sysroot with every library ldd finds, in the multiarch folder.
    let root = dir.path().join("sysroot");
    let libdir = root.join("lib/x86_64-linux-gnu");
    std::fs::create_dir_all(&libdir).unwrap();
    let libs = ldd(&image);
    assert!(!libs.is_empty());
    for (name, path) in &libs {
        std::fs::copy(path, libdir.join(name)).unwrap();
    }
    let a = availability::check(&image, &data, &ins, Some(&root)).unwrap();
    assert!(a.starts, "{a:#?}");
    for n in &a.needed {
        assert_eq!(n.found.as_deref(), Some(libdir.join(&n.name).as_path()), "{n:?}");
    }
    // The lazy module: native AOT probes `libz.so` (and more), which this sysroot lacks.
    assert_eq!(a.would_throw, ["libz!compress"], "{a:#?}");
    // Any x86_64 library will do for the lookup: the loader's search takes the first file of the
    // right machine.
    std::fs::copy(&libs[0].1, libdir.join("libz.so")).unwrap();
    let a = availability::check(&image, &data, &ins, Some(&root)).unwrap();
    assert!(a.would_throw.is_empty(), "{a:#?}");
    assert_eq!(a.lazy[0].found.as_deref(), Some(libdir.join("libz.so").as_path()));

    // One needed library removed: named, and the image does not start.
    let (gone, _) = libs
        .iter()
        .find(|(n, _)| n.starts_with("libm"))
        .expect("app.c needs libm");
    std::fs::remove_file(libdir.join(gone)).unwrap();
    let a = availability::check(&image, &data, &ins, Some(&root)).unwrap();
    assert!(!a.starts);
    let missing = a.missing_needed();
    assert_eq!(missing, [gone.as_str()]);
    let text = aotinterop_linker::inspect::availability::render_text(&a, Some(&root));
    assert!(
        text.contains(&format!("will not start: {gone} missing")),
        "{text}"
    );
}

/// The DLLs `objdump -p` lists as imported.
fn objdump_dlls(dll: &Path) -> Vec<String> {
    let dump = check(
        std::process::Command::new(require("x86_64-w64-mingw32-objdump", "binutils-mingw-w64-x86-64"))
            .arg("-p")
            .arg(dll),
    );
    dump.lines()
        .filter_map(|l| l.trim().strip_prefix("DLL Name: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_native_aot_dll_is_checked_against_a_folder_of_dlls() {
    let dll = aotinterop_testkit::corpus("ilc").join("win-x64/ExcelReader.Native.dll");
    let data = std::fs::read(&dll).unwrap();
    let ins = inspect(&dll).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Stand-ins for the system DLLs: any x86_64 PE file under each name will do for the lookup;
    // lower case, as a Windows folder may spell them (the loader compares names in any case).
    let names = objdump_dlls(&dll);
    assert!(!names.is_empty());
    for n in &names {
        std::fs::copy(&dll, dir.path().join(n.to_ascii_lowercase())).unwrap();
    }
    let a = availability::check(&dll, &data, &ins, Some(dir.path())).unwrap();
    assert!(a.starts, "{a:#?}");
    // The lazy calls into DLLs the folder lacks would throw; those into needed DLLs would not.
    let present: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let absent =
        |l: &&aotinterop_linker::inspect::LazyImport| !present.contains(&l.module.to_ascii_lowercase());
    let want: Vec<String> = ins
        .lazy
        .iter()
        .filter(absent)
        .map(|l| format!("{}!{}", l.module, l.entry))
        .collect();
    assert!(want.contains(&"winhttp.dll!WinHttpOpen".to_string()), "{want:?}");
    assert_eq!(a.would_throw, want);
    // winhttp.dll added: its four calls no longer throw.
    std::fs::copy(&dll, dir.path().join("winhttp.dll")).unwrap();
    let a = availability::check(&dll, &data, &ins, Some(dir.path())).unwrap();
    assert_eq!(a.would_throw.len(), want.len() - 4, "{:#?}", a.would_throw);
    // One needed DLL removed.
    std::fs::remove_file(dir.path().join(names[0].to_ascii_lowercase())).unwrap();
    let a = availability::check(&dll, &data, &ins, Some(dir.path())).unwrap();
    assert!(!a.starts);
    let missing = a.missing_needed();
    assert_eq!(missing, [names[0].as_str()]);
}
