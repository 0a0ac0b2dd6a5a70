//! The end-to-end scenarios, the same on every platform.

use crate::support::{build, line, Image, Plat};
use aotinterop_runtime::abi;
use object::{Object, ObjectSection};

/// Runs every scenario on `plat`.
pub fn all(plat: Plat) {
    let img = build(plat);
    image_table(&img);
    abi(&img);
    errno(&img);
    threads(&img);
    timing(&img);
    missing(&img);
    backtrace(&img);
    fallback(&img);
    abort(&img);
    bind(&img);
    resolver(&img);
    current_directory(&img);
}

/// How many lazy imports the test program has: 1,011 everywhere; on Windows the charset
/// spellings and the ordinal too; on win-x86 also the decorated stdcall probe and a fastcall.
fn lazy_imports(plat: Plat) -> usize {
    match plat {
        Plat::WinX86 => 1016,
        p if p.is_windows() => 1014,
        _ => 1011,
    }
}

/// The linked image's import table lists every lazy import (what `aotinterop inspect` reads).
pub fn image_table(img: &Image) {
    let bytes = std::fs::read(img.dir.join(img.plat.exe_file())).expect("read image");
    let file = object::File::parse(&*bytes).expect("parse image");
    let section = file
        .section_by_name(abi::SECTION_ELF_COFF)
        .expect("import table section");
    let data = section.data().expect("section data");
    let lazy = abi::read_lazy_imports(data).expect("table parses");
    assert_eq!(lazy.len(), lazy_imports(img.plat));
    assert!(lazy.iter().any(|l| l.module == "callee" && l.entry == "sum6"));
    assert!(lazy
        .iter()
        .any(|l| l.module == "sub/plugin" && l.entry == "sub_plugin"));
    assert!(lazy.iter().any(|l| l.module == "callee" && l.entry == "f999"));
    assert!(
        !lazy.iter().any(|l| l.entry == "abs"),
        "direct imports have no record"
    );
}

/// Every register class reaches the callee intact, and the second call goes through the cell.
pub fn abi(img: &Image) {
    let out = img.run_mode(&["abi"]);
    for key in ["sum6", "sum8d", "mix", "vsum"] {
        let v = line(&out, key);
        assert_eq!(v[0], v[1], "{key}: trampoline vs reference in\n{out}");
    }
    assert_eq!(line(&out, "sum6")[0], "91");
    assert_eq!(line(&out, "sum8d")[0], "186.0000");
    let b = line(&out, "make_big");
    assert_eq!(
        &b[..4],
        &b[4..],
        "struct returned through a hidden pointer\n{out}"
    );
    assert_eq!(&b[..4], &["7", "14", "21", "10"]);
    assert_eq!(line(&out, "again"), vec!["56", "50.0000"]);
    assert_eq!(line(&out, "direct_abs"), vec!["42"]);
    if img.plat.is_windows() {
        assert_eq!(line(&out, "charset"), vec!["unicode=2", "ansi=1"], "{out}");
        assert_eq!(line(&out, "ordinal"), vec!["sum6=91"], "{out}");
    }
    if img.plat == Plat::WinX86 {
        // Found only by its decorated name, as .NET probes a stdcall entry point on win-x86.
        assert_eq!(line(&out, "stdcall"), vec!["decorated", "sum2=42"], "{out}");
        // ecx and edx carried through the first call.
        assert_eq!(line(&out, "fastcall"), vec!["sum3=14"], "{out}");
    }
}

/// errno / last-error as set before the first call is what the callee sees.
fn errno(img: &Image) {
    let out = img.run_mode(&["errno"]);
    assert_eq!(
        line(&out, "errno"),
        vec!["seen=1234", "after=1234", "again=77"],
        "{out}"
    );
}

/// 8 threads race on 1,000 first calls: every call right, the library loaded once.
pub fn threads(img: &Image) {
    let out = img.run_mode(&["threads"]);
    assert_eq!(line(&out, "threads"), vec!["bad=0", "loads=1"], "{out}");
}

/// First and steady-state calls give the right values; the figures are printed, not judged
/// (timing belongs to the benches).
pub fn timing(img: &Image) {
    let out = img.run_mode(&["timing"]);
    let t = line(&out, "timing");
    assert_eq!(t[0], "bad=0", "{out}");
    eprintln!("{:?}: {}", img.plat, t[1..].join(" "));
}

/// A missing library and a missing entry point with a failure handler: messages, the call
/// returns 0, failures are not cached, the program goes on.
pub fn missing(img: &Image) {
    let out = img.run_mode(&["missing"]);
    assert_eq!(
        line(&out, "missing_lib"),
        vec!["returned", "0", "0", "failures=2"],
        "{out}"
    );
    assert!(
        out.contains("failure kind=1 library=nosuchlib entry=gone"),
        "{out}"
    );
    let lib_word = if img.plat.is_windows() {
        "DLL"
    } else {
        "shared library"
    };
    assert!(
        out.contains(&format!(
            "System.DllNotFoundException: Unable to load {lib_word} 'nosuchlib' or one of its dependencies"
        )),
        "{out}"
    );
    // Every path tried: the image folder first, then the OS loader, per variation.
    let dir = img.dir.to_string_lossy().to_string();
    let first_tried = match img.plat {
        Plat::WinX64 | Plat::WinX86 => "nosuchlib:".to_string(),
        _ => format!("{dir}/nosuchlib.so:"),
    };
    assert!(out.contains(&first_tried), "expected `{first_tried}` in\n{out}");
    if !img.plat.is_windows() {
        // The loader's own text names the path too (glibc `PATH: …`, musl `Error loading shared
        // library PATH: …`): the message says it once.
        let tried = out
            .lines()
            .find(|l| l.trim_start().starts_with(&first_tried))
            .unwrap();
        assert_eq!(
            tried.matches("nosuchlib.so").count(),
            1,
            "the path is repeated: {tried}"
        );
    }
    assert!(
        out.contains("failure kind=2 library=callee entry=no_such_entry"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "System.EntryPointNotFoundException: Unable to find an entry point named 'no_such_entry' in {lib_word} 'callee'"
        )),
        "{out}"
    );
    assert_eq!(
        line(&out, "missing_entry"),
        vec!["returned", "0", "failures=3"],
        "{out}"
    );
    assert_eq!(line(&out, "still"), vec!["running", "sum6=21"], "{out}");
}

/// The unwinder walks from the failure handler through the resolver and the slow path's CFI
/// back to `main` (Linux: glibc's `backtrace`).
pub fn backtrace(img: &Image) {
    if img.plat.is_windows() {
        return;
    }
    let out = img.run_mode(&["backtrace"]);
    assert!(
        out.contains("(main+"),
        "the backtrace does not reach main:\n{out}"
    );
    assert!(out.contains("backtrace returned 0"), "{out}");
}

/// The failure handler's fallback function receives the call.
fn fallback(img: &Image) {
    let out = img.run_mode(&["fallback"]);
    assert_eq!(line(&out, "fallback"), vec!["returned", "105"], "{out}");
}

/// Without a handler the message is printed and the process aborts.
fn abort(img: &Image) {
    let out = img.run(&["abort"], &img.dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "abort mode exited successfully:\n{stdout}");
    assert!(
        stdout.contains("before") && !stdout.contains("not reached"),
        "{stdout}"
    );
    assert!(
        stderr.contains("System.DllNotFoundException") && stderr.contains("'nosuchlib'"),
        "{stderr}"
    );
}

/// The C API: find, bind without calling, messages.
fn bind(img: &Image) {
    let out = img.run_mode(&["bind"]);
    let count = format!("count={}", lazy_imports(img.plat));
    let c = line(&out, &count);
    assert_eq!(c, vec!["missing_index_ok=1", "bind=1"], "{out}");
    assert!(out.contains("message<<System.DllNotFoundException"), "{out}");
    assert!(out.contains("bind_sum6=0"), "{out}");
    assert!(out.contains(&format!("unknown={}", u32::MAX)), "{out}");
}

/// The resolver callback is asked first and its handle used.
fn resolver(img: &Image) {
    let lib = img.dir.join(img.plat.lib_file("callee"));
    let lib = lib.to_string_lossy().to_string();
    let out = img.run_mode(&["resolver", &lib]);
    assert!(
        out.contains("resolver asked library=virtual search_path=0x2"),
        "{out}"
    );
    assert_eq!(line(&out, "virtual"), vec!["sum6=91"], "{out}");
}

/// A relative name is never looked up from the current directory, but is found in the image's
/// folder.
fn current_directory(img: &Image) {
    let out = img.run(&["cwd"], &img.elsewhere);
    let stdout = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        line(&stdout, "sub_plugin"),
        vec!["returned", "0", "failures=1"],
        "{stdout}"
    );
    assert!(
        stdout.contains("not tried: a relative path would be searched from the current directory"),
        "{stdout}"
    );
    // Now put it next to the image: AssemblyDirectory finds it.
    let name = match img.plat {
        Plat::WinX64 | Plat::WinX86 => "plugin.dll",
        _ => "plugin.so",
    };
    std::fs::create_dir_all(img.dir.join("sub")).expect("mkdir");
    std::fs::copy(
        img.elsewhere.join("sub").join(name),
        img.dir.join("sub").join(name),
    )
    .expect("copy");
    let out = img.run(&["cwd"], &img.elsewhere);
    let stdout = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert_eq!(
        line(&stdout, "sub_plugin"),
        vec!["returned", "41", "failures=0"],
        "{stdout}"
    );
    std::fs::remove_dir_all(img.dir.join("sub")).expect("cleanup");
}
