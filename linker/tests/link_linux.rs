//! End-to-end links for Linux: real compilers, real linkers, and the images run (x86_64
//! natively, aarch64 under qemu-user).

mod common;

use aotinterop_linker::driver::{link, select, Flavor, LinkJob, LinkerChoice, OutputKind};
use aotinterop_model::codes;
use aotinterop_model::Target;
use common::*;
use std::process::Command;

fn choice(flavor: Flavor) -> LinkerChoice {
    LinkerChoice {
        flavor: Some(flavor),
        program: None,
    }
}

/// app.c + a NativeLibrary archive, linked with `flavor` for `target`, run.
fn executable_runs(target: Target, flavor: Flavor) {
    let dir = tempfile::tempdir().unwrap();
    let shim = compile(&target, "shim.c", dir.path(), &[]);
    let shim = archive(&target, "libshim.a", &[shim], dir.path());
    let mut job = LinkJob::new(target, OutputKind::Executable, dir.path().join("bin/app"));
    job.objects.push(compile(&target, "app.c", dir.path(), &[]));
    job.native_libraries.push(shim);
    let linker = select(&target, job.kind, &choice(flavor)).unwrap();
    let done = link(&*linker, &job).unwrap();
    assert_eq!(done.output, job.output);
    assert_eq!(run_ok(&target, &job.output, &[]), "sum=5 cos=1\n");
    // Nothing but the image is left in its folder.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("bin"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["app"]);
}

/// lib.c + a NativeLibrary archive as a shared library exporting `lib_mul` only, loaded by a C
/// host through dlopen; both linked with `flavor`.
fn shared_library_exports(target: Target, flavor: Flavor) {
    let dir = tempfile::tempdir().unwrap();
    let shim = compile(&target, "shim.c", dir.path(), &[]);
    let shim = archive(&target, "libshim.a", &[shim], dir.path());
    let mut job = LinkJob::new(target, OutputKind::Shared, dir.path().join("libapp.so"));
    job.objects.push(compile(&target, "lib.c", dir.path(), &[]));
    job.native_libraries.push(shim);
    job.exports.push("lib_mul".into());
    let linker = select(&target, job.kind, &choice(flavor)).unwrap();
    let done = link(&*linker, &job).unwrap();
    assert!(done.export_file.unwrap().contains("lib_mul;"));

    let mut host = LinkJob::new(target, OutputKind::Executable, dir.path().join("host"));
    host.objects
        .push(compile(&target, "host_dlopen.c", dir.path(), &[]));
    link(&*linker, &host).unwrap();
    let out = run_ok(&target, &host.output, &[&job.output]);
    assert_eq!(out, "mul=42 hidden=absent\n");
}

#[test]
fn linux_x64_executable_runs_gcc() {
    executable_runs(LINUX_X64, Flavor::Gcc);
}

#[test]
fn linux_x64_executable_runs_clang() {
    executable_runs(LINUX_X64, Flavor::Clang);
}

#[test]
fn linux_x64_shared_library_exports_load_through_dlopen_gcc() {
    shared_library_exports(LINUX_X64, Flavor::Gcc);
}

#[test]
fn linux_x64_shared_library_exports_load_through_dlopen_clang() {
    shared_library_exports(LINUX_X64, Flavor::Clang);
}

#[test]
fn linux_arm64_executable_runs_under_qemu_gcc() {
    executable_runs(LINUX_ARM64, Flavor::Gcc);
}

#[test]
fn linux_arm64_executable_runs_under_qemu_clang_cross() {
    executable_runs(LINUX_ARM64, Flavor::Clang);
}

#[test]
fn linux_arm64_shared_library_exports_load_through_dlopen_under_qemu_gcc() {
    shared_library_exports(LINUX_ARM64, Flavor::Gcc);
}

#[test]
fn linux_arm64_shared_library_exports_load_through_dlopen_under_qemu_clang_cross() {
    shared_library_exports(LINUX_ARM64, Flavor::Clang);
}

#[test]
fn the_default_linker_for_each_linux_target_links() {
    for t in [LINUX_X64, LINUX_ARM64] {
        let linker = select(&t, OutputKind::Executable, &LinkerChoice::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut job = LinkJob::new(t, OutputKind::Executable, dir.path().join("app"));
        job.objects = vec![
            compile(&t, "app.c", dir.path(), &[]),
            compile(&t, "shim.c", dir.path(), &[]),
        ];
        link(&*linker, &job).unwrap();
        assert_eq!(
            run_ok(&t, &job.output, &[]),
            "sum=5 cos=1\n",
            "{t} with {}",
            linker.flavor()
        );
    }
}

/// lib.c as `NativeLib=Static` with a stand-in runtime archive folded in, linked into a C host
/// by the target's C compiler with nothing else, run; written by the built-in writer, or by
/// the archiver `program` when given.
fn static_archive_links_into_a_c_host(t: Target, program: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let shim = compile(&t, "shim.c", dir.path(), &[]);
    // The runtime's archive stands in as libruntime.a: its members go into the static library.
    let runtime = archive(&t, "libruntime.a", &[shim], dir.path());
    let mut job = LinkJob::new(t, OutputKind::Static, dir.path().join("out/libapp.a"));
    job.objects.push(compile(&t, "lib.c", dir.path(), &[]));
    job.runtime_inputs.push(runtime);
    let choice = LinkerChoice {
        flavor: program.map(|_| Flavor::Archive),
        program: program.map(Into::into),
    };
    let linker = select(&t, job.kind, &choice).unwrap();
    assert_eq!(linker.flavor(), Flavor::Archive);
    link(&*linker, &job).unwrap();
    let data = std::fs::read(&job.output).unwrap();
    let members = object::read::archive::ArchiveFile::parse(&*data)
        .unwrap()
        .members()
        .count();
    assert_eq!(members, 2);
    assert_eq!(static_host_prints(&t, &job.output, dir.path()), "mul=42 add=42\n");
}

#[test]
fn static_archive_links_into_a_c_host_x64() {
    static_archive_links_into_a_c_host(LINUX_X64, None);
}

#[test]
fn static_archive_links_into_a_c_host_x64_with_an_ar_program() {
    static_archive_links_into_a_c_host(LINUX_X64, Some("ar"));
}

#[test]
fn static_archive_links_into_a_c_host_arm64_under_qemu() {
    static_archive_links_into_a_c_host(LINUX_ARM64, None);
}

#[test]
fn a_failing_link_leaves_the_old_image_intact() {
    let t = LINUX_X64;
    let dir = tempfile::tempdir().unwrap();
    let shim = compile(&t, "shim.c", dir.path(), &[]);
    let out_dir = dir.path().join("bin");
    let mut job = LinkJob::new(t, OutputKind::Executable, out_dir.join("app"));
    job.objects = vec![compile(&t, "app.c", dir.path(), &[]), shim];
    let linker = select(&t, job.kind, &LinkerChoice::default()).unwrap();
    link(&*linker, &job).unwrap();
    let before = std::fs::read(&job.output).unwrap();

    job.objects = vec![compile(&t, "undefined.c", dir.path(), &[])];
    let err = link(&*linker, &job).unwrap_err();
    assert_eq!(err.code, codes::LINK_FAILED);
    let msg = err.to_string();
    assert!(msg.contains("command: ") && msg.contains("undefined.o"), "{msg}");
    assert!(msg.contains("-Wl,--as-needed"), "{msg}");
    assert!(msg.contains("nowhere_defined"), "the linker's own output: {msg}");
    assert_eq!(
        std::fs::read(&job.output).unwrap(),
        before,
        "the old image changed"
    );
    let names: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["app"], "staging left behind");
    assert_eq!(run_ok(&t, &job.output, &[]), "sum=5 cos=1\n");
}

#[test]
fn an_unwritable_output_folder_is_an_error_not_a_panic() {
    let t = LINUX_X64;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let job = LinkJob::new(t, OutputKind::Executable, file.join("app"));
    let linker = select(&t, job.kind, &LinkerChoice::default()).unwrap();
    let err = link(&*linker, &job).unwrap_err();
    assert_eq!(err.code, codes::OUTPUT_UNWRITABLE);
    assert!(err.to_string().contains(&*file.to_string_lossy()), "{err}");
}

#[test]
fn a_static_archive_for_apple_has_a_darwin_symbol_index() {
    use object::write::{Object, Symbol, SymbolSection};
    use object::{Architecture, BinaryFormat, Endianness, SymbolFlags, SymbolKind, SymbolScope};
    // No Apple toolchain here: the object is written with the `object` crate.
    let t = Target::OSX_ARM64;
    let dir = tempfile::tempdir().unwrap();
    let mut o = Object::new(BinaryFormat::MachO, Architecture::Aarch64, Endianness::Little);
    let text = o.section_id(object::write::StandardSection::Text);
    let at = o.append_section_data(text, &[0xc0, 0x03, 0x5f, 0xd6], 4);
    o.add_symbol(Symbol {
        name: b"lib_mul".to_vec(),
        value: at,
        size: 4,
        kind: SymbolKind::Text,
        scope: SymbolScope::Dynamic,
        weak: false,
        section: SymbolSection::Section(text),
        flags: SymbolFlags::None,
    });
    let obj = dir.path().join("lib.o");
    std::fs::write(&obj, o.write().unwrap()).unwrap();
    let mut job = LinkJob::new(t, OutputKind::Static, dir.path().join("libapp.a"));
    job.objects.push(obj);
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    let data = std::fs::read(&job.output).unwrap();
    let archive = object::read::archive::ArchiveFile::parse(&*data).unwrap();
    assert!(
        matches!(
            archive.kind(),
            object::read::archive::ArchiveKind::Bsd64 | object::read::archive::ArchiveKind::Bsd
        ),
        "{:?}",
        archive.kind()
    );
    let names: Vec<Vec<u8>> = archive
        .symbols()
        .unwrap()
        .unwrap()
        .map(|s| s.unwrap().name().to_vec())
        .collect();
    assert_eq!(names, [b"_lib_mul".to_vec()]);
}

/// The `.gnu_debuglink` section of the ELF file at `path`, as GNU objcopy dumps it.
fn debuglink_of(path: &std::path::Path) -> Vec<u8> {
    let out = path.with_extension("link");
    let st = Command::new("objcopy")
        .arg(format!("--dump-section=.gnu_debuglink={}", out.display()))
        .arg(path)
        .arg(path.with_extension("dumped"))
        .status()
        .unwrap();
    assert!(st.success(), "objcopy could not dump the debug link of {path:?}");
    std::fs::read(out).unwrap()
}

/// StripSymbols on ELF writes the debug copy and the stripped image side by side and fills the
/// debug link's CRC in after: the section must be the very bytes `objcopy --add-gnu-debuglink`
/// writes for that debug file, the image must carry no DWARF, and it must still run.
#[test]
fn strip_symbols_on_elf_writes_the_debug_link_objcopy_would() {
    for (target, flavor) in [(LINUX_X64, Flavor::Clang), (LINUX_X64, Flavor::Gcc)] {
        let dir = tempfile::tempdir().unwrap();
        let mut job = LinkJob::new(target, OutputKind::Executable, dir.path().join("bin/app"));
        job.objects.push(compile(&target, "app.c", dir.path(), &["-g"]));
        let shim = compile(&target, "shim.c", dir.path(), &["-g"]);
        job.native_libraries
            .push(archive(&target, "libshim.a", &[shim], dir.path()));
        job.strip_symbols = true;
        let linker = select(&target, job.kind, &choice(flavor)).unwrap();
        let done = link(&*linker, &job).unwrap();
        let debug = dir.path().join("bin/app.dbg");
        assert_eq!(done.side_outputs, std::slice::from_ref(&debug));
        // The oracle: objcopy's own debug link for the same debug file, on a copy of the image.
        let copy = dir.path().join("oracle");
        std::fs::copy(&job.output, &copy).unwrap();
        let st = Command::new("objcopy")
            .arg("--remove-section=.gnu_debuglink")
            .arg(format!("--add-gnu-debuglink={}", debug.display()))
            .arg(&copy)
            .status()
            .unwrap();
        assert!(st.success());
        assert_eq!(debuglink_of(&job.output), debuglink_of(&copy), "{flavor:?}");
        let sections = Command::new("readelf")
            .args(["-S", "-W"])
            .arg(&job.output)
            .output()
            .unwrap();
        let sections = String::from_utf8_lossy(&sections.stdout);
        assert!(!sections.contains(".debug_info"), "{sections}");
        assert!(
            String::from_utf8_lossy(
                &Command::new("readelf")
                    .args(["-S", "-W"])
                    .arg(&debug)
                    .output()
                    .unwrap()
                    .stdout
            )
            .contains(".debug_info"),
            "the debug file holds no DWARF"
        );
        assert_eq!(run_ok(&target, &job.output, &[]), "sum=5 cos=1\n");
    }
}

/// Two publishes to one output, one without StripSymbols linking first and committing last:
/// the debug file the other committed in between is superseded too (decided under the folder's
/// lock, not at the link), so the image is never left beside another image's debug file.
#[test]
fn a_debug_file_committed_by_another_publish_after_this_link_is_superseded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bin/app");
    let job = |strip: bool| {
        let mut job = LinkJob::new(LINUX_X64, OutputKind::Executable, out.clone());
        job.objects
            .push(compile(&LINUX_X64, "app.c", dir.path(), &["-g"]));
        let shim = compile(&LINUX_X64, "shim.c", dir.path(), &["-g"]);
        job.native_libraries
            .push(archive(&LINUX_X64, "libshim.a", &[shim], dir.path()));
        job.strip_symbols = strip;
        job
    };
    let linker = select(&LINUX_X64, OutputKind::Executable, &choice(Flavor::Gcc)).unwrap();
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let (plain, stripped) = (job(false), job(true));
    let staging = aotinterop_linker::driver::Staging::beside(&out).unwrap();
    let staged = aotinterop_linker::driver::link_staged(&*linker, &plain, &staging).unwrap();
    link(&*linker, &stripped).unwrap();
    assert!(out.with_file_name("app.dbg").is_file());
    staged.commit(&staging, &[]).unwrap();
    assert!(
        !out.with_file_name("app.dbg").exists(),
        "the image without a debug link was left beside the other publish's debug file"
    );
}
