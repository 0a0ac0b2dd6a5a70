//! `inspect` on images built by .NET's native AOT compiler (ILC): the ExcelReader.Native
//! library of the PyPI package excelreader-native 7.3.0 (`scripts/fetch-corpora`), and an ELF
//! layout fixture built from C (`tests/c/ilc_cells.c`; no real ILC ELF image here has lazy
//! cells). Expected values come from the issue's own reading of those files and from the
//! fixture's source, never from the reader under test.

mod common;

use aotinterop_image::verify::DifferenceKind;
use aotinterop_image::{inspect, render_text, LazyReader};
use aotinterop_model::DllImportSearchPath;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// AssemblyDirectory | System32.
const ASSEMBLY_DIRECTORY_SYSTEM32: u32 = 0x2 | 0x800;

#[test]
fn a_native_aot_dll_lists_its_lazy_pinvokes_from_ilc_cells() {
    let dll = aotinterop_testkit::corpus("ilc").join("win-x64/ExcelReader.Native.dll");
    let ins = inspect(&dll).unwrap();
    assert!(ins.native_aot);
    assert_eq!(ins.lazy_reader, Some(LazyReader::IlcCells));
    assert_eq!(ins.lazy.len(), 44, "{:#?}", ins.lazy);
    let modules: BTreeSet<String> = ins.lazy.iter().map(|l| l.module.to_ascii_lowercase()).collect();
    let want: BTreeSet<String> = [
        "advapi32.dll",
        "bcrypt.dll",
        "kernel32.dll",
        "ntdll.dll",
        "sspicli.dll",
        "winhttp.dll",
        "ws2_32.dll",
    ]
    .map(String::from)
    .into();
    assert_eq!(modules, want);
    // winhttp: one module cell, WinHttpOpen and three more, System32 | AssemblyDirectory.
    let winhttp: Vec<_> = ins.lazy.iter().filter(|l| l.module == "winhttp.dll").collect();
    assert_eq!(winhttp.len(), 4, "{winhttp:#?}");
    assert!(winhttp.iter().any(|l| l.entry == "WinHttpOpen"));
    let cells: BTreeSet<_> = winhttp.iter().map(|l| l.module_cell).collect();
    assert_eq!(cells.len(), 1, "{winhttp:#?}");
    for l in &ins.lazy {
        assert_eq!(
            l.search_path,
            Some(DllImportSearchPath(ASSEMBLY_DIRECTORY_SYSTEM32)),
            "{l:?}"
        );
    }
    // Every name is in the file as a C string.
    let bytes = std::fs::read(&dll).unwrap();
    for l in &ins.lazy {
        for name in [&l.module, &l.entry] {
            let needle = format!("\0{name}\0");
            assert!(
                bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{name} is not a string of the file"
            );
        }
    }
    let text = render_text(&ins);
    assert!(
        text.contains("lazy imports (44, from native AOT's fixup cells):"),
        "{text}"
    );
    assert!(
        text.contains("winhttp.dll!WinHttpOpen  (search path AssemblyDirectory|System32"),
        "{text}"
    );
}

/// A damaged base relocation directory (its first block's size 0) is said: the cells, which
/// the relocations prove, are not read, and a note says why (the 44 lazy imports were dropped
/// without a word, the image no longer known for a native AOT one).
#[test]
fn a_damaged_relocation_directory_is_said_not_passed_over() {
    use object::read::pe::PeFile64;
    let dll = aotinterop_testkit::corpus("ilc").join("win-x64/ExcelReader.Native.dll");
    let mut bytes = std::fs::read(&dll).unwrap();
    let offset = {
        let pe = PeFile64::parse(&*bytes).unwrap();
        let dir = pe
            .data_directories()
            .get(object::pe::IMAGE_DIRECTORY_ENTRY_BASERELOC)
            .unwrap();
        let rva = dir.virtual_address.get(object::LittleEndian);
        pe.section_table().pe_file_range_at(rva).unwrap().0 as usize
    };
    // The block's SizeOfBlock, after its 4-byte page RVA.
    bytes[offset + 4..offset + 8].copy_from_slice(&0u32.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let damaged = dir.path().join("damaged.dll");
    std::fs::write(&damaged, &bytes).unwrap();
    let ins = inspect(&damaged).unwrap();
    assert!(
        ins.notes
            .iter()
            .any(|n| n.contains("base relocation directory is damaged")),
        "{:?}",
        ins.notes
    );
}

#[test]
fn a_native_aot_image_without_lazy_cells_says_so() {
    let so = aotinterop_testkit::corpus("ilc").join("linux-x64/ExcelReader.Native.so");
    let ins = inspect(&so).unwrap();
    assert!(ins.native_aot);
    assert!(ins.lazy.is_empty(), "{:#?}", ins.lazy);
    assert!(
        ins.notes.iter().any(|n| n.contains("no lazy P/Invoke cells")),
        "{:?}",
        ins.notes
    );
}

#[test]
fn a_native_aot_dylib_lists_its_lazy_pinvokes_from_chained_fixups() {
    for rid in ["osx-arm64", "osx-x64"] {
        let dylib = aotinterop_testkit::corpus("ilc")
            .join(rid)
            .join("ExcelReader.Native.dylib");
        let ins = inspect(&dylib).unwrap();
        assert!(ins.native_aot, "{rid}");
        assert_eq!(ins.lazy_reader, Some(LazyReader::IlcCells), "{rid}");
        assert_eq!(ins.lazy.len(), 57, "{rid}: {:#?}", ins.lazy);
        let frameworks: BTreeSet<&str> = ins
            .lazy
            .iter()
            .map(|l| l.module.rsplit('/').next().unwrap_or_default())
            .collect();
        assert_eq!(
            frameworks,
            ["CFNetwork", "CoreFoundation", "Network", "SystemConfiguration"].into(),
            "{rid}"
        );
        let cfnetwork: Vec<&str> = ins
            .lazy
            .iter()
            .filter(|l| l.module.ends_with("/CFNetwork"))
            .map(|l| l.entry.as_str())
            .collect();
        assert!(
            cfnetwork.contains(&"CFNetworkCopyProxiesForURL"),
            "{rid}: {cfnetwork:?}"
        );
        let bytes = std::fs::read(&dylib).unwrap();
        for l in &ins.lazy {
            for name in [&l.module, &l.entry] {
                let needle = format!("\0{name}\0");
                assert!(
                    bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{rid}: {name} is not a string of the file"
                );
            }
        }
    }
}

/// Builds the layout fixture for `target` and inspects it.
fn fixture(target: &aotinterop_model::Target) {
    let dir = tempfile::tempdir().unwrap();
    let lib = build_fixture(target, dir.path());
    check_fixture(
        &format!("{target}"),
        &lib,
        target.format == aotinterop_model::Format::Coff,
    );
}

/// The fixture as a Mach-O dylib for `arch` (clang and ld64.lld, freestanding: no SDK here), its
/// pointers rebased by ld64.lld's rebase opcodes.
fn macho_fixture(arch: &str) {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("libilc_cells.dylib");
    check(
        Command::new(require("clang", "clang"))
            .arg(format!("--target={arch}-apple-macos12"))
            .args([
                "-ffreestanding",
                "-O1",
                "-fuse-ld=lld",
                "-dynamiclib",
                "-nostdlib",
            ])
            .args([
                "-Wl,-undefined,dynamic_lookup",
                "-Wl,-platform_version,macos,12.0,12.0",
                "-o",
            ])
            .arg(&lib)
            .arg(source("ilc_cells.c")),
    );
    check_fixture(arch, &lib, false);
}

#[test]
fn macho_cells_of_the_layout_fixture() {
    macho_fixture("arm64");
    macho_fixture("x86_64");
}

fn build_fixture(target: &aotinterop_model::Target, dir: &std::path::Path) -> std::path::PathBuf {
    let windows = target.format == aotinterop_model::Format::Coff;
    let lib = dir.join(if windows {
        "ilc_cells.dll"
    } else {
        "libilc_cells.so"
    });
    let mut cc = Command::new(cc_for(target));
    cc.args(["-shared", "-O1"]);
    if !windows {
        // Hidden: every pointer is R_*_RELATIVE, as in an ILC image (MinGW exports every global).
        cc.args(["-fPIC", "-fvisibility=hidden"]);
    }
    check(cc.arg("-o").arg(&lib).arg(source("ilc_cells.c")));
    lib
}

/// The fixture's three method cells (and on Windows its ordinal), and none of its decoys.
fn check_fixture(target: &str, lib: &std::path::Path, windows: bool) {
    let ins = inspect(lib).unwrap();
    assert!(ins.native_aot, "{target}");
    assert_eq!(ins.lazy_reader, Some(LazyReader::IlcCells));
    // The fixture's three method cells, and none of its decoys.
    let found: BTreeMap<&str, (&str, Option<usize>, Option<DllImportSearchPath>)> = ins
        .lazy
        .iter()
        .map(|l| {
            (
                l.entry.as_str(),
                (l.module.as_str(), l.module_cell, l.search_path),
            )
        })
        .collect();
    let mut want = vec!["bar_query", "foo_close", "foo_open"];
    if windows {
        want.insert(0, "#12");
    }
    assert_eq!(
        found.keys().copied().collect::<Vec<_>>(),
        want,
        "{target}: {:#?}",
        ins.lazy
    );
    if windows {
        assert_eq!(
            found["#12"].1, found["foo_open"].1,
            "the ordinal's module cell is libfoo's"
        );
    }
    assert_eq!(found["foo_open"].0, "libfoo");
    assert_eq!(
        found["foo_open"].1, found["foo_close"].1,
        "one module cell for libfoo"
    );
    assert_ne!(found["foo_open"].1, found["bar_query"].1);
    assert_eq!(found["foo_open"].2, None);
    assert_eq!(found["bar_query"].0, "libbar.so.1");
    assert_eq!(
        found["bar_query"].2,
        Some(DllImportSearchPath(ASSEMBLY_DIRECTORY_SYSTEM32))
    );
}

#[test]
fn elf_cells_of_the_layout_fixture_linux_x64() {
    fixture(&LINUX_X64);
}

#[test]
fn elf_cells_of_the_layout_fixture_linux_arm64() {
    fixture(&LINUX_ARM64);
}

#[test]
fn pe_cells_of_the_layout_fixture_win_x64() {
    fixture(&WIN_X64);
}

/// The fixture for a 32-bit target no GCC of this machine builds for: clang, freestanding (no
/// C library is needed), linked by `ld.lld` (ELF) or `lld-link` (PE, base relocations for every
/// pointer, as in an ILC image).
fn fixture_32(clang_target: &str, windows: bool) {
    let dir = tempfile::tempdir().unwrap();
    let clang = require("clang", "clang");
    let lib = if windows {
        let obj = dir.path().join("ilc_cells.obj");
        check(
            Command::new(&clang)
                .args([
                    &format!("--target={clang_target}"),
                    "-ffreestanding",
                    "-O1",
                    "-c",
                    "-o",
                ])
                .arg(&obj)
                .arg(source("ilc_cells.c")),
        );
        let dll = dir.path().join("ilc_cells.dll");
        check(
            Command::new(require("lld-link", "lld"))
                .args([
                    "/dll",
                    "/noentry",
                    "/machine:x86",
                    "/export:DotNetRuntimeDebugHeader,DATA",
                ])
                .arg(format!("/out:{}", dll.display()))
                .arg(&obj),
        );
        dll
    } else {
        let so = dir.path().join("libilc_cells.so");
        check(
            Command::new(&clang)
                .args([
                    &format!("--target={clang_target}"),
                    "-mthumb",
                    "-ffreestanding",
                    "-nostdlib",
                ])
                .args([
                    "-shared",
                    "-fPIC",
                    "-fvisibility=hidden",
                    "-fuse-ld=lld",
                    "-O1",
                    "-o",
                ])
                .arg(&so)
                .arg(source("ilc_cells.c")),
        );
        so
    };
    check_fixture(clang_target, &lib, windows);
}

#[test]
fn elf_cells_of_the_layout_fixture_linux_arm() {
    fixture_32("armv7-linux-gnueabihf", false);
}

#[test]
fn pe_cells_of_the_layout_fixture_win_x86() {
    fixture_32("i686-pc-windows-msvc", true);
}

/// The first function the DLL imports from KERNEL32.dll, as `objdump -p` lists it.
fn a_kernel32_import(dll: &std::path::Path) -> String {
    let dump = check(
        Command::new(require("x86_64-w64-mingw32-objdump", "binutils-mingw-w64-x86-64"))
            .arg("-p")
            .arg(dll),
    );
    let mut lines = dump
        .lines()
        .skip_while(|l| !l.contains("DLL Name: KERNEL32.dll"))
        .skip(2);
    let line = lines.next().expect("objdump lists no KERNEL32.dll import");
    line.split_whitespace()
        .nth(2)
        .expect("an import line: vma hint name")
        .to_string()
}

#[test]
fn verify_finds_a_plans_lazy_imports_among_the_ilc_cells() {
    let dll = aotinterop_testkit::corpus("ilc").join("win-x64/ExcelReader.Native.dll");
    let ins = inspect(&dll).unwrap();
    let direct = a_kernel32_import(&dll);
    let plan = |lazy: &str| {
        aotinterop_model::Plan::parse(
            &format!(
                r#"{{"rid": "win-x64", "native_lib": "shared", "imports": [
                  {{"module": "kernel32", "entry": "{direct}", "binding": "direct", "symbol": "{direct}"}},
                  {{"module": "winhttp.dll", "entry": "WinHttpOpen", "binding": "lazy", "symbol": "WinHttpOpen"}},
                  {{"module": "{lazy}", "entry": "{lazy}_Open", "binding": "lazy", "symbol": "{lazy}_Open"}}]}}"#
            ),
            std::path::Path::new("plan.json"),
        )
        .unwrap()
    };
    // `sspicli.dll!AcceptSecurityContext` stands in the place of the third import here.
    let mut good = plan("x");
    good.imports[2].module = "sspicli.dll".into();
    good.imports[2].entry = "AcceptSecurityContext".into();
    let report = verify(&ins, &good).unwrap();
    assert!(report.ok(), "{:#?}", report.differences);
    assert_eq!((report.direct, report.lazy), (1, 2));
    let report = verify(&ins, &plan("libabsent")).unwrap();
    assert_eq!(report.differences.len(), 1, "{:#?}", report.differences);
    assert_eq!(report.differences[0].kind, DifferenceKind::LazyRecordMissing);
    assert_eq!(report.differences[0].symbol, "libabsent_Open");
}

#[test]
fn packed_relative_relocations_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("libilc_relr.so");
    check(
        Command::new(cc_for(&LINUX_X64))
            .args([
                "-shared",
                "-fPIC",
                "-O1",
                "-fvisibility=hidden",
                "-Wl,-z,pack-relative-relocs",
                "-o",
            ])
            .arg(&lib)
            .arg(source("ilc_cells.c")),
    );
    // The oracle: readelf says the linker packed the relative relocations (DT_RELR), leaving
    // no R_X86_64_RELATIVE entry for the cells.
    let dynamic = check(Command::new(require("readelf", "binutils")).arg("-d").arg(&lib));
    assert!(dynamic.contains("(RELR)"), "{dynamic}");
    let relocs = check(Command::new(require("readelf", "binutils")).arg("-r").arg(&lib));
    assert!(!relocs.contains("R_X86_64_RELATIVE"), "{relocs}");
    check_fixture("linux-x64 DT_RELR", &lib, false);
}
