//! `plan` on requests that list assemblies: the scan feeds the DirectPInvoke plan.

#[path = "scan_support/mod.rs"]
mod support;

use aotinterop::{plan_request, PublishRequest};
use aotinterop_model::Binding;
use std::path::{Path, PathBuf};
use support::*;

fn request(assemblies: &[PathBuf], extra: &str) -> aotinterop::LoadedRequest {
    let list: Vec<String> = assemblies
        .iter()
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    let text = format!(
        r#"{{"rid": "linux-x64", "assemblies": [{}]{extra}}}"#,
        list.join(", ")
    );
    PublishRequest::parse(&text, Path::new("request.json"), Path::new(".")).unwrap()
}

/// The framework with System.Private.CoreLib first, as the published assembly.
fn framework() -> Vec<PathBuf> {
    let mut files = dlls(&corpus("netcore3.1"));
    let i = files
        .iter()
        .position(|p| p.ends_with("System.Private.CoreLib.dll"))
        .unwrap();
    let corelib = files.remove(i);
    files.insert(0, corelib);
    files
}

#[test]
fn framework_with_its_native_shim_direct() {
    let files = framework();
    // The oracle: how many ImplMap rows name the shim, according to monodis.
    let (mut shim, mut total) = (0, 0);
    for f in &files {
        let rows = monodis_implmap(f);
        total += rows.len();
        shim += rows.iter().filter(|r| r.module == "System.Native").count();
    }
    assert!(shim > 200, "only {shim} imports of System.Native");

    let plan = plan_request(&request(
        &files,
        r#", "direct_pinvoke": ["System.Native"], "sdk_direct_pinvoke": false"#,
    ))
    .unwrap();
    assert_eq!(plan.imports.len(), total);
    assert_eq!(plan.counts.direct, shim);
    assert_eq!(plan.counts.lazy, total - shim);
    for i in &plan.imports {
        let expect = if i.module == "System.Native" {
            Binding::Direct
        } else {
            Binding::Lazy
        };
        assert_eq!(i.binding, expect, "{}!{}", i.module, i.entry);
    }
    let open = plan
        .imports
        .iter()
        .find(|i| i.entry == "SystemNative_Open" && i.assembly.as_deref() == Some("System.Private.CoreLib"))
        .unwrap();
    assert_eq!(
        (open.binding, open.symbol()),
        (Binding::Direct, "SystemNative_Open")
    );
    assert!(open.set_last_error);
}

#[test]
fn a_spelling_the_imports_do_not_use_matches_nothing() {
    // .NET Core 3.1 writes `System.Native`; .NET 8 adds no `lib` variation, so the `lib`-prefixed
    // item of its own targets matches none of these imports.
    let files = framework();
    let extra = r#", "direct_pinvoke": ["libSystem.Native"], "sdk_direct_pinvoke": false, "target_framework": "net8.0""#;
    let plan = plan_request(&request(&files, extra)).unwrap();
    assert_eq!(plan.counts.direct, 0);
    assert!(
        plan.diagnostics
            .iter()
            .any(|d| d.code == "AOTI1002" && d.message.contains("libSystem.Native")),
        "{:#?}",
        plan.diagnostics
    );
}

#[test]
fn exports_of_compiled_assemblies_follow_native_aot() {
    let dir = tempfile::tempdir().unwrap();
    let interop = compile(dir.path(), "Interop", &["Interop.cs"]);
    let other = compile(dir.path(), "Other", &["Other.cs"]);
    let shared = r#", "native_lib": "shared""#;
    let plan = plan_request(&request(&[interop.clone(), other.clone()], shared)).unwrap();
    let exported: Vec<(&str, bool)> = plan
        .exports
        .symbols
        .iter()
        .map(|s| (s.name.as_str(), s.exported))
        .collect();
    assert_eq!(
        exported,
        [
            ("sample_add", true),
            ("sample_version", true),
            ("sample_add", false),
            ("plugin_init", false)
        ]
    );
    // The scan's warnings reach the plan.
    assert!(
        plan.diagnostics.iter().any(|d| d.code == "AOTI1102"),
        "{:#?}",
        plan.diagnostics
    );

    let named = format!(r#"{shared}, "exports": {{"assemblies": ["Other"]}}"#);
    let plan = plan_request(&request(&[interop, other], &named)).unwrap();
    assert!(plan.exports.symbols.iter().all(|s| s.exported));
    // libc imports: three from the two assemblies, all lazy without an item.
    let libc = plan.imports.iter().filter(|i| i.module == "libc").count();
    assert_eq!(libc, 3);
}

/// The shims `Microsoft.NETCore.Native.Unix.targets` (.NET 10) makes DirectPInvoke items of on
/// linux-x64 (`NetCoreAppNativeLibrary`), as spelled there: the oracle for the SDK defaults.
const NET10_LINUX_SHIMS: &[&str] = &[
    "System.Native",
    "System.Globalization.Native",
    "System.IO.Compression.Native",
    "System.Net.Security.Native",
    "System.Security.Cryptography.Native.OpenSsl",
];

#[test]
fn the_sdk_links_the_framework_shims_directly() {
    let files = framework();
    // The oracle: how many ImplMap rows name each shim, according to monodis.
    let mut shim_rows = 0;
    for f in &files {
        shim_rows += monodis_implmap(f)
            .iter()
            .filter(|r| NET10_LINUX_SHIMS.contains(&r.module.as_str()))
            .count();
    }
    assert!(shim_rows > 300, "only {shim_rows} imports of the shims");
    let on = plan_request(&request(&files, r#", "target_framework": "net10.0""#)).unwrap();
    let shims: Vec<_> = on
        .imports
        .iter()
        .filter(|i| NET10_LINUX_SHIMS.contains(&i.module.as_str()))
        .collect();
    assert_eq!(shims.len(), shim_rows);
    for i in &shims {
        assert_eq!(i.binding, Binding::Direct, "{}!{}", i.module, i.entry);
        assert!(i.reason.contains("SDK default DirectPInvoke"), "{}", i.reason);
    }
    assert_eq!(on.counts.direct, shim_rows, "only the shims are direct");
    let off = plan_request(&request(
        &files,
        r#", "target_framework": "net10.0", "sdk_direct_pinvoke": false"#,
    ))
    .unwrap();
    assert_eq!(off.counts.direct, 0);
    assert_eq!(off.counts.lazy, on.imports.len());
}
