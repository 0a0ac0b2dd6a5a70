//! Writes `bench/RESULTS.md` (and the plot `bench/results/callpaths.svg`) from the latest run:
//! criterion's estimates under `<target>/criterion/`, callgrind counts and sizes measured now,
//! and the loader's own statistics of the startup images.

use crate::callgrind::{self, Counts};
use crate::mono::{self, CallCost, HelloImage};
use crate::sizes::{self, Sizes};
use crate::startup::{self, ImageBinding};
use crate::{bench_dir, median, target_dir};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// Criterion's medians, by full benchmark id (`group/function`), in nanoseconds.
pub fn criterion_medians(dir: &Path) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "new") {
                    if let Some((id, m)) = read_estimate(&p) {
                        out.insert(id, m);
                    }
                } else if p
                    .file_name()
                    .is_none_or(|n| n != "report" && n != "base" && n != "change")
                {
                    stack.push(p);
                }
            }
        }
    }
    out
}

fn read_estimate(new: &Path) -> Option<(String, f64)> {
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(new.join("benchmark.json")).ok()?).ok()?;
    let e: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(new.join("estimates.json")).ok()?).ok()?;
    let id = b.get("full_id")?.as_str()?.to_string();
    let m = e.get("median")?.get("point_estimate")?.as_f64()?;
    Some((id, m))
}

/// The machine: CPU model, logical cores, kernel, C library, date.
pub fn machine() -> Vec<(String, String)> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let first_line = |cmd: &mut Command| {
        cmd.output()
            .ok()
            .map(|o| {
                let s = if o.stdout.is_empty() { o.stderr } else { o.stdout };
                String::from_utf8_lossy(&s)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string()
            })
            .unwrap_or_default()
    };
    vec![
        ("CPU".into(), cpu),
        ("logical cores".into(), cores.to_string()),
        ("kernel".into(), first_line(Command::new("uname").args(["-sr"]))),
        (
            "C library".into(),
            first_line(Command::new("ldd").arg("--version")),
        ),
        (
            "C compiler".into(),
            first_line(crate::native::cc().arg("--version")),
        ),
        (
            "date".into(),
            first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])),
        ),
    ]
}

fn ns(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v >= 1e9 => format!("{:.2} s", v / 1e9),
        Some(v) if v >= 1e6 => format!("{:.2} ms", v / 1e6),
        Some(v) if v >= 1e3 => format!("{:.2} µs", v / 1e3),
        Some(v) => format!("{v:.2} ns"),
    }
}

fn ratio(v: Option<f64>, base: Option<f64>) -> String {
    match (v, base) {
        (Some(v), Some(b)) if b > 0.0 => format!("{:.2}×", v / b),
        _ => "—".into(),
    }
}

fn met(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "**met**",
        Some(false) => "**not met**",
        None => "not measured",
    }
}

/// The call paths: (criterion id, callgrind id, label).
const PATHS: &[(&str, &str, &str)] = &[
    ("local", "local", "call within the image"),
    ("plt", "plt", "direct call through the PLT (`-z now`) — baseline"),
    ("lazy", "lazy", "**aotinterop lazy trampoline, bound**"),
    ("check", "check", "check + indirect call (native AOT's lazy cell)"),
    ("libloading", "fnptr", "libloading `Symbol`"),
    ("dlsym", "dlsym", "`dlsym` on every call"),
];

/// Loader statistics of the startup images: (binding, n) -> (median cycles in the loader,
/// symbol relocations, relative relocations, median minor page faults of the process).
pub type LoaderStats = BTreeMap<(String, usize), (f64, f64, f64, f64)>;

/// Spawn-to-exit times of the startup images started in turn (`startup::interleaved`), ns per
/// round, by (binding, n).
pub type Interleaved = BTreeMap<(String, usize), Vec<f64>>;

/// Rounds of the interleaved startup measurement.
pub const STARTUP_ROUNDS: usize = 1000;

/// Rounds of the runtime's own start cost: the 0-import direct and lazy images alone, started
/// in turn. The cost is about a microsecond in spawns of about a millisecond that vary by tens
/// of microseconds, so its median needs many more rounds than the nine-image table.
pub const RUNTIME_PAIR_ROUNDS: usize = 10_000;

/// Builds the startup images into `dir`, takes the loader's statistics of `runs` starts each and
/// times `STARTUP_ROUNDS` interleaved rounds.
pub fn loader_stats(dir: &Path, runs: usize) -> Result<(LoaderStats, Interleaved), String> {
    let images = startup::build_all(dir)?;
    let paths: Vec<_> = images.iter().map(|i| i.2.clone()).collect();
    let times = startup::interleaved(&paths, STARTUP_ROUNDS)?;
    let mut inter: Interleaved = images
        .iter()
        .zip(times)
        .map(|((b, n, _), t)| ((b.name().to_string(), *n), t))
        .collect();
    let zero = |binding: ImageBinding| {
        images
            .iter()
            .find(|(b, n, _)| *b == binding && *n == 0)
            .map(|(_, _, p)| p.clone())
            .ok_or("no 0-import startup image")
    };
    let pair = [zero(ImageBinding::Direct)?, zero(ImageBinding::Lazy)?];
    let mut pair_times = startup::interleaved(&pair, RUNTIME_PAIR_ROUNDS)?.into_iter();
    for name in ["direct-pair", "lazy-pair"] {
        inter.insert((name.to_string(), 0), pair_times.next().unwrap_or_default());
    }
    let mut out = BTreeMap::new();
    for (b, n, p) in images {
        let mut cycles = Vec::new();
        let mut relocs = (0.0, 0.0);
        let mut faults = Vec::new();
        for _ in 0..runs {
            let (c, r, rr) = startup::loader_statistics(&p)?;
            cycles.push(c);
            relocs = (r, rr);
            faults.push(startup::minor_faults(&p)?);
        }
        out.insert(
            (b.name().to_string(), n),
            (median(&mut cycles), relocs.0, relocs.1, median(&mut faults)),
        );
    }
    Ok((out, inter))
}

/// Everything RESULTS.md shows.
pub struct Inputs {
    /// Criterion medians (ns) by id.
    pub criterion: BTreeMap<String, f64>,
    /// Callgrind counts.
    pub counts: Counts,
    /// Sizes.
    pub sizes: Sizes,
    /// Loader statistics of the startup images.
    pub loader: LoaderStats,
    /// Interleaved startup times.
    pub startup: Interleaved,
    /// What a minor page fault costs here (anonymous, copy on write), ns per page.
    pub page_fault_ns: (f64, f64),
    /// Compiled C#: lazy vs direct from C#, and the hello executable.
    pub mono: (CallCost, HelloImage),
    /// Where a warm republish of the sqlite sample spends its time, ms per step.
    pub sqlite_steps: Vec<(String, f64)>,
    /// What `mono_aot_mode: interp` costs next to `full`.
    pub modes: mono::Modes,
    /// The machine.
    pub machine: Vec<(String, String)>,
}

/// Measures what is not criterion's and reads criterion's output.
pub fn gather() -> Result<Inputs, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let counts = callgrind::build_and_measure(&tmp.path().join("callgrind"), 0, callgrind::DEFAULT_N)?;
    let sizes_dir = tmp.path().join("sizes");
    std::fs::create_dir_all(&sizes_dir).map_err(|e| e.to_string())?;
    let sizes = sizes::measure(&sizes_dir)?;
    let startup_dir = tmp.path().join("startup");
    std::fs::create_dir_all(&startup_dir).map_err(|e| e.to_string())?;
    let (loader, startup) = loader_stats(&startup_dir, 21)?;
    let page_fault_ns = startup::page_fault_ns(&startup_dir)?;
    let mono = mono::measure(&tmp.path().join("mono"))?;
    let sqlite_steps = mono::sqlite_steps(&tmp.path().join("sqlite"), 11)?;
    let modes = mono::modes(&tmp.path().join("modes"))?;
    let crit_dir = target_dir().join("criterion");
    let criterion = criterion_medians(&crit_dir);
    if criterion.is_empty() {
        eprintln!(
            "warning: no criterion results in {} (run the benchmarks first: scripts/bench; \
             CARGO_TARGET_DIR must be the same)",
            crit_dir.display()
        );
    }
    Ok(Inputs {
        criterion,
        counts,
        sizes,
        loader,
        startup,
        page_fault_ns,
        mono,
        sqlite_steps,
        modes,
        machine: machine(),
    })
}

/// Where a warm sqlite republish spends its time, and what `mono_aot_mode: interp` costs.
fn sqlite_and_modes(s: &mut String, i: &Inputs) {
    s.push_str(
        "\n## Republishing the sqlite sample\n\nEach step of a warm `aotinterop publish` of \
         `samples/sqlite` (lazy), median of 11 runs, ms. The link step is the linker (GNU ld, native \
         AOT's default on Linux) and StripSymbols' two objcopy runs over a 125 MB image (the debug \
         copy and the stripped image, side by side on two cores; the debug link's CRC is filled in \
         after); the compile step, every object coming from the cache, checks their lengths and \
         times. The verify step reads the image back and writes the reports; the commit step puts the \
         new files in place, all or none.\n\n| step | ms |\n| --- | --- |\n",
    );
    for (step, ms) in &i.sqlite_steps {
        let _ = writeln!(s, "| {step} | {ms:.1} |");
    }
    let m = &i.modes;
    let _ = writeln!(
        s,
        "\n## `mono_aot_mode`: interp against full\n\nThe hello image's size, and a callback from \
         native code into C# (`bench/cs/Callbacks.cs`: a native loop calling the delegate a million \
         times, median of 11 rounds). The managed code runs ahead-of-time compiled in both modes; \
         under `interp` only what was not compiled ahead of time — the native-to-managed wrapper of a \
         delegate without `[MonoPInvokeCallback]` — runs in Mono's interpreter.\n\n\
         | | full | interp |\n| --- | --- | --- |\n\
         | hello image, bytes | {} | {} ({:+.1}%) |\n\
         | callback, `[MonoPInvokeCallback]` method | {:.1} ns | {:.1} ns |\n\
         | callback, plain delegate | fails (no wrapper) | {:.1} ns |",
        m.hello_full,
        m.hello_interp,
        (m.hello_interp as f64 / m.hello_full as f64 - 1.0) * 100.0,
        m.attr_full_ns,
        m.attr_interp_ns,
        m.plain_interp_ns
    );
}

/// Start-up differences several sections show: medians over rounds of the difference of two
/// images started in the same round.
#[derive(Clone, Copy)]
struct Derived {
    lazy_added: Option<f64>,
    lazy_slope: Option<f64>,
    direct_slope: Option<f64>,
    relr_added: Option<f64>,
    relr_slope: Option<f64>,
    runtime_fixed: Option<f64>,
}

/// Renders RESULTS.md.
pub fn render(i: &Inputs) -> String {
    let mut s = String::new();
    s.push_str("# Benchmark results\n\n");
    s.push_str(
        "Generated by `scripts/bench` (criterion benchmarks of `bench/benches/`, then \
         `aotinterop-bench results`) from the latest run; do not edit by hand. Times are criterion \
         medians; instruction counts are exact (`valgrind --tool=callgrind`).\n\n",
    );
    s.push_str("| machine | |\n| --- | --- |\n");
    for (k, v) in &i.machine {
        let _ = writeln!(s, "| {k} | {v} |");
    }

    let d = derived(i);
    targets_calls(&mut s, i, &d);
    targets_pipeline(&mut s, i, &d);
    sqlite_and_modes(&mut s, i);
    call_paths(&mut s, i);
    startup_section(&mut s, i, &d);
    compiled_csharp(&mut s, i);
    pipeline_section(&mut s, i);
    sizes_section(&mut s, i);
    s
}

fn derived(i: &Inputs) -> Derived {
    let times = |b: &str, n: usize| i.startup.get(&(b.to_string(), n));
    let paired = |a: (&str, usize), b: (&str, usize)| -> Option<f64> {
        let (x, y) = (times(a.0, a.1)?, times(b.0, b.1)?);
        let mut d: Vec<f64> = x.iter().zip(y).map(|(x, y)| x - y).collect();
        Some(median(&mut d))
    };
    Derived {
        lazy_added: paired(("lazy", 10_000), ("lazy", 0)),
        lazy_slope: paired(("lazy", 10_000), ("lazy", 1_000)).map(|v| v / 9_000.0),
        direct_slope: paired(("direct", 10_000), ("direct", 1_000)).map(|v| v / 9_000.0),
        relr_added: paired(("lazy-relr", 10_000), ("lazy-relr", 0)),
        relr_slope: paired(("lazy-relr", 10_000), ("lazy-relr", 1_000)).map(|v| v / 9_000.0),
        runtime_fixed: paired(("lazy-pair", 0), ("direct-pair", 0)),
    }
}

/// The targets about calls, start-up and emitting.
fn targets_calls(s: &mut String, i: &Inputs, d: &Derived) {
    let c = |id: &str| i.criterion.get(id).copied();
    let ir = |id: &str| i.counts.instructions_per_call.get(id).copied();
    let Derived {
        lazy_added,
        lazy_slope,
        relr_added,
        relr_slope,
        ..
    } = *d;
    let lazy_ok = |sig: &str| -> Option<bool> {
        let (l, p) = (
            c(&format!("callpaths_{sig}/lazy"))?,
            c(&format!("callpaths_{sig}/plt"))?,
        );
        let (li, pi) = (ir(&format!("lazy_{sig}"))?, ir(&format!("plt_{sig}"))?);
        Some(l <= p * 1.05 && li <= pi)
    };
    s.push_str("\n## Targets\n\n| target | measured | |\n| --- | --- | --- |\n");
    for sig in ["int", "mix"] {
        let _ = writeln!(
            s,
            "| steady-state lazy call within 5% of a direct PLT call, no more instructions ({sig}) | {} vs {} ({}); {} vs {} instructions | {} |",
            ns(c(&format!("callpaths_{sig}/lazy"))),
            ns(c(&format!("callpaths_{sig}/plt"))),
            ratio(c(&format!("callpaths_{sig}/lazy")), c(&format!("callpaths_{sig}/plt"))),
            ir(&format!("lazy_{sig}")).map_or("—".into(), |v| format!("{v:.0}")),
            ir(&format!("plt_{sig}")).map_or("—".into(), |v| format!("{v:.0}")),
            met(lazy_ok(sig))
        );
    }
    let first = c("first_call/loaded_int_distinct");
    let _ = writeln!(
        s,
        "| first call into an already-loaded library < 500 ns | {} (distinct imports); {} / {} (same import, int / mix) | {} |",
        ns(first),
        ns(c("first_call/loaded_int_same")),
        ns(c("first_call/loaded_mix_same")),
        met(first.map(|v| v < 500.0 && c("first_call/loaded_mix_same").is_none_or(|m| m < 500.0)))
    );
    let _ = writeln!(
        s,
        "| 10,000 lazy imports add ≤ 20 µs to process start | {} over the same image without imports (slope {} per import); with `-z pack-relative-relocs`: {} (slope {}) | {} |",
        ns(lazy_added),
        ns(lazy_slope),
        ns(relr_added),
        ns(relr_slope),
        met(lazy_added.map(|v| v <= 20_000.0))
    );
    let emits = [
        ("ELF x86_64", c("emit/20k_elf-x86_64")),
        ("ELF aarch64", c("emit/20k_elf-aarch64")),
        ("COFF x86_64", c("emit/20k_coff-x86_64")),
    ];
    let _ = writeln!(
        s,
        "| emitting 20,000 stubs < 20 ms | {} | {} |",
        emits
            .iter()
            .map(|(name, v)| format!("{} ({name})", ns(*v)))
            .collect::<Vec<_>>()
            .join(", "),
        met(emits
            .iter()
            .map(|(_, v)| v.map(|v| v < 20e6))
            .collect::<Option<Vec<bool>>>()
            .map(|all| all.iter().all(|&ok| ok)))
    );
}

/// The targets about planning, sizes, inspecting and publishing.
fn targets_pipeline(s: &mut String, i: &Inputs, d: &Derived) {
    let c = |id: &str| i.criterion.get(id).copied();
    let ir = |id: &str| i.counts.instructions_per_call.get(id).copied();
    let z = &i.sizes;
    let runtime_fixed = d.runtime_fixed;
    let plan = c("plan/100k imports x 10k list entries (linux-x64)");
    let plan_win = c("plan/100k imports x 10k list entries (win-x64)");
    let _ = writeln!(
        s,
        "| planning 100k imports × 10k list entries < 50 ms | {} (linux-x64), {} (win-x64) | {} |",
        ns(plan),
        ns(plan_win),
        met(plan.zip(plan_win).map(|(l, w)| l < 50e6 && w < 50e6))
    );
    let _ = writeln!(
        s,
        "| ≤ 24 bytes code + cell per lazy import (x86_64) | {:.2} ({:.2} code + {:.2} cell) | {} |",
        z.code + z.cell,
        z.code,
        z.cell,
        met(Some(z.code + z.cell <= 24.0))
    );
    let _ = writeln!(
        s,
        "| ≤ 16 bytes record per lazy import (x86_64) | {:.2} | {} |",
        z.record,
        met(Some(z.record <= 16.0))
    );
    let added = z.image_lazy as i64 - z.image_direct as i64;
    let win_added = z.win_lazy as i64 - z.win_direct as i64;
    let _ = writeln!(
        s,
        "| the runtime adds ≤ 16 KB to a stripped linux-x64 executable, ≤ 24 KB on win-x64 (1 lazy vs 1 direct import) | {added} bytes (linux-x64), {win_added} bytes (win-x64) | {} |",
        met(Some(added <= 16 * 1024 && win_added <= 24 * 1024))
    );
    let _ = writeln!(
        s,
        "| the runtime adds ≤ 2 µs to process start (0-import lazy vs 0-import direct image, same rounds) | {} | {} |",
        ns(runtime_fixed),
        met(runtime_fixed.map(|v| v <= 2_000.0))
    );
    let first_ir = ir("first_int");
    let _ = writeln!(
        s,
        "| first call into an already-loaded library ≤ 800 instructions (callgrind, one import re-armed) | {} (`u64 f(u64)`), {} (6 ints + 8 doubles) | {} |",
        first_ir.map_or("—".into(), |v| format!("{v:.0}")),
        ir("first_mix").map_or("—".into(), |v| format!("{v:.0}")),
        met(first_ir.map(|v| v <= 800.0))
    );
    let inspect = c("inspect/acadsharp_native.dll (14 MB)");
    let _ = writeln!(
        s,
        "| `inspect` of the largest native AOT image (acadsharp_native.dll, 14 MB) with lazy-cell discovery < 50 ms | {} | {} |",
        ns(inspect),
        met(inspect.map(|v| v < 50e6))
    );
    let (cost, _) = &i.mono;
    let (warm, cold) = (c("publish/hello"), c("publish/hello-cold"));
    let _ = writeln!(
        s,
        "| publishing hello (compiled C#) again with a warm cache < 2 s | {} warm; {} cold (mscorlib AOT-compiled too) | {} |",
        ns(warm),
        ns(cold),
        met(warm.map(|w| w < 2e9))
    );
    let sqlite = c("publish/sqlite");
    let _ = writeln!(
        s,
        "| republishing the sqlite sample (13 assemblies, all from the cache) ≤ 1.5 s | {} (steps below) | {} |",
        ns(sqlite),
        met(sqlite.map(|w| w <= 1.5e9))
    );
    let _ = writeln!(
        s,
        "| steady-state lazy P/Invoke from C# within 2% of the same call direct, same run | {} vs {} ({:.3}×, median of per-round ratios) | {} |",
        ns(Some(cost.lazy_ns)),
        ns(Some(cost.direct_ns)),
        cost.ratio,
        met(Some(cost.ratio <= 1.02))
    );
}

fn call_paths(s: &mut String, i: &Inputs) {
    let c = |id: &str| i.criterion.get(id).copied();
    let ir = |id: &str| i.counts.instructions_per_call.get(id).copied();
    // call paths
    s.push_str(
        "\n## Call paths\n\nOne native function in a shared library (`bench/c/callee.c`), called from a \
         harness linked like a published image (`bench/c/harness.c`, emitted stub object, runtime \
         archive, aotinterop's linker driver). Time per call including one loop turn; ratio to the \
         direct PLT call; instructions per call (callgrind, loop included; the libloading row counts \
         a C call through the pointer `dlsym` returned, which is what a `Symbol` dereferences to).\n\n",
    );
    s.push_str("![call paths](results/callpaths.svg)\n\n");
    s.push_str("| path | `u64 f(u64)` | ratio | instr. | 6 ints + 8 doubles | ratio | instr. |\n");
    s.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (cid, gid, label) in PATHS {
        let ti = c(&format!("callpaths_int/{cid}"));
        let tm = c(&format!("callpaths_mix/{cid}"));
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {} | {} | {} | {} |",
            ns(ti),
            ratio(ti, c("callpaths_int/plt")),
            ir(&format!("{gid}_int")).map_or("—".into(), |v| format!("{v:.0}")),
            ns(tm),
            ratio(tm, c("callpaths_mix/plt")),
            ir(&format!("{gid}_mix")).map_or("—".into(), |v| format!("{v:.0}")),
        );
    }
    for sig in ["int", "mix"] {
        let (chk, lazy) = (
            c(&format!("callpaths_{sig}/check")),
            c(&format!("callpaths_{sig}/lazy")),
        );
        let (ci, li) = (ir(&format!("check_{sig}")), ir(&format!("lazy_{sig}")));
        if let (Some(chk), Some(lazy), Some(ci), Some(li)) = (chk, lazy, ci, li) {
            let verdict = if chk < lazy * 0.95 {
                "faster than"
            } else if chk > lazy * 1.05 {
                "slower than"
            } else {
                "within 5% of"
            };
            let _ = writeln!(
                s,
                "\n`{sig}`: the check-then-indirect-call shape ({} instructions, one control transfer: \
                 `call *reg`) is {verdict} the lazy trampoline ({} instructions, two: `call` + `jmp *cell`) \
                 on this machine ({} vs {}); its check is inlined at every call site, which costs code size \
                 there (not measured here).",
                ci,
                li,
                ns(Some(chk)),
                ns(Some(lazy))
            );
        }
    }
    s.push_str("\n### First calls (resolution)\n\n| first call | time | instr. |\n| --- | --- | --- |\n");
    let rows: &[(&str, Option<&str>, &str)] = &[
        (
            "first_call/loaded_int_distinct",
            None,
            "already-loaded library, 10,000 distinct imports each called once (`u64 f(u64)`)",
        ),
        (
            "first_call/loaded_int_same",
            Some("first_int"),
            "already-loaded library, one import re-armed before each call (`u64 f(u64)`)",
        ),
        (
            "first_call/loaded_mix_same",
            Some("first_mix"),
            "already-loaded library, one import re-armed before each call (6 ints + 8 doubles)",
        ),
        (
            "first_call/not_loaded_int",
            None,
            "library not loaded yet: search, `dlopen`, bind (`u64 f(u64)`)",
        ),
        (
            "first_call/not_loaded_mix",
            None,
            "library not loaded yet: search, `dlopen`, bind (6 ints + 8 doubles)",
        ),
    ];
    for (id, g, label) in rows {
        let _ = writeln!(
            s,
            "| {label} | {} | {} |",
            ns(c(id)),
            g.and_then(ir).map_or("—".into(), |v| format!("{v:.0}"))
        );
    }
    s.push_str(
        "\n\"Already loaded\": the library's handle is cached by an earlier import of it, so the first \
         call is the thunk, the runtime's slow path, the entry-point lookup in the library's GNU \
         hash table (docs/runtime.md) and the cell update. \"Not loaded\": \
         before each call the library is `dlclose`d (gone from the process) and its handle slot and \
         cells are reset, untimed; the call then probes the image folder (`cold.so` misses, \
         `libcold.so` loads), `dlopen`s, binds and calls.\n",
    );
}

fn startup_section(s: &mut String, i: &Inputs, d: &Derived) {
    let c = |id: &str| i.criterion.get(id).copied();
    let startup = |b: &str, n: usize| c(&format!("startup/{b}-{n}"));
    let times = |b: &str, n: usize| i.startup.get(&(b.to_string(), n));
    let paired = |a: (&str, usize), b: (&str, usize)| -> Option<f64> {
        let (x, y) = (times(a.0, a.1)?, times(b.0, b.1)?);
        let mut d: Vec<f64> = x.iter().zip(y).map(|(x, y)| x - y).collect();
        Some(median(&mut d))
    };
    let inter = |b: &str, n: usize| times(b, n).map(|t| median(&mut t.clone()));
    let Derived {
        lazy_added,
        lazy_slope,
        direct_slope,
        relr_added,
        relr_slope,
        runtime_fixed,
    } = *d;
    // startup
    let _ = write!(
        s,
        "\n## Startup\n\nSpawn-to-exit of an executable (linked by aotinterop's driver: `-pie -z now`) \
         importing n of the 10,000 functions of `libmany.so`, which it never calls. Two harnesses: \
         criterion (median of its samples, each image measured in its own time window) and \
         `aotinterop-bench results`, which starts the nine images once per round, {STARTUP_ROUNDS} rounds, \
         in an order shuffled every round from a fixed seed (so load changes hit all alike and no image \
         always follows the same one; medians; differences are medians of the per-round differences). \
         Loader figures from `LD_DEBUG=statistics` (median of 21 starts; cycles of the dynamic \
         loader before `main`); minor page faults of the whole process from \
         `getrusage(RUSAGE_CHILDREN)` (median of 21 starts).\n\n"
    );
    s.push_str(
        "| imports | binding | criterion | in turn | − direct (in turn) | loader cycles | symbol relocations | relative relocations | minor page faults |\n",
    );
    s.push_str("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for &n in startup::COUNTS {
        for b in ["direct", "lazy", "lazy-relr"] {
            let l = i.loader.get(&(b.to_string(), n));
            let _ = writeln!(
                s,
                "| {n} | {b} | {} | {} | {} | {} | {} | {} | {} |",
                ns(startup(b, n)),
                ns(inter(b, n)),
                if b == "direct" {
                    "".into()
                } else {
                    paired((b, n), ("direct", n)).map_or("—".into(), |v| format!("{:+.2} µs", v / 1e3))
                },
                l.map_or("—".into(), |v| format!("{:.0}", v.0)),
                l.map_or("—".into(), |v| format!("{:.0}", v.1)),
                l.map_or("—".into(), |v| format!("{:.0}", v.2)),
                l.map_or("—".into(), |v| format!("{:.0}", v.3)),
            );
        }
    }
    let cyc = |b: &str, n: usize| i.loader.get(&(b.to_string(), n)).map(|v| v.0);
    let cyc_slope = |b: &str| Some((cyc(b, 10_000)? - cyc(b, 1_000)?) / 9_000.0);
    let _ = writeln!(
        s,
        "\nPer-import slope (1,000 → 10,000 imports, in turn): direct {}, lazy {}, lazy with packed \
         relocations {}; in loader cycles: direct {}, lazy {}, lazy packed {} per import. 10,000 lazy \
         imports against the same image with none: {} ({} packed). The lazy images with 0 imports \
         have the runtime linked in (`-u aotinterop_bind_all`), so these differences are the \
         imports' own; what the runtime itself adds to a start (lazy with 0 imports − direct with 0 \
         imports, the median of {RUNTIME_PAIR_ROUNDS} more rounds of those two alone, as the \
         difference is small against the spread of a spawn): {}. `lazy-relr` is linked with the LinkerArg `-Wl,-z,pack-relative-relocs` \
         (the cells' `R_X86_64_RELATIVE` relocations packed as `DT_RELR`, glibc ≥ 2.36).",
        ns(direct_slope),
        ns(lazy_slope),
        ns(relr_slope),
        cyc_slope("direct").map_or("—".into(), |v| format!("{v:.1}")),
        cyc_slope("lazy").map_or("—".into(), |v| format!("{v:.1}")),
        cyc_slope("lazy-relr").map_or("—".into(), |v| format!("{v:.1}")),
        ns(lazy_added),
        ns(relr_added),
        ns(runtime_fixed),
    );
    let (anon, cow) = i.page_fault_ns;
    let faults = |b: &str, n: usize| i.loader.get(&(b.to_string(), n)).map(|v| v.3);
    let extra_faults = faults("lazy", 10_000).zip(faults("lazy", 0)).map(|(a, b)| a - b);
    let _ = writeln!(
        s,
        "\nWhere the lazy imports' start-up time goes: the loader's own work is the cycles above \
         (under 2 per import); the rest is page faults. A PIE's cells hold absolute addresses of \
         their thunks, so the loader writes every cell at startup, and 10,000 cells are 80 KB = 20 \
         pages, each taking a copy-on-write fault: {} each here (measured by \
         `bench/c/page_faults.c`; {} for a fresh anonymous page), so 20 of them alone take {}, more \
         than the target on this machine. The 10,000-import image takes {} more minor faults than \
         the one without imports. The other way to meet the target, cells that start at zero and a \
         check on every call (native AOT's shape, row \"check + indirect call\" above), needs no write \
         at start but costs instructions on every call, which the steady-state target rules out.",
        ns(Some(cow)),
        ns(Some(anon)),
        ns(Some(20.0 * cow)),
        extra_faults.map_or("—".into(), |v| format!("{v:.0}")),
    );
}

fn compiled_csharp(s: &mut String, i: &Inputs) {
    let (cost, hello) = &i.mono;
    // compiled C#
    let _ = write!(
        s,
        "\n## Compiled C# (Mono's AOT compiler)\n\n\
         `bench/cs/CallCost.cs`, AOT-compiled by Mono in a publish (`compiler: mono`), calls one native \
         function `ulong f(ulong)` (`bench/c/mono_callee.c`) through two P/Invokes: one bound by the \
         loader at startup (DirectPInvoke), one by aotinterop's resolver on its first call. After both \
         are bound and warm it times {} calls of each per round, {} rounds, the order alternating; the \
         figures are medians over rounds, and include Mono's P/Invoke wrapper (its GC transitions), \
         which both paths pay.\n\n\
         | path | time per call |\n| --- | --- |\n\
         | direct (bound by the loader) | {} |\n| lazy (bound on first call) | {} |\n| lazy / direct | {:.3}× |\n\n\
         The hello sample's executable (`samples/hello`, its C# compiled by Mono, statically linked \
         with Mono's runtime and the embedded IL of Hello.exe and mscorlib): **{} bytes as published** \
         (StripSymbols, the default: its debug information in `hello.dbg`, {} bytes, beside it); {} \
         bytes with StripSymbols off; {} bytes after `strip` (the symbol table gone too). Its start, \
         spawn to exit of the published image running all of `Main` (median of 101 runs): **{}**.\n",
        cost.calls,
        cost.rounds,
        ns(Some(cost.direct_ns)),
        ns(Some(cost.lazy_ns)),
        cost.ratio,
        hello.published,
        hello.debug_file,
        hello.unstripped,
        hello.stripped,
        ns(Some(hello.start_ns)),
    );
}

fn pipeline_section(s: &mut String, i: &Inputs) {
    // pipeline
    s.push_str("\n## Pipeline\n\n| step | median |\n| --- | --- |\n");
    let mut pipeline: Vec<(String, String)> = Vec::new();
    for (id, v) in &i.criterion {
        if id.starts_with("scan/")
            || id.starts_with("plan/")
            || id.starts_with("emit/")
            || id.starts_with("publish/")
            || id.starts_with("inspect/")
        {
            pipeline.push((id.clone(), ns(Some(*v))));
        }
    }
    for (id, v) in pipeline {
        let _ = writeln!(s, "| `{id}` | {v} |");
    }
    s.push_str(
        "\n`scan/*`: the .NET Core 3.1 shared framework (`bench/benches/scan.rs`); `plan/*`: 100,000 \
         imports against 10,000 DirectPInvokeList entries; `emit/*`: the stub object of 20,000 lazy \
         imports; `publish/hello`: the whole pipeline (scan, plan, preflight, Mono's AOT compile, \
         stubs, link, verify) of `samples/hello` with a warm cache of Mono's framework objects; \
         `publish/hello-cold`: the same with an empty cache; `inspect/*`: `inspect` of a native AOT \
         image of the corpus, reading its ILC fixup cells.\n",
    );
}

fn sizes_section(s: &mut String, i: &Inputs) {
    let z = &i.sizes;
    // sizes
    let _ = write!(
        s,
        "\n## Size\n\nPer lazy import on x86_64 ELF, from emitted objects of 10,000 and 20,000 imports \
         (difference / 10,000; the record excludes the entry-point string):\n\n\
         | piece | bytes (objects) | bytes (`lazy_cost`) |\n| --- | --- | --- |\n\
         | code (stub + thunk + group tail share) | {:.2} | {:.2} |\n| cell | {:.2} | {:.2} |\n\
         | code + cell | {:.2} | {:.2} |\n| import record | {:.2} | {:.2} |\n| `.eh_frame` (not in the budget) | {:.2} | — |\n\n\
         What the runtime adds to a stripped executable (linked by aotinterop's driver, which passes \
         `--gc-sections`): 1 lazy import {} bytes − 1 direct import {} bytes = **{} bytes** \
         (linux-x64; the runtime is `no_std`: its code, the slow path, the C API).\n",
        z.code,
        z.lazy_cost.0,
        z.cell,
        z.lazy_cost.1,
        z.code + z.cell,
        z.lazy_cost.0 + z.lazy_cost.1,
        z.record,
        z.lazy_cost.2,
        z.eh_frame,
        z.image_lazy,
        z.image_direct,
        z.image_lazy as i64 - z.image_direct as i64,
    );
    s.push_str(
        "\nPer lazy import in each object format (the same measure; the record without its \
         string):\n\n| format | code | cell | code + cell | import record |\n| --- | --- | --- | --- | --- |\n",
    );
    for (format, code, cell, record) in &z.per_format {
        let _ = writeln!(
            s,
            "| {format} | {code:.2} | {cell:.2} | {:.2} | {record:.2} |",
            code + cell
        );
    }
    let _ = write!(
        s,
        "\nOn win-x64 (MinGW-w64, stripped): 1 lazy import {} bytes − 1 direct import {} bytes = \
         **{} bytes**. The DLLs the lazy image imports: {}; the direct one: {} (`aotinterop \
         inspect`), so the runtime adds {}.\n",
        z.win_lazy,
        z.win_direct,
        z.win_lazy as i64 - z.win_direct as i64,
        z.win_lazy_dlls.join(", "),
        z.win_direct_dlls.join(", "),
        {
            let added: Vec<&str> = z
                .win_lazy_dlls
                .iter()
                .filter(|d| {
                    !z.win_direct_dlls.iter().any(|e| e.eq_ignore_ascii_case(d))
                        && !d.eq_ignore_ascii_case("many.dll")
                })
                .map(String::as_str)
                .collect();
            if added.is_empty() {
                "no DLL of its own".to_string()
            } else {
                added.join(", ")
            }
        },
    );
    s.push_str(
        "\nCriterion's own report (every benchmark, with distributions) is in \
         `<cargo target folder>/criterion/report/index.html` after a run.\n",
    );
}

/// Draws the call paths as horizontal bars, time per call relative to the PLT call.
pub fn svg(i: &Inputs) -> String {
    let c = |id: &str| i.criterion.get(id).copied();
    let rows: Vec<(&str, Option<f64>, Option<f64>)> = PATHS
        .iter()
        .map(|(cid, _, label)| {
            (
                label.trim_matches('*'),
                c(&format!("callpaths_int/{cid}")),
                c(&format!("callpaths_mix/{cid}")),
            )
        })
        .collect();
    let max = rows
        .iter()
        .flat_map(|r| [r.1, r.2])
        .flatten()
        .fold(1.0f64, f64::max);
    // log scale: dlsym is two orders of magnitude above the rest
    let scale = |v: f64| (v.max(0.1).log10() + 1.0) / (max.log10() + 1.0) * 440.0;
    let (w, row_h) = (900, 44);
    let h = 60 + rows.len() * row_h + 40;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"20\" font-size=\"15\">Time per call (criterion median, log scale)</text>\n\
         <rect x=\"10\" y=\"30\" width=\"12\" height=\"12\" fill=\"#4878a8\"/><text x=\"28\" y=\"41\">u64 f(u64)</text>\n\
         <rect x=\"120\" y=\"30\" width=\"12\" height=\"12\" fill=\"#e08040\"/><text x=\"138\" y=\"41\">6 ints + 8 doubles</text>\n"
    );
    for (k, (label, a, b)) in rows.iter().enumerate() {
        let y = 60 + k * row_h;
        let _ = writeln!(
            s,
            "<text x=\"10\" y=\"{}\">{}</text>",
            y + 18,
            label.replace('`', "").replace('&', "&amp;")
        );
        for (j, (v, color)) in [(a, "#4878a8"), (b, "#e08040")].iter().enumerate() {
            if let Some(v) = v {
                let yy = y + j * 18;
                let bw = scale(*v);
                let _ = writeln!(
                    s,
                    "<rect x=\"330\" y=\"{yy}\" width=\"{bw:.1}\" height=\"16\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{}\">{}</text>",
                    336.0 + bw,
                    yy + 12,
                    ns(Some(*v))
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Gathers, renders and writes `bench/RESULTS.md` and `bench/results/callpaths.svg`.
pub fn write() -> Result<(), String> {
    let i = gather()?;
    let md = render(&i);
    let dir = bench_dir();
    std::fs::create_dir_all(dir.join("results")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("results/callpaths.svg"), svg(&i)).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("RESULTS.md"), md).map_err(|e| e.to_string())?;
    Ok(())
}
