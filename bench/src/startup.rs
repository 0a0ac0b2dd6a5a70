//! Images for the startup benchmark: executables that import `n` functions of a shared library
//! exporting 10,000 (`libmany.so`), either bound at startup (direct: PLT entries, `-z now`) or
//! lazily through the emitted stubs and the runtime. The program never calls them; the
//! benchmark times the process from spawn to exit.

use crate::native::{
    link_image, object, runtime_archive, runtime_system_libs, shared_library, target, write_many_functions,
};
use crate::run_ok;
use aotinterop_linker::driver::{LinkJob, OutputKind};
use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::PlannedImport;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Functions `libmany.so` exports.
pub const LIBRARY_EXPORTS: usize = 10_000;

/// Import counts of the startup images.
pub const COUNTS: &[usize] = &[0, 1_000, 10_000];

/// How a start-up image binds its imports: directly, lazily, or lazily with packed relocations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageBinding {
    /// At startup by the loader.
    Direct,
    /// On first call by the runtime.
    Lazy,
    /// Lazy, the image linked with `-z pack-relative-relocs` (the cells' relocations packed
    /// as `DT_RELR`).
    LazyPacked,
}

impl ImageBinding {
    /// `direct` or `lazy`.
    pub fn name(self) -> &'static str {
        match self {
            ImageBinding::Direct => "direct",
            ImageBinding::Lazy => "lazy",
            ImageBinding::LazyPacked => "lazy-relr",
        }
    }
}

/// Builds `libmany.so` (10,000 exports) into `dir`.
pub fn build_library(dir: &Path) -> Result<PathBuf, String> {
    let src = dir.join("many_exports.c");
    write_many_functions(&src, LIBRARY_EXPORTS)?;
    let lib = dir.join("libmany.so");
    shared_library(&[src], &lib, &[])?;
    Ok(lib)
}

/// Builds the image `<binding>-<n>` into `dir` (which holds `libmany.so`), linked by
/// aotinterop's driver as a published executable. `stripped` also strips it; `linker_args` are
/// the request's LinkerArg items.
pub fn build_image(
    dir: &Path,
    binding: ImageBinding,
    n: usize,
    stripped: bool,
    linker_args: &[&str],
) -> Result<PathBuf, String> {
    let name = format!(
        "{}-{n}{}{}",
        binding.name(),
        if stripped { "-stripped" } else { "" },
        if linker_args.is_empty() { "" } else { "-args" }
    );
    let sym = |i: usize| match binding {
        ImageBinding::Direct => format!("f{i}"),
        ImageBinding::Lazy | ImageBinding::LazyPacked => format!("pinvoke_f{i}"),
    };
    let mut c = String::from("#include <stdint.h>\n");
    for i in 0..n {
        let _ = writeln!(c, "uint64_t {}(uint64_t);", sym(i));
    }
    c.push_str("__attribute__((noinline)) static uint64_t call_all(uint64_t x) {\n    uint64_t a = 0;\n");
    for i in 0..n {
        let _ = writeln!(c, "    a += {}(x);", sym(i));
    }
    c.push_str("    return a;\n}\n");
    c.push_str("int main(int argc, char **argv) {\n    (void)argv;\n    return argc > 1000 ? (int)call_all((uint64_t)argc) : 0;\n}\n");
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, c).map_err(|e| e.to_string())?;
    let obj = dir.join(format!("{name}.o"));
    object(&src, &obj, &["-O1".into()])?;
    let out = dir.join(&name);
    let mut job = LinkJob::new(target(), OutputKind::Executable, &out);
    job.objects = vec![obj];
    job.linker_args = linker_args.iter().map(|a| a.to_string()).collect();
    match binding {
        ImageBinding::Direct => {
            if n > 0 {
                job.native_libraries = vec![dir.join("libmany.so")];
            }
        }
        ImageBinding::Lazy | ImageBinding::LazyPacked => {
            if binding == ImageBinding::LazyPacked {
                job.linker_args.push("-Wl,-z,pack-relative-relocs".into());
            }
            if n == 0 {
                // no stubs reference the runtime: pull it in anyway, so that the images with
                // and without imports differ by the imports only
                job.linker_args.push("-Wl,--undefined=aotinterop_bind_all".into());
            }
            let imports: Vec<PlannedImport> = (0..n)
                .map(|i| PlannedImport::lazy(&sym(i), "many", &format!("f{i}")))
                .collect();
            let stubs = emit(&target(), &imports, &StubOptions::default()).map_err(|e| e.to_string())?;
            let stubs_o = dir.join(format!("{name}.stubs.o"));
            std::fs::write(&stubs_o, stubs).map_err(|e| e.to_string())?;
            job.objects.push(stubs_o);
            job.runtime_inputs = vec![runtime_archive()?];
            for l in runtime_system_libs() {
                if !job.system_libs.contains(&l) {
                    job.system_libs.push(l);
                }
            }
        }
    }
    link_image(&job)?;
    if stripped {
        run_ok(Command::new("strip").arg(&out))?;
    }
    Ok(out)
}

/// Builds the library and every startup image into `dir`: (binding, imports, path).
pub fn build_all(dir: &Path) -> Result<Vec<(ImageBinding, usize, PathBuf)>, String> {
    build_library(dir)?;
    let mut v = Vec::new();
    for &n in COUNTS {
        for b in [ImageBinding::Direct, ImageBinding::Lazy, ImageBinding::LazyPacked] {
            v.push((b, n, build_image(dir, b, n, false, &[])?));
        }
    }
    Ok(v)
}

/// What `LD_DEBUG=statistics` says about one start of `image` (its first report, at startup):
/// (cycles in the dynamic loader, symbol relocations, relative relocations).
pub fn loader_statistics(image: &Path) -> Result<(f64, f64, f64), String> {
    let out = Command::new(image)
        .env("LD_DEBUG", "statistics")
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stderr);
    let mut cycles = None;
    let (mut relocs, mut relative) = (0.0, 0.0);
    let mut blocks = 0;
    let num = |s: &str| {
        s.split_whitespace()
            .next()
            .and_then(|v| v.replace(',', "").parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    for line in text.lines() {
        let l = line.split_once(':').map(|(_, r)| r.trim()).unwrap_or("");
        if l.starts_with("runtime linker statistics") {
            blocks += 1;
            if blocks > 1 {
                break;
            }
        } else if let Some(rest) = l.strip_prefix("total startup time in dynamic loader:") {
            cycles = Some(num(rest));
        } else if let Some(rest) = l.strip_prefix("number of relocations:") {
            relocs += num(rest);
        } else if let Some(rest) = l.strip_prefix("number of relocations from cache:") {
            relocs += num(rest);
        } else if let Some(rest) = l.strip_prefix("number of relative relocations:") {
            relative += num(rest);
        }
    }
    let cycles = cycles.ok_or_else(|| format!("no loader statistics for {}", image.display()))?;
    Ok((cycles, relocs, relative))
}

/// The seed of the start order: fixed, so that a run's order can be replayed.
const ORDER_SEED: u64 = 0x0a07_1e5e_ed00_0001;

/// Starts every image once per round, `rounds` times, in an order shuffled every round (seeded,
/// so runs are reproducible): a change of the machine's load hits every image alike, and no
/// image always runs right after the same one (an image started right after the 10,000-import
/// direct image runs slower). Returns the spawn-to-exit times in nanoseconds, per image (in the
/// order given), per round.
pub fn interleaved(images: &[PathBuf], rounds: usize) -> Result<Vec<Vec<f64>>, String> {
    use std::process::Stdio;
    let mut rng = fastrand::Rng::with_seed(ORDER_SEED);
    let mut order: Vec<usize> = (0..images.len()).collect();
    let mut times = vec![Vec::with_capacity(rounds); images.len()];
    for _ in 0..rounds {
        rng.shuffle(&mut order);
        for &i in &order {
            let t = std::time::Instant::now();
            let st = Command::new(&images[i])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(|e| format!("{}: {e}", images[i].display()))?;
            let ns = t.elapsed().as_nanos() as f64;
            if !st.success() {
                return Err(format!("{} failed: {st}", images[i].display()));
            }
            times[i].push(ns);
        }
    }
    Ok(times)
}

/// Minor page faults of one start of `image` (from `getrusage(RUSAGE_CHILDREN)` around it).
pub fn minor_faults(image: &Path) -> Result<f64, String> {
    fn children() -> i64 {
        // SAFETY: getrusage writes the struct it is given.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
        ru.ru_minflt
    }
    let before = children();
    let st = Command::new(image)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if !st.success() {
        return Err(format!("{} failed: {st}", image.display()));
    }
    Ok((children() - before) as f64)
}

/// What a minor page fault costs here, in nanoseconds per page: (anonymous zero-filled, private
/// file-backed copy on write), medians from `bench/c/page_faults.c`, built and run in `dir`.
pub fn page_fault_ns(dir: &Path) -> Result<(f64, f64), String> {
    let exe = dir.join("page_faults");
    crate::run_ok(
        crate::native::cc()
            .args(["-O2", "-o"])
            .arg(&exe)
            .arg(crate::native::c_dir().join("page_faults.c")),
    )?;
    // A file of 20 pages for the copy-on-write half.
    let file = dir.join("pages.bin");
    std::fs::write(&file, vec![1u8; 20 * 65536]).map_err(|e| e.to_string())?;
    let out = crate::run_ok(Command::new(&exe).arg(&file))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |name: &str| -> Result<f64, String> {
        let mut words = text.split_whitespace();
        words
            .find(|w| *w == name)
            .and_then(|_| words.next())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("page_faults printed `{}`", text.trim()))
    };
    Ok((field("anon")?, field("cow")?))
}
