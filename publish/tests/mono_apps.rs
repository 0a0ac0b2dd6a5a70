//! Real programs nobody here wrote, compiled by Mono's AOT compiler and published: a C# program
//! over Debian's `Mono.Data.Sqlite` (ADO.NET, 78 P/Invokes into sqlite3), listed with its library
//! or with the library taken from Mono's framework folder. Mono's JIT running the same program is
//! the oracle; `monodis` is the oracle for the library's P/Invokes.

use aotinterop::PublishRequest;
use aotinterop_model::TargetRow;
use aotinterop_testkit::{repo_root, require, run_ok};
use std::path::{Path, PathBuf};
use std::process::Command;

fn framework() -> PathBuf {
    aotinterop::mono::Mono::find().unwrap().framework().to_path_buf()
}

/// `source` compiled by mcs into `dir/NAME.exe`, referencing `refs`.
fn mcs(dir: &Path, name: &str, source: &Path, refs: &[&str]) -> PathBuf {
    let exe = dir.join(format!("{name}.exe"));
    run_ok(
        Command::new(require("mcs", "mono-mcs"))
            .arg("-nologo")
            .args(refs.iter().map(|r| format!("-r:{r}")))
            .arg(format!("-out:{}", exe.display()))
            .arg(source),
        "mcs",
    );
    exe
}

/// C# text written into `dir/NAME.cs` and compiled.
fn mcs_text(dir: &Path, name: &str, code: &str) -> PathBuf {
    let src = dir.join(format!("{name}.cs"));
    std::fs::write(&src, code).unwrap();
    mcs(dir, name, &src, &[])
}

/// The sqlite sample compiled by mcs into `dir`.
fn compile(dir: &Path) -> PathBuf {
    let source = repo_root().join("samples/sqlite/Sqlite.cs");
    mcs(
        dir,
        "Sqlite",
        &source,
        &["Mono.Data.Sqlite.dll", "System.Data.dll"],
    )
}

fn request(dir: &Path, assemblies: &[PathBuf], output: &str) -> aotinterop::LoadedRequest {
    let runtime = aotinterop_testkit::runtime_archive(TargetRow::of_rid("linux-x64").unwrap());
    let json = serde_json::json!({
        "rid": "linux-x64",
        "compiler": "mono",
        "output": output,
        "assemblies": assemblies,
        "runtime_dir": runtime.parent().and_then(Path::parent).unwrap(),
        "cache_dir": repo_root().join(".cache/aotinterop-test"),
    });
    PublishRequest::parse(&json.to_string(), &dir.join("request.json"), dir).unwrap()
}

/// Runs `program` from `cwd`: (exit code, stdout).
fn run(program: &mut Command, cwd: &Path) -> (i32, String) {
    let out = program.current_dir(cwd).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// A shared object whose constructor writes `marker`: planted where nothing may load it from.
fn plant(path: &Path, marker: &Path) {
    let c = path.with_extension("c");
    std::fs::write(
        &c,
        format!(
            "#include <stdio.h>\n__attribute__((constructor)) static void planted(void) {{ FILE *f = fopen(\"{}\", \"w\"); if (f) fclose(f); }}\n",
            marker.display()
        ),
    )
    .unwrap();
    run_ok(
        Command::new(require("gcc", "gcc"))
            .args(["-shared", "-fPIC", "-o"])
            .arg(path)
            .arg(&c),
        "gcc",
    );
}

#[test]
fn a_two_assembly_app_runs_its_own_main_with_every_pinvoke_bound_by_aotinterop() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exe = compile(dir);
    let (code, jit) = run(Command::new(require("mono", "mono-runtime")).arg(&exe), dir);
    assert_eq!(code, 0, "{jit}");
    let library = framework().join("Mono.Data.Sqlite.dll");
    let oracle = aotinterop_testkit::mono::monodis_implmap(&library);
    assert!(
        oracle.len() >= 70,
        "{} P/Invokes in Mono.Data.Sqlite",
        oracle.len()
    );
    // A folder to run from, holding libraries that must never be loaded from it.
    let run_dir = dir.join("run");
    std::fs::create_dir(&run_dir).unwrap();
    let marker = dir.join("planted-library-loaded");
    for planted in [
        "libc.so.6",
        "libc.so",
        "libsqlite3.so",
        "libsqlite3.so.0",
        "sqlite3.so",
    ] {
        plant(&run_dir.join(planted), &marker);
    }
    for (name, assemblies) in [
        ("listed", vec![exe.clone(), library.clone()]),
        ("beside", vec![exe.clone()]),
    ] {
        let loaded = request(dir, &assemblies, &format!("bin/{name}/sqlite"));
        let report = aotinterop::pipeline::publish(&loaded, &mut |_| {})
            .unwrap_or_else(|f| panic!("{name}: {}", f.error));
        // Every P/Invoke of the library is aotinterop's, lazily, and counted.
        let ours: Vec<_> = report
            .plan
            .imports
            .iter()
            .filter(|i| i.assembly.as_deref() == Some("Mono.Data.Sqlite"))
            .collect();
        assert_eq!(ours.len(), oracle.len(), "{name}");
        for row in &oracle {
            assert!(
                ours.iter()
                    .any(|i| i.entry == row.entry && i.module == row.module),
                "{name}: {}!{} is not in the plan",
                row.module,
                row.entry
            );
        }
        let scan = &report.steps[0].detail;
        assert!(scan.starts_with("13 assemblies"), "{name}: {scan}");
        // mscorlib's own libc imports are planned too; Mono's shims are listed as its own.
        assert!(report
            .plan
            .imports
            .iter()
            .any(|i| i.module == "libc" && i.assembly.as_deref() == Some("mscorlib")));
        assert!(report
            .plan
            .runtime_imports
            .iter()
            .any(|r| r.module == "System.Native" && r.reason.contains("shim")));
        let (code, out) = run(&mut Command::new(&report.output), &run_dir);
        assert_eq!((code, out.as_str()), (0, jit.as_str()), "{name}");
        assert!(
            !marker.exists(),
            "{name}: a library planted in the current directory was loaded"
        );
        let md = std::fs::read_to_string(&report.reports.markdown).unwrap();
        assert!(
            md.contains("System.Native"),
            "{name}: the plan report lists no runtime import"
        );
    }
}

#[test]
fn the_published_assembly_must_have_main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exe = compile(dir);
    let library = framework().join("Mono.Data.Sqlite.dll");
    let e = aotinterop::plan_request(&request(dir, &[library.clone(), exe], "bin/wrong")).unwrap_err();
    assert_eq!(e.code(), "AOTI0016", "{e}");
    assert!(
        e.message.contains("`Mono.Data.Sqlite` is the published assembly"),
        "{e}"
    );
    assert_eq!(
        e.location.as_ref().map(|l| l.file.as_path()),
        Some(library.as_path())
    );
}

/// The issue's repros, each run as under Mono's JIT: two DllImports of one entry point that differ
/// only in CharSet (D1), a direct P/Invoke whose wrapper only throws (D2), a function pointer of a
/// delegate over a lazy DllImport method (D3).
#[test]
fn repros_behave_as_under_the_jit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exe = mcs_text(
        dir,
        "Repro",
        r#"using System; using System.Runtime.InteropServices;
static class P {
    delegate IntPtr V();
    [DllImport("libz.so.1")] static extern IntPtr zlibVersion();
    [DllImport("libc", EntryPoint = "strverscmp")] static extern int f(ref HandleRef h);
    [DllImport("libc", EntryPoint = "getpid")] static extern int a();
    [DllImport("libc", EntryPoint = "getpid", CharSet = CharSet.Unicode)] static extern int b();
    static int Main() {
        Console.WriteLine("D1 " + (a() == b()));
        try { var h = new HandleRef(null, IntPtr.Zero); f(ref h); Console.WriteLine("D2 called"); }
        catch (MarshalDirectiveException) { Console.WriteLine("D2 MarshalDirectiveException"); }
        Console.WriteLine("D3 " + (Marshal.GetFunctionPointerForDelegate(new V(zlibVersion)) != IntPtr.Zero));
        return 0;
    }
}"#,
    );
    let (code, jit) = run(Command::new(require("mono", "mono-runtime")).arg(&exe), dir);
    assert_eq!(
        (code, jit.as_str()),
        (0, "D1 True\nD2 MarshalDirectiveException\nD3 True\n")
    );
    for direct in [false, true] {
        let mut loaded = request(dir, std::slice::from_ref(&exe), &format!("bin/{direct}/repro"));
        if direct {
            loaded.request.direct_pinvoke = vec!["libc".into()];
        }
        let report = aotinterop::pipeline::publish(&loaded, &mut |_| {})
            .unwrap_or_else(|f| panic!("direct {direct}: {}", f.error));
        let (code, out) = run(&mut Command::new(&report.output), dir);
        assert_eq!((code, out.as_str()), (0, jit.as_str()), "direct {direct}");
    }
}

/// SQLite's own static library as a NativeLibrary: `DirectPInvoke sqlite3` is refused, naming both
/// entry points only SQLCipher defines, and the DirectPInvokeList the error names (written for the
/// user) is the one step out: with it the image links SQLite in and needs no libsqlite3.
#[test]
fn a_whole_module_directpinvoke_with_undefined_entries_names_a_list_that_works() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exe = compile(dir);
    let archive = String::from_utf8(
        Command::new(require("gcc", "gcc"))
            .arg("-print-file-name=libsqlite3.a")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let archive = PathBuf::from(archive.trim());
    assert!(archive.is_absolute(), "no libsqlite3.a (libsqlite3-dev)");
    let obj = dir.join("obj/aotinterop");
    let mut loaded = request(dir, std::slice::from_ref(&exe), "bin/static/sqlite");
    loaded.request.direct_pinvoke = vec!["sqlite3".into()];
    loaded.request.native_library = vec![archive.clone()];
    loaded.request.intermediate_dir = Some(obj.clone());
    let failure = aotinterop::pipeline::publish(&loaded, &mut |_| {}).unwrap_err();
    let e = &failure.error;
    assert_eq!((failure.step.name(), e.code()), ("preflight", "AOTI0520"), "{e}");
    assert!(e.message.contains("2 direct imports of `sqlite3`"), "{e}");
    assert!(e.message.contains("`sqlite3_key`, `sqlite3_rekey`"), "{e}");
    let list = obj.join("sqlite3.DirectPInvokeList.txt");
    assert!(e.message.contains(&list.display().to_string()), "{e}");
    // The list holds every other entry point the library declares (monodis), and nm agrees the
    // archive defines each.
    let text = std::fs::read_to_string(&list).unwrap();
    let entries: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let oracle = aotinterop_testkit::mono::monodis_implmap(&framework().join("Mono.Data.Sqlite.dll"));
    let mut declared: Vec<String> = oracle.iter().map(|r| r.entry.clone()).collect();
    declared.sort();
    declared.dedup();
    assert_eq!(entries.len(), declared.len() - 2, "{text}");
    let nm = Command::new("nm")
        .args(["-g", "--defined-only"])
        .arg(&archive)
        .output()
        .unwrap();
    let nm = String::from_utf8_lossy(&nm.stdout);
    for e in &entries {
        let name = e.strip_prefix("sqlite3!").unwrap();
        assert!(nm.lines().any(|l| l.ends_with(&format!(" T {name}"))), "{name}");
    }
    loaded.request.direct_pinvoke.clear();
    loaded.request.direct_pinvoke_list = vec![list];
    let report =
        aotinterop::pipeline::publish(&loaded, &mut |_| {}).unwrap_or_else(|f| panic!("{}", f.error));
    assert_eq!(report.plan.counts.direct, entries.len());
    let (code, out) = run(&mut Command::new(&report.output), dir);
    assert_eq!(code, 0, "{out}");
    let needed = Command::new("readelf")
        .arg("-d")
        .arg(&report.output)
        .output()
        .unwrap();
    let needed = String::from_utf8_lossy(&needed.stdout);
    assert!(
        needed.contains("(NEEDED)") && !needed.contains("libsqlite3"),
        "{needed}"
    );
}

/// Callbacks as native AOT has them: a plain delegate (no `[MonoPInvokeCallback]`) passed to
/// libc's `qsort`. Under `mono_aot_mode: interp` (the default) the image prints what Mono's JIT
/// prints; under `full` Mono refuses to compile the wrapper at run time, as plain full AOT does.
/// Both modes bind every import the same way.
#[test]
fn callbacks_run_in_interp_mode_and_both_modes_bind_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exe = mcs_text(
        dir,
        "Callback",
        r#"using System; using System.Runtime.InteropServices;
static class P {
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate int Cmp(IntPtr a, IntPtr b);
    [DllImport("libc")] static extern void qsort(int[] b, UIntPtr n, UIntPtr size, Cmp c);
    [DllImport("libz.so.1")] static extern uint crc32(uint crc, byte[] buf, uint len);
    static int Main() {
        var a = new[] { 5, 3, 9, 1, 7 };
        qsort(a, (UIntPtr)5, (UIntPtr)4, (x, y) => Marshal.ReadInt32(x) - Marshal.ReadInt32(y));
        Console.WriteLine("qsort " + string.Join(",", a));
        Console.WriteLine("crc32 " + crc32(0, new byte[] { 104, 105 }, 2).ToString("x8"));
        return 0;
    }
}"#,
    );
    let (code, jit) = run(Command::new(require("mono", "mono-runtime")).arg(&exe), dir);
    assert_eq!(code, 0, "{jit}");
    assert!(jit.starts_with("qsort 1,3,5,7,9\n"), "{jit}");
    let mut plans = Vec::new();
    for mode in [
        aotinterop_model::MonoAotMode::Interp,
        aotinterop_model::MonoAotMode::Full,
    ] {
        let mut loaded = request(
            dir,
            std::slice::from_ref(&exe),
            &format!("bin/{}/callback", mode.name()),
        );
        loaded.request.mono_aot_mode = mode;
        loaded.request.direct_pinvoke = vec!["libc".into()];
        let report = aotinterop::pipeline::publish(&loaded, &mut |_| {})
            .unwrap_or_else(|f| panic!("{}: {}", mode.name(), f.error));
        let (code, out) = run(&mut Command::new(&report.output), dir);
        match mode {
            aotinterop_model::MonoAotMode::Interp => assert_eq!((code, out.as_str()), (0, jit.as_str())),
            aotinterop_model::MonoAotMode::Full => {
                assert_ne!(code, 0, "{out}");
                assert!(out.contains("Attempting to JIT compile method"), "{out}");
            }
        }
        let bindings: Vec<(String, String, String, String)> = report
            .plan
            .imports
            .iter()
            .map(|i| {
                (
                    i.module.clone(),
                    i.entry.clone(),
                    i.binding.name().to_string(),
                    i.call_symbol.clone(),
                )
            })
            .collect();
        plans.push(bindings);
    }
    assert_eq!(plans[0], plans[1]);
}
