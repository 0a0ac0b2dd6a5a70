//! Probing order against a temporary folder of real shared libraries built by the test, and
//! the name rules of every platform.

use aotinterop_image::probe::probe;
use aotinterop_model::{DotNet, LibrarySearch};
use aotinterop_runtime::abi::search_path;
use aotinterop_runtime::resolver::names::{entry_candidates, library_variations, Platform};
use std::path::Path;
use std::process::Command;

/// Builds a shared library at `path` exporting `int which(void)`.
fn shared_lib(path: &Path) {
    let src = path.with_extension("c");
    std::fs::write(&src, "int which(void) { return 1; }\n").expect("write");
    let out = Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(path)
        .arg(&src)
        .output()
        .expect("gcc");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The search .NET 10 makes for an import with `search_path`.
fn net10(search_path: Option<u32>) -> LibrarySearch {
    LibrarySearch::of(search_path, DotNet::Net10)
}

fn paths(r: &aotinterop_image::probe::ProbeReport) -> Vec<(String, &'static str)> {
    r.candidates
        .iter()
        .map(|c| (c.path.clone(), c.via.name()))
        .collect()
}

#[test]
fn plain_name_tries_suffix_first_folder_before_os_loader() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    shared_lib(&dir.join("libaotprobe.so"));
    let d = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let r = probe("aotprobe", net10(None), false, Some(dir), Platform::Unix);
    assert_eq!(
        paths(&r),
        vec![
            (d("aotprobe.so"), "assembly-directory"),
            ("aotprobe.so".into(), "os-loader"),
            (d("libaotprobe.so"), "assembly-directory"),
            ("libaotprobe.so".into(), "os-loader"),
            (d("aotprobe"), "assembly-directory"),
            ("aotprobe".into(), "os-loader"),
            (d("libaotprobe"), "assembly-directory"),
            ("libaotprobe".into(), "os-loader"),
        ]
    );
    assert_eq!(r.loaded.as_deref(), Some(d("libaotprobe.so").as_str()));
    assert!(
        r.candidates[0]
            .error
            .as_deref()
            .unwrap_or("")
            .contains("No such file"),
        "{r:?}"
    );
    assert!(r.candidates[1].error.is_some());
    // Later candidates are not tried once one loads.
    assert!(r.candidates[4..].iter().all(|c| c.error.is_none()));

    // With both present, the first variation wins.
    shared_lib(&dir.join("aotprobe.so"));
    let r = probe("aotprobe", net10(None), false, Some(dir), Platform::Unix);
    assert_eq!(r.loaded.as_deref(), Some(d("aotprobe.so").as_str()));
}

#[test]
fn name_with_suffix_tries_it_as_given_first() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    shared_lib(&dir.join("libaotver.so.1"));
    let r = probe("libaotver.so.1", net10(None), false, Some(dir), Platform::Unix);
    assert_eq!(
        r.loaded.as_deref(),
        Some(dir.join("libaotver.so.1").to_string_lossy().as_ref())
    );
    assert_eq!(
        library_variations("libaotver.so.1", Platform::Unix),
        [
            "libaotver.so.1",
            "liblibaotver.so.1",
            "libaotver.so.1.so",
            "liblibaotver.so.1.so"
        ]
    );
}

#[test]
fn search_path_without_assembly_directory_skips_the_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    shared_lib(&dir.join("libaotsys.so"));
    let r = probe(
        "aotsys",
        net10(Some(search_path::SYSTEM32)),
        false,
        Some(dir),
        Platform::Unix,
    );
    assert!(r.candidates.iter().all(|c| c.via.name() == "os-loader"), "{r:?}");
    assert_eq!(r.loaded, None);
    assert!(r.error.is_some());
}

#[test]
fn absolute_path_is_tried_as_given_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("libaotabs.so");
    shared_lib(&lib);
    let name = lib.to_string_lossy().into_owned();
    let r = probe(
        &name,
        net10(None),
        false,
        Some(Path::new("/nonexistent")),
        Platform::Unix,
    );
    assert_eq!(paths(&r), vec![(name.clone(), "absolute")]);
    assert_eq!(r.loaded, Some(name));
}

#[test]
fn current_directory_is_not_searched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cwd = tmp.path().join("cwd");
    let image = tmp.path().join("image");
    std::fs::create_dir_all(cwd.join("sub")).expect("mkdir");
    std::fs::create_dir_all(&image).expect("mkdir");
    shared_lib(&cwd.join("sub/aotcwd.so"));
    // Run from `cwd` in a child process, so this test does not change the test runner's
    // current directory: the probe there must not load ./sub/aotcwd.so.
    let exe = std::env::current_exe().expect("exe");
    let out = Command::new(exe)
        .args(["--exact", "cwd_child", "--nocapture"])
        .env("AOTINTEROP_CWD_IMAGE", &image)
        .current_dir(&cwd)
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("child: loaded=None"), "{text}");
    assert!(text.contains("skipped sub/aotcwd.so"), "{text}");

    // The switch that gives .NET's behaviour: the loader resolves the relative path from there.
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args(["--exact", "cwd_child", "--nocapture"])
        .env("AOTINTEROP_CWD_IMAGE", &image)
        .env("AOTINTEROP_CWD_ALLOW", "1")
        .current_dir(&cwd)
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("child: loaded=Some(\"sub/aotcwd.so\")"), "{text}");
}

#[test]
fn net8_without_the_attribute_asks_the_os_loader_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    shared_lib(&dir.join("libaotnet8.so"));
    let r = probe(
        "aotnet8",
        LibrarySearch::of(None, DotNet::Net8),
        false,
        Some(dir),
        Platform::Unix,
    );
    assert!(r.candidates.iter().all(|c| c.via.name() == "os-loader"), "{r:?}");
    assert_eq!(
        r.loaded, None,
        "the image folder is the rpath's business in .NET 8"
    );
    let r = probe(
        "aotnet8",
        LibrarySearch::of(None, DotNet::Net10),
        false,
        Some(dir),
        Platform::Unix,
    );
    assert_eq!(
        r.loaded.as_deref(),
        Some(dir.join("libaotnet8.so").to_string_lossy().as_ref())
    );
}

#[test]
fn assembly_directory_alone_has_no_os_fallback_in_net10() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ad = Some(search_path::ASSEMBLY_DIRECTORY);
    // A library only the OS loader finds (it is in the C library's folder, not the image's).
    let r = probe(
        "libm.so.6",
        LibrarySearch::of(ad, DotNet::Net10),
        false,
        Some(tmp.path()),
        Platform::Unix,
    );
    assert!(
        r.candidates.iter().all(|c| c.via.name() == "assembly-directory"),
        "{r:?}"
    );
    assert_eq!(r.loaded, None);
    let r = probe(
        "libm.so.6",
        LibrarySearch::of(ad, DotNet::Net8),
        false,
        Some(tmp.path()),
        Platform::Unix,
    );
    assert!(r.candidates.iter().any(|c| c.via.name() == "os-loader"), "{r:?}");
    assert_eq!(r.loaded.as_deref(), Some("libm.so.6"), "{r:?}");
    // AssemblyDirectory with another flag keeps the OS step in .NET 10.
    let both = Some(search_path::ASSEMBLY_DIRECTORY | search_path::SYSTEM32);
    let r = probe(
        "libm.so.6",
        LibrarySearch::of(both, DotNet::Net10),
        false,
        Some(tmp.path()),
        Platform::Unix,
    );
    assert!(r.loaded.is_some(), "{r:?}");
}

#[test]
fn backslashes_and_suffixes_as_dotnet_reads_them_on_unix() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    shared_lib(&dir.join("sub/aotbs.so"));
    let r = probe("sub\\aotbs", net10(None), false, Some(dir), Platform::Unix);
    assert_eq!(r.candidates[0].path, dir.join("sub/aotbs.so").to_string_lossy());
    assert_eq!(
        r.loaded.as_deref(),
        Some(dir.join("sub/aotbs.so").to_string_lossy().as_ref())
    );
    // A suffix in another case still counts as the suffix: the name is tried as given first.
    shared_lib(&dir.join("libaotcase.SO"));
    let r = probe("libaotcase.SO", net10(None), false, Some(dir), Platform::Unix);
    assert_eq!(r.candidates[0].path, dir.join("libaotcase.SO").to_string_lossy());
    assert_eq!(
        r.loaded.as_deref(),
        Some(dir.join("libaotcase.SO").to_string_lossy().as_ref())
    );
}

#[test]
fn process_directory_switch_searches_the_executables_folder() {
    use aotinterop_runtime::abi::module_flags;
    let exe_dir = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let name = format!("aotprocdir{}", std::process::id());
    let lib = exe_dir.join(format!("lib{name}.so"));
    shared_lib(&lib);
    let ad = search_path::ASSEMBLY_DIRECTORY;
    let loaded = aotinterop_runtime::resolver::load_library(&name, ad, module_flags::PROCESS_DIRECTORY);
    let image = aotinterop_runtime::resolver::load_library(&name, ad, 0);
    let _ = std::fs::remove_file(&lib);
    let _ = std::fs::remove_file(lib.with_extension("c"));
    assert_eq!(loaded.map(|(_, p)| p), Ok(lib.to_string_lossy().into_owned()));
    // The image's own folder is this test program's too; a name only in another folder fails.
    assert!(image.is_ok());
    assert!(
        aotinterop_runtime::resolver::load_library("aotnowhere", ad, module_flags::PROCESS_DIRECTORY)
            .is_err()
    );
}

/// Runs inside the child of `current_directory_is_not_searched`.
#[test]
fn cwd_child() {
    let Some(image) = std::env::var_os("AOTINTEROP_CWD_IMAGE") else {
        return;
    };
    assert!(
        Path::new("sub/aotcwd.so").is_file(),
        "the library is in the current directory"
    );
    let allow = std::env::var_os("AOTINTEROP_CWD_ALLOW").is_some();
    let r = probe(
        "sub/aotcwd",
        net10(None),
        allow,
        Some(Path::new(&image)),
        Platform::Unix,
    );
    println!("child: loaded={:?}", r.loaded);
    for c in &r.candidates {
        println!("{} {}", c.via.name(), c.path);
    }
}

#[test]
fn windows_and_macos_name_rules() {
    assert_eq!(
        library_variations("user32", Platform::Windows),
        ["user32", "user32.dll"]
    );
    assert_eq!(
        library_variations("user32.dll", Platform::Windows),
        ["user32.dll"]
    );
    assert_eq!(library_variations("tool.EXE", Platform::Windows), ["tool.EXE"]);
    assert_eq!(library_variations("noext.", Platform::Windows), ["noext."]);
    assert_eq!(
        library_variations("z", Platform::Apple),
        ["z.dylib", "libz.dylib", "z", "libz"]
    );
    assert_eq!(library_variations("sub/z", Platform::Unix), ["sub/z.so", "sub/z"]);
    use aotinterop_runtime::abi::import_flags as f;
    assert_eq!(
        entry_candidates("MessageBox", f::CHARSET_UNICODE, Platform::Windows),
        ["MessageBoxW", "MessageBox"]
    );
    assert_eq!(
        entry_candidates("MessageBox", f::CHARSET_AUTO, Platform::Windows),
        ["MessageBoxW", "MessageBox"]
    );
    assert_eq!(
        entry_candidates("MessageBox", f::CHARSET_ANSI, Platform::Windows),
        ["MessageBox", "MessageBoxA"]
    );
    assert_eq!(
        entry_candidates("MessageBox", f::CHARSET_NONE, Platform::Windows),
        ["MessageBox", "MessageBoxA"]
    );
    assert_eq!(
        entry_candidates(
            "MessageBox",
            f::CHARSET_UNICODE | f::EXACT_SPELLING,
            Platform::Windows
        ),
        ["MessageBox"]
    );
    assert_eq!(
        entry_candidates("#17", f::CHARSET_UNICODE, Platform::Windows),
        ["#17"]
    );
    // win-x86 stdcall (16 bytes of arguments): each spelling, then it decorated.
    let probe16 = f::STDCALL_PROBE | (16 / 4) << f::STACK_WORDS_SHIFT;
    assert_eq!(
        entry_candidates("MessageBox", f::CHARSET_UNICODE | probe16, Platform::Windows),
        ["MessageBoxW", "_MessageBoxW@16", "MessageBox", "_MessageBox@16"]
    );
    assert_eq!(
        entry_candidates("Sleep", f::EXACT_SPELLING | probe16, Platform::Windows),
        ["Sleep", "_Sleep@16"]
    );
    assert_eq!(
        entry_candidates("MessageBox", f::CHARSET_UNICODE, Platform::Unix),
        ["MessageBox"]
    );
    // `aotinterop probe --rid` takes the platform from the one RID parser.
    let platform = |rid: &str| rid.parse::<aotinterop_model::Rid>().ok().map(|r| r.platform());
    assert_eq!(platform("win-x64"), Some(Platform::Windows));
    assert_eq!(platform("osx-arm64"), Some(Platform::Apple));
    assert_eq!(platform("linux-musl-x64"), Some(Platform::Unix));
    assert_eq!(platform("plan9-x64"), None);
    assert_eq!(platform("linux-x65"), None);
}

#[test]
fn windows_search_flags_never_include_the_current_directory_by_default() {
    use aotinterop_runtime::abi::module_flags;
    use aotinterop_runtime::resolver::search::windows_flags;
    // Unspecified, or AssemblyDirectory only: LOAD_LIBRARY_SEARCH_DEFAULT_DIRS.
    assert_eq!(windows_flags(search_path::ASSEMBLY_DIRECTORY, 0), 0x1000);
    assert_eq!(
        windows_flags(
            search_path::ASSEMBLY_DIRECTORY,
            module_flags::SEARCH_PATH_SPECIFIED
        ),
        0x1000
    );
    // The DllImportSearchPath values are the LOAD_LIBRARY_SEARCH_* flags.
    assert_eq!(
        windows_flags(search_path::SYSTEM32 | search_path::ASSEMBLY_DIRECTORY, 1),
        0x800
    );
    // Explicit LegacyBehavior asks for the legacy search (which includes the current directory).
    assert_eq!(
        windows_flags(search_path::LEGACY_BEHAVIOR, module_flags::SEARCH_PATH_SPECIFIED),
        0
    );
}
