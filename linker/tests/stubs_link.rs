//! The stub emitter's objects, linked by the drivers with compiled code, run, and read back
//! by inspect and verify: a direct import bound by the loader, a lazy one in the records.
//! (The lazy call itself is the runtime's to test; here its slow path is a stand-in.)

mod common;

use aotinterop_image::{inspect, LazyImport};
use aotinterop_linker::driver::{link, select, LinkJob, LinkerChoice, OutputKind};
use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::Plan;
use aotinterop_model::PlannedImport;
use aotinterop_model::{Format, Target};
use common::*;
use std::path::Path;

/// Runs the linked test program and reads it back: its one lazy import is `libz!compress`.
fn run_and_inspect(t: Target, image: &Path) -> aotinterop_image::Inspection {
    assert_eq!(run_ok(&t, image, &[]), "called through a stub\n");
    let ins = inspect(image).unwrap();
    // Its module record: searched in the image's folder (`AssemblyDirectory`, 0x2, .NET 10's
    // default), then by the OS loader (no flags).
    let want = LazyImport {
        recorded_lookup: Some(aotinterop_image::RecordedLookup {
            search_path: 0x2,
            flags: 0,
        }),
        ..LazyImport::new("libz", "compress")
    };
    assert_eq!(ins.lazy, [want], "{t}");
    ins
}

fn stubs_link_run_and_verify(t: Target) {
    let dir = tempfile::tempdir().unwrap();
    let stubs = emit(
        &t,
        &[
            PlannedImport::direct("app_puts", "libc", "puts"),
            PlannedImport::lazy("app_compress", "libz", "compress"),
        ],
        &StubOptions::default(),
    )
    .unwrap();
    let stubs_o = dir.path().join("stubs.o");
    std::fs::write(&stubs_o, stubs).unwrap();
    let name = if t.format == Format::Coff {
        "app.exe"
    } else {
        "app"
    };
    let mut job = LinkJob::new(t, OutputKind::Executable, dir.path().join(name));
    job.objects = vec![compile(&t, "stubs_main.c", dir.path(), &[]), stubs_o];
    let linker = select(&t, job.kind, &LinkerChoice::default()).unwrap();
    let done = link(&*linker, &job).unwrap();
    assert!(
        !done.linker_output.contains("warning"),
        "{t}: the linker warned:\n{}",
        done.linker_output
    );
    let ins = run_and_inspect(t, &job.output);
    assert!(ins.imports_symbol("puts").is_some(), "{t}: {:?}", ins.imports);
    assert!(ins.imports_symbol("compress").is_none());
    let plan = Plan::parse(
        r#"{"rid": "any", "imports": [
            {"module": "libc", "entry": "puts", "binding": "direct", "symbol": "puts"},
            {"module": "libz", "entry": "compress", "binding": "lazy", "symbol": "compress"}]}"#,
        Path::new("plan.json"),
    )
    .unwrap();
    let report = verify(&ins, &plan).unwrap();
    assert!(report.ok(), "{t}: {:?}", report.differences);
}

#[test]
fn linux_x64_stubs() {
    stubs_link_run_and_verify(LINUX_X64);
}

#[test]
fn linux_arm64_stubs_under_qemu() {
    stubs_link_run_and_verify(LINUX_ARM64);
}

#[test]
fn win_x64_stubs_under_wine() {
    stubs_link_run_and_verify(WIN_X64);
}

/// The gnu driver links with `--gc-sections`: a stub object none of whose stubs compiled code
/// calls still keeps its import table, so inspect and verify see its lazy imports.
fn import_table_survives_gc_sections(t: Target) {
    let dir = tempfile::tempdir().unwrap();
    let used = emit(
        &t,
        &[PlannedImport::direct("app_puts", "libc", "puts")],
        &StubOptions::default(),
    )
    .unwrap();
    let unused = emit(
        &t,
        &[PlannedImport::lazy("app_compress", "libz", "compress")],
        &StubOptions::default(),
    )
    .unwrap();
    let (used_o, unused_o) = (dir.path().join("used.o"), dir.path().join("unused.o"));
    std::fs::write(&used_o, used).unwrap();
    std::fs::write(&unused_o, unused).unwrap();
    let mut job = LinkJob::new(t, OutputKind::Executable, dir.path().join("app"));
    job.objects = vec![
        compile(&t, "stubs_main.c", dir.path(), &["-DNO_LAZY_CALL"]),
        used_o,
        unused_o,
    ];
    let linker = select(&t, job.kind, &LinkerChoice::default()).unwrap();
    let done = link(&*linker, &job).unwrap();
    assert!(
        done.command.args.iter().any(|a| a == "-Wl,--gc-sections"),
        "{}",
        done.command
    );
    run_and_inspect(t, &job.output);
}

#[test]
fn linux_x64_import_table_survives_gc_sections() {
    import_table_survives_gc_sections(LINUX_X64);
}

#[test]
fn linux_arm64_import_table_survives_gc_sections() {
    import_table_survives_gc_sections(LINUX_ARM64);
}
