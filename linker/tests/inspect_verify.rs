//! `inspect` and `verify` on real images: linked by the real linkers from C code, a
//! NativeLibrary archive and a stub-record table, then read back.

mod common;

use aotinterop_image::verify::DifferenceKind;
use aotinterop_image::{inspect, render_text, ImageKind, LazyImport};
use aotinterop_linker::driver::{link, select, Flavor, LinkJob, LinkerChoice, OutputKind};
use aotinterop_model::codes;
use aotinterop_model::Plan;
use aotinterop_model::{Format, Target};
use common::*;
use std::path::{Path, PathBuf};

/// A lazy import of aotinterop's table, for an import without `DllImportSearchPath` under
/// .NET 10's rules: its library searched in the assembly's folder (`AssemblyDirectory`, 0x2),
/// then by the OS loader (no module flags).
fn lazy(module: &str, entry: &str) -> LazyImport {
    LazyImport {
        recorded_lookup: Some(aotinterop_image::RecordedLookup {
            search_path: 0x2,
            flags: 0,
        }),
        ..LazyImport::new(module, entry)
    }
}

/// app.c + libshim.a + a record table for `libz!compress`, linked for linux-x64.
fn linux_app(dir: &Path) -> (PathBuf, PathBuf) {
    let t = LINUX_X64;
    let shim = compile(&t, "shim.c", dir, &[]);
    let shim = archive(&t, "libshim.a", &[shim], dir);
    let mut job = LinkJob::new(t, OutputKind::Executable, dir.join("app"));
    job.objects = vec![
        compile(&t, "app.c", dir, &[]),
        records_object(&t, &[("libz", "compress")], dir),
    ];
    job.native_libraries.push(shim.clone());
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    (job.output, shim)
}

fn linux_lib(dir: &Path) -> PathBuf {
    let t = LINUX_X64;
    let shim = compile(&t, "shim.c", dir, &[]);
    let mut job = LinkJob::new(t, OutputKind::Shared, dir.join("libapp.so"));
    job.objects = vec![compile(&t, "lib.c", dir, &[]), shim];
    job.exports.push("lib_mul".into());
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    job.output
}

#[test]
fn inspects_a_linux_executable() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = linux_app(dir.path());
    let ins = inspect(&app).unwrap();
    assert_eq!(ins.format, Format::Elf);
    assert_eq!(ins.kind, ImageKind::Executable);
    assert_eq!(ins.arch.name(), "x86_64");
    assert!(ins.needed.contains(&"libc.so.6".to_string()), "{:?}", ins.needed);
    assert!(ins.needed.contains(&"libm.so.6".to_string()), "{:?}", ins.needed);
    let printf = ins.imports_symbol("printf").expect("printf is bound at startup");
    assert_eq!(printf.lib_name.as_deref(), Some("libc.so.6"));
    assert_eq!(
        ins.imports_symbol("cos").unwrap().lib_name.as_deref(),
        Some("libm.so.6")
    );
    assert!(ins.imports_symbol("shim_add").is_none(), "linked statically");
    assert!(ins.defines("shim_add"));
    assert_eq!(ins.lazy, [lazy("libz", "compress")]);
    let text = render_text(&ins);
    assert!(text.starts_with("elf x86_64 executable\n"), "{text}");
    assert!(
        text.contains("  printf  [libc.so.6]\n")
            && text.contains("lazy imports (1, from aotinterop's stub records):\n  libz!compress\n"),
        "{text}"
    );
}

#[test]
fn inspects_a_linux_shared_library_exports() {
    let dir = tempfile::tempdir().unwrap();
    let ins = inspect(&linux_lib(dir.path())).unwrap();
    assert_eq!(ins.kind, ImageKind::Shared);
    assert_eq!(ins.exports, ["lib_mul"]);
    assert!(ins.lazy.is_empty());
}

#[test]
fn an_executable_exports_only_what_it_is_asked_to() {
    let t = LINUX_X64;
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(t, OutputKind::Executable, dir.path().join("app"));
    job.objects = vec![
        compile(&t, "app.c", dir.path(), &[]),
        compile(&t, "shim.c", dir.path(), &[]),
    ];
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    assert!(!inspect(&job.output)
        .unwrap()
        .exports
        .contains(&"shim_add".to_string()));
    job.exports.push("shim_add".into());
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    assert_eq!(inspect(&job.output).unwrap().exports, ["shim_add"]);
}

#[test]
fn inspects_an_arm64_image() {
    let t = LINUX_ARM64;
    let dir = tempfile::tempdir().unwrap();
    let mut job = LinkJob::new(t, OutputKind::Executable, dir.path().join("app"));
    job.objects = vec![
        compile(&t, "app.c", dir.path(), &[]),
        compile(&t, "shim.c", dir.path(), &[]),
        records_object(&t, &[("libz", "compress"), ("libz", "uncompress")], dir.path()),
    ];
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    let ins = inspect(&job.output).unwrap();
    assert_eq!(ins.arch.name(), "aarch64");
    assert!(ins.imports_symbol("printf").is_some());
    assert_eq!(ins.lazy, [lazy("libz", "compress"), lazy("libz", "uncompress")]);
}

#[test]
fn inspects_windows_images_of_both_flavours() {
    let t = WIN_X64;
    let dir = tempfile::tempdir().unwrap();
    let free = &["-ffreestanding", "-fno-stack-protector", "-mno-stack-arg-probe"];
    for flavor in [Flavor::Mingw, Flavor::LldLink] {
        let mut job = LinkJob::new(t, OutputKind::Shared, dir.path().join(format!("{flavor}.dll")));
        job.objects = vec![
            compile(&t, "win_lib.c", dir.path(), free),
            compile(&t, "shim.c", dir.path(), free),
            records_object(&t, &[("user32", "MessageBoxW")], dir.path()),
        ];
        job.exports.push("lib_mul".into());
        job.linker_args.extend(entry_args(flavor, "dll_entry"));
        job.system_libs = vec!["kernel32".into()];
        let choice = LinkerChoice {
            flavor: Some(flavor),
            program: None,
        };
        link(&*select(&t, job.kind, &choice).unwrap(), &job).unwrap();
        let ins = inspect(&job.output).unwrap();
        assert_eq!(ins.format, Format::Coff, "{flavor}");
        assert_eq!(ins.kind, ImageKind::Shared, "{flavor}");
        assert_eq!(ins.exports, ["lib_mul"], "{flavor}");
        assert_eq!(ins.lazy, [lazy("user32", "MessageBoxW")], "{flavor}");
    }
    let mut job = LinkJob::new(t, OutputKind::Executable, dir.path().join("start.exe"));
    job.objects = vec![
        compile(&t, "win_start.c", dir.path(), free),
        compile(&t, "shim.c", dir.path(), free),
    ];
    job.linker_args.extend(entry_args(Flavor::LldLink, "start"));
    job.system_libs = vec!["kernel32".into()];
    let choice = LinkerChoice {
        flavor: Some(Flavor::LldLink),
        program: None,
    };
    link(&*select(&t, job.kind, &choice).unwrap(), &job).unwrap();
    let ins = inspect(&job.output).unwrap();
    assert_eq!(ins.kind, ImageKind::Executable);
    assert!(
        ins.needed.iter().any(|n| n.eq_ignore_ascii_case("kernel32.dll")),
        "{:?}",
        ins.needed
    );
    let w = ins
        .imports_symbol("WriteFile")
        .expect("WriteFile bound at startup");
    assert!(w
        .lib_name
        .as_deref()
        .unwrap()
        .eq_ignore_ascii_case("kernel32.dll"));
}

#[test]
fn inspects_mach_o_stub_records_and_symbols() {
    // No Mach-O linker here: relocatable objects stand in for images.
    let t = Target::OSX_ARM64;
    let dir = tempfile::tempdir().unwrap();
    let obj = records_object(&t, &[("libz", "compress")], dir.path());
    let ins = inspect(&obj).unwrap();
    assert_eq!(ins.format, Format::MachO);
    assert_eq!(ins.kind, ImageKind::Object);
    assert_eq!(ins.lazy, [lazy("libz", "compress")]);

    use object::write::{Object, Symbol, SymbolSection};
    use object::{Architecture, BinaryFormat, Endianness, SymbolFlags, SymbolKind, SymbolScope};
    let mut o = Object::new(BinaryFormat::MachO, Architecture::Aarch64, Endianness::Little);
    let text = o.section_id(object::write::StandardSection::Text);
    let ret = [0xc0, 0x03, 0x5f, 0xd6]; // ret
    let at = o.append_section_data(text, &ret, 4);
    let sym = |name: &str, section, value| Symbol {
        name: name.as_bytes().to_vec(),
        value,
        size: 0,
        kind: SymbolKind::Text,
        scope: SymbolScope::Dynamic,
        weak: false,
        section,
        flags: SymbolFlags::None,
    };
    o.add_symbol(sym("lib_mul", SymbolSection::Section(text), at));
    o.add_symbol(sym("printf", SymbolSection::Undefined, 0));
    let path = dir.path().join("code.o");
    std::fs::write(&path, o.write().unwrap()).unwrap();
    let ins = inspect(&path).unwrap();
    assert_eq!(ins.exports, ["lib_mul"], "the Mach-O underscore is removed");
    assert_eq!(
        ins.imports.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
        ["printf"]
    );
    assert!(ins.defines("lib_mul"));
}

#[test]
fn non_images_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    let e = inspect(&text).unwrap_err();
    assert_eq!(e.code, codes::BAD_FORMAT);
    assert!(
        e.to_string().contains("notes.txt") && e.message.contains("not an ELF, PE or Mach-O image"),
        "{e}"
    );
    let e = inspect(&dir.path().join("missing")).unwrap_err();
    assert_eq!(e.code, codes::FILE_UNREADABLE);
    let shim = compile(&LINUX_X64, "shim.c", dir.path(), &[]);
    let a = archive(&LINUX_X64, "libshim.a", &[shim], dir.path());
    assert!(inspect(&a).unwrap_err().message.contains("static archive"));
}

fn plan(json: &str) -> Plan {
    Plan::parse(json, Path::new("plan.json")).unwrap()
}

#[test]
fn verify_accepts_an_image_that_matches_its_plan() {
    let dir = tempfile::tempdir().unwrap();
    let (app, shim) = linux_app(dir.path());
    let p = plan(&format!(
        r#"{{"rid": "linux-x64", "native_lib": "executable",
            "imports": [
              {{"module": "libc", "entry": "printf", "binding": "direct", "symbol": "printf"}},
              {{"module": "libm", "entry": "cos", "binding": "direct", "symbol": "cos"}},
              {{"module": "shim", "entry": "shim_add", "binding": "direct", "symbol": "shim_add"}},
              {{"module": "libz", "entry": "compress", "binding": "lazy", "symbol": "compress"}}],
            "link": {{"native_library": [{shim:?}]}}}}"#
    ));
    let report = verify(&inspect(&app).unwrap(), &p).unwrap();
    assert!(report.ok(), "{:?}", report.differences);
    assert_eq!((report.direct, report.lazy), (3, 1));
    // Stripped of its symbol table, the statically linked direct import is found in the archive.
    let stripped = dir.path().join("app.stripped");
    check(
        std::process::Command::new("strip")
            .arg("-o")
            .arg(&stripped)
            .arg(&app),
    );
    let ins = inspect(&stripped).unwrap();
    assert!(!ins.defines("shim_add"));
    assert!(verify(&ins, &p).unwrap().ok());
}

#[test]
fn verify_lists_every_difference() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = linux_app(dir.path());
    let p = plan(
        r#"{"rid": "linux-x64",
            "imports": [
              {"module": "libm.so.6", "entry": "cos", "binding": "lazy", "symbol": "cos"},
              {"module": "libfoo", "entry": "foo_open", "binding": "direct", "symbol": "foo_open"},
              {"module": "libz", "entry": "compress", "binding": "lazy", "symbol": "compress"}],
            "exports": {"symbols": [{"name": "app_entry", "exported": true}]}}"#,
    );
    let report = verify(&inspect(&app).unwrap(), &p).unwrap();
    let kinds: Vec<_> = report
        .differences
        .iter()
        .map(|d| (d.kind, d.symbol.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (DifferenceKind::LazyBoundAtStartup, "cos"),
            (DifferenceKind::LazyRecordMissing, "cos"),
            (DifferenceKind::DirectMissing, "foo_open"),
            (DifferenceKind::ExportMissing, "app_entry"),
        ]
    );
    let e = report.into_result().unwrap_err();
    assert_eq!(e.code, codes::VERIFY_MISMATCH);
    assert!(
        e.message.contains(
            "libm.so.6!cos: the plan binds it lazily, but the loader binds it at startup from libm.so.6"
        ),
        "{e}"
    );
}

#[test]
fn verify_checks_exports_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let lib = linux_lib(dir.path());
    let ins = inspect(&lib).unwrap();
    let ok = plan(
        r#"{"rid": "linux-x64", "native_lib": "shared",
            "exports": {"symbols": [{"name": "lib_mul", "exported": true}, {"name": "lib_hidden", "exported": false}]}}"#,
    );
    assert!(verify(&ins, &ok).unwrap().ok());
    let wrong = plan(
        r#"{"rid": "linux-x64", "native_lib": "shared",
            "exports": {"symbols": [{"name": "lib_hidden", "exported": true}, {"name": "lib_mul", "exported": false}]}}"#,
    );
    let kinds: Vec<_> = verify(&ins, &wrong)
        .unwrap()
        .differences
        .into_iter()
        .map(|d| d.kind)
        .collect();
    assert_eq!(
        kinds,
        [DifferenceKind::ExportMissing, DifferenceKind::ExportUnexpected]
    );
    let static_plan = plan(r#"{"rid": "linux-x64", "native_lib": "static"}"#);
    assert_eq!(verify(&ins, &static_plan).unwrap_err().code, codes::BAD_FORMAT);
}
