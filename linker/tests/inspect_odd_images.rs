//! `inspect` on real images that other tools take and a strict reader might not: ClrLoader.dll of
//! the PyPI package clr_loader 0.3.1 (`scripts/fetch-corpora`), whose export directory's Size
//! covers only the directory header. The expected exports come from `llvm-readobj`.

mod common;

use aotinterop_image::inspect;
use common::*;
use std::process::Command;

/// The export names `llvm-readobj --coff-exports` lists.
fn readobj_exports(dll: &std::path::Path) -> Vec<String> {
    let dump = check(
        Command::new(require("llvm-readobj", "llvm"))
            .arg("--coff-exports")
            .arg(dll),
    );
    let mut names: Vec<String> = dump
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Name: "))
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

#[test]
fn a_pe_export_table_is_read_as_windows_reads_it() {
    for arch in ["amd64", "x86"] {
        let dll = aotinterop_testkit::corpus("clr_loader")
            .join(arch)
            .join("ClrLoader.dll");
        let ins = inspect(&dll).unwrap_or_else(|e| panic!("{arch}: {e}"));
        let want = readobj_exports(&dll);
        assert_eq!(want.len(), 5, "{arch}: llvm-readobj lists {want:?}");
        assert_eq!(ins.exports, want, "{arch}");
        assert_eq!(ins.needed, ["mscoree.dll"], "{arch}");
    }
}

#[test]
fn an_il_only_assembly_points_to_scan() {
    // Compiled by Mono's C# compiler: IL only.
    let mscorlib = aotinterop_testkit::corpus("mono").join("mscorlib.dll");
    let ins = inspect(&mscorlib).unwrap();
    assert!(
        ins.notes
            .iter()
            .any(|n| n.contains("IL-only .NET assembly") && n.contains("aotinterop scan")),
        "{:?}",
        ins.notes
    );
    // Mixed: native exports through the CLR (its export thunks are native code).
    let mixed = aotinterop_testkit::corpus("clr_loader").join("amd64/ClrLoader.dll");
    let ins = inspect(&mixed).unwrap();
    assert!(
        ins.notes.iter().all(|n| !n.contains("IL-only")),
        "{:?}",
        ins.notes
    );
}

/// `readelf -h`'s "Start of section headers" + "Number of section headers" × "Size of section
/// headers": where the section header table ends.
fn readelf_section_table_end(elf: &std::path::Path) -> u64 {
    let dump = check(Command::new(require("readelf", "binutils")).arg("-h").arg(elf));
    let field = |name: &str| -> u64 {
        let line = dump.lines().find(|l| l.trim_start().starts_with(name)).unwrap();
        line.split(':')
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    field("Start of section headers") + field("Number of section headers") * field("Size of section headers")
}

#[test]
fn truncated_images_are_named_as_truncated_with_the_byte_counts() {
    let dir = tempfile::tempdir().unwrap();
    let elf = aotinterop_testkit::corpus("ilc").join("linux-x64/ExcelReader.Native.so");
    let bytes = std::fs::read(&elf).unwrap();
    let end = readelf_section_table_end(&elf);
    let cut = dir.path().join("cut.so");
    std::fs::write(&cut, &bytes[..100_000]).unwrap();
    let e = inspect(&cut).unwrap_err().to_string();
    assert!(
        e.contains("a truncated ELF image: the file ends at byte 100000"),
        "{e}"
    );
    assert!(e.contains(&format!("reach byte {end}")), "{e}");
    std::fs::write(&cut, &bytes[..30]).unwrap();
    let e = inspect(&cut).unwrap_err().to_string();
    assert!(e.contains("ends at byte 30, inside its 64-byte header"), "{e}");
    // Cut inside the identification bytes (it read as "Could not read file magic").
    std::fs::write(&cut, &bytes[..4]).unwrap();
    let e = inspect(&cut).unwrap_err().to_string();
    assert!(
        e.contains("a truncated ELF image: the file ends at byte 4"),
        "{e}"
    );

    let pe = aotinterop_testkit::corpus("ilc").join("win-x64/ExcelReader.Native.dll");
    let bytes = std::fs::read(&pe).unwrap();
    let cut = dir.path().join("cut.dll");
    std::fs::write(&cut, &bytes[..300_000]).unwrap();
    let e = inspect(&cut).unwrap_err().to_string();
    assert!(
        e.contains("a truncated PE image: the file ends at byte 300000"),
        "{e}"
    );
    std::fs::write(&cut, &bytes[..0x40]).unwrap();
    let e = inspect(&cut).unwrap_err().to_string();
    assert!(
        e.contains("a truncated PE image: the file ends at byte 64, before its PE header"),
        "{e}"
    );
}

#[test]
fn a_universal_mach_o_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    // fat_header {magic, nfat_arch = 2}, big-endian, then two fat_arch entries (zeros here).
    let mut fat = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2];
    fat.resize(8 + 2 * 20, 0);
    let path = dir.path().join("universal.dylib");
    std::fs::write(&path, &fat).unwrap();
    let e = inspect(&path).unwrap_err().to_string();
    assert!(e.contains("universal (fat) Mach-O"), "{e}");
}

/// `llvm-lipo` as Debian installs it (versioned, sometimes without the plain name).
fn llvm_lipo() -> std::path::PathBuf {
    aotinterop_testkit::on_path("llvm-lipo")
        .or_else(|| aotinterop_testkit::on_path("llvm-lipo-14"))
        .unwrap_or_else(|| require("llvm-lipo", "llvm"))
}

#[test]
fn every_slice_of_a_universal_mach_o_is_inspected() {
    let dir = tempfile::tempdir().unwrap();
    let ilc = aotinterop_testkit::corpus("ilc");
    let arm = ilc.join("osx-arm64/ExcelReader.Native.dylib");
    let x64 = ilc.join("osx-x64/ExcelReader.Native.dylib");
    let fat = dir.path().join("ExcelReader.Native.dylib");
    check(
        Command::new(llvm_lipo())
            .arg("-create")
            .arg(&arm)
            .arg(&x64)
            .arg("-output")
            .arg(&fat),
    );
    let slices = aotinterop_image::inspect_slices(&fat, None).unwrap();
    let thin_arm = inspect(&arm).unwrap();
    let thin_x64 = inspect(&x64).unwrap();
    assert_eq!(slices.len(), 2);
    for s in &slices {
        let thin = if s.arch.name() == "aarch64" {
            &thin_arm
        } else {
            &thin_x64
        };
        assert_eq!(s, thin, "the {} slice reads as its thin file", s.arch);
        assert!(s.native_aot);
    }
    let arches: std::collections::BTreeSet<String> = slices.iter().map(|s| s.arch.to_string()).collect();
    assert_eq!(arches, ["aarch64".to_string(), "x86_64".to_string()].into());
    let one = aotinterop_image::inspect_slices(&fat, aotinterop_model::Arch::from_name("arm64")).unwrap();
    assert_eq!(one, [thin_arm]);
    let e = aotinterop_image::inspect_slices(&fat, aotinterop_model::Arch::from_name("x86"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("has no x86 slice (it has"), "{e}");
    // `inspect` alone names the file and points to the slices.
    let e = inspect(&fat).unwrap_err().to_string();
    assert!(e.contains("universal (fat) Mach-O"), "{e}");
}

#[test]
fn a_dsym_companion_is_named_as_debug_information() {
    let dir = tempfile::tempdir().unwrap();
    let dylib = dir.path().join("libcells.dylib");
    check(
        Command::new(require("clang", "clang"))
            .args([
                "--target=arm64-apple-macos12",
                "-ffreestanding",
                "-g",
                "-fuse-ld=lld",
                "-dynamiclib",
            ])
            .args([
                "-nostdlib",
                "-Wl,-undefined,dynamic_lookup",
                "-Wl,-platform_version,macos,12.0,12.0",
                "-o",
            ])
            .arg(&dylib)
            .arg(source("ilc_cells.c")),
    );
    let dsym = dir.path().join("libcells.dylib.dSYM");
    check(
        Command::new(require("dsymutil", "llvm"))
            .arg(&dylib)
            .arg("-o")
            .arg(&dsym),
    );
    let dwarf = dsym.join("Contents/Resources/DWARF/libcells.dylib");
    let ins = inspect(&dwarf).unwrap();
    assert_eq!(ins.notes.len(), 1, "{:?}", ins.notes);
    assert!(ins.notes[0].contains("dSYM companion"), "{:?}", ins.notes);
    // The image itself is no dSYM.
    assert!(inspect(&dylib).unwrap().notes.iter().all(|n| !n.contains("dSYM")));
}

/// The end of the `__LINKEDIT` segment's file range, as `llvm-objdump --macho --private-headers`
/// prints it (fileoff + filesize).
fn linkedit_end(dylib: &std::path::Path) -> u64 {
    let dump = check(
        Command::new(require("llvm-objdump", "llvm"))
            .args(["--macho", "--private-headers"])
            .arg(dylib),
    );
    let seg: Vec<&str> = dump
        .lines()
        .skip_while(|l| !l.contains("segname __LINKEDIT"))
        .take(8)
        .collect();
    let field = |name: &str| -> u64 {
        let l = seg.iter().find(|l| l.trim_start().starts_with(name)).unwrap();
        l.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    field("fileoff") + field("filesize")
}

#[test]
fn a_truncated_mach_o_names_where_its_segments_reach() {
    let dylib = aotinterop_testkit::corpus("ilc").join("osx-arm64/ExcelReader.Native.dylib");
    let bytes = std::fs::read(&dylib).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.dylib");
    std::fs::write(&cut, &bytes[..5000]).unwrap();
    let e = inspect(&cut).unwrap_err().to_string();
    let end = linkedit_end(&dylib);
    assert!(
        e.contains(&format!(
            "a truncated Mach-O image: the file ends at byte 5000, but its segments reach byte {end}"
        )),
        "{e}"
    );
}
