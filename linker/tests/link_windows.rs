//! End-to-end links for win-x64 with both Windows flavours (MinGW-w64 GCC and lld-link), the
//! images run under wine.
//!
//! lld-link is given MinGW-w64's import libraries (found with `-print-search-dirs`); without
//! the MSVC C runtime here, its images have their own entry point and use kernel32 only.

mod common;

use aotinterop_linker::driver::{link, select, Flavor, LinkJob, LinkerChoice, OutputKind};
use common::*;
use std::path::PathBuf;

fn choice(flavor: Flavor) -> LinkerChoice {
    LinkerChoice {
        flavor: Some(flavor),
        program: None,
    }
}

/// Flags for C code that runs without a C runtime.
const FREESTANDING: &[&str] = &["-ffreestanding", "-fno-stack-protector", "-mno-stack-arg-probe"];

fn shim(dir: &std::path::Path, flags: &[&str]) -> PathBuf {
    let o = compile(&WIN_X64, "shim.c", dir, flags);
    archive(&WIN_X64, "libshim.a", &[o], dir)
}

/// A LoadLibrary host, linked by the MinGW-w64 driver.
fn loadlibrary_host(dir: &std::path::Path) -> PathBuf {
    let mut host = LinkJob::new(WIN_X64, OutputKind::Executable, dir.join("host.exe"));
    host.objects
        .push(compile(&WIN_X64, "host_loadlibrary.c", dir, &[]));
    link(
        &*select(&WIN_X64, host.kind, &choice(Flavor::Mingw)).unwrap(),
        &host,
    )
    .unwrap();
    host.output
}

/// A freestanding executable for lld-link (entry point `start`, kernel32 only) in `dir`.
fn start_job(dir: &std::path::Path) -> LinkJob {
    let mut job = LinkJob::new(WIN_X64, OutputKind::Executable, dir.join("start.exe"));
    job.objects
        .push(compile(&WIN_X64, "win_start.c", dir, FREESTANDING));
    job.native_libraries.push(shim(dir, FREESTANDING));
    job.linker_args.extend(entry_args(Flavor::LldLink, "start"));
    job.system_libs = vec!["kernel32".into()];
    job
}

/// A freestanding DLL for lld-link exporting `lib_mul` (entry point `dll_entry`) in `dir`.
fn dll_job(dir: &std::path::Path) -> LinkJob {
    let mut job = LinkJob::new(WIN_X64, OutputKind::Shared, dir.join("lib.dll"));
    job.objects
        .push(compile(&WIN_X64, "win_lib.c", dir, FREESTANDING));
    job.native_libraries.push(shim(dir, FREESTANDING));
    job.exports.push("lib_mul".into());
    job.linker_args.extend(entry_args(Flavor::LldLink, "dll_entry"));
    job.system_libs = vec!["kernel32".into()];
    job
}

#[test]
fn mingw_executable_runs_under_wine() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(WIN_X64, OutputKind::Executable, dir.path().join("app.exe"));
    job.objects.push(compile(&WIN_X64, "app.c", dir.path(), &[]));
    job.native_libraries.push(shim(dir.path(), &[]));
    let linker = select(&WIN_X64, job.kind, &choice(Flavor::Mingw)).unwrap();
    assert_eq!(linker.flavor(), Flavor::Mingw);
    link(&*linker, &job).unwrap();
    assert_eq!(run_ok(&WIN_X64, &job.output, &[]), "sum=5 cos=1\n");
}

#[test]
fn mingw_dll_exports_load_through_loadlibrary_under_wine() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(WIN_X64, OutputKind::Shared, dir.path().join("app.dll"));
    job.objects.push(compile(&WIN_X64, "lib.c", dir.path(), &[]));
    job.native_libraries.push(shim(dir.path(), &[]));
    job.exports.push("lib_mul".into());
    let linker = select(&WIN_X64, job.kind, &choice(Flavor::Mingw)).unwrap();
    let done = link(&*linker, &job).unwrap();
    assert!(done.export_file.unwrap().contains("EXPORTS\n    lib_mul\n"));
    let host = loadlibrary_host(dir.path());
    assert_eq!(run_ok(&WIN_X64, &host, &[&job.output]), "mul=42 hidden=absent\n");
}

#[test]
fn lld_link_executable_runs_under_wine() {
    let dir = tempfile::tempdir().unwrap();
    let job = start_job(dir.path());
    let linker = select(&WIN_X64, job.kind, &choice(Flavor::LldLink)).unwrap();
    let done = link(&*linker, &job).unwrap();
    assert!(
        done.command.to_string().contains("libkernel32.a"),
        "{}",
        done.command
    );
    assert_eq!(run_ok(&WIN_X64, &job.output, &[]), "sum=5\n");
}

#[test]
fn lld_link_dll_exports_load_through_loadlibrary_under_wine() {
    let dir = tempfile::tempdir().unwrap();
    let job = dll_job(dir.path());
    let linker = select(&WIN_X64, job.kind, &choice(Flavor::LldLink)).unwrap();
    let done = link(&*linker, &job).unwrap();
    assert_eq!(
        done.side_outputs,
        [dir.path().join("lib.lib")],
        "the import library moves with the DLL"
    );
    let host = loadlibrary_host(dir.path());
    assert_eq!(run_ok(&WIN_X64, &host, &[&job.output]), "mul=42 hidden=absent\n");
}

/// The PDB file the CodeView record of `image` names, as `llvm-readobj` reads it.
fn codeview_pdb(image: &std::path::Path) -> Option<String> {
    let out = check(
        std::process::Command::new(require("llvm-readobj", "llvm"))
            .arg("--coff-debug-directory")
            .arg(image),
    );
    out.lines()
        .find_map(|l| l.trim().strip_prefix("PDBFileName: "))
        .map(str::to_string)
}

/// A `/DEBUG` LinkerArg: the PDB moves beside the image and the image names it there, not in
/// the staging folder; a later link without it removes that PDB (the image that named it is
/// gone) but leaves a PDB no image names.
#[test]
fn lld_link_debug_names_the_pdb_where_it_lands_and_a_later_link_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = start_job(dir.path());
    let linker = select(&WIN_X64, job.kind, &choice(Flavor::LldLink)).unwrap();
    let plain = job.clone();
    job.linker_args.push("/DEBUG".into());
    let pdb = dir.path().join("start.pdb");
    let done = link(&*linker, &job).unwrap();
    assert_eq!(done.side_outputs, std::slice::from_ref(&pdb));
    assert_eq!(
        codeview_pdb(&job.output).as_deref(),
        Some(&*pdb.to_string_lossy())
    );
    link(&*linker, &plain).unwrap();
    assert!(!pdb.exists(), "the previous image's PDB outlived it");
    assert_eq!(codeview_pdb(&job.output), None);
    std::fs::write(&pdb, b"the user's").unwrap();
    link(&*linker, &plain).unwrap();
    assert_eq!(std::fs::read(&pdb).unwrap(), b"the user's");
}

#[test]
fn static_archive_links_into_a_c_host_under_wine() {
    let t = WIN_X64;
    let dir = tempfile::tempdir().unwrap();
    let runtime = shim(dir.path(), &[]);
    let mut job = LinkJob::new(t, OutputKind::Static, dir.path().join("app.lib"));
    job.objects.push(compile(&t, "lib.c", dir.path(), &[]));
    job.runtime_inputs.push(runtime);
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    assert_eq!(static_host_prints(&t, &job.output, dir.path()), "mul=42 add=42\n");
}

#[test]
fn a_failing_lld_link_leaves_the_old_dll_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = dll_job(dir.path());
    let linker = select(&WIN_X64, job.kind, &choice(Flavor::LldLink)).unwrap();
    link(&*linker, &job).unwrap();
    let before = std::fs::read(&job.output).unwrap();
    job.exports.push("not_defined_anywhere".into());
    let err = link(&*linker, &job).unwrap_err();
    assert_eq!(err.code, aotinterop_model::codes::LINK_FAILED);
    assert!(
        err.message.contains("/DEF:") && err.message.contains("not_defined_anywhere"),
        "{err}"
    );
    assert_eq!(std::fs::read(&job.output).unwrap(), before);
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.retain(|n| n.to_string_lossy().starts_with(".aotinterop"));
    assert!(names.is_empty(), "staging left behind: {names:?}");
}

/// The section names `objdump -h` lists.
fn objdump_sections(image: &std::path::Path) -> Vec<String> {
    let out = check(
        std::process::Command::new(require("x86_64-w64-mingw32-objdump", "binutils-mingw-w64-x86-64"))
            .arg("-h")
            .arg(image),
    );
    out.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let idx = w.next()?;
            idx.parse::<u32>().ok()?;
            w.next().map(str::to_string)
        })
        .collect()
}

#[test]
fn strip_symbols_moves_a_mingw_images_dwarf_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(WIN_X64, OutputKind::Executable, dir.path().join("app.exe"));
    job.objects.push(compile(&WIN_X64, "app.c", dir.path(), &["-g"]));
    job.native_libraries.push(shim(dir.path(), &[]));
    job.strip_symbols = true;
    let linker = select(&WIN_X64, job.kind, &choice(Flavor::Mingw)).unwrap();
    let outcome = link(&*linker, &job).unwrap();
    let debug = dir.path().join("app.exe.dbg");
    assert_eq!(outcome.side_outputs, std::slice::from_ref(&debug));
    let image = objdump_sections(&job.output);
    assert!(image.iter().all(|s| !s.starts_with(".debug_")), "{image:?}");
    assert!(image.contains(&".gnu_debuglink".to_string()), "{image:?}");
    assert!(objdump_sections(&debug).contains(&".debug_info".to_string()));
    assert_eq!(run_ok(&WIN_X64, &job.output, &[]), "sum=5 cos=1\n");
}
