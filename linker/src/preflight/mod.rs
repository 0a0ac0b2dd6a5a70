//! Preflight: checks made before linking, each a clear error or warning with a stable code.
//!
//! - every NativeLibrary item exists and is of a kind the target's linker takes (`kind`);
//! - no global symbol is defined by two NativeLibrary items (a warning: the linker would take
//!   one silently, or fail with a less clear message);
//! - every direct import is defined by something the link or the target's loader will see:
//!   the objects, NativeLibrary items, the runtime, files and `-l` libraries of the LinkerArg
//!   items, and the system libraries, looked up in the linker's search folders, the sysroot
//!   and `-L` folders. A direct import nothing defines is the image that fails to link, or
//!   links and then fails to start; here it is caught before the link. (For `NativeLib=Static`
//!   the host's link resolves them, so this check is skipped.) With `generate_import_libraries`
//!   such an import gets a generated stand-in for its library instead (`stand_ins`), checked
//!   against the real library when it is found at publish time.

mod kind;
mod loader;
mod search;
mod stand_ins;
mod symbols;
pub use symbols::{script_cycle, script_inputs};

use crate::diag::{codes, Diagnostic};
use crate::driver::{LinkJob, Linker, OutputKind};
use crate::target::{Format, Libc};
use aotinterop_image::rooted;
use aotinterop_model::{GeneratedLibrary, Plan, PlannedImport};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use symbols::{Offered, ScriptRef};

/// The direct imports of `plan` that preflight checks: those the loader binds from a named
/// library, each `module`/native symbol once, in plan order.
pub fn direct_imports(plan: &Plan) -> Vec<&PlannedImport> {
    let mut seen = BTreeSet::new();
    plan.lib_imports()
        .filter(|i| seen.insert((i.module.as_str(), i.symbol())))
        .collect()
}

/// AOTI0508 when the compiler driver builds for `machine` (its `-dumpmachine`), of another
/// architecture or object format than the job's target.
fn other_machine(machine: &str, job: &LinkJob, linker: &dyn Linker) -> Option<Diagnostic> {
    let arch_word = machine.split('-').next().unwrap_or_default();
    let arch = match arch_word {
        "i386" | "i486" | "i586" | "i686" => Some(crate::target::Arch::X86),
        a if a.starts_with("armv7") || a == "arm" || a == "armhf" => Some(crate::target::Arch::Arm),
        a => crate::target::Arch::from_name(a),
    };
    let format = if machine.contains("mingw") || machine.contains("windows") {
        Format::Coff
    } else if machine.contains("apple") || machine.contains("darwin") {
        Format::MachO
    } else {
        Format::Elf
    };
    if arch == Some(job.target.arch) && format == job.target.format {
        return None;
    }
    Some(
        Diagnostic::error(
            codes::FLAVOR_INVALID,
            format!(
                "the linker {} builds for {} (its `-dumpmachine`), not for {}: name a compiler of that target \
                 (`{}-gcc`) in `linker.path`, or leave it out",
                aotinterop_model::diag::shown_path(linker.program(), 400),
                aotinterop_model::diag::shown(machine, 120),
                job.target.triple(),
                job.target.triple()
            ),
        )
        .at(linker.program()),
    )
}

/// How many direct imports the preflight checks: those of named libraries and those the image
/// binds from itself.
pub fn checked_imports(plan: &Plan) -> usize {
    direct_imports(plan).len() + internal_imports(plan).len()
}

/// The direct imports the image binds from itself (`__Internal`, `*`): the link must define
/// them; each native symbol once.
fn internal_imports(plan: &Plan) -> Vec<&PlannedImport> {
    let mut seen = BTreeSet::new();
    plan.imports
        .iter()
        .filter(|i| i.binding == aotinterop_model::Binding::Direct && !i.binds_from_library())
        .filter(|i| seen.insert(i.symbol()))
        .collect()
}

/// Libraries the compiler driver links without being asked.
fn implicit_libs(job: &LinkJob, linker: &dyn Linker) -> Vec<String> {
    use crate::driver::Flavor;
    let v: &[&str] = match (job.target.format, linker.flavor()) {
        (Format::Elf, _) if job.target.libc == Libc::Bionic => &["c"],
        // libgcc is linked statically (`-static-libgcc`), so only libc is a shared library here.
        (Format::Elf, _) => &["c"],
        (Format::Coff, Flavor::Mingw) => &[
            "mingw32", "mingwex", "moldname", "msvcrt", "kernel32", "user32", "advapi32", "shell32",
        ],
        (Format::MachO, _) => &["System"],
        _ => &[],
    };
    v.iter().map(|s| s.to_string()).collect()
}

/// At most `n` names, comma-separated, with a count of the rest.
fn some(names: &[&str], n: usize) -> String {
    let shown = names
        .iter()
        .take(n)
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > n {
        format!("{shown} and {} more", names.len() - n)
    } else {
        shown
    }
}

/// What preflight found.
#[derive(Clone, Debug, Default)]
pub struct Preflight {
    /// Errors, warnings and notes; the link should not go on when one is an error.
    pub diagnostics: Vec<Diagnostic>,
    /// The stand-ins to generate (`generate_import_libraries`), one per module.
    pub generated: Vec<GeneratedLibrary>,
    /// DirectPInvokeList files to write for the user: for a module some of whose direct entry
    /// points nothing defines, the ones the link does define (named in the AOTI0520 error).
    pub suggested_lists: Vec<SuggestedList>,
    /// What the NativeLibrary items define, read once here for the steps after.
    pub native: NativeDefinitions,
}

/// The symbols the NativeLibrary items define.
#[derive(Clone, Debug, Default)]
pub struct NativeDefinitions {
    /// Strong definitions of code or data linked into the image (not import-library entries):
    /// a direct import among them is a static call, not an import (on Windows its stub must
    /// not go through the import address table).
    pub strong: BTreeSet<String>,
    /// Every symbol they offer a reference: strong, weak and common definitions, import-library
    /// symbols, shared-library exports.
    pub all: BTreeSet<String>,
}

impl NativeDefinitions {
    fn of(native: &[(PathBuf, Offered)]) -> Self {
        let mut out = NativeDefinitions::default();
        for (_, o) in native {
            out.strong.extend(o.strong.iter().cloned());
            out.all.extend(o.strong.iter().chain(&o.other).cloned());
        }
        out
    }
}

/// A DirectPInvokeList the preflight offers in place of a whole-module DirectPInvoke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuggestedList {
    /// Where to write it.
    pub path: PathBuf,
    /// The module.
    pub module: String,
    /// Its entry points the link defines.
    pub entries: Vec<String>,
}

impl SuggestedList {
    /// The file's text: a comment, then `module!entry` a line.
    pub fn text(&self) -> String {
        let mut t = format!(
            "# DirectPInvokeList written by aotinterop's preflight: the entry points of `{}` that the link defines.\n\
             # Use it in place of `DirectPInvoke {}`; the others stay lazy.\n",
            self.module, self.module
        );
        for e in &self.entries {
            t.push_str(&format!("{}!{e}\n", self.module));
        }
        t
    }
}

/// Runs every check for linking `job` with `linker`, for the direct imports of `plan`.
pub fn preflight(linker: &dyn Linker, job: &LinkJob, plan: &Plan) -> Preflight {
    // A compiler driver of another target (`linker.path`) links an image of another machine, or
    // fails on the target's objects: said before anything is read.
    if let Some(d) = linker.machine(job).and_then(|m| other_machine(&m, job, linker)) {
        return Preflight {
            diagnostics: vec![d],
            ..Preflight::default()
        };
    }
    let direct = direct_imports(plan);
    let internal = internal_imports(plan);
    let mut diags = Vec::new();
    let native = read_native_libraries(linker, job, &mut diags);
    let native_failed = diags.iter().any(Diagnostic::is_error);
    duplicates(&native, &mut diags);
    lazy_stubs_defined(plan, &native, &mut diags);
    lazy_stubs_the_resolver_calls(job, plan, &mut diags);
    let definitions = NativeDefinitions::of(&native);
    // A static archive's direct imports are resolved when a host links it, not here.
    if (direct.is_empty() && internal.is_empty()) || job.kind == OutputKind::Static {
        return Preflight {
            diagnostics: diags,
            native: definitions,
            ..Preflight::default()
        };
    }
    let mut args = search::parse_args(&job.linker_args);
    // LinkerArg paths are relative to the folder the linker runs in.
    if let Some(base) = &job.working_dir {
        args.rebase(base);
    }
    // Folders the linker's driver could not say: what it finds there is not known, so no
    // import is said to be defined by nothing (the link says whether they resolve).
    let (linker_dirs, dirs_unknown) = match linker.search_dirs(job) {
        Ok(dirs) => (dirs, false),
        Err(e) => {
            diags.push(search_dirs_unknown(&e));
            (Vec::new(), true)
        }
    };
    let mut dirs: Vec<PathBuf> = args.dirs.clone();
    dirs.extend(job.lib_dirs.iter().cloned());
    if let Some(s) = &job.sysroot {
        dirs.extend(search::sysroot_dirs(s, &job.target));
    }
    dirs.extend(linker_dirs.iter().cloned());
    let system: Vec<String> = job
        .system_libs
        .iter()
        .cloned()
        .chain(implicit_libs(job, linker))
        .collect();
    let seen = read_link(job, &args, &system, &dirs, native, &mut diags);
    for lib in &seen.user_shared {
        if let Some(d) = not_found_at_run_time(lib, job, &linker_dirs, &direct) {
            diags.push(d);
        }
    }
    // A NativeLibrary item that could not be read is the error (or the search folders are not
    // known): what they define is not known, so no direct import is said to be defined by
    // nothing.
    if native_failed || dirs_unknown {
        return Preflight {
            diagnostics: diags,
            native: definitions,
            ..Preflight::default()
        };
    }
    let unresolved: Vec<&PlannedImport> = direct
        .iter()
        .copied()
        .filter(|d| !seen.offered.defines(d.symbol()))
        .collect();
    let looked = looked_in(job, &args, &system, &dirs);
    for imp in internal.iter().filter(|i| !seen.offered.defines(i.symbol())) {
        diags.push(internal_unresolved(imp, &looked));
    }
    if job.generate_import_libraries {
        let present = stand_ins::present_dirs(job, &dirs);
        let generated = stand_ins::plan(job, &direct, &unresolved, &seen.per_file, &present, &mut diags);
        return Preflight {
            diagnostics: diags,
            generated,
            suggested_lists: Vec::new(),
            native: definitions,
        };
    }
    let mut suggested_lists = Vec::new();
    for (module, undefined) in by_module(&unresolved) {
        let list = suggested_list(job, &direct, module, &undefined);
        diags.push(unresolved_error(job, module, &undefined, list.as_ref(), &looked));
        suggested_lists.extend(list);
    }
    Preflight {
        diagnostics: diags,
        generated: Vec::new(),
        suggested_lists,
        native: definitions,
    }
}

/// What each NativeLibrary item defines, those of the wrong kind for the target reported.
fn read_native_libraries(
    linker: &dyn Linker,
    job: &LinkJob,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(PathBuf, Offered)> {
    let mut native = Vec::new();
    for lib in &job.native_libraries {
        if let Some(d) = kind::check(lib, &job.target, linker.flavor()) {
            diags.push(d);
            continue;
        }
        match symbols::read(lib, true) {
            Ok(o) => {
                diags.extend(unreadable_members(lib, &o.unreadable));
                diags.extend(cut_members(lib, &o.cut));
                native.push((lib.clone(), o))
            }
            Err(e) => diags.push(e.into_diagnostic()),
        }
    }
    native
}

/// The warning for an archive's members that are no object (damaged): what they define is not
/// known here, and a linker that needs one stops (`file format not recognized`).
fn unreadable_members(lib: &Path, names: &[String]) -> Option<Diagnostic> {
    let first = names.first()?;
    let more = match names.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    let message = format!(
        "member `{}`{more} of this archive is no object a linker can read: what it defines is not known, and a \
         linker that needs it stops with `file format not recognized`; rebuild the archive",
        aotinterop_model::diag::shown(first, 200)
    );
    Some(Diagnostic::warning(codes::ARCHIVE_MEMBER_UNREADABLE, message).at(lib))
}

/// AOTI1521: the linker's own search folders could not be learned (`why`).
fn search_dirs_unknown(why: &crate::diag::Error) -> Diagnostic {
    Diagnostic::warning(
        codes::SEARCH_INCOMPLETE,
        format!(
            "the linker's own library folders could not be learned ({}): the direct imports are not checked \
             against the libraries it finds there; the link will say whether they resolve",
            why.diagnostic().message
        ),
    )
}

/// The warning for an archive's members that run past its end.
fn cut_members(lib: &Path, names: &[String]) -> Option<Diagnostic> {
    let first = names.first()?;
    let message = format!(
        "member `{}` of this archive runs past the end of the file (its header declares more bytes than the \
         archive holds: cut short, or a damaged header); what it defines is read from what is there, and a linker \
         may stop with `file too short`: rebuild the archive",
        aotinterop_model::diag::shown(first, 200)
    );
    Some(Diagnostic::warning(codes::ARCHIVE_MEMBER_UNREADABLE, message).at(lib))
}

/// What the link sees: every symbol its files define, which file defines what (for the checks
/// of generated stand-ins), and the shared libraries found in a LinkerArg `-L` folder, which
/// the loader may not search.
struct LinkSight {
    offered: Offered,
    per_file: Vec<(PathBuf, Offered)>,
    user_shared: Vec<PathBuf>,
}

/// Reads every file of the link: the NativeLibrary items (`native`, read already), the
/// objects, the runtime, LinkerArg files and libraries, the system libraries, and the files
/// linker scripts name (a few levels deep at most).
fn read_link(
    job: &LinkJob,
    args: &search::ArgLibraries,
    system: &[String],
    dirs: &[PathBuf],
    native: Vec<(PathBuf, Offered)>,
    diags: &mut Vec<Diagnostic>,
) -> LinkSight {
    let mut sight = LinkSight {
        offered: Offered::default(),
        per_file: Vec::new(),
        user_shared: Vec::new(),
    };
    let mut files: Vec<PathBuf> = job
        .objects
        .iter()
        .chain(&job.runtime_inputs)
        .chain(&args.files)
        .cloned()
        .collect();
    for (path, o) in native {
        // A NativeLibrary that is a GNU ld script offers what the files it names define.
        files.extend(o.references.iter().flat_map(|r| referenced(r, job, dirs, &path)));
        if job.generate_import_libraries {
            sight.per_file.push((path, o.clone()));
        }
        sight.offered.absorb(o);
    }
    let mut names: Vec<(search::LibName, bool)> = args.libs.iter().map(|l| (l.clone(), true)).collect();
    names.extend(system.iter().map(|s| (search::LibName::Name(s.clone()), false)));
    for (name, from_user) in &names {
        match search::find(name, &job.target, dirs) {
            Some(p) => {
                let in_user_dir = p.parent().is_some_and(|d| args.dirs.iter().any(|u| u == d));
                if *from_user
                    && in_user_dir
                    && job.target.format == Format::Elf
                    && loader::is_shared_object(&p)
                {
                    sight.user_shared.push(p.clone());
                }
                files.push(p)
            }
            None if *from_user => diags.push(library_not_found(name, dirs.len())),
            None => {}
        }
    }
    // Every file once (by what it is), as deep as the scripts go.
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    while !files.is_empty() {
        let mut next = Vec::new();
        for f in files.drain(..) {
            if !seen.insert(f.canonicalize().unwrap_or_else(|_| f.clone())) {
                continue;
            }
            // An archive the linker would refuse (a malformed index) is said; other files it
            // cannot read here (a Windows resource file) are the linker's to take.
            let o = match symbols::read(&f, false) {
                Ok(o) => o,
                Err(e) if symbols::is_archive(&f) => {
                    diags.push(e.into_diagnostic());
                    continue;
                }
                Err(_) => continue,
            };
            next.extend(o.references.iter().flat_map(|r| referenced(r, job, dirs, &f)));
            if job.generate_import_libraries {
                sight.per_file.push((f.clone(), o.clone()));
            }
            sight.offered.absorb(o);
        }
        files = next;
    }
    sight
}

/// The file a reference of the linker script `script` names: a path (under the sysroot), or
/// `-lNAME` found in `dirs`.
fn referenced(r: &ScriptRef, job: &LinkJob, dirs: &[PathBuf], script: &Path) -> Option<PathBuf> {
    match r {
        // A relative path is the linker's working folder's, else (as GNU ld looks) the script's.
        ScriptRef::File(p) if p.is_relative() => {
            let working = job.working_dir.as_deref().map_or(p.clone(), |w| w.join(p));
            let beside = script.parent().map(|d| d.join(p));
            match beside.filter(|b| !working.exists() && b.exists()) {
                Some(b) => Some(b),
                None => Some(working),
            }
        }
        ScriptRef::File(p) => Some(rooted(p, job.sysroot.as_deref())),
        ScriptRef::Lib(l) => {
            let name = match l.strip_prefix(':') {
                Some(exact) => search::LibName::Exact(exact.to_string()),
                None => search::LibName::Name(l.clone()),
            };
            search::find(&name, &job.target, dirs)
        }
    }
}

fn library_not_found(name: &search::LibName, dirs: usize) -> Diagnostic {
    Diagnostic::warning(
        codes::SEARCH_INCOMPLETE,
        format!(
            "LinkerArg `{}`: no such library in the {dirs} search folder(s); its symbols are not known to preflight",
            search::spell(name)
        ),
    )
}

/// The warning for a shared library of a LinkerArg `-L` folder that provides direct imports but
/// that the loader will not find at run time.
fn not_found_at_run_time(
    lib: &Path,
    job: &LinkJob,
    linker_dirs: &[PathBuf],
    direct: &[&PlannedImport],
) -> Option<Diagnostic> {
    if loader::finds(lib, job, linker_dirs) {
        return None;
    }
    let o = symbols::read(lib, false).ok()?;
    let provided: Vec<&str> = direct
        .iter()
        .filter(|d| o.defines(d.symbol()))
        .map(|d| d.symbol())
        .collect();
    (!provided.is_empty()).then(|| loader::not_found_warning(lib, job, &some(&provided, 5)))
}

/// Where the preflight looked, in words.
fn looked_in(job: &LinkJob, args: &search::ArgLibraries, system: &[String], dirs: &[PathBuf]) -> String {
    let user: Vec<String> = args.libs.iter().map(search::spell).collect();
    let mut looked = vec![format!("{} NativeLibrary item(s)", job.native_libraries.len())];
    if !user.is_empty() {
        looked.push(format!("LinkerArg {}", user.join(" ")));
    }
    let mut seen = BTreeSet::new();
    let system: Vec<&str> = system
        .iter()
        .map(String::as_str)
        .filter(|s| seen.insert(*s))
        .collect();
    looked.push(format!("system libraries {}", system.join(", ")));
    format!(
        "looked in the objects, {}, in {} search folder(s)",
        looked.join(", "),
        dirs.len()
    )
}

/// The DirectPInvokeList that keeps `module`'s resolved direct imports direct and leaves the
/// `undefined` ones lazy, written into the intermediate folder when there is one.
fn suggested_list(
    job: &LinkJob,
    direct: &[&PlannedImport],
    module: &str,
    undefined: &[&str],
) -> Option<SuggestedList> {
    let defined: Vec<String> = direct
        .iter()
        .filter(|d| d.module == module && !undefined.contains(&d.symbol()))
        .map(|d| d.entry.clone())
        .collect();
    let dir = job.intermediate_dir.as_ref().filter(|_| !defined.is_empty())?;
    Some(SuggestedList {
        path: dir.join(format!("{}.DirectPInvokeList.txt", file_safe(module))),
        module: module.to_string(),
        entries: defined,
    })
}

/// The unresolved direct imports by module, in plan order: (module, native symbols).
fn by_module<'p>(unresolved: &[&'p PlannedImport]) -> Vec<(&'p str, Vec<&'p str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
    for d in unresolved {
        match out.iter_mut().find(|(m, _)| *m == d.module) {
            Some((_, v)) => v.push(d.symbol()),
            None => out.push((&d.module, vec![d.symbol()])),
        }
    }
    out
}

/// A module name as a file name: path separators and control characters become `_`.
fn file_safe(module: &str) -> String {
    module
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() || c == ':' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// AOTI0520 for one module: every entry point nothing defines, and the way out.
fn unresolved_error(
    job: &LinkJob,
    module: &str,
    undefined: &[&str],
    list: Option<&SuggestedList>,
    looked: &str,
) -> Diagnostic {
    let hint = crate::import_libraries::kind_name(job.target.format);
    // Names from the request or an assembly: escaped (a newline in one forged a line).
    let shown = |s: &str| aotinterop_model::diag::shown(s, 120);
    let module = &shown(module);
    let undefined: Vec<String> = undefined.iter().map(|s| shown(s)).collect();
    let names = undefined
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let what = match undefined.as_slice() {
        [one] => {
            format!("direct import `{module}!{one}`: nothing the link or the loader will see defines `{one}`")
        }
        _ => format!(
            "{} direct imports of `{module}`: nothing the link or the loader will see defines {names}",
            undefined.len()
        ),
    };
    let way_out = match list {
        Some(l) => format!(
            "The link does define the module's other {} entry point(s): {} lists them, written for you; use it as a \
             DirectPInvokeList in place of the items that make the whole module direct, and the undefined ones stay lazy. \
             Or add",
            l.entries.len(),
            l.path.display()
        ),
        None => "Add".to_string(),
    };
    Diagnostic::error(
        codes::DIRECT_IMPORT_UNRESOLVED,
        format!(
            "{what} ({looked}); the image would fail to link or to start. {way_out} its library as a NativeLibrary \
             item or a LinkerArg (`-l...`), or leave the import lazy; or, when the library exists only where the \
             image will run, set `generate_import_libraries` (MSBuild: AotInteropGenerateImportLibraries) to link \
             against the {hint} aotinterop generates for it"
        ),
    )
}

/// AOTI0520 for a direct import of the image itself (`__Internal`, `*`) that nothing the link
/// reads defines.
fn internal_unresolved(imp: &PlannedImport, looked: &str) -> Diagnostic {
    let shown = |s: &str| aotinterop_model::diag::shown(s, 120);
    Diagnostic::error(
        codes::DIRECT_IMPORT_UNRESOLVED,
        format!(
            "direct import `{}!{}`: the image binds it from itself, but nothing the link reads defines `{}` \
             ({looked}); the image would fail to link. Add the object or NativeLibrary item that defines it, or \
             leave the import lazy",
            shown(&imp.module),
            shown(&imp.entry),
            shown(imp.symbol())
        ),
    )
}

/// A lazy import's stub defines its call symbol; a NativeLibrary that defines it too would either
/// clash at the link or, worse, win silently and bypass the lazy binding.
fn lazy_stubs_defined(plan: &Plan, native: &[(PathBuf, Offered)], diags: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    for imp in plan
        .imports
        .iter()
        .filter(|i| i.binding == aotinterop_model::Binding::Lazy)
    {
        if !seen.insert(imp.call_symbol.as_str()) {
            continue;
        }
        for (path, offered) in native {
            if offered.strong.contains(&imp.call_symbol) {
                diags.push(
                    Diagnostic::error(
                        codes::LAZY_STUB_DEFINED,
                        format!(
                            "this NativeLibrary defines `{}`, the symbol compiled code calls for the lazy import \
                             `{}!{}`, whose stub defines it too: make the import direct (a DirectPInvoke item), or \
                             leave the library out",
                            imp.call_symbol, imp.module, imp.entry
                        ),
                    )
                    .at(path),
                );
            }
        }
    }
}

/// A lazy import's stub named like a function the lazy resolver itself calls (`memcpy`,
/// `strlen`, `dlsym`, `open`: the runtime archive's undefined symbols and the functions it
/// looks up by name) would be called from inside the resolver, whose first call then never
/// returns: refused before the link.
fn lazy_stubs_the_resolver_calls(job: &LinkJob, plan: &Plan, diags: &mut Vec<Diagnostic>) {
    let lazy: BTreeMap<&str, &PlannedImport> = plan
        .imports
        .iter()
        .filter(|i| i.binding == aotinterop_model::Binding::Lazy)
        .map(|i| (i.call_symbol.as_str(), i))
        .collect();
    if lazy.is_empty() {
        return;
    }
    // The functions the Unix resolver looks up by name; the Windows one looks up none.
    let unix = job.target.format != Format::Coff;
    let mut called: BTreeSet<String> = aotinterop_runtime::resolver::LATE_BOUND
        .iter()
        .filter(|_| unix)
        .map(|s| s.to_string())
        .collect();
    for archive in &job.runtime_inputs {
        called.extend(symbols::undefined(archive));
    }
    for (symbol, imp) in lazy {
        if called.contains(symbol) {
            diags.push(stub_the_resolver_calls(symbol, imp));
        }
    }
}

fn stub_the_resolver_calls(symbol: &str, imp: &PlannedImport) -> Diagnostic {
    let shown = |s: &str| aotinterop_model::diag::shown(s, 120);
    Diagnostic::error(
        codes::LAZY_STUB_DEFINED,
        format!(
            "`{}` is the call symbol of the lazy import `{}!{}`, and the lazy resolver itself calls a function of \
             that name: the import's stub would be called from inside the resolver, and the first call would never \
             return; give the import another `symbol`, or make it direct",
            shown(symbol),
            shown(&imp.module),
            shown(&imp.entry)
        ),
    )
}

/// Warns about strong global symbols defined by two NativeLibrary items, one warning per pair.
fn duplicates(native: &[(PathBuf, Offered)], diags: &mut Vec<Diagnostic>) {
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pairs: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
    for (i, (_, o)) in native.iter().enumerate() {
        for s in &o.strong {
            match owner.get(s.as_str()) {
                Some(&first) if first != i => pairs.entry((first, i)).or_default().push(s),
                Some(_) => {}
                None => {
                    owner.insert(s, i);
                }
            }
        }
    }
    for ((a, b), syms) in pairs {
        diags.push(
            Diagnostic::warning(
                codes::DUPLICATE_SYMBOL,
                format!(
                    "{} global symbol(s) defined both here and in {}: {}; the linker takes the first it sees, \
                     so which one the image calls depends on the order of the NativeLibrary items",
                    syms.len(),
                    native[a].0.display(),
                    some(&syms, 5)
                ),
            )
            .at(&native[b].0),
        );
    }
}
