//! Table-driven tests of the DirectPInvoke rules, as native AOT's `ConfigurablePInvokePolicy`
//! applies them, on Linux, Windows and Apple RIDs.

use aotinterop::request::WindowsApiList;
use aotinterop::{Import, LoadedRequest, PublishRequest};
use aotinterop_model::plan::SourceKind;
use aotinterop_model::{Binding, Charset, Plan};
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
        rid,
        items: &[],
        list,
        module,
        entry,
        charset: Charset::None,
        exact: false,
        want,
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
        rid,
        items,
        list: &[],
        module: "user32",
        entry,
        charset,
        exact,
        want,
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

fn plan_one(c: &Case, dir: &Path) -> Plan {
    let mut req = PublishRequest::new(c.rid);
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

#[test]
fn rules_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, c) in CASES.iter().enumerate() {
        let plan = plan_one(c, dir.path());
        let imp = &plan.imports[0];
        let got = match imp.binding {
            Binding::Direct => Some(imp.symbol()),
            Binding::Lazy => None,
        };
        if got != c.want {
            failures.push(format!(
                "case {i}: {} items {:?} list {:?} import {}!{} {:?} exact={}: want {:?}, got {:?}",
                c.rid, c.items, c.list, c.module, c.entry, c.charset, c.exact, c.want, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn oracle() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/WindowsAPIs.txt")
}

fn windows_request(rid: &str, imports: Vec<Import>, list: WindowsApiList) -> Plan {
    let mut req = PublishRequest::new(rid);
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
