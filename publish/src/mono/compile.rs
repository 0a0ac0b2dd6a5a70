//! The `compile` step for `compiler: mono`: Mono's ahead-of-time compiler (`mono
//! --aot=full,static`) turns every assembly of the closure into an object; a small C host
//! registers them with the static Mono runtime, embeds their IL, maps each P/Invoke to its
//! aotinterop stub, sends failed lazy binds back into C# as .NET exceptions, and runs the
//! published assembly's `Main`.
//!
//! - Every assembly is compiled alike, without `direct-pinvoke`: Mono's P/Invoke wrapper looks
//!   each P/Invoke up once, by assembly, library and entry point. The host gives every assembly a
//!   dllmap (`mono_dllmap_insert` on its image, as it loads) sending each of its P/Invokes that
//!   aotinterop binds to `__Internal` and the import's call symbol, which the stub object exports:
//!   Mono never opens a file for them, and a delegate over a DllImport method gets the stub's
//!   address. Only the runtime's own P/Invokes (`__Internal`, Mono's shims) are left to Mono.
//! - Objects are cached (`cache_dir`), keyed by the Mono version, the options, the assembly's
//!   bytes and those of every assembly it references (Mono refuses an AOT image whose references
//!   changed); each cached object carries a check file (its length and hash), so a truncated or
//!   stale one is compiled again, never used.

use super::{err, host, Closure, Member, Mono};
use crate::plan::naming::mangle;
use crate::request::LoadedRequest;
use aotinterop_model::diag::{codes, Error, Location, Result};
use aotinterop_model::{MonoAotMode, Plan};
use object::{Object, ObjectSymbol};
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the compile step adds to the link.
pub struct Compiled {
    /// The host's and every assembly's object.
    pub objects: Vec<PathBuf>,
    /// LinkerArg items for the static Mono runtime.
    pub linker_args: Vec<String>,
    /// System libraries the runtime needs.
    pub system_libs: Vec<String>,
    /// Assemblies compiled, and how many of them came from the cache.
    pub compiled: usize,
    /// Of those, taken from the cache.
    pub cached: usize,
}

/// The AOT compiler's options for `mode`.
fn options(mode: MonoAotMode) -> &'static str {
    match mode {
        MonoAotMode::Full => "full,static",
        MonoAotMode::Interp => "full,interp,static",
    }
}

/// FNV-1a, 64 bits: the cache's key and check hash (not a security boundary; eight lines
/// rather than a dependency).
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The folder compiled assemblies are kept in.
pub fn cache_root(loaded: &LoadedRequest) -> PathBuf {
    if let Some(d) = &loaded.request.cache_dir {
        return d.clone();
    }
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("AOTINTEROP_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("aotinterop")))
        .or_else(|| env("HOME").map(|h| h.join(".cache/aotinterop")))
        .unwrap_or_else(|| std::env::temp_dir().join("aotinterop-cache"))
}

/// The check text of a cached object: its length and hash.
fn check_of(bytes: &[u8]) -> String {
    format!("{} {:016x}\n", bytes.len(), fnv(bytes))
}

/// Each member's cache key: its bytes' hash combined with those of everything it references,
/// transitively (the members it can reach, in closure order).
fn cache_keys(closure: &Closure) -> Vec<u64> {
    let own: Vec<u64> = closure.members.iter().map(|m| fnv(&m.bytes)).collect();
    let index: FxHashMap<String, usize> = closure
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.interop.name.to_ascii_lowercase(), i))
        .collect();
    (0..closure.members.len())
        .map(|start| {
            let mut reached = vec![false; closure.members.len()];
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                if std::mem::replace(&mut reached[i], true) {
                    continue;
                }
                let refs = &closure.members[i].interop.references;
                stack.extend(refs.iter().filter_map(|r| index.get(&r.to_ascii_lowercase())));
            }
            let mut text = format!("{:016x}", own[start]);
            for (i, _) in reached.iter().enumerate().filter(|(i, r)| **r && *i != start) {
                text.push_str(&format!(" {:016x}", own[i]));
            }
            fnv(text.as_bytes())
        })
        .collect()
}

/// Compiles one assembly (its copy at `il`) into `out`, through the cache; true when it came from
/// the cache.
fn aot(
    mono: &Mono,
    il: &Path,
    key: u64,
    name: &str,
    out: &Path,
    cache: &Path,
    mode: MonoAotMode,
) -> Result<bool> {
    let options = options(mode);
    let cached = cache
        .join("mono")
        .join(format!(
            "{:016x}",
            fnv(format!("{}\n{options}", mono.version).as_bytes())
        ))
        .join(format!("{}-{key:016x}.o", mangle(name)));
    let check = cached.with_extension("o.check");
    if let (Ok(obj), Ok(want)) = (std::fs::read(&cached), std::fs::read_to_string(&check)) {
        if check_of(&obj) == want {
            std::fs::write(out, &obj).map_err(|e| {
                Error::new(
                    codes::OUTPUT_UNWRITABLE,
                    format!("cannot copy a cached object: {e}"),
                )
                .at(out)
            })?;
            return Ok(true);
        }
    }
    let dir = il.parent().unwrap_or(Path::new("/"));
    let run = Command::new(&mono.program)
        .arg(format!("--aot={options},outfile={}", out.display()))
        .arg(il)
        .env("MONO_PATH", dir)
        .current_dir(dir)
        .output()
        .map_err(|e| err(format!("cannot run {}: {e}", mono.program.display())))?;
    if !run.status.success() || !out.is_file() {
        return Err(err(format!(
            "Mono's AOT compiler failed on {name} ({}):\n{}{}",
            run.status,
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        ))
        .at(Location::file(il)));
    }
    // Into the cache through temporary names, so a reader never sees half an entry.
    let obj = std::fs::read(out).map_err(|e| Error::unreadable(out, "object", &e))?;
    let dir = cached.parent().unwrap_or(cache);
    let tmp = |p: &Path| p.with_extension(format!("tmp.{}", std::process::id()));
    let stored = std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(tmp(&cached), &obj))
        .and_then(|_| std::fs::rename(tmp(&cached), &cached))
        .and_then(|_| std::fs::write(tmp(&check), check_of(&obj)))
        .and_then(|_| std::fs::rename(tmp(&check), &check));
    // A cache that cannot be written costs the next publish time, not this one its image.
    let _ = stored;
    Ok(false)
}

/// The `mono_aot_module_*_info` symbol an AOT object defines.
fn module_info_symbol(object: &Path) -> Result<String> {
    let data = std::fs::read(object).map_err(|e| Error::unreadable(object, "object", &e))?;
    let file = object::File::parse(&*data)
        .map_err(|e| err(format!("the AOT compiler wrote an unreadable object: {e}")).at(object))?;
    file.symbols()
        .filter(|s| s.is_definition())
        .filter_map(|s| s.name().ok())
        .find(|n| n.starts_with("mono_aot_module_") && n.ends_with("_info"))
        .map(str::to_string)
        .ok_or_else(|| err("the AOT object defines no mono_aot_module_*_info").at(object))
}

fn unwritable(path: &Path, e: &std::io::Error) -> Error {
    Error::new(
        codes::OUTPUT_UNWRITABLE,
        format!("cannot write {}: {e}", path.display()),
    )
    .at(Location::file(path))
}

/// Writes each member's bytes into `dir` (the compiler writes next to its input), under its file
/// name; returns the copies.
fn lay_out(members: &[Member], dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| unwritable(dir, &e))?;
    let mut copies = Vec::with_capacity(members.len());
    for m in members {
        let file = m.path.file_name().map(PathBuf::from).unwrap_or_default();
        let copy = dir.join(file);
        std::fs::write(&copy, &m.bytes).map_err(|e| unwritable(&copy, &e))?;
        copies.push(copy);
    }
    Ok(copies)
}

/// Compiles the closure with Mono's AOT compiler and writes and compiles the host, in `work`;
/// `progress` is told how many assemblies are done.
pub fn compile(
    loaded: &LoadedRequest,
    closure: &Closure,
    plan: &Plan,
    work: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Compiled> {
    let mono = Mono::find()?;
    let copies = lay_out(&closure.members, &work.join("assemblies"))?;
    let keys = cache_keys(closure);
    let cache = cache_root(loaded);
    let mut objects = Vec::new();
    let mut modules = Vec::new();
    let (total, mut cached) = (closure.members.len(), 0);
    for (done, ((m, il), key)) in closure.members.iter().zip(&copies).zip(&keys).enumerate() {
        let out = work.join(format!("{done}-{}.o", mangle(&m.interop.name)));
        let mode = loaded.request.mono_aot_mode;
        cached += aot(&mono, il, *key, &m.interop.name, &out, &cache, mode)? as usize;
        modules.push(host::Module {
            il,
            info: module_info_symbol(&out)?,
        });
        objects.push(out);
        progress(done + 1, total);
    }
    let host_o = host::compile(&mono, &modules, plan, loaded.request.mono_aot_mode, work)?;
    objects.insert(0, host_o);
    Ok(Compiled {
        objects,
        // The static runtime, with its symbols in the dynamic table: the framework's native shim
        // (libmono-native, loaded by Mono) calls back into it, and Mono finds `__Internal`
        // P/Invokes and the exported call symbols there.
        linker_args: [
            "-Wl,-Bstatic",
            "-lmonosgen-2.0",
            "-Wl,-Bdynamic",
            "-Wl,--export-dynamic",
        ]
        .map(String::from)
        .to_vec(),
        system_libs: ["m", "pthread", "dl", "rt"].map(String::from).to_vec(),
        compiled: total,
        cached,
    })
}
