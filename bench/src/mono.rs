//! Compiled C#: images whose code Mono's AOT compiler generates (`compiler: mono`, linux-x64).
//! The hello sample as the publish benchmark and RESULTS.md use it (a copy in a temporary
//! folder), and the lazy-versus-direct cost of a P/Invoke made from C# (`bench/cs/CallCost.cs`).

use crate::{bench_dir, median, native, repo_root, run_ok, target_dir};
use aotinterop::{pipeline, PublishRequest};
use aotinterop_samples::recipes::{self, Options};
use aotinterop_samples::Toolchain;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The cache of Mono's framework objects that the benchmarks use (under the target folder, so
/// that a warm publish is warm whatever the user's own cache holds).
pub fn cache_dir() -> PathBuf {
    target_dir().join("aotinterop-bench-mono-cache")
}

/// Builds the hello sample in `root/samples/hello` (a copy), up to its publish request; returns
/// the request file. The request names no cache folder, so `publish_request` sets one.
pub fn hello_sample(root: &Path) -> Result<PathBuf, String> {
    native::runtime_archive()?;
    let src = repo_root().join("samples/hello");
    let dst = root.join("samples/hello");
    std::fs::create_dir_all(&dst).map_err(|e| e.to_string())?;
    for f in ["Hello.cs", "request.linux-x64.json"] {
        std::fs::copy(src.join(f), dst.join(f)).map_err(|e| format!("{f}: {e}"))?;
    }
    let tc = Toolchain::for_rid("linux-x64", root)?;
    recipes::build("hello", &tc, Options::BUILD_ONLY)
        .map_err(|e| format!("building the hello sample: {e}"))?;
    Ok(dst.join("request.linux-x64.json"))
}

/// Loads the publish request `request` with Mono's framework objects cached in `cache`.
pub fn publish_request(request: &Path, cache: &Path) -> Result<aotinterop::LoadedRequest, String> {
    publish_request_with(request, cache, |_| {})
}

/// As [`publish_request`], the request's JSON changed by `edit` first.
fn publish_request_with(
    request: &Path,
    cache: &Path,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<aotinterop::LoadedRequest, String> {
    let text = std::fs::read_to_string(request).map_err(|e| format!("{}: {e}", request.display()))?;
    let mut json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    json["cache_dir"] = serde_json::Value::String(cache.display().to_string());
    edit(&mut json);
    let base = request.parent().unwrap_or(Path::new("."));
    PublishRequest::parse(&json.to_string(), request, base).map_err(|e| e.to_string())
}

/// Publishes `request` (cache in `cache`); returns the image.
pub fn publish(request: &Path, cache: &Path) -> Result<PathBuf, String> {
    let loaded = publish_request(request, cache)?;
    let report = pipeline::publish(&loaded, &mut |_| {})
        .map_err(|f| format!("{}: {} failed: {}", request.display(), f.step.name(), f.error))?;
    Ok(report.output)
}

/// The size and start of the hello executable.
#[derive(Clone, Copy, Debug)]
pub struct HelloImage {
    /// Bytes as published (StripSymbols, the default).
    pub published: u64,
    /// Bytes of the debug file beside it (`hello.dbg`).
    pub debug_file: u64,
    /// Bytes published with StripSymbols off.
    pub unstripped: u64,
    /// Bytes after `strip` of the published image (the symbol table too).
    pub stripped: u64,
    /// Spawn to exit of the published image (it runs all of `Main`), median, ns.
    pub start_ns: f64,
}

/// Publishes hello in `dir` (and again with StripSymbols off), strips a copy and starts the
/// published image `runs` times.
pub fn hello_image(dir: &Path, runs: usize) -> Result<HelloImage, String> {
    let request = hello_sample(dir)?;
    let image = publish(&request, &cache_dir())?;
    let name = image
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let debug = image.with_file_name(aotinterop_linker::driver::debug_file_name(&name));
    let unstripped_path = image.with_file_name("hello-unstripped");
    let unstripped_req = publish_request_with(&request, &cache_dir(), |j| {
        j["strip_symbols"] = serde_json::Value::Bool(false);
        j["output"] = serde_json::Value::String(unstripped_path.display().to_string());
    })?;
    pipeline::publish(&unstripped_req, &mut |_| {})
        .map_err(|f| format!("hello, StripSymbols off: {} failed: {}", f.step.name(), f.error))?;
    let stripped = image.with_file_name("hello-stripped");
    run_ok(Command::new("strip").arg("-o").arg(&stripped).arg(&image))?;
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).map_err(|e| e.to_string());
    // Once for its output: the run must be the sample's, not a failure.
    let out = run_ok(Command::new(&image).current_dir(image.parent().unwrap()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !text.contains("still running") {
        return Err(format!(
            "{} did not run hello's Main to the end:\n{text}",
            image.display()
        ));
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let status = Command::new(&image)
            .current_dir(image.parent().unwrap())
            .stdout(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        times.push(t.elapsed().as_nanos() as f64);
        if !status.success() {
            return Err(format!("{} exited with {status}", image.display()));
        }
    }
    Ok(HelloImage {
        published: size(&image)?,
        debug_file: size(&debug)?,
        unstripped: size(&unstripped_path)?,
        stripped: size(&stripped)?,
        start_ns: median(&mut times),
    })
}

/// A lazy and a direct P/Invoke of the same native function, called from compiled C#.
#[derive(Clone, Debug)]
pub struct CallCost {
    /// ns per call, direct, median over rounds.
    pub direct_ns: f64,
    /// ns per call, lazy (bound), median over rounds.
    pub lazy_ns: f64,
    /// Median over rounds of lazy / direct within the round.
    pub ratio: f64,
    /// Calls per round and per path.
    pub calls: u64,
    /// Rounds.
    pub rounds: usize,
}

/// Σ (3i + 1) for i < n, wrapping: what `cost_direct`/`cost_lazy` add up to.
fn expected_sum(n: u64) -> u64 {
    (0..n).fold(0u64, |acc, i| acc.wrapping_add(i.wrapping_mul(3).wrapping_add(1)))
}

/// Builds and publishes `CallCost.cs` in `dir`, then runs it: `rounds` rounds of `calls` calls.
pub fn call_cost(dir: &Path, calls: u64, rounds: usize) -> Result<CallCost, String> {
    let lib = dir.join("lib");
    let bin = dir.join("bin");
    for d in [&lib, &bin] {
        std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
    }
    let callee = native::c_dir().join("mono_callee.c");
    native::shared_library(
        std::slice::from_ref(&callee),
        &lib.join("libcostdirect.so"),
        &["-DNAME=cost_direct"],
    )?;
    std::fs::copy(lib.join("libcostdirect.so"), bin.join("libcostdirect.so")).map_err(|e| e.to_string())?;
    native::shared_library(&[callee], &bin.join("libcostlazy.so"), &["-DNAME=cost_lazy"])?;
    let exe = dir.join("CallCost.exe");
    aotinterop_samples::mcs(&[bench_dir().join("cs/CallCost.cs")], &exe, &[])?;
    let request = dir.join("request.json");
    let json = serde_json::json!({
        "rid": "linux-x64",
        "compiler": "mono",
        "output": "bin/callcost",
        "assemblies": ["CallCost.exe"],
        "direct_pinvoke": ["costdirect"],
        "linker_arg": [format!("-L{}", lib.display()), "-lcostdirect", "-Wl,-rpath,$ORIGIN"],
    });
    std::fs::write(&request, json.to_string()).map_err(|e| e.to_string())?;
    let loaded = publish_request(&request, &cache_dir())?;
    let report = pipeline::publish(&loaded, &mut |_| {})
        .map_err(|f| format!("{}: {} failed: {}", request.display(), f.step.name(), f.error))?;
    // CallCost's own imports (mscorlib's are planned too).
    let bindings: Vec<(String, aotinterop_model::Binding)> = report
        .plan
        .imports
        .iter()
        .filter(|i| i.assembly.as_deref() == Some("CallCost"))
        .map(|i| (i.module.clone(), i.binding))
        .collect();
    let want = [
        ("costdirect".to_string(), aotinterop_model::Binding::Direct),
        ("costlazy".to_string(), aotinterop_model::Binding::Lazy),
    ];
    if !want.iter().all(|w| bindings.contains(w)) || bindings.len() != 2 {
        return Err(format!(
            "CallCost's plan is not one direct and one lazy import: {bindings:?}"
        ));
    }
    let out = run_ok(Command::new(&report.output).args([calls.to_string(), rounds.to_string()]))?;
    parse_call_cost(&String::from_utf8_lossy(&out.stdout), calls, rounds)
}

fn parse_call_cost(text: &str, calls: u64, rounds: usize) -> Result<CallCost, String> {
    let sum = expected_sum(calls).to_string();
    let sums: Vec<&str> = text
        .lines()
        .find_map(|l| l.strip_prefix("sums "))
        .ok_or_else(|| format!("CallCost printed no sums:\n{text}"))?
        .split(' ')
        .collect();
    if sums != [sum.as_str(), sum.as_str()] {
        return Err(format!("CallCost's sums are {sums:?}, not {sum} for both paths"));
    }
    let (mut direct, mut lazy, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for l in text.lines().filter_map(|l| l.strip_prefix("round ")) {
        let v: Vec<f64> = l.split(' ').filter_map(|x| x.parse().ok()).collect();
        let [d, z] = v[..] else {
            return Err(format!("CallCost printed a malformed round: {l}"));
        };
        direct.push(d);
        lazy.push(z);
        ratio.push(z / d);
    }
    if direct.len() != rounds {
        return Err(format!(
            "CallCost printed {} rounds, not {rounds}:\n{text}",
            direct.len()
        ));
    }
    Ok(CallCost {
        direct_ns: median(&mut direct),
        lazy_ns: median(&mut lazy),
        ratio: median(&mut ratio),
        calls,
        rounds,
    })
}

/// Calls per round and rounds of the call-cost run.
pub const CALLS: u64 = 5_000_000;
/// Rounds of the call-cost run.
pub const ROUNDS: usize = 21;

/// Builds the sqlite sample in `root/samples/sqlite` (a copy; its build publishes both of its
/// requests once, warming the cache); returns the lazy request.
pub fn sqlite_sample(root: &Path) -> Result<PathBuf, String> {
    native::runtime_archive()?;
    let src = repo_root().join("samples/sqlite");
    let dst = root.join("samples/sqlite");
    std::fs::create_dir_all(&dst).map_err(|e| e.to_string())?;
    for f in [
        "Sqlite.cs",
        "request.linux-x64.json",
        "request.static.linux-x64.json",
        "sqlite3.direct.txt",
    ] {
        std::fs::copy(src.join(f), dst.join(f)).map_err(|e| format!("{f}: {e}"))?;
    }
    let tc = Toolchain::for_rid("linux-x64", root)?;
    let opts = Options::BUILD_ONLY;
    recipes::build("sqlite", &tc, opts).map_err(|e| format!("building the sqlite sample: {e}"))?;
    Ok(dst.join("request.linux-x64.json"))
}

/// Where a warm republish of the sqlite sample spends its time: each step's median over
/// `runs` publishes, milliseconds, in step order.
pub fn sqlite_steps(dir: &Path, runs: usize) -> Result<Vec<(String, f64)>, String> {
    let request = sqlite_sample(dir)?;
    let mut per_step: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..runs {
        let loaded = publish_request(&request, &cache_dir())?;
        let report = pipeline::publish(&loaded, &mut |_| {})
            .map_err(|f| format!("{}: {} failed: {}", request.display(), f.step.name(), f.error))?;
        for s in &report.steps {
            match per_step.iter_mut().find(|(n, _)| n == s.step.name()) {
                Some((_, v)) => v.push(s.millis),
                None => per_step.push((s.step.name().to_string(), vec![s.millis])),
            }
        }
    }
    Ok(per_step
        .into_iter()
        .map(|(n, mut v)| (n, median(&mut v)))
        .collect())
}

/// What `mono_aot_mode: interp` costs next to `full`.
#[derive(Clone, Copy, Debug)]
pub struct Modes {
    /// The hello image's bytes under `full` and `interp`.
    pub hello_full: u64,
    /// Under `interp`.
    pub hello_interp: u64,
    /// A `[MonoPInvokeCallback]` callback under `full`, ns per call (median of rounds).
    pub attr_full_ns: f64,
    /// The same under `interp`.
    pub attr_interp_ns: f64,
    /// A plain delegate under `interp` (its wrapper interpreted).
    pub plain_interp_ns: f64,
}

/// Publishes `bench/cs/Callbacks.cs` in `mode` in `dir` and runs it: (attr ns, plain ns).
fn callback_cost(dir: &Path, mode: &str, calls: u32, rounds: usize) -> Result<(f64, Option<f64>), String> {
    let bin = dir.join("bin").join(mode);
    std::fs::create_dir_all(&bin).map_err(|e| e.to_string())?;
    native::shared_library(
        &[native::c_dir().join("callbacks.c")],
        &bin.join("libcallbacks.so"),
        &[],
    )?;
    let exe = dir.join("Callbacks.exe");
    aotinterop_samples::mcs(&[bench_dir().join("cs/Callbacks.cs")], &exe, &[])?;
    let request = dir.join(format!("request.{mode}.json"));
    let json = serde_json::json!({
        "rid": "linux-x64",
        "compiler": "mono",
        "output": format!("bin/{mode}/callbacks"),
        "assemblies": ["Callbacks.exe"],
        "mono_aot_mode": mode,
    });
    std::fs::write(&request, json.to_string()).map_err(|e| e.to_string())?;
    let image = publish(&request, &cache_dir())?;
    let mut args = vec![calls.to_string(), rounds.to_string()];
    if mode == "full" {
        args.push("attr-only".into());
    }
    let out = run_ok(Command::new(&image).args(&args))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let want = (0..calls as i64).sum::<i64>() as i32;
    let sum = text.lines().find_map(|l| l.strip_prefix("sum ")).unwrap_or("");
    if !sum.starts_with(&want.to_string()) {
        return Err(format!("Callbacks ({mode}) summed {sum}, not {want}:\n{text}"));
    }
    let (mut attr, mut plain) = (Vec::new(), Vec::new());
    for l in text.lines().filter_map(|l| l.strip_prefix("round ")) {
        let mut v = l.split(' ');
        attr.extend(v.next().and_then(|x| x.parse::<f64>().ok()));
        plain.extend(v.next().and_then(|x| x.parse::<f64>().ok()));
    }
    if attr.len() != rounds {
        return Err(format!(
            "Callbacks ({mode}) printed {} rounds:\n{text}",
            attr.len()
        ));
    }
    let plain = (!plain.is_empty()).then(|| median(&mut plain));
    Ok((median(&mut attr), plain))
}

/// The costs of `mono_aot_mode: interp` next to `full`, measured in `dir`.
pub fn modes(dir: &Path) -> Result<Modes, String> {
    let request = hello_sample(&dir.join("hello"))?;
    let mut sizes = Vec::new();
    for mode in ["full", "interp"] {
        let loaded = publish_request_with(&request, &cache_dir(), |j| {
            j["mono_aot_mode"] = mode.into();
            j["output"] = format!("bin/modes/{mode}/hello").into();
        })?;
        let report = pipeline::publish(&loaded, &mut |_| {})
            .map_err(|f| format!("hello ({mode}): {} failed: {}", f.step.name(), f.error))?;
        sizes.push(
            std::fs::metadata(&report.output)
                .map_err(|e| e.to_string())?
                .len(),
        );
    }
    let cb = dir.join("callbacks");
    let (attr_full_ns, _) = callback_cost(&cb, "full", 1_000_000, 11)?;
    let (attr_interp_ns, plain) = callback_cost(&cb, "interp", 1_000_000, 11)?;
    Ok(Modes {
        hello_full: sizes[0],
        hello_interp: sizes[1],
        attr_full_ns,
        attr_interp_ns,
        plain_interp_ns: plain.ok_or("no plain-delegate rounds under interp")?,
    })
}

/// Everything RESULTS.md reports of compiled C#, measured in `dir`.
pub fn measure(dir: &Path) -> Result<(CallCost, HelloImage), String> {
    let cost_dir = dir.join("callcost");
    std::fs::create_dir_all(&cost_dir).map_err(|e| e.to_string())?;
    let cost = call_cost(&cost_dir, CALLS, ROUNDS)?;
    let hello = hello_image(&dir.join("hello"), 101)?;
    Ok((cost, hello))
}
