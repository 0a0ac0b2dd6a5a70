//! Assemblies compiled with Mono's mcs from `tests/assemblies/*.cs`: every attribute form the
//! scanner reads, checked against what the C# source declares.

#[path = "scan_support/mod.rs"]
mod support;

use aotinterop::scan::{self, ExportPolicy};
use aotinterop::Import;
use aotinterop_model::Charset;
use aotinterop_model::{CallingConvention, DllImportSearchPath};
use std::path::PathBuf;
use support::*;

struct Compiled {
    _dir: tempfile::TempDir,
    interop: PathBuf,
    other: PathBuf,
}

fn compiled() -> Compiled {
    let dir = tempfile::tempdir().unwrap();
    let interop = compile(dir.path(), "Interop", &["Interop.cs"]);
    let other = compile(dir.path(), "Other", &["Other.cs"]);
    Compiled {
        _dir: dir,
        interop,
        other,
    }
}

fn by_method<'a>(imports: &'a [Import], method: &str) -> &'a Import {
    imports
        .iter()
        .find(|i| i.method.as_deref() == Some(method))
        .unwrap_or_else(|| panic!("no import for method {method}"))
}

const ASSEMBLY_PATHS: u32 = 0x2 | 0x1000; // AssemblyDirectory | SafeDirectories

#[test]
fn every_dllimport_form_is_read_as_declared() {
    let c = compiled();
    let a = scan::read_file(&c.interop).unwrap();
    assert_eq!(a.name, "Interop");
    let imports: Vec<Import> = a.imports.iter().map(|s| s.import.clone()).collect();
    assert_eq!(imports.len(), 9, "{imports:#?}");
    // The independent count: monodis agrees row by row.
    check_against_monodis(std::slice::from_ref(&c.interop));

    let getpid = by_method(&imports, "getpid");
    assert_eq!(
        (getpid.module.as_str(), getpid.entry.as_str()),
        ("libc", "getpid")
    );
    assert_eq!(getpid.type_name.as_deref(), Some("Sample.Interop.Native"));
    assert_eq!(getpid.assembly.as_deref(), Some("Interop"));
    assert_eq!(getpid.charset, Charset::None);
    assert!(!getpid.exact_spelling && !getpid.set_last_error);
    assert_eq!(getpid.calling_convention, Some(CallingConvention::Winapi));
    assert_eq!(getpid.best_fit_mapping, None);
    assert_eq!(getpid.search_path, Some(DllImportSearchPath(ASSEMBLY_PATHS)));

    let write = by_method(&imports, "Write");
    assert_eq!(write.entry, "write");
    assert!(write.set_last_error);

    let mbw = by_method(&imports, "MessageBoxW");
    assert_eq!(mbw.charset, Charset::Unicode);
    assert!(mbw.exact_spelling);
    assert_eq!(by_method(&imports, "MessageBox").charset, Charset::Ansi);

    let gmfn = by_method(&imports, "GetModuleFileName");
    assert_eq!(gmfn.charset, Charset::Auto);
    assert_eq!(gmfn.best_fit_mapping, Some(false));
    assert_eq!(gmfn.throw_on_unmappable_char, Some(true));

    assert_eq!(
        by_method(&imports, "printf").calling_convention,
        Some(CallingConvention::Cdecl)
    );
    assert_eq!(
        by_method(&imports, "GetTickCount").calling_convention,
        Some(CallingConvention::Stdcall)
    );

    // The method-level attribute wins over the assembly-level one.
    let lle = by_method(&imports, "LoadLibraryEx");
    assert_eq!(lle.entry, "LoadLibraryExW");
    assert_eq!(lle.search_path, Some(DllImportSearchPath(0x800)));

    let z = by_method(&imports, "ZlibVersion");
    assert_eq!(z.type_name.as_deref(), Some("Sample.Interop.Native/Outer/Inner"));
    assert_eq!(
        (z.module.as_str(), z.entry.as_str()),
        ("libz.so.1", "zlibVersion")
    );
}

#[test]
fn no_assembly_attribute_means_no_search_path() {
    let c = compiled();
    let a = scan::read_file(&c.other).unwrap();
    assert!(a.imports.iter().all(|s| s.import.search_path.is_none()));
    assert_eq!(a.imports.len(), 2);
}

#[test]
fn self_defined_unmanaged_callers_only_gives_named_exports() {
    let c = compiled();
    let a = scan::read_file(&c.interop).unwrap();
    let names: Vec<&str> = a.exports.iter().map(|e| e.name.as_str()).collect();
    // `Callback` has no EntryPoint and `Unnamed` an empty one: neither is exported by name.
    assert_eq!(names, ["sample_add", "sample_version"]);
    let add = &a.exports[0];
    assert_eq!(
        (add.type_name.as_str(), add.method.as_str()),
        ("Sample.Interop.Exports", "Add")
    );
    assert_eq!(add.call_convs, ["CallConvCdecl"]);
    assert!(a.exports[1].call_convs.is_empty());
}

#[test]
fn only_the_published_and_named_assemblies_export() {
    let c = compiled();
    let inputs = [c.interop.clone(), c.other.clone()];
    let published = scan::scan(
        &inputs,
        &ExportPolicy {
            published: Some(0),
            assemblies: vec![],
        },
    )
    .unwrap();
    let exported: Vec<(&str, bool)> = published
        .exports
        .iter()
        .map(|e| (e.assembly.as_deref().unwrap(), e.exported))
        .collect();
    assert_eq!(
        exported,
        [
            ("Interop", true),
            ("Interop", true),
            ("Other", false),
            ("Other", false)
        ]
    );
    assert_eq!(
        published.exports[0].method.as_deref(),
        Some("Sample.Interop.Exports::Add")
    );

    let named = scan::scan(
        &inputs,
        &ExportPolicy {
            published: Some(0),
            assemblies: vec!["other".into()],
        },
    )
    .unwrap();
    assert!(named.exports.iter().all(|e| e.exported));
}

#[test]
fn cross_assembly_warnings() {
    let c = compiled();
    let report = scan::scan(&[c.interop.clone(), c.other.clone()], &ExportPolicy::default()).unwrap();
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["AOTI1100", "AOTI1101", "AOTI1102"],
        "{:#?}",
        report.diagnostics
    );
    let [conflict, spelling, dup] = &report.diagnostics[..] else {
        unreachable!()
    };
    assert!(conflict.message.contains("`libc!getpid`"), "{conflict}");
    assert!(
        conflict.message.contains("int32()") && conflict.message.contains("int64()"),
        "{conflict}"
    );
    assert!(
        spelling.message.contains("`libc`") && spelling.message.contains("`libc.so.6`"),
        "{spelling}"
    );
    assert!(dup.message.contains("`sample_add`"), "{dup}");
    assert!(
        dup.message.contains("Sample.Interop.Exports::Add")
            && dup.message.contains("Sample.Other.Plugin::Add")
    );

    // Each on its own, the assemblies are consistent.
    let alone = scan::scan(std::slice::from_ref(&c.interop), &ExportPolicy::default()).unwrap();
    assert!(alone.diagnostics.is_empty(), "{:#?}", alone.diagnostics);
}

#[test]
fn charset_difference_alone_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("Charsets.cs");
    std::fs::write(
        &src,
        r#"using System.Runtime.InteropServices;
           static class A { [DllImport("user32", CharSet = CharSet.Ansi)] static extern int MessageBox(string t); }
           static class B { [DllImport("user32", CharSet = CharSet.Unicode)] static extern int MessageBox(string t); }"#,
    )
    .unwrap();
    let out = dir.path().join("Charsets.dll");
    let status = std::process::Command::new("mcs")
        .args(["-target:library", "-nologo", &format!("-out:{}", out.display())])
        .arg(&src)
        .status()
        .expect("mcs is not installed: run scripts/install-deps");
    assert!(status.success());
    let report = scan::scan(&[out], &ExportPolicy::default()).unwrap();
    assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
    assert!(report.diagnostics[0].message.contains("charset ansi"));
    assert!(report.diagnostics[0].message.contains("charset unicode"));
}

#[test]
fn attribute_defined_in_a_referenced_assembly_is_matched_by_name() {
    let c = compiled();
    let dir = c.interop.parent().unwrap().to_path_buf();
    let consumer = compile_with(&dir, "Consumer", &["UsesReference.cs"], &[&c.interop]);
    let a = scan::read_file(&consumer).unwrap();
    assert_eq!(a.exports.len(), 1);
    assert_eq!(a.exports[0].name, "consumer_main");
    assert_eq!(a.exports[0].type_name, "Sample.Consumer.Entry");
}
