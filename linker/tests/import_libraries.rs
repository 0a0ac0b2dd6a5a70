//! Generated stand-ins for libraries the link cannot see (`generate_import_libraries`), each
//! read back by the format's own tools and linked by real linkers: stub shared objects by GNU ld
//! and lld (the image then runs against the real library, at its version), import libraries by
//! lld-link and GNU ld (the image runs under wine, by name and by ordinal), text-based stubs by
//! ld64.lld (the image's load commands and binds read back by llvm-objdump and `inspect`).

mod common;

use aotinterop_linker::driver::{link, select, Flavor, LinkJob, LinkerChoice, OutputKind};
use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_linker::import_libraries::{stand_in_file_name, write};
use aotinterop_model::{Arch, Format, GeneratedLibrary, GeneratedSymbol, Libc, Plan, PlannedImport, Target};
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn symbol(name: &str) -> GeneratedSymbol {
    GeneratedSymbol {
        symbol: name.into(),
        ..Default::default()
    }
}

fn versioned(name: &str, version: &str) -> GeneratedSymbol {
    GeneratedSymbol {
        version: Some(version.into()),
        ..symbol(name)
    }
}

/// Writes the stand-in of `lib` for `target` into `dir`.
fn stand_in(target: &Target, lib: &GeneratedLibrary, dir: &Path) -> PathBuf {
    let path = dir.join(stand_in_file_name(target, lib));
    std::fs::write(&path, write(target, lib).unwrap()).unwrap();
    path
}

fn choice(flavor: Flavor) -> LinkerChoice {
    LinkerChoice {
        flavor: Some(flavor),
        program: None,
    }
}

#[test]
fn stub_shared_objects_read_back_with_readelf() {
    let dir = tempfile::tempdir().unwrap();
    for (arch, class, machine) in [
        (Arch::X86_64, "ELF64", "X86-64"),
        (Arch::Aarch64, "ELF64", "AArch64"),
        (Arch::Arm, "ELF32", "ARM"),
    ] {
        let target = Target {
            format: Format::Elf,
            arch,
            libc: Libc::Gnu,
        };
        let lib = GeneratedLibrary {
            module: "vendor".into(),
            file: "libvendor.so.2".into(),
            symbols: vec![
                versioned("vendor_add", "VENDOR_2"),
                versioned("vendor_old", "VENDOR_1"),
                symbol("vendor_plain"),
            ],
            read_from: None,
        };
        let path = stand_in(&target, &lib, dir.path());
        let out =
            aotinterop_testkit::check(Command::new("readelf").arg("-hdsVW").arg("--dyn-syms").arg(&path));
        assert!(
            out.contains(&format!("Class:                             {class}")),
            "{out}"
        );
        assert!(
            out.contains(&format!("Machine:                           {machine}")) || out.contains(machine),
            "{out}"
        );
        assert!(out.contains("DYN (Shared object file)"), "{out}");
        assert!(out.contains("Library soname: [libvendor.so.2]"), "{out}");
        for (name, version) in [
            ("vendor_add", "@@VENDOR_2"),
            ("vendor_old", "@@VENDOR_1"),
            ("vendor_plain", ""),
        ] {
            let line = out
                .lines()
                .find(|l| l.contains(&format!(" {name}{version}")) && l.contains("FUNC"))
                .unwrap_or_else(|| panic!("{name}{version} not a dynamic function symbol:\n{out}"));
            assert!(line.contains("GLOBAL") && line.contains("DEFAULT"), "{line}");
        }
        // The version definitions: the base (the library itself), then one per version.
        assert!(
            out.contains("Flags: BASE  Index: 1  Cnt: 1  Name: libvendor.so.2"),
            "{out}"
        );
        assert!(
            out.contains("Name: VENDOR_1") && out.contains("Name: VENDOR_2"),
            "{out}"
        );
        if arch == Arch::Arm {
            assert!(out.contains("Version5 EABI, hard-float ABI"), "{out}");
        }
    }
}

/// The real library, its stub, and an app linked against the stub by `flavor`; the app runs
/// against the real library.
fn elf_links_against_its_stub(flavor: Flavor, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::create_dir_all(&real).unwrap();
    check(
        Command::new(cc_for(&LINUX_X64))
            .args(["-shared", "-fPIC", "-Wl,-soname,libvendor.so.2"])
            .arg(format!("-Wl,--version-script,{}", source("vendor.map").display()))
            .arg("-o")
            .arg(real.join("libvendor.so.2"))
            .arg(source("vendor.c")),
    );
    let lib = GeneratedLibrary {
        module: "vendor".into(),
        file: "libvendor.so.2".into(),
        symbols: vec![
            versioned("vendor_add", "VENDOR_2"),
            versioned("vendor_secret", "VENDOR_2"),
        ],
        read_from: None,
    };
    let mut job = LinkJob::new(LINUX_X64, OutputKind::Executable, dir.path().join("app"));
    job.objects
        .push(compile(&LINUX_X64, "vendor_app.c", dir.path(), &[]));
    job.native_libraries.push(stand_in(&LINUX_X64, &lib, dir.path()));
    job.linker_args = extra.iter().map(|s| s.to_string()).collect();
    let linker = select(&LINUX_X64, job.kind, &choice(flavor)).unwrap();
    link(&*linker, &job).unwrap();
    let dynamic = aotinterop_testkit::check(Command::new("readelf").arg("-dVW").arg(&job.output));
    assert!(dynamic.contains("Shared library: [libvendor.so.2]"), "{dynamic}");
    assert!(
        dynamic.contains("File: libvendor.so.2") && dynamic.contains("Name: VENDOR_2"),
        "{dynamic}"
    );
    // Without the real library the loader refuses the image; with it, it runs.
    let missing = Command::new(&job.output).output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("libvendor.so.2"));
    let out = check(Command::new(&job.output).env("LD_LIBRARY_PATH", &real));
    assert_eq!(out, "sum=5 secret=7\n");
    // A real library at another version than the stub promised: the loader says so.
    let older = dir.path().join("older.map");
    std::fs::write(&older, "VENDOR_1 { global: *; };\n").unwrap();
    check(
        Command::new(cc_for(&LINUX_X64))
            .args(["-shared", "-fPIC", "-Wl,-soname,libvendor.so.2"])
            .arg(format!("-Wl,--version-script,{}", older.display()))
            .arg("-o")
            .arg(real.join("libvendor.so.2"))
            .arg(source("vendor.c")),
    );
    let unversioned = Command::new(&job.output)
        .env("LD_LIBRARY_PATH", &real)
        .output()
        .unwrap();
    assert!(!unversioned.status.success());
    assert!(
        String::from_utf8_lossy(&unversioned.stderr).contains("VENDOR_2"),
        "{}",
        String::from_utf8_lossy(&unversioned.stderr)
    );
}

#[test]
fn gnu_ld_links_against_a_stub_shared_object() {
    elf_links_against_its_stub(Flavor::Gcc, &[]);
}

#[test]
fn lld_links_against_a_stub_shared_object() {
    elf_links_against_its_stub(Flavor::Clang, &["-fuse-ld=lld"]);
}

/// Flags for C code that runs without a C runtime.
const FREESTANDING: &[&str] = &["-ffreestanding", "-fno-stack-protector", "-mno-stack-arg-probe"];

fn windows_vendor(dir: &Path) -> PathBuf {
    let dll = dir.join("vendor.dll");
    check(
        Command::new(cc_for(&WIN_X64))
            .args(["-shared", "-nostdlib", "-Wl,--entry,dll_entry"])
            .args(FREESTANDING)
            .arg("-o")
            .arg(&dll)
            .arg(source("vendor.c"))
            .arg(source("vendor.def")),
    );
    dll
}

fn vendor_import_library() -> GeneratedLibrary {
    GeneratedLibrary {
        module: "vendor".into(),
        file: "vendor.dll".into(),
        symbols: vec![
            symbol("vendor_add"),
            GeneratedSymbol {
                ordinal: Some(7),
                ..symbol("#7")
            },
        ],
        read_from: None,
    }
}

fn windows_links_against_an_import_library(flavor: Flavor) {
    let dir = tempfile::tempdir().unwrap();
    windows_vendor(dir.path());
    let mut job = LinkJob::new(WIN_X64, OutputKind::Executable, dir.path().join("app.exe"));
    job.objects
        .push(compile(&WIN_X64, "vendor_app.c", dir.path(), FREESTANDING));
    job.native_libraries
        .push(stand_in(&WIN_X64, &vendor_import_library(), dir.path()));
    job.linker_args.extend(entry_args(flavor, "start"));
    job.system_libs = vec!["kernel32".into()];
    let linker = select(&WIN_X64, job.kind, &choice(flavor)).unwrap();
    link(&*linker, &job).unwrap();
    assert!(objdump_dlls(&job.output).iter().any(|d| d == "vendor.dll"));
    let dump = aotinterop_testkit::check(
        Command::new(aotinterop_testkit::require(
            "x86_64-w64-mingw32-objdump",
            "binutils-mingw-w64-x86-64",
        ))
        .arg("-p")
        .arg(&job.output),
    );
    let table = dump.split("DLL Name: vendor.dll").nth(1).unwrap();
    let table = table.split("\n\n").next().unwrap();
    assert!(table.contains("vendor_add"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.contains("<none>") && l.contains("000007")),
        "{table}"
    );
    assert_eq!(run_ok(&WIN_X64, &job.output, &[]), "sum=5 secret=7\n");
}

#[test]
fn lld_link_links_against_a_generated_import_library() {
    windows_links_against_an_import_library(Flavor::LldLink);
}

#[test]
fn mingw_links_against_a_generated_import_library() {
    windows_links_against_an_import_library(Flavor::Mingw);
}

/// A dylib with direct imports of `@rpath/libvendor.dylib`, linked by ld64.lld against the
/// generated `.tbd` alone.
fn macho_links_against_a_text_stub(arch: Arch, ld_arch: &str) {
    let dir = tempfile::tempdir().unwrap();
    let target = Target {
        format: Format::MachO,
        arch,
        libc: Libc::Other,
    };
    let rid = if arch == Arch::X86_64 {
        "osx-x64"
    } else {
        "osx-arm64"
    };
    let mut plan = Plan::parse(
        &format!(r#"{{"rid": "{rid}", "native_lib": "shared"}}"#),
        Path::new("plan.json"),
    )
    .unwrap();
    plan.imports = vec![
        PlannedImport::direct("pinvoke_vendor_add", "vendor", "vendor_add"),
        PlannedImport::direct("pinvoke_vendor_secret", "vendor", "vendor_secret"),
    ];
    let lib = GeneratedLibrary {
        module: "vendor".into(),
        file: "@rpath/libvendor.dylib".into(),
        symbols: vec![symbol("vendor_add"), symbol("vendor_secret")],
        read_from: None,
    };
    plan.link.generated = vec![lib.clone()];
    let stubs = dir.path().join("stubs.o");
    std::fs::write(
        &stubs,
        emit(&target, &plan.imports, &StubOptions::default()).unwrap(),
    )
    .unwrap();
    let tbd = stand_in(&target, &lib, dir.path());
    // ld64.lld's lazy binding needs libSystem's `dyld_stub_binder` (an assembler name, without
    // the C `_`); no SDK here, so a hand-written text stub stands in for libSystem.
    let system = dir.path().join("libSystem.tbd");
    std::fs::write(
        &system,
        format!(
            "--- !tapi-tbd\ntbd-version: 4\ntargets: [ {ld_arch}-macos ]\ninstall-name: '/usr/lib/libSystem.B.dylib'\n\
             exports:\n  - targets: [ {ld_arch}-macos ]\n    symbols: [ dyld_stub_binder ]\n...\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("libapp.dylib");
    check(
        aotinterop_testkit::ld64_lld_dylib(ld_arch)
            .arg("-o")
            .arg(&out)
            .arg(&stubs)
            .arg(&tbd)
            .arg(&system),
    );
    // LLVM's reading of the load commands and binds, then aotinterop's.
    let dylibs = aotinterop_testkit::check(
        Command::new("llvm-objdump")
            .args(["--macho", "--dylibs-used"])
            .arg(&out),
    );
    assert!(dylibs.contains("@rpath/libvendor.dylib"), "{dylibs}");
    let binds = aotinterop_testkit::check(
        Command::new("llvm-objdump")
            .args(["--macho", "--bind", "--lazy-bind"])
            .arg(&out),
    );
    for s in ["_vendor_add", "_vendor_secret"] {
        assert!(
            binds.lines().any(|l| l.contains(s) && l.contains("libvendor")),
            "{s} not bound from libvendor:\n{binds}"
        );
    }
    let ins = aotinterop_image::inspect(&out).unwrap();
    assert!(
        ins.needed.iter().any(|n| n == "@rpath/libvendor.dylib"),
        "{:?}",
        ins.needed
    );
    for s in ["vendor_add", "vendor_secret"] {
        let bound = ins
            .imports_symbol(s)
            .unwrap_or_else(|| panic!("{s}: {:?}", ins.imports));
        assert_eq!(bound.lib_name.as_deref(), Some("@rpath/libvendor.dylib"));
    }
    let report = verify(&ins, &plan).unwrap();
    assert!(report.ok(), "{report:?}");
    // A plan whose stand-in named another library does not verify.
    plan.link.generated[0].file = "@rpath/libother.dylib".into();
    let report = verify(&ins, &plan).unwrap();
    assert!(!report.ok());
}

#[test]
fn ld64_lld_links_arm64_against_a_text_stub() {
    macho_links_against_a_text_stub(Arch::Aarch64, "arm64");
}

#[test]
fn ld64_lld_links_x86_64_against_a_text_stub() {
    macho_links_against_a_text_stub(Arch::X86_64, "x86_64");
}

/// What preflight reads of a real library agrees with readelf's reading: every dynamic symbol
/// defined, its kind (function or object) and its default version, and the soname.
#[test]
fn present_elf_library_reads_as_readelf_reads_it() {
    use aotinterop_image::present;
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("two.map");
    // Two versions: vendor_secret stays at VENDOR_1, the rest move on to VENDOR_2.
    std::fs::write(
        &map,
        "VENDOR_1 { global: vendor_secret; vendor_old; local: *; };\nVENDOR_2 { global: vendor_add; vendor_counter; } VENDOR_1;\n",
    )
    .unwrap();
    let so = dir.path().join("libvendor.so.2");
    // And one function left only at the old version, hidden (`vendor_old@VENDOR_1`).
    let old = dir.path().join("old.c");
    std::fs::write(
        &old,
        "int old_impl(void) { return 1; }\n__asm__(\".symver old_impl,vendor_old@VENDOR_1\");\n",
    )
    .unwrap();
    check(
        Command::new(cc_for(&LINUX_X64))
            .args(["-shared", "-fPIC", "-Wl,-soname,libvendor.so.2"])
            .arg(format!("-Wl,--version-script,{}", map.display()))
            .arg("-o")
            .arg(&so)
            .arg(source("vendor.c"))
            .arg(&old),
    );
    let lib = present::read(&so, &LINUX_X64).unwrap();
    let dump = check(Command::new("readelf").args(["--dyn-syms", "-W"]).arg(&so));
    assert!(dump.contains("vendor_old@VENDOR_1"), "{dump}");
    assert!(
        !lib.names.contains_key("vendor_old"),
        "a hidden version is not exported for a new link"
    );
    assert_eq!(lib.file, "libvendor.so.2");
    let mut seen = 0;
    for line in dump.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        // Num: Value Size Type Bind Vis Ndx Name
        if f.len() < 8 || f[6] == "UND" || f[4] == "LOCAL" || !f[7].contains("@@") {
            continue;
        }
        let (name, version) = f[7].split_once("@@").unwrap();
        if name == version {
            continue; // the version's own symbol (Ndx ABS)
        }
        let e = lib
            .names
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing: {:?}", lib.names));
        assert_eq!(e.code, f[3] == "FUNC", "{line}");
        assert_eq!(e.version.as_deref(), Some(version), "{line}");
        seen += 1;
    }
    assert_eq!(seen, 3, "{dump}");
    // Another architecture's library is not this target's.
    assert!(present::read(&so, &LINUX_ARM64).is_none());
}

/// A DLL's exports as its `.def` file declares them: names, the ordinal-only export, the datum.
#[test]
fn present_dll_reads_as_its_def_file_declares_it() {
    use aotinterop_image::present;
    let dir = tempfile::tempdir().unwrap();
    let dll = windows_vendor(dir.path());
    let lib = present::read(&dll, &WIN_X64).unwrap();
    assert_eq!(lib.file, "vendor.dll");
    let def = std::fs::read_to_string(source("vendor.def")).unwrap();
    for line in def.lines().skip(2) {
        let f: Vec<&str> = line.split_whitespace().collect();
        // `alias=name`: a second name of one function.
        let f: Vec<&str> = std::iter::once(f[0].split('=').next().unwrap())
            .chain(f[1..].iter().copied())
            .collect();
        let ordinal: u16 = f[1].trim_start_matches('@').parse().unwrap();
        let data = f.contains(&"DATA");
        assert_eq!(lib.ordinals.get(&ordinal), Some(&!data), "{line}");
        if f.contains(&"NONAME") {
            assert!(!lib.names.contains_key(f[0]), "{line}");
        } else {
            assert_eq!(lib.names.get(f[0]).map(|e| e.code), Some(!data), "{line}");
        }
    }
    assert_eq!(lib.ordinals.len(), 4, "no empty slots: {:?}", lib.ordinals);
    assert!(lib.names.contains_key("vendor_sum") && lib.names.contains_key("vendor_add"));
}

/// A universal (fat) dylib, as vendors ship them: each target reads its own slice, with the
/// install name the dylib gives itself and its code and data exports.
#[test]
fn present_fat_dylib_reads_its_targets_slice() {
    use aotinterop_image::present;
    let dir = tempfile::tempdir().unwrap();
    let asm = dir.path().join("vendor.s");
    std::fs::write(
        &asm,
        ".text\n.globl _vendor_add\n_vendor_add:\n  ret\n.data\n.globl _vendor_counter\n_vendor_counter:\n  .long 42\n",
    )
    .unwrap();
    let mut slices = Vec::new();
    for arch in ["arm64", "x86_64"] {
        let obj = dir.path().join(format!("{arch}.o"));
        check(
            Command::new(require("clang", "clang"))
                .arg(format!("--target={arch}-apple-macos12"))
                .arg("-c")
                .arg(&asm)
                .arg("-o")
                .arg(&obj),
        );
        let dylib = dir.path().join(format!("{arch}.dylib"));
        check(
            aotinterop_testkit::ld64_lld_dylib(arch)
                .args(["-install_name", &format!("@rpath/libvendor.{arch}.dylib")])
                .arg("-o")
                .arg(&dylib)
                .arg(&obj),
        );
        slices.push(dylib);
    }
    let lipo = ["llvm-lipo", "llvm-lipo-14", "llvm-lipo-15", "llvm-lipo-16"]
        .iter()
        .find_map(|n| aotinterop_testkit::on_path(n))
        .expect("llvm-lipo (package llvm)");
    let fat = dir.path().join("libvendor.dylib");
    check(
        Command::new(lipo)
            .arg("-create")
            .args(&slices)
            .arg("-output")
            .arg(&fat),
    );
    for (arch, name) in [(Arch::Aarch64, "arm64"), (Arch::X86_64, "x86_64")] {
        let target = Target {
            format: Format::MachO,
            arch,
            libc: Libc::Other,
        };
        let lib = present::read(&fat, &target).unwrap_or_else(|| panic!("{name} slice not read"));
        assert_eq!(lib.file, format!("@rpath/libvendor.{name}.dylib"));
        assert_eq!(lib.names.get("vendor_add").map(|e| e.code), Some(true));
        assert_eq!(lib.names.get("vendor_counter").map(|e| e.code), Some(false));
    }
    assert!(present::read(&fat, &LINUX_X64).is_none());
}

/// win-arm64 (nothing runs it here): the emitter's direct stubs linked by lld-link against a
/// generated ARM64 import library; llvm-readobj reads the import table (by name and by
/// ordinal), and `verify` passes against a plan with the stand-in.
#[test]
fn lld_link_links_arm64_stubs_against_a_generated_import_library() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let target = Target::WIN_ARM64;
    let mut plan = Plan::parse(r#"{"rid": "win-arm64"}"#, Path::new("plan.json")).unwrap();
    plan.imports = vec![
        PlannedImport::direct("pinvoke_vendor_add", "vendor", "vendor_add"),
        PlannedImport::direct("pinvoke_vendor_secret", "vendor", "#7"),
    ];
    plan.link.generated = vec![vendor_import_library()];
    std::fs::write(
        d.join("stubs.obj"),
        emit(&target, &plan.imports, &StubOptions::default()).unwrap(),
    )
    .unwrap();
    std::fs::write(
        d.join("start.c"),
        "int pinvoke_vendor_add(int, int);\nint pinvoke_vendor_secret(void);\n\
         int start(void) { return pinvoke_vendor_add(2, 3) + pinvoke_vendor_secret(); }\n",
    )
    .unwrap();
    check(
        Command::new(require("clang", "clang"))
            .args(["--target=aarch64-pc-windows-msvc", "-O1", "-ffreestanding", "-c"])
            .arg(d.join("start.c"))
            .arg("-o")
            .arg(d.join("start.obj")),
    );
    let mut job = LinkJob::new(target, OutputKind::Executable, d.join("app.exe"));
    job.objects = vec![d.join("start.obj"), d.join("stubs.obj")];
    job.native_libraries = vec![stand_in(&target, &vendor_import_library(), d)];
    job.system_libs.clear();
    job.linker_args = vec!["/entry:start".into(), "/nodefaultlib".into()];
    link(
        &*select(&target, job.kind, &choice(Flavor::LldLink)).unwrap(),
        &job,
    )
    .unwrap();
    let imports = check(
        Command::new(require("llvm-readobj", "llvm"))
            .arg("--coff-imports")
            .arg(&job.output),
    );
    assert!(imports.contains("Name: vendor.dll"), "{imports}");
    // By name (hint 0), and by ordinal: no name, the ordinal in parentheses.
    assert!(imports.contains("Symbol: vendor_add (0)"), "{imports}");
    assert!(imports.contains("Symbol:  (7)"), "{imports}");
    let ins = aotinterop_image::inspect(&job.output).unwrap();
    assert_eq!(ins.arch.name(), "aarch64");
    let report = verify(&ins, &plan).unwrap();
    assert!(report.ok(), "{report:?}");
}
