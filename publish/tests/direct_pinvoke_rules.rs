//! Table-driven tests of the DirectPInvoke rules, as native AOT's `ConfigurablePInvokePolicy`
//! applies them, on Linux, Windows and Apple RIDs.

use aotinterop::request::WindowsApiList;
use aotinterop::{Import, LoadedRequest, PublishRequest};
use aotinterop_model::plan::SourceKind;
use aotinterop_model::{Binding, CallingConvention, Charset, DotNet, Plan};
use std::path::{Path, PathBuf};

struct Case {
    rid: &'static str,
    items: &'static [&'static str],
    list: &'static [&'static str],
    module: &'static str,
    entry: &'static str,
    charset: Charset,
    exact: bool,
    /// `None`: lazy; `Some(symbol)`: direct with that native symbol.
    want: Option<&'static str>,
}

const fn case(
    rid: &'static str,
    items: &'static [&'static str],
    module: &'static str,
    entry: &'static str,
    want: Option<&'static str>,
) -> Case {
    Case {
        rid,
        items,
        list: &[],
        module,
        entry,
        charset: Charset::None,
        exact: false,
        want,
    }
}

const fn listed(
    rid: &'static str,
    list: &'static [&'static str],
    module: &'static str,
    entry: &'static str,
    want: Option<&'static str>,
) -> Case {
    Case {
        list,
        ..case(rid, &[], module, entry, want)
    }
}

const fn spelled(
    rid: &'static str,
    items: &'static [&'static str],
    entry: &'static str,
    charset: Charset,
    exact: bool,
    want: Option<&'static str>,
) -> Case {
    Case {
        charset,
        exact,
        ..case(rid, items, "user32", entry, want)
    }
}

const CASES: &[Case] = &[
    // A bare module covers every entry point; `module!entry` covers one.
    case("linux-x64", &["libc"], "libc", "getpid", Some("getpid")),
    case("linux-x64", &["libc!getpid"], "libc", "getpid", Some("getpid")),
    case("linux-x64", &["libc!getpid"], "libc", "getppid", None),
    case("linux-x64", &[], "libc", "getpid", None),
    // The split is at the first `!`.
    case("linux-x64", &["lib!a!b"], "lib", "a!b", Some("a!b")),
    case("linux-x64", &["lib!a!b"], "lib!a", "b", None),
    // A bare module covers every entry whatever `module!x` items also say, in either order.
    case(
        "linux-x64",
        &["libc!getpid", "libc"],
        "libc",
        "write",
        Some("write"),
    ),
    case(
        "linux-x64",
        &["libc", "libc!getpid"],
        "libc",
        "write",
        Some("write"),
    ),
    // Items are trimmed; a line is a comment only when `#` is its first character.
    case("linux-x64", &["  libc  "], "libc", "getpid", Some("getpid")),
    case("linux-x64", &["#libc"], "libc", "getpid", None),
    case("linux-x64", &["  #libc"], "#libc", "getpid", Some("getpid")),
    listed(
        "linux-x64",
        &["# libc", "", "   ", "libz!crc32"],
        "libc",
        "getpid",
        None,
    ),
    listed(
        "linux-x64",
        &["# libc", "", "   ", "libz!crc32"],
        "libz",
        "crc32",
        Some("crc32"),
    ),
    listed("linux-x64", &["  libz!crc32   "], "libz", "crc32", Some("crc32")),
    // No inline comments: `libc # x` is a module named `libc # x`.
    listed("linux-x64", &["libc # x"], "libc", "getpid", None),
    listed("linux-x64", &["libc # x"], "libc # x", "getpid", Some("getpid")),
    listed("linux-x64", &["libz!crc32 # checksum"], "libz", "crc32", None),
    // Module names: case-insensitive on Windows, case-sensitive elsewhere.
    case("win-x64", &["KERNEL32"], "kernel32", "Beep", Some("Beep")),
    case("win-x64", &["kernel32!Beep"], "KeRnEl32", "Beep", Some("Beep")),
    case("linux-x64", &["LIBC"], "libc", "getpid", None),
    case("linux-musl-x64", &["libc"], "libc", "getpid", Some("getpid")),
    case("osx-arm64", &["LibSystem"], "libSystem", "getpid", None),
    // Entry names are always case-sensitive.
    case("win-x64", &["kernel32!beep"], "kernel32", "Beep", None),
    case("linux-x64", &["libc!GetPid"], "libc", "getpid", None),
    // One trailing suffix is removed from the DllImport name; a suffix is never added.
    case("linux-x64", &["libc"], "libc.so", "getpid", Some("getpid")),
    case("linux-x64", &["libc.so"], "libc", "getpid", None),
    case("linux-x64", &["libc"], "libc.so.6", "getpid", None),
    case("linux-x64", &["libc.so.6"], "libc.so.6", "getpid", Some("getpid")),
    case("linux-x64", &["libc.so"], "libc.so.so", "getpid", Some("getpid")),
    case("linux-x64", &["libc"], "libc.so.so", "getpid", None),
    case("linux-x64", &["foo"], "foo.dll", "f", None),
    case("linux-x64", &["libc"], "libc.SO", "getpid", None),
    case("win-x64", &["kernel32"], "kernel32.dll", "Beep", Some("Beep")),
    case("win-x64", &["kernel32"], "KERNEL32.DLL", "Beep", Some("Beep")),
    case(
        "win-x64",
        &["kernel32!Beep"],
        "kernel32.Dll",
        "Beep",
        Some("Beep"),
    ),
    case("win-x64", &["kernel32.dll"], "kernel32", "Beep", None),
    case("win-x64", &["kernel32.dll"], "KERNEL32.dll", "Beep", Some("Beep")),
    case("win-x86", &["foo"], "foo.so", "f", None),
    case("osx-arm64", &["libz"], "libz.dylib", "crc32", Some("crc32")),
    case("osx-x64", &["libz"], "libz.so", "crc32", None),
    case("osx-x64", &["libz.dylib"], "libz", "crc32", None),
    // `*` is always direct; `__Internal` only when listed.
    case("linux-x64", &[], "*", "my_export", Some("my_export")),
    case("win-x64", &[], "*", "my_export", Some("my_export")),
    case("linux-x64", &[], "__Internal", "host_fn", None),
    case(
        "linux-x64",
        &["__Internal"],
        "__Internal",
        "host_fn",
        Some("host_fn"),
    ),
    case(
        "ios-arm64",
        &["__Internal!host_fn"],
        "__Internal",
        "host_fn",
        Some("host_fn"),
    ),
    // Windows without ExactSpelling: Ansi (and None) look for Name then NameA.
    spelled(
        "win-x64",
        &["user32!MessageBox", "user32!MessageBoxA"],
        "MessageBox",
        Charset::Ansi,
        false,
        Some("MessageBox"),
    ),
    spelled(
        "win-x64",
        &["user32!MessageBoxA"],
        "MessageBox",
        Charset::Ansi,
        false,
        Some("MessageBoxA"),
    ),
    spelled(
        "win-x64",
        &["user32!MessageBoxA"],
        "MessageBox",
        Charset::None,
        false,
        Some("MessageBoxA"),
    ),
    spelled(
        "win-x64",
        &["user32!MessageBoxW"],
        "MessageBox",
        Charset::Ansi,
        false,
        None,
    ),
    // Unicode and Auto look for NameW then Name.
    spelled(
        "win-x64",
        &["user32!MessageBox", "user32!MessageBoxW"],
        "MessageBox",
        Charset::Unicode,
        false,
        Some("MessageBoxW"),
    ),
    spelled(
        "win-x64",
        &["user32!MessageBox"],
        "MessageBox",
        Charset::Unicode,
        false,
        Some("MessageBox"),
    ),
    spelled(
        "win-x64",
        &["user32!MessageBoxW"],
        "MessageBox",
        Charset::Auto,
        false,
        Some("MessageBoxW"),
    ),
    spelled(
        "win-arm64",
        &["user32!MessageBoxA"],
        "MessageBox",
        Charset::Auto,
        false,
        None,
    ),
    // ExactSpelling: only the name as written.
    spelled(
        "win-x64",
        &["user32!MessageBoxW"],
        "MessageBox",
        Charset::Unicode,
        true,
        None,
    ),
    spelled(
        "win-x64",
        &["user32!MessageBoxA"],
        "MessageBox",
        Charset::Ansi,
        true,
        None,
    ),
    spelled(
        "win-x64",
        &["user32!MessageBoxW"],
        "MessageBoxW",
        Charset::Unicode,
        true,
        Some("MessageBoxW"),
    ),
    // A whole module keeps the entry point as written.
    spelled(
        "win-x64",
        &["user32"],
        "MessageBox",
        Charset::Unicode,
        false,
        Some("MessageBox"),
    ),
    // No spelling variations off Windows.
    spelled(
        "linux-x64",
        &["user32!MessageBoxW"],
        "MessageBox",
        Charset::Unicode,
        false,
        None,
    ),
    spelled(
        "osx-arm64",
        &["user32!MessageBoxA"],
        "MessageBox",
        Charset::Ansi,
        false,
        None,
    ),
];

fn plan_one(c: &Case, dir: &Path, dotnet: DotNet) -> Plan {
    let mut req = PublishRequest::new(c.rid.parse().unwrap());
    req.target_framework = Some(dotnet.moniker().to_string());
    req.sdk_direct_pinvoke = false;
    req.direct_pinvoke = c.items.iter().map(|s| s.to_string()).collect();
    if !c.list.is_empty() {
        let path = dir.join("list.txt");
        std::fs::write(&path, c.list.join("\n")).unwrap();
        req.direct_pinvoke_list.push(path);
    }
    req.windows_api_list = WindowsApiList::Disabled;
    let mut imp = Import::new(c.module, c.entry);
    imp.charset = c.charset;
    imp.exact_spelling = c.exact;
    req.imports.push(imp);
    let loaded = LoadedRequest::from_request(req, "test.json").unwrap();
    aotinterop::plan_request(&loaded).unwrap()
}

/// The rules of this table are the same in .NET 8 and .NET 10; each case runs under both.
#[test]
fn rules_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for dotnet in [DotNet::Net8, DotNet::Net10] {
        for (i, c) in CASES.iter().enumerate() {
            let got = bound(&plan_one(c, dir.path(), dotnet));
            if got.as_deref() != c.want {
                failures.push(format!(
                    "{dotnet} case {i}: {} items {:?} list {:?} import {}!{} {:?} exact={}: want {:?}, got {:?}",
                    c.rid, c.items, c.list, c.module, c.entry, c.charset, c.exact, c.want, got
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `Some(native symbol)` for a direct import, `None` for a lazy one.
fn bound(plan: &Plan) -> Option<String> {
    let imp = &plan.imports[0];
    (imp.binding == Binding::Direct).then(|| imp.symbol().to_string())
}

/// Rules that differ between .NET 8 and .NET 10: (RID, items, DllImport module, entry, what
/// .NET 8 binds, what .NET 10 binds). Expected values from dotnet/runtime
/// `ConfigurablePInvokePolicy.ModuleNameVariations` (IsOSX in 8, IsApplePlatform and the `lib`
/// variants of dotnet/runtime#118285 in 10).
type Versioned = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const VERSIONED: &[Versioned] = &[
    // .NET 10: a DllImport of `libfoo` matches an item `foo`, and `foo` an item `libfoo`.
    ("linux-x64", &["foo"], "libfoo", "f", None, Some("f")),
    ("linux-x64", &["libfoo"], "foo", "f", None, Some("f")),
    ("linux-x64", &["foo"], "libfoo.so", "f", None, Some("f")),
    (
        "linux-musl-arm64",
        &["System.Native"],
        "libSystem.Native",
        "SystemNative_Open",
        None,
        Some("SystemNative_Open"),
    ),
    ("osx-arm64", &["z"], "libz.dylib", "crc32", None, Some("crc32")),
    // Not on Windows, where only `.dll` is removed.
    ("win-x64", &["foo"], "libfoo", "f", None, None),
    // `.dylib` on every Apple platform in .NET 10, on macOS only in .NET 8 (`.so` elsewhere).
    ("ios-arm64", &["libz"], "libz.dylib", "crc32", None, Some("crc32")),
    (
        "maccatalyst-x64",
        &["libz"],
        "libz.dylib",
        "crc32",
        None,
        Some("crc32"),
    ),
    (
        "tvossimulator-arm64",
        &["libz"],
        "libz.dylib",
        "crc32",
        None,
        Some("crc32"),
    ),
    ("ios-arm64", &["libz"], "libz.so", "crc32", Some("crc32"), None),
    (
        "osx-x64",
        &["libz"],
        "libz.dylib",
        "crc32",
        Some("crc32"),
        Some("crc32"),
    ),
];

#[test]
fn rules_that_differ_between_net8_and_net10() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, &(rid, items, module, entry, net8, net10)) in VERSIONED.iter().enumerate() {
        let c = case(rid, items, module, entry, None);
        for (dotnet, want) in [(DotNet::Net8, net8), (DotNet::Net10, net10)] {
            let plan = plan_one(&c, dir.path(), dotnet);
            assert_eq!(plan.rules, dotnet);
            let got = bound(&plan);
            if got.as_deref() != want {
                failures.push(format!(
                    "{dotnet} case {i}: {rid} {items:?} {module}!{entry}: want {want:?}, got {got:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `*` is direct, and so is every DllImport whose name without its suffix is `*`.
#[test]
fn star_and_its_suffixed_spellings() {
    let dir = tempfile::tempdir().unwrap();
    for dotnet in [DotNet::Net8, DotNet::Net10] {
        for (rid, module, direct) in [
            ("linux-x64", "*.so", true),
            ("win-x64", "*.dll", true),
            ("win-x64", "*.DLL", true),
            ("osx-arm64", "*.dylib", true),
            ("win-x64", "*.so", false),
            ("linux-x64", "*.dll", false),
            ("linux-x64", "*.SO", false),
        ] {
            let plan = plan_one(&case(rid, &[], module, "f", None), dir.path(), dotnet);
            assert_eq!(bound(&plan).is_some(), direct, "{dotnet} {rid} {module}");
        }
    }
}

/// Windows compares modules `OrdinalIgnoreCase`: a simple per-character case mapping.
#[test]
fn windows_module_names_fold_per_character() {
    let dir = tempfile::tempdir().unwrap();
    for (items, module, direct) in [
        (&["STRAßE"][..], "straße", true),
        (&["STRASSE"][..], "straße", false),
        (&["ǅLL"][..], "ǆll", true),
        (&["ÄRGER.DLL"][..], "ärger", false),
        (&["ÄRGER"][..], "ärger.dll", true),
    ] {
        let plan = plan_one(
            &case("win-x64", items, module, "f", None),
            dir.path(),
            DotNet::Net10,
        );
        assert_eq!(bound(&plan).is_some(), direct, "{items:?} {module}");
    }
}

/// Ordinals: matched by DirectPInvoke items with the charset spellings like any name, looked up
/// lazily by number only.
#[test]
fn ordinals() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = spelled("win-x64", &[], "#12", Charset::Unicode, false, None);
    c.module = "winmm";
    let plan = plan_one(&c, dir.path(), DotNet::Net10);
    assert_eq!(plan.imports[0].candidates(), ["#12"]);
    let json = serde_json::to_value(&plan.imports[0]).unwrap();
    assert!(json.get("candidates").is_none(), "{json}");
    c.items = &["winmm!#12"];
    assert_eq!(
        bound(&plan_one(&c, dir.path(), DotNet::Net10)).as_deref(),
        Some("#12")
    );
    c.items = &["winmm!#12W"];
    assert_eq!(
        bound(&plan_one(&c, dir.path(), DotNet::Net10)).as_deref(),
        Some("#12W")
    );
    // A direct ordinal's native symbol is the number native AOT reads (`int.TryParse`, cut to 16
    // bits): what the import table holds.
    for (entry, native) in [
        ("# 12", "#12"),
        ("#012", "#12"),
        ("#65548", "#12"),
        ("#-1", "#65535"),
    ] {
        let mut c = spelled("win-x86", &["winmm"], entry, Charset::Unicode, true, None);
        c.module = "winmm";
        assert_eq!(
            bound(&plan_one(&c, dir.path(), DotNet::Net10)).as_deref(),
            Some(native),
            "{entry}"
        );
    }
}

fn x86(
    entry: &str,
    convention: Option<CallingConvention>,
    stack_bytes: Option<u32>,
    items: &[&str],
    dotnet: DotNet,
) -> Plan {
    let mut req = PublishRequest::new("win-x86".parse().unwrap());
    req.target_framework = Some(dotnet.moniker().to_string());
    req.sdk_direct_pinvoke = false;
    req.windows_api_list = WindowsApiList::Disabled;
    req.direct_pinvoke = items.iter().map(|s| s.to_string()).collect();
    let mut imp = Import::new("kernel32", entry);
    imp.calling_convention = convention;
    imp.stack_bytes = stack_bytes;
    imp.exact_spelling = true;
    req.imports.push(imp);
    aotinterop::plan_request(&LoadedRequest::from_request(req, "test.json").unwrap()).unwrap()
}

/// win-x86 names as `WindowsNodeMangler` writes them; lazy stdcall imports probed decorated
/// from .NET 9 on.
#[test]
fn win_x86_decoration() {
    use CallingConvention::*;
    let d = DotNet::Net10;
    assert_eq!(
        bound(&x86("Sleep", None, Some(4), &["kernel32"], d)).as_deref(),
        Some("_Sleep@4")
    );
    assert_eq!(
        bound(&x86("Sleep", Some(Winapi), Some(4), &["kernel32"], d)).as_deref(),
        Some("_Sleep@4")
    );
    assert_eq!(
        bound(&x86("Sleep", Some(Stdcall), Some(4), &["kernel32"], d)).as_deref(),
        Some("_Sleep@4")
    );
    assert_eq!(
        bound(&x86("f", Some(Fastcall), Some(12), &["kernel32"], d)).as_deref(),
        Some("@f@12")
    );
    assert_eq!(
        bound(&x86("printf", Some(Cdecl), None, &["kernel32"], d)).as_deref(),
        Some("_printf")
    );
    let unknown = x86("Sleep", None, None, &["kernel32"], d);
    assert_eq!(bound(&unknown).as_deref(), Some("Sleep"));
    assert!(
        unknown.diagnostics.iter().any(|x| x.code == "AOTI1008"),
        "{:?}",
        unknown.diagnostics
    );
    let lazy10 = x86("Sleep", None, Some(4), &[], DotNet::Net10);
    assert_eq!(lazy10.imports[0].candidates(), ["Sleep", "_Sleep@4"]);
    let lazy8 = x86("Sleep", None, Some(4), &[], DotNet::Net8);
    assert_eq!(lazy8.imports[0].candidates(), ["Sleep"]);
    // Not on 64-bit Windows.
    let mut req = PublishRequest::new("win-x64".parse().unwrap());
    req.windows_api_list = WindowsApiList::Disabled;
    req.direct_pinvoke = vec!["kernel32".into()];
    let mut imp = Import::new("kernel32", "Sleep");
    imp.stack_bytes = Some(4);
    req.imports.push(imp);
    let plan = aotinterop::plan_request(&LoadedRequest::from_request(req, "t.json").unwrap()).unwrap();
    assert_eq!(bound(&plan).as_deref(), Some("Sleep"));
}

/// DirectPInvokeList files as .NET reads text: byte-order marks, UTF-16, every line end.
#[test]
fn list_files_read_as_dotnet_reads_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = "libz!crc32\rlibc\r\nlibm!cos\n";
    let mut utf8 = vec![0xEF, 0xBB, 0xBF];
    utf8.extend(text.as_bytes());
    let mut utf16le = vec![0xFF, 0xFE];
    let mut utf16be = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        utf16le.extend(u.to_le_bytes());
        utf16be.extend(u.to_be_bytes());
    }
    for (name, bytes) in [
        ("utf8-bom.txt", utf8),
        ("utf16le.txt", utf16le),
        ("utf16be.txt", utf16be),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut req = PublishRequest::new("linux-x64".parse().unwrap());
        req.sdk_direct_pinvoke = false;
        req.direct_pinvoke_list = vec![path.clone()];
        req.imports = vec![
            Import::new("libz", "crc32"),
            Import::new("libc", "getpid"),
            Import::new("libm", "cos"),
        ];
        let plan = aotinterop::plan_request(&LoadedRequest::from_request(req, "t.json").unwrap()).unwrap();
        assert_eq!(plan.counts.direct, 3, "{name}: {:#?}", plan.imports);
        let lines: Vec<Option<u32>> = plan
            .imports
            .iter()
            .map(|i| i.source.as_ref().unwrap().line)
            .collect();
        assert_eq!(lines, [Some(1), Some(2), Some(3)], "{name}");
        assert!(plan.diagnostics.is_empty(), "{name}: {:?}", plan.diagnostics);
    }
}

/// `libc!` and `!x` are accepted, as native AOT accepts them, with a warning naming the line.
#[test]
fn lines_that_can_never_match_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "libc!\nlibz\n!getpid\n").unwrap();
    let mut req = PublishRequest::new("linux-x64".parse().unwrap());
    req.sdk_direct_pinvoke = false;
    req.direct_pinvoke_list = vec![list.clone()];
    req.imports = vec![Import::new("libz", "crc32"), Import::new("libc", "getpid")];
    let plan = aotinterop::plan_request(&LoadedRequest::from_request(req, "t.json").unwrap()).unwrap();
    assert_eq!(plan.imports[0].binding, Binding::Direct);
    assert_eq!(plan.imports[1].binding, Binding::Lazy);
    let warned: Vec<(u32, &str)> = plan
        .diagnostics
        .iter()
        .filter(|d| d.code == "AOTI1006")
        .map(|d| (d.location.as_ref().unwrap().line.unwrap(), d.message.as_str()))
        .collect();
    assert_eq!(warned.len(), 2, "{:?}", plan.diagnostics);
    assert_eq!(warned[0].0, 1);
    assert!(warned[0].1.contains("`libc!` has no entry point"));
    assert_eq!(warned[1].0, 3);
    assert!(warned[1].1.contains("`!getpid` has no module"));
}

/// The SDK's own items: the framework's shims direct by default, spelled per release, with the
/// reason naming the targets; off with the switch.
#[test]
fn sdk_default_items() {
    let plan = |rid: &str, module: &str, dotnet: DotNet, sdk: bool| {
        let mut req = PublishRequest::new(rid.parse().unwrap());
        req.target_framework = Some(dotnet.moniker().to_string());
        req.sdk_direct_pinvoke = sdk;
        req.windows_api_list = WindowsApiList::Disabled;
        req.imports = vec![Import::new(module, "f")];
        aotinterop::plan_request(&LoadedRequest::from_request(req, "t.json").unwrap()).unwrap()
    };
    for (rid, module, dotnet, direct) in [
        ("linux-x64", "libSystem.Native", DotNet::Net8, true),
        ("linux-x64", "libSystem.Native", DotNet::Net10, true),
        ("linux-x64", "System.Native", DotNet::Net8, false),
        ("linux-x64", "System.Native", DotNet::Net10, true),
        (
            "osx-arm64",
            "libSystem.Security.Cryptography.Native.OpenSsl",
            DotNet::Net8,
            true,
        ),
        (
            "osx-arm64",
            "libSystem.Security.Cryptography.Native.OpenSsl",
            DotNet::Net10,
            false,
        ),
        (
            "osx-arm64",
            "libSystem.Security.Cryptography.Native.Apple",
            DotNet::Net10,
            true,
        ),
        ("win-x64", "System.IO.Compression.Native", DotNet::Net8, true),
        ("win-x64", "System.Native", DotNet::Net10, false),
    ] {
        let on = plan(rid, module, dotnet, true);
        assert_eq!(
            on.imports[0].binding == Binding::Direct,
            direct,
            "{rid} {module} {dotnet}"
        );
        if direct {
            let src = on.imports[0].source.as_ref().unwrap();
            assert_eq!(src.kind, SourceKind::SdkDefault);
            assert!(
                on.imports[0].reason.contains("SDK default DirectPInvoke"),
                "{}",
                on.imports[0].reason
            );
            assert!(
                src.file.to_string_lossy().contains("Microsoft.NETCore.Native."),
                "{:?}",
                src.file
            );
        }
        assert_eq!(
            plan(rid, module, dotnet, false).imports[0].binding,
            Binding::Lazy,
            "{rid} {module} {dotnet} off"
        );
    }
}

fn oracle() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/WindowsAPIs.txt")
}

fn windows_request(rid: &str, imports: Vec<Import>, list: WindowsApiList) -> Plan {
    let mut req = PublishRequest::new(rid.parse().unwrap());
    req.imports = imports;
    req.windows_api_list = list;
    aotinterop::plan_request(&LoadedRequest::from_request(req, "test.json").unwrap()).unwrap()
}

#[test]
fn windows_api_list_applies_on_windows_rids_only_with_file_and_line() {
    let list = oracle();
    let text = std::fs::read_to_string(&list).expect("../shared/reference/WindowsAPIs.txt");
    // An independent look at the oracle: where `kernel32!GetTickCount64` stands.
    let line = text
        .lines()
        .position(|l| l.trim() == "kernel32!GetTickCount64")
        .unwrap() as u32
        + 1;
    let imports = vec![
        Import::new("kernel32", "GetTickCount64"),
        Import::new("kernel32", "NotAWindowsApi"),
        Import::new("libc", "getpid"),
    ];
    let plan = windows_request("win-x64", imports.clone(), WindowsApiList::File(list.clone()));
    let tick = &plan.imports[0];
    assert_eq!(tick.binding, Binding::Direct);
    let src = tick.source.as_ref().unwrap();
    assert_eq!(src.kind, SourceKind::WindowsApiList);
    assert_eq!((src.file.as_path(), src.line), (list.as_path(), Some(line)));
    assert!(
        tick.reason.contains(&format!("WindowsAPIs.txt:{line}")),
        "{}",
        tick.reason
    );
    assert_eq!(plan.imports[1].binding, Binding::Lazy);
    assert_eq!(plan.imports[2].binding, Binding::Lazy);

    // Every `module!entry` of the oracle is direct on Windows, with its Unicode spelling found.
    let all: Vec<Import> = text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('!'))
        .map(|l| {
            let (m, e) = l.trim().split_once('!').unwrap();
            let mut imp = Import::new(format!("{m}.dll"), e);
            imp.exact_spelling = true;
            imp
        })
        .collect();
    let plan = windows_request("win-x64", all.clone(), WindowsApiList::File(list.clone()));
    assert_eq!(plan.counts.direct, all.len());
    assert_eq!(plan.counts.lazy, 0);

    // Not on Linux.
    let plan = windows_request("linux-x64", imports.clone(), WindowsApiList::File(list.clone()));
    assert_eq!(plan.counts.direct, 0);
    assert!(plan.windows_api_list.is_none());

    // Turned off.
    let plan = windows_request("win-x64", imports.clone(), WindowsApiList::Disabled);
    assert_eq!(plan.counts.direct, 0);

    // Not named and not in the NuGet cache: the built-in list, with a warning.
    let empty_cache = tempfile::tempdir().unwrap();
    std::env::set_var("NUGET_PACKAGES", empty_cache.path());
    let plan = windows_request("win-x64", imports.clone(), WindowsApiList::Auto);
    assert_eq!(plan.imports[0].binding, Binding::Direct);
    assert_eq!(
        plan.imports[0].source.as_ref().unwrap().kind,
        SourceKind::BuiltinWindowsList
    );
    assert!(plan.diagnostics.iter().any(|d| d.code == "AOTI1005"));

    // Found in the NuGet package cache of the ILCompiler package.
    let build = empty_cache
        .path()
        .join("microsoft.dotnet.ilcompiler/8.0.11/build");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::write(build.join("WindowsAPIs.txt"), "# test\nkernel32!NotAWindowsApi\n").unwrap();
    let plan = windows_request("win-x64", imports, WindowsApiList::Auto);
    std::env::remove_var("NUGET_PACKAGES");
    assert_eq!(plan.imports[0].binding, Binding::Lazy);
    assert_eq!(plan.imports[1].binding, Binding::Direct);
    assert_eq!(plan.imports[1].source.as_ref().unwrap().line, Some(2));
}

#[test]
fn reasons_name_the_item_and_list_line() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("direct.txt");
    std::fs::write(&list, "# zlib\n\nlibz!crc32\n").unwrap();
    let req_path = dir.path().join("req.json");
    std::fs::write(
        &req_path,
        r#"{
  "rid": "linux-x64",
  "direct_pinvoke": ["libc", "libz!crc32"],
  "direct_pinvoke_list": ["direct.txt"],
  "imports": [{"module": "libc", "entry": "getpid"}, {"module": "libz", "entry": "crc32"},
              {"module": "libz", "entry": "adler32"}]
}"#,
    )
    .unwrap();
    let plan = aotinterop::plan_request(&PublishRequest::load(&req_path).unwrap()).unwrap();
    let libc = &plan.imports[0];
    assert_eq!(
        &*libc.reason,
        format!("DirectPInvoke item `libc` ({}:3)", req_path.display())
    );
    // Lists come first, as in native AOT; the item that also names it is kept in `also`.
    let crc = &plan.imports[1];
    assert_eq!(crc.source.as_ref().unwrap().kind, SourceKind::List);
    assert_eq!(crc.source.as_ref().unwrap().line, Some(3));
    assert_eq!(crc.also.len(), 1);
    assert_eq!(crc.also[0].kind, SourceKind::Item);
    assert_eq!(&*plan.imports[2].reason, "default: lazy");
    assert_eq!(plan.link.direct_modules, vec!["libc", "libz"]);
    assert_eq!(plan.link.lazy_modules, vec!["libz"]);
}

/// An export named `DllMain` on Windows: refused by .NET 10 (its bootstrapper defines one), a
/// warning for .NET 8 (the loader would call it under the loader lock); a plain name elsewhere.
#[test]
fn dll_main_exports() {
    let plan = |rid: &str, dotnet: DotNet| {
        let mut req = PublishRequest::new(rid.parse().unwrap());
        req.target_framework = Some(dotnet.moniker().to_string());
        req.windows_api_list = WindowsApiList::Disabled;
        req.exports.symbols = vec!["DllMain".into()];
        aotinterop::plan_request(&LoadedRequest::from_request(req, "t.json").unwrap())
    };
    assert_eq!(plan("win-x64", DotNet::Net10).unwrap_err().code(), "AOTI0008");
    let net8 = plan("win-x86", DotNet::Net8).unwrap();
    assert!(
        net8.diagnostics.iter().any(|d| d.code == "AOTI1009"),
        "{:?}",
        net8.diagnostics
    );
    let linux = plan("linux-x64", DotNet::Net10).unwrap();
    assert!(linux
        .diagnostics
        .iter()
        .all(|d| !d.code.starts_with("AOTI000") && d.code != "AOTI1009"));
}

/// Off Windows `# 1` is no ordinal: bound directly, its native symbol holds a space no linker
/// binds, refused at planning at the item that made it direct (it failed at the emit step,
/// without a place). Lazy, it stays (the resolver looks it up as written).
#[test]
fn a_direct_symbol_no_linker_binds_is_refused_at_its_item() {
    let mut req = PublishRequest::new("linux-x64".parse().unwrap());
    req.sdk_direct_pinvoke = false;
    req.imports.push(Import::new("libfoo", "# 1"));
    let loaded = LoadedRequest::from_request(req.clone(), "test.json").unwrap();
    assert!(aotinterop::plan_request(&loaded).is_ok());
    req.direct_pinvoke = vec!["libfoo".into()];
    let loaded = LoadedRequest::from_request(req, "test.json").unwrap();
    let e = aotinterop::plan_request(&loaded).unwrap_err();
    assert_eq!(e.code(), aotinterop_model::codes::IMPORT_INVALID, "{e}");
    assert!(e.to_string().contains("native symbol `# 1` holds a space"), "{e}");
}

/// Two items that match one import under different spellings of its module (`kernel32.dll!Sleep`
/// and `kernel32!Sleep`; `libz` and, in .NET 10, `z`): the first decides, as in native AOT, and
/// the second is listed as matching too, not warned of as matching nothing.
#[test]
fn an_item_matching_under_a_later_spelling_is_reported_with_the_import() {
    for (rid, module, items) in [
        (
            "win-x64",
            "kernel32.dll",
            ["kernel32.dll!Sleep", "kernel32!Sleep"],
        ),
        ("linux-x64", "libz", ["libz", "z"]),
    ] {
        let mut req = PublishRequest::new(rid.parse().unwrap());
        req.sdk_direct_pinvoke = false;
        req.windows_api_list = WindowsApiList::Disabled;
        req.direct_pinvoke = items.iter().map(|s| s.to_string()).collect();
        req.imports.push(Import::new(module, "Sleep"));
        let plan = aotinterop::plan_request(&LoadedRequest::from_request(req, "test.json").unwrap()).unwrap();
        let imp = &plan.imports[0];
        assert_eq!(imp.binding, Binding::Direct, "{rid}");
        assert_eq!(imp.source.as_ref().unwrap().text, items[0], "{rid}");
        let also: Vec<&str> = imp.also.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(also, [items[1]], "{rid}");
        assert!(
            !plan
                .diagnostics
                .iter()
                .any(|d| d.code == aotinterop_model::codes::ITEM_UNMATCHED),
            "{rid}: {:?}",
            plan.diagnostics
        );
    }
}

/// One caller-given symbol for imports of two libraries is refused at planning, at the request
/// (it passed `plan`, and `publish` failed at the emit step, exit 4, without a place).
#[test]
fn a_symbol_given_to_two_imports_that_bind_differently_is_refused_at_planning() {
    let text = r#"{"rid": "linux-x64", "imports": [
        {"module": "libc", "entry": "x", "symbol": "a"},
        {"module": "libz", "entry": "y", "symbol": "a"}]}"#;
    let loaded = PublishRequest::parse(text, Path::new("r.json"), Path::new("/base")).unwrap();
    let e = aotinterop::plan_request(&loaded).unwrap_err();
    assert_eq!(e.code(), aotinterop_model::codes::IMPORT_INVALID, "{e}");
    assert!(
        e.to_string()
            .contains("symbol `a` is given to another import too, and they name two libraries"),
        "{e}"
    );
    assert!(e.to_string().starts_with("r.json:3:"), "{e}");
}

/// A DirectPInvoke item `*` for an app importing from `*` (always direct) is not warned of as
/// matching nothing ("the app imports `*`; … write `*`").
#[test]
fn an_item_star_for_star_imports_is_no_unmatched_item() {
    for rid in ["linux-x64", "win-x64"] {
        let mut req = PublishRequest::new(rid.parse().unwrap());
        req.sdk_direct_pinvoke = false;
        req.windows_api_list = WindowsApiList::Disabled;
        req.direct_pinvoke = vec!["*".into()];
        req.imports.push(Import::new("*", "foo"));
        let plan = aotinterop::plan_request(&LoadedRequest::from_request(req, "test.json").unwrap()).unwrap();
        assert_eq!(plan.imports[0].binding, Binding::Direct);
        assert!(plan.diagnostics.is_empty(), "{rid}: {:?}", plan.diagnostics);
    }
}

/// With `generate_import_libraries`, a direct module whose stand-in's file name would be over
/// 255 bytes is refused at planning (it failed at the emit step, exit 4: "File name too long").
#[test]
fn a_module_too_long_for_a_stand_in_is_refused_at_planning() {
    let mut req = PublishRequest::new("linux-x64".parse().unwrap());
    req.sdk_direct_pinvoke = false;
    req.generate_import_libraries = true;
    let module = format!("lib{}", "v".repeat(260));
    req.direct_pinvoke = vec![module.clone()];
    req.imports.push(Import::new(module, "f"));
    let e = aotinterop::plan_request(&LoadedRequest::from_request(req, "test.json").unwrap()).unwrap_err();
    assert!(e.to_string().contains("longer than a file name can be"), "{e}");
}
