//! The host program of a Mono image: registers each AOT module and embeds each assembly's IL,
//! gives each assembly, as it loads, a dllmap that sends its P/Invokes to aotinterop's stubs,
//! turns failed lazy binds into .NET exceptions, and runs the published assembly's `Main`.

use super::{err, Mono};
use aotinterop_model::diag::{codes, Error, Location, Result};
use aotinterop_model::{MonoAotMode, Plan};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One compiled assembly, as the host registers it.
pub struct Module<'a> {
    /// Its simple name (the Assembly row's), which Mono asks for.
    pub name: &'a str,
    /// Its IL, embedded.
    pub il: &'a Path,
    /// Its cache key (its bytes' and its references').
    pub key: u64,
    /// Its AOT module's `mono_aot_module_*_info` symbol.
    pub info: String,
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
                    let _ = write!(out, "\\{b:03o}");
                }
            }
        }
    }
    out.push('"');
    out
}

/// Per assembly, per (module, entry point) as declared, the call symbol Mono is sent to: the
/// first import's (the plan refused those that would bind differently).
type DllMaps<'p> = BTreeMap<&'p str, BTreeMap<(&'p str, &'p str), &'p str>>;

fn dllmaps(plan: &Plan) -> DllMaps<'_> {
    let mut maps: DllMaps<'_> = BTreeMap::new();
    for i in &plan.imports {
        if let Some(a) = &i.assembly {
            maps.entry(a.as_str())
                .or_default()
                .entry((i.module.as_str(), i.entry.as_str()))
                .or_insert(i.call_symbol.as_str());
        }
    }
    maps
}

/// The dllmap tables and the load hook that installs them.
fn dllmap_source(c: &mut String, plan: &Plan) {
    let maps = dllmaps(plan);
    for (n, entries) in maps.values().enumerate() {
        let _ = writeln!(c, "static const aotinterop_dllmap aotinterop_map_{n}[] = {{");
        for ((module, entry), symbol) in entries {
            let _ = writeln!(
                c,
                "    {{{}, {}, {}}},",
                c_string(module),
                c_string(entry),
                c_string(symbol)
            );
        }
        c.push_str("};\n");
    }
    c.push_str("static const aotinterop_assembly_map aotinterop_maps[] = {\n");
    for (n, (assembly, entries)) in maps.iter().enumerate() {
        let _ = writeln!(
            c,
            "    {{{}, aotinterop_map_{n}, {}}},",
            c_string(assembly),
            entries.len()
        );
    }
    c.push_str("    {NULL, NULL, 0}\n};\n");
}

/// The assembly-embedding directives of module `i`.
fn embed_source(c: &mut String, i: usize, m: &Module<'_>) {
    // Relative to the work folder the assembler runs in, so the source (and the cached host
    // object) does not depend on the temporary folder's name.
    let file =
        m.il.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
    let path = format!("assemblies/{file}")
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    let _ = write!(
        c,
        "extern void *{info};\n\
         __asm__(\".section .rodata\\n.balign 16\\naotinterop_il_{i}: .incbin \\\"{path}\\\"\\naotinterop_il_{i}_end:\\n\
         .balign 4\\n.globl aotinterop_il_{i}_size\\n.hidden aotinterop_il_{i}_size\\naotinterop_il_{i}_size: \
         .long aotinterop_il_{i}_end - aotinterop_il_{i}\\n.section .data.rel.ro,\\\"aw\\\"\\n.balign 8\\n\
         .globl aotinterop_il_{i}_data\\n.hidden aotinterop_il_{i}_data\\naotinterop_il_{i}_data: .quad aotinterop_il_{i}\\n\
         .text\\n\");\n\
         extern const unsigned int aotinterop_il_{i}_size;\nextern const unsigned char *const aotinterop_il_{i}_data;\n",
        info = m.info
    );
}

/// The host's C source.
pub fn source(modules: &[Module<'_>], plan: &Plan, mode: MonoAotMode) -> String {
    let mut c = String::from(HOST_PRELUDE);
    let _ = writeln!(
        c,
        "#define AOTINTEROP_AOT_MODE {}",
        match mode {
            MonoAotMode::Full => "MONO_AOT_MODE_FULL",
            MonoAotMode::Interp => "MONO_AOT_MODE_INTERP",
        }
    );
    dllmap_source(&mut c, plan);
    for (i, m) in modules.iter().enumerate() {
        embed_source(&mut c, i, m);
    }
    c.push_str("static const aotinterop_embedded aotinterop_assemblies[] = {\n");
    for (i, m) in modules.iter().enumerate() {
        let file =
            m.il.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
        let _ = writeln!(
            c,
            "    {{{}, {}, &aotinterop_il_{i}_data, &aotinterop_il_{i}_size}},",
            c_string(m.name),
            c_string(&file),
        );
    }
    c.push_str("    {NULL, NULL, NULL, NULL}\n};\n");
    c.push_str(HOST_RUN);
    c.push_str("\nint main(int argc, char **argv) {\n");
    for m in modules {
        let _ = writeln!(c, "    mono_aot_register_module({});", m.info);
    }
    c.push_str("    return aotinterop_run_main(argc, argv);\n}\n");
    c
}

/// Writes the host's source and the runtime's header into `work` and compiles them; returns the
/// host object.
pub fn compile(
    mono: &Mono,
    modules: &[Module<'_>],
    plan: &Plan,
    mode: MonoAotMode,
    work: &Path,
    cache: &Path,
    lay_out: &mut dyn FnMut() -> Result<()>,
) -> Result<PathBuf> {
    let host_c = work.join("aotinterop-host.c");
    let header = work.join("aotinterop.h");
    let write = |p: &Path, text: &str| {
        std::fs::write(p, text).map_err(|e| {
            Error::new(
                codes::OUTPUT_UNWRITABLE,
                format!(
                    "cannot write {}: {}",
                    p.display(),
                    aotinterop_model::diag::io_words(&e)
                ),
            )
        })
    };
    let text = source(modules, plan, mode);
    let mut key = format!(
        "{}\n{}\n{text}\n{}",
        mono.version,
        mono.include.display(),
        aotinterop_runtime::C_HEADER
    );
    for m in modules {
        key.push_str(&format!("{:016x}\n", m.key));
    }
    let entry = super::compile::Entry::new(
        cache,
        Path::new("mono/host"),
        &format!("{:016x}.o", super::compile::fnv(key.as_bytes())),
    );
    if let Some((hit, _)) = entry.hit() {
        return Ok(hit.to_path_buf());
    }
    lay_out()?;
    write(&header, aotinterop_runtime::C_HEADER)?;
    write(&host_c, &text)?;
    let host_o = work.join("aotinterop-host.o");
    let cc = aotinterop_linker::driver::find_program(Path::new("cc"))
        .or_else(|| aotinterop_linker::driver::find_program(Path::new("gcc")))
        .ok_or_else(|| err("no C compiler (cc or gcc) for the Mono host: install gcc"))?;
    let run = aotinterop_linker::driver::run_program(
        Command::new(&cc)
            .args(["-c", "-O1", "-fPIC"])
            .arg(format!("-I{}", mono.include.display()))
            .arg(format!("-I{}", work.display()))
            .arg(&host_c)
            .arg("-o")
            .arg(&host_o)
            // Its temporary files go into the work folder, removed with it (a signal's kill
            // left them in the caller's temporary folder).
            .env("TMPDIR", work)
            .current_dir(work),
    )
    .map_err(|e| {
        err(format!(
            "cannot run {}: {}",
            cc.display(),
            aotinterop_model::diag::io_words(&e)
        ))
    })?;
    if !run.status.success() {
        return Err(err(format!(
            "compiling the Mono host failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        ))
        .at(Location::file(&host_c)));
    }
    entry.store(&host_o, "host");
    Ok(host_o)
}

const HOST_PRELUDE: &str = r#"/* Written by aotinterop publish (compiler: mono). */
#include <mono/jit/jit.h>
#include <mono/metadata/assembly.h>
#include <mono/metadata/mono-config.h>
#include <mono/metadata/exception.h>
#include <mono/metadata/appdomain.h>
#include <mono/metadata/image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "aotinterop.h"

/* Exported by libmonosgen but not declared in the shipped headers. */
void *mono_threads_enter_gc_unsafe_region(void **stackdata);
const char *mono_config_get_cfg_dir(void);
int mini_parse_debug_option(const char *option);
const char *mono_config_get_assemblies_dir(void);

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

/* One P/Invoke of an assembly: its DllImport module and entry point as declared, and the
 * aotinterop call symbol (exported by the stub object) that binds it. */
typedef struct { const char *module, *entry, *symbol; } aotinterop_dllmap;
typedef struct { const char *assembly; const aotinterop_dllmap *map; unsigned count; } aotinterop_assembly_map;
/* One embedded assembly: its simple name, its file name, its IL. */
typedef struct {
    const char *name, *file;
    const unsigned char *const *data;
    const unsigned int *size;
} aotinterop_embedded;
"#;

/// The host's load hook and `Main` runner, after the dllmap tables.
const HOST_RUN: &str = r#"
/* As each assembly loads, before any of its code runs: its image's own dllmap, which Mono reads
 * before the global one (Mono's configuration). Per module, one entry that sends the module to
 * `__Internal` (inserted last, so it is found first: Mono's rule takes the library from the first
 * match), then one per entry point naming the call symbol. */
static void aotinterop_on_load(MonoAssembly *assembly, void *user) {
    (void)user;
    MonoImage *image = mono_assembly_get_image(assembly);
    const char *name = mono_image_get_name(image);
    for (const aotinterop_assembly_map *a = aotinterop_maps; name != NULL && a->assembly != NULL; a++) {
        if (strcmp(a->assembly, name) != 0)
            continue;
        for (unsigned i = 0; i < a->count; i++)
            mono_dllmap_insert(image, a->map[i].module, a->map[i].entry, "__Internal", a->map[i].symbol);
        for (unsigned i = 0; i < a->count; i++)
            if (i == 0 || strcmp(a->map[i].module, a->map[i - 1].module) != 0)
                mono_dllmap_insert(image, a->map[i].module, NULL, "__Internal", NULL);
    }
}

/* The folder the image is in: the embedded assemblies' names are taken to be there, so that
 * Mono, which reads `NAME.config` beside an assembly and looks for the assemblies it does not
 * have in the assembly's folder, looks beside the image, never in the current directory. When
 * the image's path is unknown, a folder that cannot exist. */
static char aotinterop_folder[4096] = "/proc/self/aotinterop-no-folder";

static void aotinterop_find_folder(void) {
    char path[sizeof aotinterop_folder];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0 || path[0] != '/')
        return;
    path[n] = 0;
    char *slash = strrchr(path, '/');
    if (slash == path)
        slash[1] = 0;
    else
        *slash = 0;
    memcpy(aotinterop_folder, path, strlen(path) + 1);
}

static MonoAssembly *aotinterop_open(const aotinterop_embedded *e) {
    char path[sizeof aotinterop_folder + 512];
    snprintf(path, sizeof path, "%s/%s", aotinterop_folder, e->file);
    MonoImageOpenStatus status;
    MonoImage *image = mono_image_open_from_data_with_name((char *)*e->data, *e->size, 0, &status, 0, path);
    if (image == NULL)
        return NULL;
    MonoAssembly *assembly = mono_assembly_load_from_full(image, path, &status, 0);
    mono_image_close(image);
    return assembly;
}

/* Mono asks here first for every assembly it loads by name (the corlib included): the embedded
 * ones are opened from the image, under their names in the image's folder. */
static MonoAssembly *aotinterop_preload(MonoAssemblyName *name, char **path, void *user) {
    (void)path;
    (void)user;
    const char *wanted = mono_assembly_name_get_name(name);
    /* The corlib is asked for by its file name (`mscorlib.dll`). */
    for (const aotinterop_embedded *e = aotinterop_assemblies; wanted != NULL && e->name != NULL; e++)
        if (strcasecmp(e->name, wanted) == 0 || strcasecmp(e->file, wanted) == 0)
            return aotinterop_open(e);
    return NULL;
}

/* The environment variables Mono reads while it starts to find assemblies and configuration
 * (MONO_PATH, MONO_GAC_PREFIX, MONO_CFG_DIR, MONO_CONFIG): an element `.`, empty or relative
 * would make it search the current directory. The image carries its assemblies, so Mono starts
 * without them; they are put back before `Main` runs, for the app and the processes it starts. */
static const char *const aotinterop_mono_env[] = {"MONO_PATH", "MONO_GAC_PREFIX", "MONO_CFG_DIR", "MONO_CONFIG"};
static char *aotinterop_saved_env[4];

static void aotinterop_hide_env(int hide) {
    for (unsigned i = 0; i < 4; i++) {
        if (hide) {
            const char *v = getenv(aotinterop_mono_env[i]);
            aotinterop_saved_env[i] = v != NULL ? strdup(v) : NULL;
            unsetenv(aotinterop_mono_env[i]);
        } else if (aotinterop_saved_env[i] != NULL) {
            setenv(aotinterop_mono_env[i], aotinterop_saved_env[i], 1);
            free(aotinterop_saved_env[i]);
        }
    }
}

static int aotinterop_run_main(int argc, char **argv) {
    aotinterop_set_failure_handler(aotinterop_on_failure, NULL);
    aotinterop_find_folder();
    aotinterop_hide_env(1);
    mono_install_assembly_load_hook(aotinterop_on_load, NULL);
    mono_install_assembly_preload_hook(aotinterop_preload, NULL);
    /* Mono's own folders and configuration, as it was built (its `mono/config`, not the
     * user's `~/.mono/config`): where its native shims are (`$mono_libdir`). Every other library is aotinterop's,
     * through the assemblies' dllmaps above. */
    mono_set_dirs(mono_config_get_assemblies_dir(), mono_config_get_cfg_dir());
    char config[4096];
    snprintf(config, sizeof config, "%s/mono/config", mono_config_get_cfg_dir());
    mono_config_parse(config);
    mono_jit_set_aot_mode(AOTINTEROP_AOT_MODE);
    /* On a crash Mono starts `gdb` or `lldb`, found through PATH, whose `.` or relative
     * elements name the current directory: it starts no debugger (its own native backtrace
     * stays). */
    mini_parse_debug_option("no-gdb-backtrace");
    MonoDomain *domain = mono_jit_init_version(aotinterop_assemblies[0].file, "v4.0.30319");
    aotinterop_hide_env(0);
    MonoAssembly *assembly = aotinterop_open(&aotinterop_assemblies[0]);
    if (assembly == NULL) {
        fprintf(stderr, "cannot open the embedded assembly %s\n", aotinterop_assemblies[0].file);
        return 1;
    }
    int code = mono_jit_exec(domain, assembly, argc, argv);
    mono_jit_cleanup(domain);
    return code;
}
"#;
