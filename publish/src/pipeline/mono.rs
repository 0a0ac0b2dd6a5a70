//! The `compile` step for `compiler: mono`: Mono's ahead-of-time compiler (`mono
//! --aot=full,static`) turns the app's assemblies and the framework assemblies they reference
//! into objects; a small C host registers them with the static Mono runtime, embeds their IL,
//! and sends failed lazy binds back into C# as .NET exceptions.
//!
//! - The app's assemblies are compiled with `direct-pinvoke`: every P/Invoke becomes a plain
//!   reference to its entry point, which the stub object defines for a lazy import and the
//!   linked library for a direct one. The framework's assemblies are compiled without it: their
//!   own P/Invokes are Mono's internals (libc, `__Internal`), which Mono keeps binding itself.
//! - Framework objects are cached (`cache_dir`), keyed by the Mono version, the options and the
//!   assembly's bytes; each cached object carries a check file (its length and hash), so a
//!   truncated or stale one is compiled again, never used.
//! - Mono would still look each app library up the first time a wrapper runs (opening files,
//!   from the current directory too); the host maps every app library to `__Internal`
//!   (`mono_dllmap_insert`), so aotinterop's resolver is the only loader of them.

use crate::request::LoadedRequest;
use aotinterop_model::diag::{codes, Error, Location, Result};
use aotinterop_model::Plan;
use object::{Object, ObjectSymbol};
use std::collections::BTreeSet;
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

/// The Mono installation that compiles.
struct Mono {
    program: PathBuf,
    /// `Mono JIT compiler version 6.8.0.105 (...)`.
    version: String,
    /// `PREFIX/lib/mono/4.5`: the framework assemblies.
    framework: PathBuf,
    /// `PREFIX/include/mono-2.0`.
    include: PathBuf,
}

fn err(message: impl Into<String>) -> Error {
    Error::new(codes::AOT_COMPILE_FAILED, message)
}

impl Mono {
    fn find() -> Result<Self> {
        let program = aotinterop_linker::driver::find_program(Path::new("mono")).ok_or_else(|| {
            err("Mono's AOT compiler (`mono`) is not on PATH: install mono-runtime and libmonosgen-2.0-dev")
        })?;
        let out = Command::new(&program)
            .arg("--version")
            .output()
            .map_err(|e| err(format!("cannot run {}: {e}", program.display())))?;
        let version = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        let real = program.canonicalize().unwrap_or_else(|_| program.clone());
        let prefix = real
            .parent()
            .and_then(Path::parent)
            .ok_or_else(|| err("cannot tell Mono's prefix from its program"))?;
        Ok(Mono {
            framework: prefix.join("lib/mono/4.5"),
            include: prefix.join("include/mono-2.0"),
            program,
            version,
        })
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

/// One assembly to compile.
struct Assembly {
    name: String,
    /// Its copy in the private folder the compiler reads (it writes next to its input).
    path: PathBuf,
    framework: bool,
}

/// The assemblies of the request and every assembly they reference, found beside them or in
/// Mono's framework folder, in dependency-free order (the published one first).
fn closure(loaded: &LoadedRequest, mono: &Mono, work: &Path) -> Result<Vec<Assembly>> {
    let mut out: Vec<Assembly> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut queue: Vec<(PathBuf, bool)> = loaded
        .request
        .assemblies
        .iter()
        .map(|p| (p.clone(), false))
        .collect();
    let app_dirs: Vec<PathBuf> = loaded
        .request
        .assemblies
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    while let Some((path, framework)) = queue.pop() {
        let read = crate::scan::read_file(&path)?;
        if !seen.insert(read.name.to_ascii_lowercase()) {
            continue;
        }
        for r in &read.references {
            if seen.contains(&r.to_ascii_lowercase()) {
                continue;
            }
            let found = app_dirs
                .iter()
                .flat_map(|d| [d.join(format!("{r}.dll")), d.join(format!("{r}.exe"))])
                .map(|p| (p, false))
                .chain(std::iter::once((mono.framework.join(format!("{r}.dll")), true)))
                .find(|(p, _)| p.is_file());
            match found {
                Some((p, fw)) => queue.push((p, fw || framework)),
                None => {
                    return Err(err(format!(
                        "assembly `{}` references `{r}`, found neither beside the app's assemblies nor in {}",
                        read.name,
                        mono.framework.display()
                    ))
                    .at(Location::file(&path)))
                }
            }
        }
        let file = path.file_name().map(PathBuf::from).unwrap_or_default();
        let copy = work.join(&file);
        std::fs::copy(&path, &copy).map_err(|e| {
            Error::new(codes::OUTPUT_UNWRITABLE, format!("cannot copy the assembly: {e}"))
                .at(Location::file(&copy))
        })?;
        out.push(Assembly {
            name: read.name,
            path: copy,
            framework,
        });
    }
    Ok(out)
}

/// The folder compiled framework assemblies are kept in.
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

/// Compiles one assembly into `out` (through the cache for framework assemblies); true when it
/// came from the cache.
fn aot(mono: &Mono, a: &Assembly, out: &Path, cache: &Path) -> Result<bool> {
    let options = if a.framework {
        "full,static"
    } else {
        "full,static,direct-pinvoke"
    };
    let il = std::fs::read(&a.path).map_err(|e| Error::unreadable(&a.path, "assembly", &e))?;
    let cached = cache
        .join("mono")
        .join(format!(
            "{:016x}",
            fnv(format!("{}\n{options}", mono.version).as_bytes())
        ))
        .join(format!("{}-{:016x}.o", a.name, fnv(&il)));
    let check = cached.with_extension("o.check");
    if a.framework {
        if let (Ok(obj), Ok(want)) = (std::fs::read(&cached), std::fs::read_to_string(&check)) {
            if check_of(&obj) == want {
                std::fs::copy(&cached, out).map_err(|e| {
                    Error::new(
                        codes::OUTPUT_UNWRITABLE,
                        format!("cannot copy a cached object: {e}"),
                    )
                    .at(out)
                })?;
                return Ok(true);
            }
        }
    }
    let dir = a.path.parent().unwrap_or(Path::new("."));
    let run = Command::new(&mono.program)
        .arg(format!("--aot={options},outfile={}", out.display()))
        .arg(&a.path)
        .env("MONO_PATH", dir)
        .current_dir(dir)
        .output()
        .map_err(|e| err(format!("cannot run {}: {e}", mono.program.display())))?;
    if !run.status.success() || !out.is_file() {
        return Err(err(format!(
            "Mono's AOT compiler failed on {} ({}):\n{}{}",
            a.name,
            run.status,
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        ))
        .at(Location::file(&a.path)));
    }
    if a.framework {
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
    }
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

/// A C string literal of `s`.
fn c_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// The host program: registers the AOT modules and the embedded IL, maps the app's libraries to
/// `__Internal`, turns failed lazy binds into .NET exceptions, and runs `Main`.
fn host_source(assemblies: &[(Assembly, String)], app_modules: &BTreeSet<String>) -> String {
    let mut c = String::from(HOST_PRELUDE);
    for (i, (a, info)) in assemblies.iter().enumerate() {
        c.push_str(&format!("extern void *{info};\n"));
        let path = a
            .path
            .display()
            .to_string()
            .replace('\\', "\\\\")
            .replace('"', "\\\"");
        c.push_str(&format!(
            "__asm__(\".section .rodata\\n.balign 16\\naotinterop_il_{i}: .incbin \\\"{path}\\\"\\naotinterop_il_{i}_end:\\n\
             .balign 4\\n.globl aotinterop_il_{i}_size\\n.hidden aotinterop_il_{i}_size\\naotinterop_il_{i}_size: \
             .long aotinterop_il_{i}_end - aotinterop_il_{i}\\n.section .data.rel.ro,\\\"aw\\\"\\n.balign 8\\n\
             .globl aotinterop_il_{i}_data\\n.hidden aotinterop_il_{i}_data\\naotinterop_il_{i}_data: .quad aotinterop_il_{i}\\n\
             .text\\n\");\n\
             extern const unsigned int aotinterop_il_{i}_size;\nextern const unsigned char *const aotinterop_il_{i}_data;\n"
        ));
    }
    c.push_str("\nint main(int argc, char **argv) {\n");
    c.push_str(&format!(
        "    static MonoBundledAssembly bundled[{n}];\n    static const MonoBundledAssembly *bundle[{m}];\n",
        n = assemblies.len().max(1),
        m = assemblies.len() + 1
    ));
    for (i, (a, info)) in assemblies.iter().enumerate() {
        let file = a
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        c.push_str(&format!(
            "    bundled[{i}].name = {}; bundled[{i}].data = aotinterop_il_{i}_data; bundled[{i}].size = aotinterop_il_{i}_size;\n    bundle[{i}] = &bundled[{i}];\n    mono_aot_register_module({info});\n",
            c_string(&file)
        ));
    }
    c.push_str(&format!(
        "    bundle[{}] = NULL;\n    mono_register_bundled_assemblies(bundle);\n",
        assemblies.len()
    ));
    for m in app_modules {
        c.push_str(&format!(
            "    mono_dllmap_insert(NULL, {}, NULL, \"__Internal\", NULL);\n",
            c_string(m)
        ));
    }
    let main_file = assemblies
        .first()
        .and_then(|(a, _)| a.path.file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    c.push_str(&format!(
        "    return aotinterop_run_main({}, argc, argv);\n}}\n",
        c_string(&main_file)
    ));
    c
}

const HOST_PRELUDE: &str = r#"/* Written by aotinterop publish (compiler: mono). */
#include <mono/jit/jit.h>
#include <mono/metadata/assembly.h>
#include <mono/metadata/mono-config.h>
#include <mono/metadata/exception.h>
#include <mono/metadata/appdomain.h>
#include <stdio.h>
#include <string.h>
#include "aotinterop.h"

/* Exported by libmonosgen but not declared in the shipped headers. */
void *mono_threads_enter_gc_unsafe_region(void **stackdata);

static __thread char aotinterop_pending_message[16384];
static __thread unsigned aotinterop_pending_kind;

/* Where a failed lazy call goes (the trampoline jumps here with the call's own arguments, after
 * the resolver's frames are gone): back into managed code as the .NET exception. The P/Invoke
 * wrapper left the thread in GC-safe mode; creating and raising a managed object needs unsafe. */
static void aotinterop_throw_pending(void) {
    void *stackdata;
    mono_threads_enter_gc_unsafe_region(&stackdata);
    const char *type = aotinterop_pending_kind == AOTINTEROP_ENTRY_POINT_NOT_FOUND
        ? "EntryPointNotFoundException" : "DllNotFoundException";
    MonoException *e = mono_exception_from_name_msg(mono_get_corlib(), "System", type,
        aotinterop_pending_message);
    mono_raise_exception(e);
}

static const void *aotinterop_on_failure(const aotinterop_failure *f, void *user) {
    (void)user;
    const char *m = f->message;
    const char *sep = strstr(m, ": ");
    if (strncmp(m, "System.", 7) == 0 && sep != NULL)
        m = sep + 2;
    snprintf(aotinterop_pending_message, sizeof aotinterop_pending_message, "%s", m);
    aotinterop_pending_kind = f->kind;
    return (const void *)aotinterop_throw_pending;
}

static int aotinterop_run_main(const char *file, int argc, char **argv) {
    aotinterop_set_failure_handler(aotinterop_on_failure, NULL);
    /* Mono's own configuration (/etc/mono/config): where the framework's native shim
     * (System.Native, in libmono-native) is. The app's libraries are mapped to __Internal above. */
    mono_config_parse(NULL);
    mono_jit_set_aot_mode(MONO_AOT_MODE_FULL);
    MonoDomain *domain = mono_jit_init(file);
    MonoAssembly *assembly = mono_assembly_open(file, NULL);
    if (assembly == NULL) {
        fprintf(stderr, "cannot open the embedded assembly %s\n", file);
        return 1;
    }
    int code = mono_jit_exec(domain, assembly, argc, argv);
    mono_jit_cleanup(domain);
    return code;
}
"#;

/// Compiles the request's assemblies with Mono's AOT compiler and writes and compiles the host,
/// in `work`; `progress` is told how many assemblies are done.
pub fn compile(
    loaded: &LoadedRequest,
    plan: &Plan,
    work: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Compiled> {
    if loaded.request.assemblies.is_empty() {
        return Err(err("`compiler: mono` needs the app's assemblies (`assemblies`)")
            .at(Location::file(&loaded.origin)));
    }
    let mono = Mono::find()?;
    let asm_dir = work.join("assemblies");
    std::fs::create_dir_all(&asm_dir).map_err(|e| {
        Error::new(
            codes::OUTPUT_UNWRITABLE,
            format!("cannot create {}: {e}", asm_dir.display()),
        )
    })?;
    let assemblies = closure(loaded, &mono, &asm_dir)?;
    let cache = cache_root(loaded);
    let mut objects = Vec::new();
    let mut with_info = Vec::new();
    let (total, mut cached) = (assemblies.len(), 0);
    for (done, a) in assemblies.into_iter().enumerate() {
        let out = work.join(format!("{}.o", a.name));
        cached += aot(&mono, &a, &out, &cache)? as usize;
        let info = module_info_symbol(&out)?;
        objects.push(out);
        with_info.push((a, info));
        progress(done + 1, total);
    }
    // The app's own libraries (modules of its assemblies' P/Invokes).
    let app: BTreeSet<&str> = with_info
        .iter()
        .filter(|(a, _)| !a.framework)
        .map(|(a, _)| a.name.as_str())
        .collect();
    let app_modules: BTreeSet<String> = plan
        .imports
        .iter()
        .filter(|i| i.assembly.as_deref().is_none_or(|a| app.contains(a)))
        .map(|i| i.module.clone())
        .collect();
    let host_c = work.join("aotinterop-host.c");
    let header = work.join("aotinterop.h");
    let write = |p: &Path, text: &str| {
        std::fs::write(p, text).map_err(|e| {
            Error::new(
                codes::OUTPUT_UNWRITABLE,
                format!("cannot write {}: {e}", p.display()),
            )
        })
    };
    write(&header, aotinterop_runtime::C_HEADER)?;
    write(&host_c, &host_source(&with_info, &app_modules))?;
    let host_o = work.join("aotinterop-host.o");
    let cc = aotinterop_linker::driver::find_program(Path::new("cc"))
        .or_else(|| aotinterop_linker::driver::find_program(Path::new("gcc")))
        .ok_or_else(|| err("no C compiler (cc or gcc) for the Mono host"))?;
    let run = Command::new(&cc)
        .args(["-c", "-O1", "-fPIC"])
        .arg(format!("-I{}", mono.include.display()))
        .arg(format!("-I{}", work.display()))
        .arg(&host_c)
        .arg("-o")
        .arg(&host_o)
        .current_dir(work)
        .output()
        .map_err(|e| err(format!("cannot run {}: {e}", cc.display())))?;
    if !run.status.success() {
        return Err(err(format!(
            "compiling the Mono host failed (is libmonosgen-2.0-dev installed?):\n{}",
            String::from_utf8_lossy(&run.stderr)
        ))
        .at(Location::file(&host_c)));
    }
    objects.insert(0, host_o);
    Ok(Compiled {
        objects,
        // The static runtime, with its symbols in the dynamic table: the framework's native shim
        // (libmono-native, loaded by Mono) calls back into it. aotinterop's stubs stay hidden.
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
