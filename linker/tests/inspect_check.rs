//! `inspect --check`: an image linked by aotinterop's driver, its needed libraries copied into a
//! sysroot from where `ldd` says this machine has them, then one removed.

mod common;

use aotinterop_image::availability;
use aotinterop_image::inspect;
use aotinterop_linker::driver::{link, select, LinkJob, LinkerChoice, OutputKind};
use common::*;
use std::path::{Path, PathBuf};

/// A sysroot to check against.
fn on(root: &Path) -> availability::Machine {
    availability::Machine {
        sysroot: Some(root.to_path_buf()),
        path_dirs: Vec::new(),
    }
}

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
    let a = availability::check(&image, &data, &ins, &on(&root));
    assert!(a.starts, "{a:#?}");
    for n in &a.needed {
        assert_eq!(n.found.as_deref(), Some(libdir.join(&n.name).as_path()), "{n:?}");
    }
    // The lazy module: native AOT probes `libz.so` (and more), which this sysroot lacks.
    assert_eq!(a.would_throw, ["libz!compress"], "{a:#?}");
    // Any x86_64 library will do for the lookup: the loader's search takes the first file of the
    // right machine.
    std::fs::copy(&libs[0].1, libdir.join("libz.so")).unwrap();
    let a = availability::check(&image, &data, &ins, &on(&root));
    assert!(a.would_throw.is_empty(), "{a:#?}");
    assert_eq!(a.lazy[0].found.as_deref(), Some(libdir.join("libz.so").as_path()));

    // One needed library removed: named, and the image does not start.
    let (gone, _) = libs
        .iter()
        .find(|(n, _)| n.starts_with("libm"))
        .expect("app.c needs libm");
    std::fs::remove_file(libdir.join(gone)).unwrap();
    let a = availability::check(&image, &data, &ins, &on(&root));
    assert!(!a.starts);
    let missing = a.missing_needed();
    assert_eq!(missing, [gone.as_str()]);
    let text = aotinterop_image::availability::render_text(&a, Some(&root));
    assert!(
        text.contains(&format!("will not start: {gone} missing")),
        "{text}"
    );

    // Links are the sysroot's: an absolute target lies under it, as on the machine it is the
    // root of. A link to the library's path on this machine, which the sysroot lacks, is
    // missing; a link to where the sysroot holds it is found, through `..` too.
    let host_path = &libs.iter().find(|(n, _)| n == gone).unwrap().1;
    // This machine's copy by another path (merged `/usr`), one the sysroot lacks.
    let elsewhere = Path::new("/usr").join(host_path.strip_prefix("/").unwrap());
    let elsewhere = if elsewhere.is_file() {
        elsewhere
    } else {
        host_path.clone()
    };
    std::os::unix::fs::symlink(&elsewhere, libdir.join(gone)).unwrap();
    assert!(
        libdir.join(gone).is_file(),
        "the link reaches this machine's file"
    );
    let a = availability::check(&image, &data, &ins, &on(&root));
    assert_eq!(a.missing_needed(), [gone.as_str()], "{a:#?}");
    let kept = root.join("opt/real");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::copy(host_path, kept.join(gone)).unwrap();
    for target in [
        format!("/opt/real/{gone}"),
        format!("../../../../../../opt/real/{gone}"),
    ] {
        std::fs::remove_file(libdir.join(gone)).unwrap();
        std::os::unix::fs::symlink(&target, libdir.join(gone)).unwrap();
        let a = availability::check(&image, &data, &ins, &on(&root));
        assert!(a.starts, "{target}: {a:#?}");
    }
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
    let a = availability::check(&dll, &data, &ins, &on(dir.path()));
    assert!(a.starts, "{a:#?}");
    // The lazy calls into DLLs the folder lacks would throw; those into needed DLLs would not.
    let present: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let absent = |l: &&aotinterop_image::LazyImport| !present.contains(&l.module.to_ascii_lowercase());
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
    let a = availability::check(&dll, &data, &ins, &on(dir.path()));
    assert_eq!(a.would_throw.len(), want.len() - 4, "{:#?}", a.would_throw);
    // One needed DLL removed.
    std::fs::remove_file(dir.path().join(names[0].to_ascii_lowercase())).unwrap();
    let a = availability::check(&dll, &data, &ins, &on(dir.path()));
    assert!(!a.starts);
    let missing = a.missing_needed();
    assert_eq!(missing, [names[0].as_str()]);
}

/// `ldconfig -p`'s `name (label) => path` lines (labels such as `libc6,x86-64`).
fn ldconfig_p(cache: &Path) -> Vec<(String, String, PathBuf)> {
    let out = check(
        std::process::Command::new(require("ldconfig", "libc-bin"))
            .arg("-p")
            .arg("-C")
            .arg(cache),
    );
    out.lines()
        .filter_map(|l| {
            let (left, path) = l.trim().split_once(" => ")?;
            let (name, label) = left.split_once(" (")?;
            Some((
                name.to_string(),
                label.trim_end_matches(')').to_string(),
                PathBuf::from(path),
            ))
        })
        .collect()
}

#[test]
fn ld_so_cache_reads_as_ldconfig_prints_it() {
    use availability::ld_so_cache;
    let cache = Path::new("/etc/ld.so.cache");
    let bytes = std::fs::read(cache).expect("this machine has an ld.so.cache");
    let entries = ld_so_cache::parse(&bytes).unwrap();
    let printed = ldconfig_p(cache);
    assert_eq!(entries.len(), printed.len(), "one entry per ldconfig -p line");
    // glibc's label for x86_64 libraries; an entry with hwcaps prints more after the comma.
    let ours: std::collections::BTreeSet<(String, PathBuf)> = entries
        .iter()
        .filter(|e| {
            e.is_for(aotinterop_image::ImageArch::Known(aotinterop_model::Arch::X86_64)) && e.hwcap == 0
        })
        .map(|e| (e.name.clone(), e.path.clone()))
        .collect();
    let theirs: std::collections::BTreeSet<(String, PathBuf)> = printed
        .iter()
        .filter(|(_, label, _)| label == "libc6,x86-64")
        .map(|(n, _, p)| (n.clone(), p.clone()))
        .collect();
    assert!(theirs.len() > 10, "{printed:?}");
    assert_eq!(ours, theirs);
    // Every truncation of the file is an error, never a panic or a short list read as whole.
    for cut in [0, 10, 47, bytes.len() / 2, bytes.len() - 1] {
        if let Ok(short) = ld_so_cache::parse(&bytes[..cut]) {
            panic!(
                "a cache cut at {cut} of {} bytes read as {} entries",
                bytes.len(),
                short.len()
            );
        }
    }
}

/// `gcc -shared` of `source` into `out`, with `args`.
fn shared(source: &str, out: &Path, args: &[&str]) {
    let src = out.with_extension("c");
    std::fs::write(&src, source).unwrap();
    check(
        std::process::Command::new(require("gcc", "gcc"))
            .arg("-shared")
            .arg("-fPIC")
            .arg(&src)
            .arg("-o")
            .arg(out)
            .args(args),
    );
}

#[test]
fn a_library_only_the_ld_so_cache_knows_is_found_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sysroot");
    let vendor = root.join("opt/vendor");
    std::fs::create_dir_all(&vendor).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    shared(
        "int vendor_call(void) { return 1; }\n",
        &vendor.join("libvendor.so.1"),
        &["-Wl,-soname,libvendor.so.1"],
    );
    let image = dir.path().join("libapp.so");
    shared(
        "int vendor_call(void);\nint app(void) { return vendor_call(); }\n",
        &image,
        &[&format!("-L{}", vendor.display()), "-l:libvendor.so.1"],
    );
    // ldconfig builds the sysroot's cache from its ld.so.conf, as on the target machine.
    std::fs::write(root.join("etc/ld.so.conf"), "/opt/vendor\n").unwrap();
    check(
        std::process::Command::new(require("ldconfig", "libc-bin"))
            .arg("-r")
            .arg(&root),
    );
    assert!(root.join("etc/ld.so.cache").is_file());
    // The folder is then dropped from ld.so.conf: ld.so reads only the (stale) cache.
    std::fs::write(root.join("etc/ld.so.conf"), "").unwrap();
    let data = std::fs::read(&image).unwrap();
    let ins = inspect(&image).unwrap();
    assert!(
        ins.needed.contains(&"libvendor.so.1".to_string()),
        "{:?}",
        ins.needed
    );
    let a = availability::check(&image, &data, &ins, &on(&root));
    let vendor_lookup = a.needed.iter().find(|n| n.name == "libvendor.so.1").unwrap();
    assert_eq!(
        vendor_lookup.found.as_deref(),
        Some(vendor.join("libvendor.so.1").as_path()),
        "{a:#?}"
    );
    // Without the cache, ld.so.conf stands in for it, and it no longer lists the folder.
    std::fs::remove_file(root.join("etc/ld.so.cache")).unwrap();
    let a = availability::check(&image, &data, &ins, &on(&root));
    assert!(a.missing_needed().contains(&"libvendor.so.1"), "{a:#?}");
}

/// `readelf -d`'s `RUNPATH` value.
fn readelf_runpath(image: &Path) -> String {
    let out = check(
        std::process::Command::new(require("readelf", "binutils"))
            .arg("-d")
            .arg(image),
    );
    out.lines()
        .find(|l| l.contains("(RUNPATH)"))
        .and_then(|l| {
            l.split_once('[')
                .map(|(_, r)| r.trim_end_matches(']').to_string())
        })
        .unwrap_or_default()
}

#[test]
fn a_32_bit_image_is_searched_through_its_runpath_and_skips_other_machines_libraries() {
    let dir = tempfile::tempdir().unwrap();
    let deps = dir.path().join("deps");
    let decoys = dir.path().join("decoys");
    std::fs::create_dir_all(&deps).unwrap();
    std::fs::create_dir_all(&decoys).unwrap();
    // i386 images from clang and lld: no 32-bit C library is needed for a -nostdlib library.
    let clang32 = |src: &str, out: &Path, args: &[&str]| {
        let c = out.with_extension("c");
        std::fs::write(&c, src).unwrap();
        check(
            std::process::Command::new(require("clang", "clang"))
                .args([
                    "--target=i686-linux-gnu",
                    "-fuse-ld=lld",
                    "-nostdlib",
                    "-shared",
                    "-fPIC",
                ])
                .arg(&c)
                .arg("-o")
                .arg(out)
                .args(args),
        );
    };
    clang32(
        "int dep(void) { return 2; }\n",
        &deps.join("libdep32.so"),
        &["-Wl,-soname,libdep32.so"],
    );
    let image = dir.path().join("libapp32.so");
    clang32(
        "int dep(void);\nint app(void) { return dep(); }\n",
        &image,
        &[
            &format!("-L{}", deps.display()),
            "-ldep32",
            "-Wl,-rpath,$ORIGIN/deps",
            "-Wl,--enable-new-dtags",
        ],
    );
    assert_eq!(readelf_runpath(&image), "$ORIGIN/deps");
    // An x86_64 library of the same name earlier on the library path: the loader passes it over.
    shared("int dep(void) { return 3; }\n", &decoys.join("libdep32.so"), &[]);
    let data = std::fs::read(&image).unwrap();
    let ins = inspect(&image).unwrap();
    assert_eq!(ins.arch.name(), "x86");
    let machine = availability::Machine {
        sysroot: Some(dir.path().join("empty-root")),
        path_dirs: vec![decoys.clone()],
    };
    let a = availability::check(&image, &data, &ins, &machine);
    let dep = a.needed.iter().find(|n| n.name == "libdep32.so").expect("needed");
    assert_eq!(
        dep.found.as_deref(),
        Some(deps.join("libdep32.so").as_path()),
        "{a:#?}"
    );
    assert_eq!(
        dep.tried[0],
        decoys.join("libdep32.so"),
        "LD_LIBRARY_PATH comes before RUNPATH"
    );
    std::fs::remove_file(deps.join("libdep32.so")).unwrap();
    let a = availability::check(&image, &data, &ins, &machine);
    assert_eq!(a.missing_needed(), ["libdep32.so"]);
}

#[test]
fn a_native_aot_dll_is_checked_against_wine_system32_with_its_known_dlls() {
    let sys32 = aotinterop_testkit::wine_prefix().join("drive_c/windows/system32");
    let dir = tempfile::tempdir().unwrap();
    let dll = dir.path().join("ExcelReader.Native.dll");
    std::fs::copy(
        aotinterop_testkit::corpus("ilc").join("win-x64/ExcelReader.Native.dll"),
        &dll,
    )
    .unwrap();
    let data = std::fs::read(&dll).unwrap();
    let ins = inspect(&dll).unwrap();
    // wine's own DLLs: every DLL the image imports is there (API sets are the loader's own).
    let a = availability::check(&dll, &data, &ins, &on(&sys32));
    assert!(a.starts, "{a:#?}");
    // Copies beside the image: the app folder comes first, except for a KnownDLL, which the
    // loader takes from System32 (the prefix's registry lists ws2_32 as one: scripts/wine-prefix
    // writes it with `wine reg add`).
    for n in ["WS2_32.dll", "bcrypt.dll"] {
        std::fs::copy(sys32.join(n.to_ascii_lowercase()), dir.path().join(n)).unwrap();
    }
    let a = availability::check(&dll, &data, &ins, &on(&sys32));
    let found = |name: &str| {
        a.needed
            .iter()
            .find(|n| n.name == name)
            .and_then(|n| n.found.clone())
            .unwrap_or_else(|| panic!("{name} not found: {a:#?}"))
    };
    assert_eq!(found("bcrypt.dll"), dir.path().join("bcrypt.dll"));
    assert_eq!(found("WS2_32.dll"), sys32.join("ws2_32.dll"));
}

/// A wine prefix whose `system.reg` cannot be read (a FIFO) is said so, not taken for a
/// Windows installation's binary hive, and nothing waits on the FIFO.
#[test]
fn a_wine_registry_that_cannot_be_read_is_said_so() {
    let dll = aotinterop_testkit::corpus("ilc").join("win-x64/ExcelReader.Native.dll");
    let data = std::fs::read(&dll).unwrap();
    let ins = inspect(&dll).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let system = dir.path().join("drive_c/windows/system32");
    std::fs::create_dir_all(&system).unwrap();
    let fifo = dir.path().join("system.reg");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let a = availability::check(&dll, &data, &ins, &on(&system));
    assert!(
        a.notes
            .iter()
            .any(|n| n.starts_with("KnownDLLs not read (") && n.contains("FIFO")),
        "{:?}",
        a.notes
    );
    assert!(!a.notes.iter().any(|n| n.contains("binary")), "{:?}", a.notes);
}

#[test]
fn path_folders_serve_startup_imports_but_not_searches_limited_to_system32() {
    let dll = aotinterop_testkit::corpus("ilc").join("win-x64/ExcelReader.Native.dll");
    let data = std::fs::read(&dll).unwrap();
    let ins = inspect(&dll).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (system, path) = (dir.path().join("System32"), dir.path().join("path"));
    std::fs::create_dir_all(&system).unwrap();
    std::fs::create_dir_all(&path).unwrap();
    for n in objdump_dlls(&dll)
        .iter()
        .chain(["winhttp.dll".to_string()].iter())
    {
        std::fs::copy(&dll, path.join(n)).unwrap();
    }
    let machine = availability::Machine {
        sysroot: Some(system.clone()),
        path_dirs: vec![path.clone()],
    };
    let a = availability::check(&dll, &data, &ins, &machine);
    // Startup imports use the standard search order, which ends with PATH.
    assert!(a.starts, "{a:#?}");
    // winhttp's P/Invokes say DllImportSearchPath System32 | AssemblyDirectory: the resolver
    // passes LOAD_LIBRARY_SEARCH_SYSTEM32, which does not search PATH.
    let winhttp = ins
        .lazy
        .iter()
        .find(|l| l.module == "winhttp.dll")
        .expect("winhttp cells");
    assert_eq!(winhttp.search_path.map(|s| s.0), Some(0x800 | 0x2), "{winhttp:?}");
    assert!(
        a.would_throw.contains(&"winhttp.dll!WinHttpOpen".to_string()),
        "{:?}",
        a.would_throw
    );
    std::fs::copy(&dll, system.join("winhttp.dll")).unwrap();
    let a = availability::check(&dll, &data, &ins, &machine);
    assert!(
        !a.would_throw.iter().any(|c| c.starts_with("winhttp.dll!")),
        "{:?}",
        a.would_throw
    );
}

/// A musl image is checked by musl's loader rules, and agrees with musl's loader: `libc.so` is
/// the loader itself; a library is found through `LD_LIBRARY_PATH` (`--library-path`), the
/// folders of `/etc/ld-musl-x86_64.path`, or the default folders without that file; missing, the
/// image does not start, as the real loader says when it runs it.
#[test]
fn a_musl_image_is_checked_by_musl_loader_rules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cc = require("x86_64-linux-musl-gcc", "musl-dev");
    std::fs::write(d.join("dep.c"), "int dep_value(void) { return 42; }\n").unwrap();
    std::fs::write(
        d.join("main.c"),
        "#include <stdio.h>\nint dep_value(void);\nint main(void) { printf(\"%d\\n\", dep_value()); return 0; }\n",
    )
    .unwrap();
    let lib_dir = d.join("libs");
    std::fs::create_dir_all(&lib_dir).unwrap();
    check(
        std::process::Command::new(&cc)
            .args(["-shared", "-fPIC", "-o"])
            .arg(lib_dir.join("libdep.so"))
            .arg(d.join("dep.c")),
    );
    let image = d.join("app");
    check(
        std::process::Command::new(&cc)
            .arg(d.join("main.c"))
            .arg("-L")
            .arg(&lib_dir)
            .args(["-ldep", "-o"])
            .arg(&image),
    );
    let data = std::fs::read(&image).unwrap();
    let ins = inspect(&image).unwrap();
    assert!(ins.needed.iter().any(|n| n == "libc.so"), "{:?}", ins.needed);
    let found = |a: &availability::Availability, name: &str| {
        a.needed
            .iter()
            .find(|l| l.name == name)
            .and_then(|l| l.found.clone())
    };

    // The real loader: without the library's folder the image does not start; with it, it runs.
    let run = |ld_path: Option<&Path>| {
        let mut c = std::process::Command::new(&image);
        c.env_remove("LD_LIBRARY_PATH");
        if let Some(p) = ld_path {
            c.env("LD_LIBRARY_PATH", p);
        }
        c.output().unwrap()
    };
    let without = run(None);
    let with = run(Some(&lib_dir));
    assert!(
        !without.status.success() && with.status.success(),
        "{without:?} {with:?}"
    );

    // On this machine: the same two verdicts.
    let here = |path_dirs: Vec<PathBuf>| availability::Machine {
        sysroot: None,
        path_dirs,
    };
    let a = availability::check(&image, &data, &ins, &here(vec![PathBuf::from("/nonexistent")]));
    assert!(!a.starts, "{a:?}");
    assert_eq!(
        found(&a, "libc.so").as_deref(),
        Some(Path::new("/lib/ld-musl-x86_64.so.1"))
    );
    let a = availability::check(&image, &data, &ins, &here(vec![lib_dir.clone()]));
    assert!(a.starts, "{a:?}");
    assert_eq!(found(&a, "libdep.so"), Some(lib_dir.join("libdep.so")));

    // Under a sysroot: the path file's folder, then without the file the default folders.
    let root = d.join("sysroot");
    for sub in ["lib", "etc", "opt/musl", "usr/local/lib"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::copy("/lib/ld-musl-x86_64.so.1", root.join("lib/ld-musl-x86_64.so.1")).unwrap();
    std::fs::write(root.join("etc/ld-musl-x86_64.path"), "/opt/musl\n").unwrap();
    std::fs::copy(lib_dir.join("libdep.so"), root.join("opt/musl/libdep.so")).unwrap();
    let a = availability::check(&image, &data, &ins, &on(&root));
    assert!(a.starts, "{a:?}");
    assert_eq!(found(&a, "libdep.so"), Some(root.join("opt/musl/libdep.so")));
    assert_eq!(found(&a, "libc.so"), Some(root.join("lib/ld-musl-x86_64.so.1")));
    std::fs::remove_file(root.join("etc/ld-musl-x86_64.path")).unwrap();
    let a = availability::check(&image, &data, &ins, &on(&root));
    assert!(!a.starts, "the path file's folder is no default: {a:?}");
    std::fs::rename(
        root.join("opt/musl/libdep.so"),
        root.join("usr/local/lib/libdep.so"),
    )
    .unwrap();
    let a = availability::check(&image, &data, &ins, &on(&root));
    assert_eq!(found(&a, "libdep.so"), Some(root.join("usr/local/lib/libdep.so")));
}
