//! Helpers of the end-to-end tests: compiling the C sources in `tests/c`, and the test kit's
//! tools and runners (natively, under qemu-user or under wine) for the targets the tests use.
//!
//! Every tool is required: a missing one fails the test with the package to install
//! (`scripts/install-deps` installs them all).

#![allow(dead_code)]

use aotinterop_model::{Arch, Format, Target, TargetRow};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// The tests spell their targets out themselves; `row` finds each in the model's table, so a
// target the table lacks fails loudly.
pub const LINUX_X64: Target = Target::LINUX_X64;
pub const LINUX_ARM64: Target = Target::LINUX_ARM64;
pub const WIN_X64: Target = Target::WIN_X64;

/// The path of a C source in `tests/c`.
pub fn source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c").join(name)
}

pub use aotinterop_testkit::{check, require};

/// The target table's row of `target`.
pub fn row(target: &Target) -> &'static TargetRow {
    target
        .row()
        .unwrap_or_else(|| panic!("{target} is not in the target table"))
}

/// The C compiler for `target`.
pub fn cc_for(target: &Target) -> PathBuf {
    let cc = row(target).cc;
    let package = match target.format {
        Format::Coff => "gcc-mingw-w64-x86-64",
        _ if cc == "gcc" => "gcc",
        _ => "gcc-aarch64-linux-gnu",
    };
    require(cc, package)
}

/// Compiles `tests/c/NAME` for `target` into `dir/NAME.o` (position-independent on ELF).
pub fn compile(target: &Target, name: &str, dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join(Path::new(name).with_extension("o"));
    let mut cmd = Command::new(cc_for(target));
    cmd.arg("-c")
        .arg("-O1")
        .arg("-o")
        .arg(&out)
        .arg(source(name))
        .args(extra);
    if target.format == Format::Elf {
        cmd.arg("-fPIC");
    }
    check(&mut cmd);
    out
}

/// Makes the static archive `dir/LIB` from `objects` with `ar` for `target`.
pub fn archive(target: &Target, lib: &str, objects: &[PathBuf], dir: &Path) -> PathBuf {
    let ar = match target.format {
        Format::Coff => require("x86_64-w64-mingw32-ar", "binutils-mingw-w64-x86-64"),
        _ => require("ar", "binutils"),
    };
    let out = dir.join(lib);
    check(Command::new(ar).arg("rcs").arg(&out).args(objects));
    out
}

/// The LinkerArg items that make `entry` the image's entry point for `flavor` (no C runtime
/// start files: there is no MSVC CRT here).
pub fn entry_args(flavor: aotinterop_model::Flavor, entry: &str) -> Vec<String> {
    match flavor {
        aotinterop_model::Flavor::LldLink => vec![format!("/ENTRY:{entry}")],
        _ => vec!["-nostartfiles".into(), format!("-Wl,--entry,{entry}")],
    }
}

/// Runs `image` for `target` (natively, under qemu-aarch64 or under wine) with `args`.
pub fn run_image(target: &Target, image: &Path, args: &[&Path]) -> Output {
    aotinterop_testkit::run_image(row(target), image, args)
}

/// Runs `image` and returns its stdout, failing the test when it fails.
pub fn run_ok(target: &Target, image: &Path, args: &[&Path]) -> String {
    aotinterop_testkit::run_image_ok(row(target), image, args)
}

/// What a C host (`host_static.c`) linked in `dir` with the static library `archive` prints.
pub fn static_host_prints(target: &Target, archive: &Path, dir: &Path) -> String {
    let exe = if target.format == aotinterop_model::Format::Coff {
        "host.exe"
    } else {
        "host"
    };
    let host = dir.join(exe);
    let mut cc = std::process::Command::new(cc_for(target));
    check(cc.arg("-o").arg(&host).arg(source("host_static.c")).arg(archive));
    run_ok(target, &host, &[])
}

/// [`aotinterop_image::verify::verify`] with the plan's NativeLibrary symbols, as the CLI's
/// `verify` reads them.
pub fn verify(
    image: &aotinterop_image::Inspection,
    plan: &aotinterop_model::Plan,
) -> aotinterop_model::Result<aotinterop_image::verify::VerifyReport> {
    let native = aotinterop_image::verify::native_library_symbols(&plan.link.native_library);
    aotinterop_image::verify::verify(image, plan, &native)
}

/// Writes an object holding one stub-record table (`docs/import-abi.md`) that lists
/// `imports` as lazy (module, entry) pairs, as the stub emitter's objects do; it has no code.
/// It re-encodes the table layout by hand on purpose: an oracle independent of the emitter.
pub fn records_object(target: &Target, imports: &[(&str, &str)], dir: &Path) -> PathBuf {
    use aotinterop_runtime::abi;
    use object::write::Object;
    use object::{Architecture, BinaryFormat, Endianness, SectionKind};
    let mut modules: Vec<&str> = Vec::new();
    for (m, _) in imports {
        if !modules.contains(m) {
            modules.push(m);
        }
    }
    let modules_off = abi::HEADER_SIZE;
    let imports_off = modules_off + abi::MODULE_RECORD_SIZE * modules.len() as u32;
    let mut strings = Vec::new();
    let strings_off = imports_off + abi::IMPORT_RECORD_SIZE * imports.len() as u32;
    let mut string = |s: &str| {
        let off = strings_off + strings.len() as u32;
        strings.extend_from_slice(s.as_bytes());
        strings.push(0);
        off
    };
    let mut records = Vec::new();
    for m in &modules {
        records.extend_from_slice(&string(m).to_le_bytes());
        records.extend_from_slice(&abi::search_path::ASSEMBLY_DIRECTORY.to_le_bytes());
        records.extend_from_slice(&[0; 8]);
    }
    for (m, e) in imports {
        let module = modules.iter().position(|x| x == m).unwrap() as u16;
        records.extend_from_slice(&string(e).to_le_bytes());
        records.extend_from_slice(&module.to_le_bytes());
        records.extend_from_slice(&0u16.to_le_bytes());
    }
    let header = abi::TableHeader {
        magic: abi::MAGIC,
        version: abi::VERSION,
        arch: if target.arch == Arch::Aarch64 {
            abi::arch::AARCH64
        } else {
            abi::arch::X86_64
        },
        module_count: modules.len() as u32,
        import_count: imports.len() as u32,
        modules_off,
        imports_off,
        table_size: strings_off + strings.len() as u32,
        ..Default::default()
    };
    let mut table = header.to_bytes().to_vec();
    table.extend_from_slice(&records);
    table.extend_from_slice(&strings);
    while !table.len().is_multiple_of(abi::TABLE_ALIGN as usize) {
        table.push(0);
    }
    let (format, arch) = match (target.format, target.arch) {
        (Format::Elf, Arch::Aarch64) => (BinaryFormat::Elf, Architecture::Aarch64),
        (Format::Elf, _) => (BinaryFormat::Elf, Architecture::X86_64),
        (Format::Coff, _) => (BinaryFormat::Coff, Architecture::X86_64),
        (Format::MachO, Arch::Aarch64) => (BinaryFormat::MachO, Architecture::Aarch64),
        (Format::MachO, _) => (BinaryFormat::MachO, Architecture::X86_64),
    };
    let mut obj = Object::new(format, arch, Endianness::Little);
    let (segment, name) = match target.format {
        Format::MachO => (abi::SECTION_MACHO_SEGMENT.as_bytes().to_vec(), abi::SECTION_MACHO),
        _ => (Vec::new(), abi::SECTION_ELF_COFF),
    };
    let section = obj.add_section(segment, name.as_bytes().to_vec(), SectionKind::ReadOnlyData);
    obj.append_section_data(section, &table, abi::TABLE_ALIGN as u64);
    if format == BinaryFormat::Elf {
        // As the stub emitter marks it: kept by `--gc-sections` (in a GNU OS/ABI object).
        use object::elf;
        obj.section_mut(section).flags = object::SectionFlags::Elf {
            sh_type: elf::SHT_PROGBITS,
            sh_flags: elf::SHF_ALLOC | elf::SHF_GNU_RETAIN,
        };
        obj.flags = object::FileFlags::Elf {
            os_abi: elf::ELFOSABI_GNU,
            abi_version: 0,
            e_flags: elf::FileFlags(0),
        };
    }
    if target.format == Format::Elf {
        obj.add_section(Vec::new(), b".note.GNU-stack".to_vec(), SectionKind::Note);
    }
    let path = dir.join("records.o");
    std::fs::write(&path, obj.write().unwrap()).unwrap();
    path
}

/// The DLLs a PE image imports, as `objdump -p` lists them (the independent reading of an
/// import table the tests compare `inspect` with).
pub fn objdump_dlls(image: &Path) -> Vec<String> {
    let dump = check(
        Command::new(require("x86_64-w64-mingw32-objdump", "binutils-mingw-w64-x86-64"))
            .arg("-p")
            .arg(image),
    );
    dump.lines()
        .filter_map(|l| l.trim().strip_prefix("DLL Name: "))
        .map(str::to_string)
        .collect()
}
