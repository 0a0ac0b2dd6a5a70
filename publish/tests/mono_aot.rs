//! C# compiled ahead of time by Mono's AOT compiler (`compiler: mono`), published by the real
//! pipeline and run: arguments of every shape through aotinterop's lazy stubs, errno, a callback
//! into C#, failed binds as .NET exceptions, a thread race over 1,000 first calls, aotinterop as
//! the only loader of the app's libraries, the collision checks, and the framework cache.

use aotinterop::pipeline::{self, PublishReport};
use aotinterop::PublishRequest;
use aotinterop_model::TargetRow;
use aotinterop_testkit::{check, repo_root, require, run_ok};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Functions of each library in the thread race.
const RACE: usize = 500;

fn src(name: &str) -> PathBuf {
    repo_root().join("publish/tests/mono").join(name)
}

/// A folder with the app compiled by mcs, its libraries, and the published image in `bin/`.
struct Built {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    bin: PathBuf,
    image: PathBuf,
    report: PublishReport,
}

fn mcs(out: &Path, sources: &[PathBuf], target: &str) {
    run_ok(
        Command::new(require("mcs", "mono-mcs"))
            .arg(format!("-target:{target}"))
            .arg("-nologo")
            .arg(format!("-out:{}", out.display()))
            .args(sources),
        "mcs",
    );
}

fn shared(out: &Path, sources: &[PathBuf]) {
    run_ok(
        Command::new(require("gcc", "gcc"))
            .args(["-shared", "-fPIC", "-O1", "-o"])
            .arg(out)
            .args(sources),
        "gcc",
    );
}

/// The request of `dir`'s app, with the runtime and a cache in the repository's `.cache/`.
fn request(dir: &Path, assembly: &str, output: &str, cache: &Path) -> String {
    let runtime = aotinterop_testkit::runtime_archive(TargetRow::of_rid("linux-x64").unwrap());
    let runtime_dir = runtime.parent().and_then(Path::parent).unwrap();
    serde_json::json!({
        "rid": "linux-x64",
        "compiler": "mono",
        "output": output,
        "assemblies": [dir.join(assembly)],
        "runtime_dir": runtime_dir,
        "cache_dir": cache,
    })
    .to_string()
}

fn publish(dir: &Path, json: &str) -> Result<PublishReport, pipeline::PublishFailure> {
    let loaded = PublishRequest::parse(json, &dir.join("request.json"), dir).unwrap();
    pipeline::publish(&loaded, &mut |_| {})
}

fn shared_cache() -> PathBuf {
    repo_root().join(".cache/aotinterop-test")
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        // The race: RACE functions in each of two libraries, one DllImport each.
        let (mut cs, mut f, mut g) = (String::new(), String::new(), String::new());
        cs.push_str("using System;\nusing System.Runtime.InteropServices;\nusing System.Threading;\n");
        cs.push_str("static class Many {\n");
        for i in 0..RACE {
            let _ = writeln!(cs, "    [DllImport(\"callee\")] public static extern int f{i}(int x);");
            let _ = writeln!(cs, "    [DllImport(\"callee2\")] public static extern int g{i}(int x);");
            let _ = writeln!(f, "int f{i}(int x) {{ return x + {i}; }}");
            let _ = writeln!(g, "int g{i}(int x) {{ return x * 2 + {i}; }}");
        }
        cs.push_str("    public static int Call(int i, int x) {\n        switch (i) {\n");
        for i in 0..RACE {
            let _ = writeln!(cs, "        case {}: return f{i}(x);\n        case {}: return g{i}(x);", 2 * i, 2 * i + 1);
        }
        cs.push_str("        default: return -1;\n        }\n    }\n}\n");
        cs.push_str(&format!(
            "static partial class Program {{\n    static int Race() {{\n        int bad = 0;\n        var threads = new Thread[8];\n\
             for (int t = 0; t < 8; t++) {{\n            int seed = t;\n            threads[t] = new Thread(() => {{\n\
             for (int k = 0; k < {n}; k++) {{\n                    int i = (k * 7 + seed * 131) % {n};\n\
             int want = i % 2 == 0 ? 3 + i / 2 : 6 + i / 2;\n                    if (Many.Call(i, 3) != want) Interlocked.Increment(ref bad);\n\
             }}\n            }});\n        }}\n        foreach (var th in threads) th.Start();\n        foreach (var th in threads) th.Join();\n\
             Console.WriteLine(\"race \" + (bad == 0 ? \"ok\" : \"bad \" + bad));\n        return bad == 0 ? 0 : 1;\n    }}\n}}\n",
            n = 2 * RACE
        ));
        std::fs::write(dir.join("Race.cs"), cs).unwrap();
        std::fs::write(dir.join("f.c"), f).unwrap();
        std::fs::write(dir.join("g.c"), g).unwrap();
        mcs(&dir.join("Interop.exe"), &[src("Interop.cs"), dir.join("Race.cs")], "exe");
        shared(&bin.join("libcallee.so"), &[src("callee.c"), dir.join("f.c")]);
        shared(&bin.join("libcallee2.so"), &[dir.join("g.c")]);
        shared(&bin.join("liblatelib.so.later"), &[src("latelib.c")]);
        let json = request(&dir, "Interop.exe", "bin/interop", &shared_cache());
        let report = publish(&dir, &json).unwrap_or_else(|f| panic!("{} failed: {}", f.step.name(), f.error));
        Built {
            image: bin.join("interop"),
            _tmp: tmp,
            dir,
            bin,
            report,
        }
    })
}

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(&built().image)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run the image")
}

/// The value after `key ` on its line of `out`.
fn value<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key} ")))
        .unwrap_or_else(|| panic!("no `{key}` line in:\n{out}"))
}

fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_argument_shape_through_lazy_stubs() {
    let b = built();
    assert!(b
        .report
        .plan
        .imports
        .iter()
        .all(|i| i.binding == aotinterop_model::Binding::Lazy));
    // Mono's runtime finds each P/Invoke's stub by its call symbol in the image's dynamic symbol
    // table (readelf is the oracle).
    let dynsym = String::from_utf8(
        Command::new("readelf")
            .args(["--dyn-syms", "-W"])
            .arg(&b.image)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for i in &b.report.plan.imports {
        assert!(
            dynsym
                .lines()
                .any(|l| l.split_whitespace().nth(7) == Some(i.call_symbol.as_str())
                    && l.contains(" DEFAULT ")),
            "{} is not exported",
            i.call_symbol
        );
    }
    let out = stdout_ok(&run(&["abi"], &b.bin));
    assert_eq!(value(&out, "sum8"), (1..=8).sum::<i64>().to_string());
    let d = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5f64];
    assert_eq!(value(&out, "sum10d"), format!("{}", d.iter().sum::<f64>()));
    let mix: f64 = [
        1.0, 0.5, 2.0, 0.25, 3.0, 0.125, 4.0, 1.5, 5.0, 2.5, 6e9, 3.5, 7.0, 4.5, 8.0, 5.5, 9.0, 6.5,
    ]
    .iter()
    .sum();
    assert_eq!(value(&out, "mix").parse::<f64>().unwrap(), mix);
    assert_eq!(value(&out, "make_big"), "10 20 30 5");
    assert_eq!(value(&out, "big_sum"), (10 + 20 + 30 + 10).to_string());
    // Ansi is UTF-8 off Windows: 6 bytes; Unicode is UTF-16: 11 units.
    assert_eq!(value(&out, "strlen_ansi"), "héllo".len().to_string());
    assert_eq!(
        value(&out, "utf16_units"),
        "héllo wörld".encode_utf16().count().to_string()
    );
    // SetLastError after a lazy first call: the callee's errno, not the resolver's.
    assert_eq!(value(&out, "errno"), "42");
    assert_eq!(value(&out, "call_back"), "41");
}

#[test]
fn failed_binds_are_dotnet_exceptions_and_are_tried_again() {
    let b = built();
    let _ = std::fs::remove_file(b.bin.join("liblatelib.so"));
    let out = stdout_ok(&run(&["failures", b.bin.to_str().unwrap()], &b.bin));
    assert_eq!(
        value(&out, "DllNotFoundException"),
        "Unable to load shared library 'nosuchlib' or one of its dependencies (needed by entry point 'gone'). Paths tried:"
    );
    assert_eq!(
        value(&out, "EntryPointNotFoundException"),
        "Unable to find an entry point named 'no_such_entry' in shared library 'callee'. Names tried:"
    );
    assert_eq!(value(&out, "TypeInitializationException"), "DllNotFoundException");
    assert!(out.contains("late_value missing"), "{out}");
    // The library appeared between two calls: the second binds (failures are not cached).
    assert_eq!(value(&out, "late_value_again"), "77");
    let _ = std::fs::remove_file(b.bin.join("liblatelib.so"));
}

#[test]
fn eight_csharp_threads_race_on_a_thousand_first_calls() {
    let out = stdout_ok(&run(&["threads"], &built().bin));
    assert_eq!(value(&out, "race"), "ok");
}

/// Mono's own library lookup is off: under strace, the app's library is opened once, by the
/// resolver, in the image's folder, and nothing is looked up in the current directory (where a
/// decoy waits); Mono's own log shows it never tried to load the app's libraries from a file.
#[test]
fn aotinterop_is_the_only_loader_of_the_apps_libraries() {
    let b = built();
    let strace = require("strace", "strace");
    let cwd = b.dir.join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::copy(b.bin.join("libcallee.so"), cwd.join("libcallee.so")).unwrap();
    let trace = b.dir.join("trace.txt");
    let out = Command::new(strace)
        .args(["-f", "-e", "trace=open,openat", "-o"])
        .arg(&trace)
        .arg(&b.image)
        .arg("abi")
        .current_dir(&cwd)
        .env("MONO_LOG_LEVEL", "debug")
        .env("MONO_LOG_MASK", "dll")
        .output()
        .unwrap();
    stdout_ok(&out);
    let text = std::fs::read_to_string(&trace).unwrap();
    let opened: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("callee") && !l.contains("= -1"))
        .collect();
    let ours = format!("\"{}\"", b.bin.join("libcallee.so").display());
    assert_eq!(opened.len(), 1, "{opened:#?}");
    assert!(opened[0].contains(&ours), "{opened:#?}");
    let cwd_text = cwd.display().to_string();
    let in_cwd: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.contains("callee") && (l.contains(&cwd_text) || l.contains("\"./") || l.contains("\"libcallee"))
        })
        .collect();
    assert!(
        in_cwd.is_empty(),
        "looked up in the current directory: {in_cwd:#?}"
    );
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mono_tried: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("DllImport attempting to load") && l.contains("callee"))
        .collect();
    assert!(
        mono_tried.is_empty(),
        "Mono looked the library up itself: {mono_tried:#?}"
    );
    assert!(log.contains("DllImport"), "Mono's dll log is empty:\n{log}");
}

/// A second C# assembly published with `direct_pinvoke: [libdirect]`: its plan, or the error.
fn plan_of(dir: &Path, cs: &str) -> Result<aotinterop_model::Plan, aotinterop::Error> {
    std::fs::write(dir.join("Clash.cs"), cs).unwrap();
    mcs(&dir.join("Clash.dll"), &[dir.join("Clash.cs")], "library");
    let mut json: serde_json::Value =
        serde_json::from_str(&request(dir, "Clash.dll", "bin/clash", &dir.join("cache"))).unwrap();
    json["direct_pinvoke"] = serde_json::json!(["libdirect"]);
    json["native_lib"] = serde_json::json!("shared");
    let loaded = PublishRequest::parse(&json.to_string(), &dir.join("request.json"), dir).unwrap();
    aotinterop::plan_request(&loaded)
}

/// Mono looks each P/Invoke up by assembly, library and entry point: imports that differ in any of
/// those, or only in CharSet or ExactSpelling (which change no name off Windows), plan; those it
/// would look up as one but that bind differently are refused before anything is compiled, every
/// clash named.
#[test]
fn only_imports_mono_looks_up_as_one_and_that_bind_differently_clash() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fine = "using System.Runtime.InteropServices;\n\
        static class A { [DllImport(\"libz\", EntryPoint = \"deflate\")] public static extern int Pack(); }\n\
        static class B { [DllImport(\"libother\", EntryPoint = \"deflate\")] public static extern int Squeeze(); }\n\
        static class C { [DllImport(\"libdirect\")] public static extern int shared_fn(); }\n\
        static class D { [DllImport(\"liblazy\")] public static extern int shared_fn(); }\n\
        static class E { [DllImport(\"libc\", EntryPoint = \"getpid\")] public static extern int a();\n\
            [DllImport(\"libc\", EntryPoint = \"getpid\", CharSet = CharSet.Unicode)] public static extern int b();\n\
            [DllImport(\"libc\", EntryPoint = \"getpid\", ExactSpelling = true)] public static extern int c(); }\n\
        static class F { [DllImport(\"user32\", EntryPoint = \"_MessageBoxW@16\")] public static extern int Box(); }\n";
    let plan = plan_of(d, fine).unwrap();
    let ours: Vec<_> = plan
        .imports
        .iter()
        .filter(|i| i.assembly.as_deref() == Some("Clash"))
        .collect();
    assert_eq!(ours.len(), 8);
    let mut symbols: Vec<&str> = ours.iter().map(|i| i.call_symbol.as_str()).collect();
    symbols.sort_unstable();
    symbols.dedup();
    assert_eq!(symbols.len(), 8, "{symbols:?}");
    // One library, one entry point, one assembly, but looked for in different places: twice.
    let two_searches = "using System.Runtime.InteropServices;\n\
        static class A { [DllImport(\"libz\")] public static extern int deflate(); }\n\
        static class B { [DllImport(\"libz\", EntryPoint = \"deflate\")]\n\
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)] public static extern int Squeeze(); }\n\
        static class C { [DllImport(\"libz\")] public static extern int inflate(); }\n\
        static class D { [DllImport(\"libz\", EntryPoint = \"inflate\")]\n\
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)] public static extern int Unsqueeze(); }\n";
    let e = plan_of(d, two_searches).unwrap_err();
    assert_eq!(e.code(), "AOTI0014");
    assert!(e.message.contains("(2 clashes)"), "{e}");
    assert!(
        e.message.contains(
            "`libz!deflate`: `A::deflate` int32() (Clash) and `B::Squeeze` int32() (Clash): their DllImportSearchPath differs"
        ),
        "{e}"
    );
    assert!(
        e.message
            .contains("`libz!inflate`: `C::inflate` int32() (Clash) and `D::Unsqueeze` int32() (Clash)"),
        "{e}"
    );
}

fn compile_detail(r: &PublishReport) -> String {
    r.steps
        .iter()
        .find(|s| s.step.name() == "compile")
        .map(|s| s.detail.clone())
        .unwrap()
}

#[test]
fn compiled_assemblies_are_cached_and_a_damaged_entry_is_rebuilt() {
    let b = built();
    let cache = b.dir.join("own-cache");
    let json = request(&b.dir, "Interop.exe", "bin/cached", &cache);
    let first = publish(&b.dir, &json).unwrap();
    assert!(
        compile_detail(&first).contains("(0 from the cache)"),
        "{}",
        compile_detail(&first)
    );
    let second = publish(&b.dir, &json).unwrap();
    assert!(
        compile_detail(&second).contains("(2 from the cache)"),
        "{}",
        compile_detail(&second)
    );
    // Truncate the cached mscorlib: it is compiled again, and the image still runs.
    let entry = walk(&cache)
        .into_iter()
        .find(|p| {
            p.extension().is_some_and(|x| x == "o")
                && p.file_name().unwrap().to_string_lossy().starts_with("mscorlib-")
        })
        .unwrap();
    let len = std::fs::metadata(&entry).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&entry).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    let third = publish(&b.dir, &json).unwrap();
    assert!(
        compile_detail(&third).contains("(1 from the cache)"),
        "{}",
        compile_detail(&third)
    );
    assert_eq!(std::fs::metadata(&entry).unwrap().len(), len);
    let out = Command::new(b.bin.join("cached"))
        .arg("abi")
        .current_dir(&b.bin)
        .output()
        .unwrap();
    assert_eq!(value(&stdout_ok(&out), "sum8"), "36");
    let _ = check;
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
