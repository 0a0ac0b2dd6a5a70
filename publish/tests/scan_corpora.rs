//! The scan against real assemblies: the .NET Core 3.1 shared framework and Mono's class
//! libraries (downloaded by scripts/fetch-corpora), checked row by row against `monodis`.

#[path = "scan_support/mod.rs"]
mod support;

use aotinterop::scan::{self, ExportPolicy};
use aotinterop::Import;
use aotinterop_model::Charset;
use support::*;

#[test]
fn netcore_every_implmap_row_matches_monodis() {
    let files = dlls(&corpus("netcore3.1"));
    assert!(
        files.len() >= 160,
        "only {} assemblies in the .NET Core corpus",
        files.len()
    );
    let rows = check_against_monodis(&files);
    assert!(rows > 900, "only {rows} ImplMap rows in the .NET Core corpus");
}

#[test]
fn mono_every_implmap_row_matches_monodis() {
    let files = dlls(&corpus("mono"));
    let rows = check_against_monodis(&files);
    assert!(rows > 2000, "only {rows} ImplMap rows in the Mono corpus");
}

fn find<'a>(imports: &'a [Import], ty: &str, method: &str) -> &'a Import {
    imports
        .iter()
        .find(|i| i.type_name.as_deref() == Some(ty) && i.method.as_deref() == Some(method))
        .unwrap_or_else(|| panic!("no P/Invoke {ty}::{method}"))
}

#[test]
fn netcore_corelib_imports_its_native_shim() {
    let corelib = corpus("netcore3.1").join("System.Private.CoreLib.dll");
    let a = scan::read_file(&corelib).unwrap();
    assert_eq!(a.name, "System.Private.CoreLib");
    let imports: Vec<Import> = a.imports.iter().map(|s| s.import.clone()).collect();
    let open = find(&imports, "Interop/Sys", "Open");
    assert_eq!(open.module, "System.Native");
    assert_eq!(open.entry, "SystemNative_Open");
    assert!(open.set_last_error);
    assert!(!open.exact_spelling);
    assert_eq!(open.charset, Charset::None);
    assert_eq!(open.assembly.as_deref(), Some("System.Private.CoreLib"));
    let read = find(&imports, "Interop/Sys", "Read");
    assert_eq!(
        (read.entry.as_str(), read.set_last_error),
        ("SystemNative_Read", true)
    );
}

#[test]
fn mono_known_entries_and_flags() {
    let dir = corpus("mono");
    let corlib: Vec<Import> = scan::read_file(&dir.join("mscorlib.dll"))
        .unwrap()
        .imports
        .into_iter()
        .map(|s| s.import)
        .collect();
    let cp = find(&corlib, "System.Console/WindowsConsole", "GetConsoleCP");
    assert_eq!(
        (cp.module.as_str(), cp.entry.as_str()),
        ("kernel32.dll", "GetConsoleCP")
    );
    assert_eq!(cp.charset, Charset::Auto);
    assert!(cp.exact_spelling && !cp.set_last_error);
    let full = find(&corlib, "System.IO.Path", "GetFullPathName");
    assert_eq!(full.module, "Kernel32.dll");
    assert_eq!(full.charset, Charset::Unicode);
    assert!(full.set_last_error && !full.exact_spelling);

    let posix: Vec<Import> = scan::read_file(&dir.join("Mono.Posix.dll"))
        .unwrap()
        .imports
        .into_iter()
        .map(|s| s.import)
        .collect();
    let bind = find(&posix, "Mono.Posix.Catalog", "bindtextdomain");
    assert_eq!(
        (bind.module.as_str(), bind.entry.as_str()),
        ("intl", "bindtextdomain")
    );
}

#[test]
fn a_folder_scan_lists_every_assembly_and_warns_about_spellings() {
    let dir = corpus("mono");
    let report = scan::scan(std::slice::from_ref(&dir), &ExportPolicy::default()).unwrap();
    assert_eq!(report.assemblies.len(), dlls(&dir).len());
    let total: usize = report.assemblies.iter().map(|a| a.imports).sum();
    assert_eq!(total, report.imports.len());
    // Mono spells kernel32 four ways (`kernel32`, `kernel32.dll`, `Kernel32`, `Kernel32.dll`).
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.code == "AOTI1101" && d.message.contains("`kernel32.dll`")),
        "{:#?}",
        report.diagnostics
    );
}
