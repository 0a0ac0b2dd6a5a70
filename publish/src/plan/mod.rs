//! The plan: how every import binds (direct or lazy) and why, what gets linked and what gets
//! exported.

mod mono_lookup;
pub mod naming;
mod text;

pub use text::render_text;

use crate::direct_pinvoke::hints::{self, ImportIndex};
use crate::direct_pinvoke::{sdk_defaults, windows_list};
use crate::direct_pinvoke::{DirectPInvokePolicy, SourceId};
use crate::imports::Import;
use crate::request::{LoadedRequest, WindowsApiList};
use crate::surface::Surface;
use aotinterop_model::diag::shown;
use aotinterop_model::diag::{codes, Diagnostic, Error, Location, Result};
use aotinterop_model::names::{self, X86Convention};
use aotinterop_model::plan::{
    Counts, ExportPlan, LinkPlan, Plan, PlannedExport, PlannedImport, Reason, ReasonSource, SourceKind,
    WindowsListOrigin,
};
use aotinterop_model::{Binding, Compiler, DotNet, EntryLookup, Platform};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

/// Builds the DirectPInvoke policy of a request: the Windows list and DirectPInvokeList files
/// first, then the DirectPInvoke items, as native AOT does.
pub fn build_policy(
    loaded: &LoadedRequest,
) -> Result<(DirectPInvokePolicy, Option<WindowsListOrigin>, Vec<Diagnostic>)> {
    let req = &loaded.request;
    let mut policy = DirectPInvokePolicy::new(loaded.request.rid, loaded.dotnet);
    let mut diags = Vec::new();
    let mut origin = None;
    if loaded.request.rid.is_windows() {
        let mut skipped = Vec::new();
        let found = match &req.windows_api_list {
            WindowsApiList::Disabled => Some(WindowsListOrigin::Disabled),
            WindowsApiList::File(p) => Some(WindowsListOrigin::Request { path: p.clone() }),
            WindowsApiList::Auto => windows_list::nuget_packages_root().and_then(|root| {
                let (found, passed_over) = windows_list::nuget_cache_lists(&root);
                skipped = passed_over;
                found.map(|path| WindowsListOrigin::NugetCache { path })
            }),
        };
        let found = found.unwrap_or(WindowsListOrigin::BuiltIn);
        match &found {
            WindowsListOrigin::Request { path } | WindowsListOrigin::NugetCache { path } => {
                let (text, warning) = crate::direct_pinvoke::list_file::read(path, "Windows API list")?;
                diags.extend(warning);
                policy.add_list_text(path, &text, SourceKind::WindowsApiList)?;
            }
            WindowsListOrigin::BuiltIn => {
                let mut passed_over = match skipped.first() {
                    Some(p) => format!(
                        " ({} was passed over: not a regular file, or one another user could have put there)",
                        aotinterop_model::diag::shown_path(p, 300)
                    ),
                    None => String::new(),
                };
                let relative = std::env::var_os("NUGET_PACKAGES")
                    .is_some_and(|p| !p.is_empty() && !std::path::Path::new(&p).is_absolute());
                if relative {
                    passed_over.push_str(" (NUGET_PACKAGES is relative, which would be the current directory's, and was ignored)");
                }
                diags.push(Diagnostic::warning(
                    codes::WINDOWS_LIST_BUILTIN,
                    format!(
                        "no Windows API list (WindowsAPIs.txt) was named or found in the NuGet package cache{passed_over}; \
                         using aotinterop's built-in list of core kernel32/ucrtbase APIs"
                    ),
                ));
                policy.add_builtin_windows_list(std::path::Path::new("<built-in Windows API list>"))?;
            }
            WindowsListOrigin::Disabled => {}
        }
        origin = Some(found);
    }
    // The SDK's items name .NET's own native shims, which ILC links statically; a Mono image
    // links none of them (Mono's shims are its runtime's own, set apart by the scan).
    if req.sdk_direct_pinvoke && req.compiler != Compiler::Mono {
        let items = sdk_defaults::items(loaded.request.rid, loaded.dotnet, req.invariant_globalization);
        let targets = format!(
            "{} ({})",
            sdk_defaults::targets_file(loaded.request.rid),
            loaded.dotnet
        );
        policy.add_sdk_defaults(std::path::Path::new(&targets), &items)?;
    }
    for list in &req.direct_pinvoke_list {
        policy.add_list_file(list)?;
    }
    // Each item's own place (its text may stand earlier in the request, as a module name).
    let places = loaded.locate_elements("direct_pinvoke");
    for (i, item) in req.direct_pinvoke.iter().enumerate() {
        let place = places.get(i).cloned();
        policy.add_item(
            item,
            &place.unwrap_or_else(|| loaded.locate_field(&format!("direct_pinvoke[{i}]"))),
        )?;
    }
    diags.extend(policy.take_warnings());
    Ok((policy, origin, diags))
}

fn reason_source(policy: &DirectPInvokePolicy, id: SourceId) -> ReasonSource {
    let s = &policy.sources()[id as usize];
    ReasonSource {
        kind: s.kind,
        text: s.text.to_string(),
        file: policy.file(s).to_path_buf(),
        line: (s.line > 0).then_some(s.line),
    }
}

fn describe(src: &ReasonSource) -> String {
    let at = match src.line {
        Some(l) => format!("{}:{l}", src.file.display()),
        None => src.file.display().to_string(),
    };
    match src.kind {
        SourceKind::Item => format!("DirectPInvoke item `{}` ({at})", shown(&src.text, 200)),
        SourceKind::List => format!("DirectPInvokeList `{}` ({at})", shown(&src.text, 200)),
        SourceKind::WindowsApiList => format!("Windows API list `{}` ({at})", shown(&src.text, 200)),
        SourceKind::BuiltinWindowsList => format!("built-in Windows API list `{}`", src.text),
        SourceKind::SdkDefault => format!(
            "SDK default DirectPInvoke `{}` (the framework's native shim, linked statically by {})",
            src.text,
            src.file.display()
        ),
    }
}

/// Plans a publish: decides every import of `surface` under the request's DirectPInvoke
/// configuration and gathers what gets linked and exported.
pub fn plan(loaded: &LoadedRequest, surface: Surface) -> Result<Plan> {
    let req = &loaded.request;
    let (policy, windows_api_list, mut diagnostics) = build_policy(loaded)?;
    let call_symbols = naming::call_symbols(&surface.imports);
    let mut decided = Decided::new(&policy, loaded, surface.imports.len());
    let mut decider = policy.decider();
    for (imp, call_symbol) in surface.imports.into_iter().zip(call_symbols) {
        let d = decider.decide(&imp);
        decided.add(imp, call_symbol, d);
    }
    let Decided {
        imports,
        hits,
        module_counts,
        counts,
        bare_charset,
        undecorated,
        ..
    } = decided;
    diagnostics.extend(undecorated.iter().map(|(m, e, c)| undecorated_warning(m, e, *c)));
    if req.compiler == Compiler::Mono {
        mono_lookup::check(&imports)?;
    }
    let modules: BTreeMap<String, Counts> = module_counts.into_iter().collect();
    check_emittable(loaded, &imports, &modules)?;
    diagnostics.extend(unmatched_warnings(&policy, &hits, &imports));
    diagnostics.extend(
        bare_charset
            .iter()
            .map(|(m, entries)| bare_charset_warning(m, entries)),
    );
    let link = link_plan(loaded, &modules);
    let exports = plan_exports(loaded, &surface.exports);
    check_export_names(&exports)?;
    if let Some(d) = dll_main(loaded, &exports)? {
        diagnostics.push(d);
    }
    Ok(Plan {
        rid: loaded.request.rid.to_string(),
        rules: loaded.dotnet,
        native_lib: req.native_lib,
        output: req.output.clone(),
        lazy_lookup: aotinterop_model::plan::LazyLookup {
            current_directory: req.search_current_directory,
            process_directory: req.native_lib == aotinterop_model::OutputKind::Shared
                && req.assembly_directory == crate::request::AssemblyDirectory::Executable,
        },
        counts,
        modules,
        imports,
        runtime_imports: surface.runtime_imports,
        link,
        exports,
        windows_api_list,
        diagnostics,
    })
}

/// The imports decided so far, and what the decisions found along the way.
struct Decided<'p> {
    policy: &'p DirectPInvokePolicy,
    loaded: &'p LoadedRequest,
    /// Each source's reason, written once however many imports it decides.
    reasons: Vec<Option<(Arc<ReasonSource>, Arc<str>)>>,
    /// The sources that decided or named an import.
    hits: Vec<bool>,
    imports: Vec<PlannedImport>,
    /// Counted in a hash map (one lookup per import), sorted once at the end.
    module_counts: rustc_hash::FxHashMap<String, Counts>,
    counts: Counts,
    /// Bare Windows modules that keep an entry point without its `W` spelling.
    bare_charset: BTreeMap<String, Vec<String>>,
    /// win-x86 imports whose decorated name cannot be written.
    undecorated: Vec<(String, String, X86Convention)>,
}

impl<'p> Decided<'p> {
    fn new(policy: &'p DirectPInvokePolicy, loaded: &'p LoadedRequest, imports: usize) -> Self {
        Decided {
            policy,
            loaded,
            reasons: vec![None; policy.sources().len()],
            hits: vec![false; policy.sources().len()],
            imports: Vec::with_capacity(imports),
            module_counts: Default::default(),
            counts: Counts::default(),
            bare_charset: BTreeMap::new(),
            undecorated: Vec::new(),
        }
    }

    /// Adds `imp`, called as `call_symbol`, bound as `d` decided.
    fn add(&mut self, imp: Import, call_symbol: String, d: crate::direct_pinvoke::Decision) {
        let rid = self.loaded.request.rid;
        let (source, reason) = self.reason(&imp, &d);
        if d.direct && rid.is_windows() && !imp.exact_spelling && !imp.charset.is_ansi() && d.whole_module {
            self.bare_charset
                .entry(imp.module.clone())
                .or_default()
                .push(imp.entry.clone());
        }
        let lookup = if d.direct {
            EntryLookup::AsWritten
        } else {
            EntryLookup::lazy(&imp.entry, imp.charset, imp.exact_spelling, rid.platform())
        };
        let (spelling, stdcall_probe) = self.x86_names(&imp, &d);
        self.count(&imp.module, d.direct);
        let also = d.also.iter().map(|&id| reason_source(self.policy, id)).collect();
        let binding = if d.direct { Binding::Direct } else { Binding::Lazy };
        let Import {
            module,
            entry,
            charset,
            exact_spelling,
            set_last_error,
            method,
            symbol: _,
            assembly,
            type_name,
            signature,
            calling_convention,
            stack_bytes,
            search_path,
            best_fit_mapping: _,
            throw_on_unmappable_char: _,
        } = imp;
        self.imports.push(PlannedImport {
            module,
            entry,
            binding,
            spelling,
            call_symbol,
            reason,
            source,
            also,
            lookup,
            charset,
            exact_spelling,
            set_last_error,
            method,
            assembly,
            type_name,
            signature,
            calling_convention,
            search_path,
            stack_bytes,
            stdcall_probe,
        });
    }

    /// The source that decided `imp` (marked as hit, with every other source naming it) and
    /// the reason in words.
    fn reason(
        &mut self,
        imp: &Import,
        d: &crate::direct_pinvoke::Decision,
    ) -> (Option<Arc<ReasonSource>>, Reason) {
        let mut text = None;
        let source = d.source.map(|id| {
            self.hits[id as usize] = true;
            let policy = self.policy;
            let (src, described) = self.reasons[id as usize].get_or_insert_with(|| {
                let src = reason_source(policy, id);
                let text = Arc::from(describe(&src));
                (Arc::new(src), text)
            });
            text = Some(described.clone());
            src.clone()
        });
        for &id in &d.also {
            self.hits[id as usize] = true;
        }
        let reason = match (text, imp.module.as_str(), d.direct) {
            (Some(text), _, _) => Reason::Shared(text),
            (None, "*", true) => Reason::Star,
            _ => Reason::DefaultLazy,
        };
        if d.direct && imp.module == "__Internal" {
            let text = format!("{reason}; `__Internal` means the main program");
            return (source, Reason::Shared(Arc::from(text)));
        }
        (source, reason)
    }

    /// The native spelling of `imp` and whether its lazy lookup probes stdcall names: a direct
    /// Windows ordinal is written `#N`, N as native AOT reads it (`# 1`, `#01` and `#65537` are
    /// `#1`: the import table holds the number); on win-x86 direct symbols are decorated, and
    /// lazy stdcall ones are probed decorated too (from .NET 9 on); an import whose decorated
    /// name cannot be written is noted.
    fn x86_names(&mut self, imp: &Import, d: &crate::direct_pinvoke::Decision) -> (Option<Box<str>>, bool) {
        let rid = self.loaded.request.rid;
        let mut spelling = d.spelling.clone();
        if let Some(n) =
            names::ordinal(&imp.entry).filter(|_| rid.is_windows() && d.direct && spelling.is_none())
        {
            let canonical = format!("#{n}");
            return ((canonical != imp.entry).then(|| canonical.into()), false);
        }
        let x86_windows = rid.is_windows() && rid.arch == aotinterop_model::Arch::X86;
        if !x86_windows || names::ordinal(&imp.entry).is_some() {
            return (spelling, false);
        }
        let convention = X86Convention::of(imp.calling_convention);
        let undecorated = (imp.module.clone(), imp.entry.clone(), convention);
        if d.direct {
            let native = spelling.as_deref().unwrap_or(&imp.entry);
            match names::x86_decorated(native, convention, imp.stack_bytes) {
                Some(decorated) => spelling = Some(decorated.into()),
                None => self.undecorated.push(undecorated),
            }
            return (spelling, false);
        }
        if convention == X86Convention::Stdcall && self.loaded.dotnet >= DotNet::Net10 {
            if imp.stack_bytes.is_none() {
                self.undecorated.push(undecorated);
            }
            return (spelling, imp.stack_bytes.is_some());
        }
        (spelling, false)
    }

    /// Counts an import of `module`, in all and for its module.
    fn count(&mut self, module: &str, direct: bool) {
        let m = match self.module_counts.get_mut(module) {
            Some(m) => m,
            None => self.module_counts.entry(module.to_string()).or_default(),
        };
        for c in [&mut self.counts, m] {
            c.imports += 1;
            if direct {
                c.direct += 1
            } else {
                c.lazy += 1
            }
        }
    }
}

/// What the emit step would refuse, refused here with a place: a direct import whose native
/// symbol no linker can bind (a space or NUL: `# 1` off Windows, where it is no ordinal), and
/// lazy imports of more libraries than the import table can number.
fn check_emittable(
    loaded: &LoadedRequest,
    imports: &[PlannedImport],
    modules: &BTreeMap<String, Counts>,
) -> Result<()> {
    let unlinkable = |i: &&PlannedImport| {
        i.binding == Binding::Direct && i.symbol().bytes().any(|b| b == 0 || b.is_ascii_whitespace())
    };
    let at = |imp: &PlannedImport| match &imp.source {
        Some(src) => src
            .line
            .map_or_else(|| Location::file(&src.file), |l| Location::line(&src.file, l)),
        None => loaded.locate(&imp.entry),
    };
    if let Some(imp) = imports.iter().find(unlinkable) {
        return Err(unlinkable_symbol(imp).at(at(imp)));
    }
    // One call symbol for two imports that bind differently (a caller-given `symbol` used
    // twice): one stub cannot serve both.
    let mut first: rustc_hash::FxHashMap<&str, &PlannedImport> = Default::default();
    for imp in imports {
        match first.get(imp.call_symbol.as_str()) {
            Some(earlier) => {
                if let Some(why) = earlier.binding_difference(imp) {
                    return Err(call_symbol_twice(imp, why).at(at(imp)));
                }
            }
            None => {
                first.insert(&imp.call_symbol, imp);
            }
        }
    }
    // A generated stand-in is named after the module: a name no import table can hold, or no
    // file system (over 255 bytes: it failed at the emit step).
    let target = loaded.request.rid.target();
    let too_long = |m: &str| {
        target.is_some_and(|t| {
            let file = aotinterop_linker::import_libraries::default_file_name(m, &t);
            file.rsplit(['/', '\\']).next().map_or(0, str::len) > 255
        })
    };
    let unnameable = |i: &&PlannedImport| {
        loaded.request.generate_import_libraries
            && i.binds_from_library()
            && (i.module.chars().any(|c| c.is_control()) || too_long(&i.module))
    };
    if let Some(imp) = imports.iter().find(unnameable) {
        return Err(unnameable_module(imp).at(at(imp)));
    }
    let lazy_modules = modules.values().filter(|c| c.lazy > 0).count();
    if lazy_modules > usize::from(u16::MAX) {
        return Err(Error::new(
            codes::IMPORT_INVALID,
            format!(
                "lazy imports of {lazy_modules} libraries: the import table numbers at most 65,535; bind some \
                 directly, or split the app"
            ),
        )
        .at(Location::file(&loaded.origin)));
    }
    Ok(())
}

/// AOTI0013 for an import whose call symbol another import that binds differently has too.
fn call_symbol_twice(imp: &PlannedImport, why: &str) -> Error {
    Error::new(
        codes::IMPORT_INVALID,
        format!(
            "import `{}!{}`: its symbol `{}` is given to another import too, and {why}: give each its own symbol",
            shown(&imp.module, 120),
            shown(&imp.entry, 120),
            shown(&imp.call_symbol, 120)
        ),
    )
}

/// AOTI0013 for a direct import whose module a generated stand-in cannot be named after (a
/// control character in it, or too long a name).
fn unnameable_module(imp: &PlannedImport) -> Error {
    Error::new(
        codes::IMPORT_INVALID,
        format!(
            "direct import `{}!{}`: its module's name {}, which a generated stand-in cannot name to the loader; \
             leave it lazy, or correct its DllImport name",
            shown(&imp.module, 120),
            shown(&imp.entry, 120),
            match imp.module.chars().find(|c| c.is_control()) {
                Some(c) => format!("holds a control character (`{}`)", c.escape_debug()),
                None => "is longer than a file name can be (255 bytes)".to_string(),
            }
        ),
    )
}

/// AOTI0013 for a direct import whose native symbol holds a space or NUL.
fn unlinkable_symbol(imp: &PlannedImport) -> Error {
    Error::new(
        codes::IMPORT_INVALID,
        format!(
            "direct import `{}!{}`: its native symbol `{}` holds a space or a NUL, which no linker binds; leave \
             it lazy, or correct its EntryPoint",
            shown(&imp.module, 120),
            shown(&imp.entry, 120),
            shown(imp.symbol(), 120)
        ),
    )
}

fn undecorated_warning(module: &str, entry: &str, convention: X86Convention) -> Diagnostic {
    let what = match convention {
        X86Convention::Thiscall => "native AOT cannot decorate a thiscall P/Invoke".to_string(),
        _ => format!(
            "the size of its arguments on the stack is not known (a parameter of a value type defined elsewhere?), \
             so its {convention:?} name `_{entry}@N` cannot be written: give `stack_bytes` in the imports file"
        ),
    };
    Diagnostic::warning(
        codes::X86_UNDECORATED,
        format!("win-x86 import `{module}!{entry}`: {what}; the plan uses the name as written"),
    )
}

fn bare_charset_warning(module: &str, entries: &[String]) -> Diagnostic {
    Diagnostic::warning(
        codes::BARE_MODULE_CHARSET,
        format!(
            "{} Unicode import(s) of `{module}` (for example `{}`) are direct through a whole-module item, which \
             keeps the entry point as written: the `W` spelling is looked for only with `module!entry` items. Set \
             ExactSpelling, or list `{module}!{}W`",
            entries.len(),
            entries[0],
            entries[0]
        ),
    )
}

/// What gets linked: the request's objects, NativeLibrary items and LinkerArgs, and the modules
/// bound directly and lazily.
fn link_plan(loaded: &LoadedRequest, modules: &BTreeMap<String, Counts>) -> LinkPlan {
    let req = &loaded.request;
    let with = |pick: fn(&Counts) -> usize| {
        modules
            .iter()
            .filter(|(_, c)| pick(c) > 0)
            .map(|(m, _)| m.clone())
            .collect()
    };
    LinkPlan {
        objects: req.objects.clone(),
        native_library: req.native_library.clone(),
        linker_arg: req.linker_arg.clone(),
        direct_modules: with(|c| c.direct),
        lazy_modules: with(|c| c.lazy),
        // Filled in by the preflight, which knows what the link lacks.
        generated: Vec::new(),
    }
}

/// Every exported name an export file can hold, checked before anything is linked; all the
/// bad ones named at once.
fn check_export_names(exports: &ExportPlan) -> Result<()> {
    let bad: Vec<String> = exports
        .symbols
        .iter()
        .filter(|e| e.exported)
        .filter_map(|e| aotinterop_linker::exports::check_symbol(&e.name).err())
        .map(|e| e.diagnostic().message.clone())
        .collect();
    match bad.as_slice() {
        [] => Ok(()),
        [one] => Err(Error::new(codes::EXPORT_NAME_INVALID, one.clone())),
        many => Err(Error::new(
            codes::EXPORT_NAME_INVALID,
            format!(
                "{} exported names cannot be written to an export file: {}",
                many.len(),
                many.join("; ")
            ),
        )),
    }
}

/// An exported entry point named `DllMain` on Windows: .NET 10 refuses it (its bootstrapper
/// defines one), .NET 8 warns (the loader calls it under the loader lock).
fn dll_main(loaded: &LoadedRequest, exports: &ExportPlan) -> Result<Option<Diagnostic>> {
    let Some(dll_main) = exports.symbols.iter().find(|e| e.exported && e.name == "DllMain") else {
        return Ok(None);
    };
    if !loaded.request.rid.is_windows() {
        return Ok(None);
    }
    let what = format!(
        "`{}` exports an UnmanagedCallersOnly entry point named `DllMain`",
        dll_main.method.as_deref().unwrap_or("the request")
    );
    match loaded.dotnet {
        DotNet::Net10 => Err(Error::new(
            codes::EXPORT_DLLMAIN,
            format!(
                "{what}: native AOT reserves DllMain for its own (its bootstrapper defines one, so the link would \
                 fail with a duplicate symbol); initialize from an exported function instead"
            ),
        )),
        DotNet::Net8 => Ok(Some(Diagnostic::warning(
            codes::EXPORT_DLLMAIN_CALLED,
            format!(
                "{what}: the Windows loader will call it under the loader lock, where the .NET runtime cannot start; \
                 .NET 10 refuses it"
            ),
        ))),
    }
}

fn plan_exports(loaded: &LoadedRequest, scanned: &[crate::surface::NativeExport]) -> ExportPlan {
    let req = &loaded.request;
    let on = req.exports_unmanaged_entrypoints();
    let mut symbols = Vec::new();
    for e in scanned {
        let (exported, reason) = match (e.exported, on) {
            (true, true) => (true, "UnmanagedCallersOnly entry point".to_string()),
            (true, false) => (
                false,
                "IlcExportUnmanagedEntrypoints is off (it defaults to on for NativeLib=Shared only)"
                    .to_string(),
            ),
            (false, _) => (
                false,
                "declared outside the published assembly and the unmanaged-entry-point assemblies"
                    .to_string(),
            ),
        };
        symbols.push(PlannedExport {
            name: e.name.clone(),
            method: e.method.clone(),
            assembly: e.assembly.clone(),
            exported,
            reason,
        });
    }
    for s in &req.exports.symbols {
        symbols.push(PlannedExport {
            name: s.clone(),
            method: None,
            assembly: None,
            exported: true,
            reason: "named in the request's exports.symbols".to_string(),
        });
    }
    ExportPlan {
        unmanaged_entrypoints: on,
        symbols,
    }
}

/// Warnings for DirectPInvoke items that match no import, and list files none of whose lines do.
fn unmatched_warnings(
    policy: &DirectPInvokePolicy,
    hits: &[bool],
    imports: &[PlannedImport],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let unmatched_items = policy
        .sources()
        .iter()
        .enumerate()
        .any(|(id, s)| s.kind == SourceKind::Item && !hits[id]);
    let mut index: ImportIndex<'_> = BTreeMap::new();
    if unmatched_items {
        for imp in imports {
            index
                .entry(imp.module.as_str())
                .or_default()
                .insert(imp.entry.as_str());
        }
    }
    // An item written twice (or in a list too) matched through its first writing: its others
    // match the same imports.
    let matched: std::collections::HashSet<&str> = policy
        .sources()
        .iter()
        .enumerate()
        .filter(|(id, _)| hits[*id])
        .map(|(_, s)| &*s.text)
        .collect();
    let mut list_files: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    /// The unmatched items that get a "did you mean" hint.
    const HINTED_ITEMS: usize = 100;
    let mut hinted = 0;
    for (id, src) in policy.sources().iter().enumerate() {
        match src.kind {
            SourceKind::Item if !hits[id] && !matched.contains(&*src.text) => {}
            SourceKind::Item => continue,
            SourceKind::List => {
                let e = list_files.entry(src.file).or_default();
                e.0 += 1;
                e.1 += hits[id] as usize;
                continue;
            }
            _ => continue,
        }
        let (module, entry) = match src.text.split_once('!') {
            Some((m, e)) => (m, Some(e)),
            None => (&*src.text, None),
        };
        // An item `*` for an app that imports from `*`: those are direct whatever the items say
        // (it read as matching nothing, "write `*`").
        if module == "*" && index.contains_key("*") {
            continue;
        }
        // Hints for the first items only: each compares the item with every module of the app
        // (thousands of unmatched items against thousands of imports took minutes).
        hinted += 1;
        if hinted > HINTED_ITEMS {
            let msg = format!(
                "DirectPInvoke item `{}` matches no import of the app",
                shown(&src.text, 200)
            );
            out.push(Diagnostic::warning(codes::ITEM_UNMATCHED, msg).at(policy.location(id as SourceId)));
            continue;
        }
        // The app's modules this item's module matches under the comparison rules.
        let matching: BTreeSet<&str> = index
            .iter()
            .filter(|(m, _)| {
                policy
                    .module_variations(m)
                    .iter()
                    .any(|v| policy.module_spelling(v).is_some() && same_module(policy, v, module))
            })
            .flat_map(|(_, entries)| entries.iter().copied())
            .collect();
        let hint = match entry {
            Some(e) if !matching.is_empty() => hints::entry_hint(e, &matching, policy.platform()),
            _ => hints::module_hint(module, &index, policy.platform()),
        };
        let mut msg = format!(
            "DirectPInvoke item `{}` matches no import of the app",
            shown(&src.text, 200)
        );
        if let Some(h) = hint {
            msg.push_str(": ");
            msg.push_str(&h);
        }
        out.push(Diagnostic::warning(codes::ITEM_UNMATCHED, msg).at(policy.location(id as SourceId)));
    }
    let files: BTreeMap<u32, PathBuf> = policy
        .sources()
        .iter()
        .filter(|s| s.kind == SourceKind::List)
        .map(|s| (s.file, policy.file(s).to_path_buf()))
        .collect();
    for (file, (total, hit)) in list_files {
        if hit == 0 && !imports.is_empty() {
            out.push(
                Diagnostic::warning(
                    codes::LIST_UNMATCHED,
                    format!("none of the {total} lines of this DirectPInvokeList file matches an import of the app"),
                )
                .at(Location::file(&files[&file])),
            );
        }
    }
    out
}

fn same_module(policy: &DirectPInvokePolicy, a: &str, b: &str) -> bool {
    if policy.platform() == Platform::Windows {
        aotinterop_model::names::ordinal_ignore_case(a) == aotinterop_model::names::ordinal_ignore_case(b)
    } else {
        a == b
    }
}
