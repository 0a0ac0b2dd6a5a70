//! The plan: how every import binds (direct or lazy) and why, what gets linked and what gets
//! exported. `aotinterop plan` writes it as JSON, `aotinterop verify --plan` reads that JSON back
//! into the same types, and the publish pipeline hands it from step to step as a value.

use crate::codes;
use crate::diag::{Diagnostic, Result};
use crate::dllimport::{Binding, CallingConvention, Charset, DllImportSearchPath, OutputKind};
use crate::dotnet::DotNet;
use crate::names::EntryLookup;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What kind of thing made an import direct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A `DirectPInvoke` item.
    Item,
    /// A line of a `DirectPInvokeList` file.
    List,
    /// A line of the Windows pre-populated API list found on disk.
    WindowsApiList,
    /// An entry of aotinterop's built-in Windows API list.
    BuiltinWindowsList,
    /// An item the SDK's native AOT targets add by themselves (the framework's native shims).
    SdkDefault,
}

/// The item or list line that decided an import, in a form tools can read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonSource {
    /// What kind of source.
    pub kind: SourceKind,
    /// The item or line as written.
    pub text: String,
    /// The file it is in.
    pub file: PathBuf,
    /// Its line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// Which Windows API list a plan used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum WindowsListOrigin {
    /// The file the request names.
    Request {
        /// The file.
        path: PathBuf,
    },
    /// Found in the NuGet package cache.
    NugetCache {
        /// The file.
        path: PathBuf,
    },
    /// aotinterop's built-in list.
    BuiltIn,
    /// Turned off by the request.
    Disabled,
}

/// Why an import binds as it does, in words: a fixed text for the defaults, or the text of the
/// deciding item or list line, shared by every import it decides (so the many imports the default
/// decides share a text without counting references).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// `default: lazy`.
    DefaultLazy,
    /// DllImport module `*`.
    Star,
    /// The deciding item's text.
    Shared(Arc<str>),
}

const DEFAULT_LAZY: &str = "default: lazy";
const STAR: &str = "DllImport module `*` is always direct";

impl std::ops::Deref for Reason {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Reason::DefaultLazy => DEFAULT_LAZY,
            Reason::Star => STAR,
            Reason::Shared(text) => text,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self)
    }
}

impl From<String> for Reason {
    fn from(text: String) -> Self {
        match text.as_str() {
            DEFAULT_LAZY => Reason::DefaultLazy,
            STAR => Reason::Star,
            _ => Reason::Shared(Arc::from(text)),
        }
    }
}

/// One import in the plan.
///
/// Its JSON form (see `docs/request.md`) also carries `symbol` (the native symbol) and, for lazy
/// imports resolved by more than one spelling, `candidates`; both are derived on output rather than
/// stored, so a plan of many imports allocates once per import for its call symbol only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedImport {
    /// DllImport module as written.
    pub module: String,
    /// Entry point as declared (`#N` for an ordinal).
    pub entry: String,
    /// Direct or lazy.
    pub binding: Binding,
    /// The native symbol when it is not the entry point as written: the `W`/`A` spelling that
    /// matched for a direct import on Windows. See [`PlannedImport::symbol`].
    pub spelling: Option<Box<str>>,
    /// The symbol compiled code calls (see `docs/naming.md`).
    pub call_symbol: String,
    /// Why, in words (shared by every import the same item decides).
    pub reason: Reason,
    /// Why, for tools: the deciding item or list line.
    pub source: Option<Arc<ReasonSource>>,
    /// Other items or lines that also name this entry point.
    pub also: Box<[ReasonSource]>,
    /// The spellings the lazy resolver tries (see [`PlannedImport::candidates`]).
    pub lookup: EntryLookup,
    /// `CharSet`.
    pub charset: Charset,
    /// `ExactSpelling`.
    pub exact_spelling: bool,
    /// `SetLastError`.
    pub set_last_error: bool,
    /// The managed method.
    pub method: Option<String>,
    /// The declaring assembly.
    pub assembly: Option<String>,
    /// The declaring type.
    pub type_name: Option<String>,
    /// The managed signature as text (`int32(string, native int)`), when a scan decoded it.
    pub signature: Option<String>,
    /// The calling convention.
    pub calling_convention: Option<CallingConvention>,
    /// `DllImportSearchPath` (`None`: the default).
    pub search_path: Option<DllImportSearchPath>,
    /// What the arguments take on the x86 stack, when known.
    pub stack_bytes: Option<u32>,
    /// win-x86, .NET 9 and later: a lazy stdcall import is also looked up as `_spelling@N`
    /// after each spelling (see [`PlannedImport::candidates`]).
    pub stdcall_probe: bool,
}

impl PlannedImport {
    /// How `self` and `other` bind differently, in words, or `None` when one stub serves both
    /// (imports that share a call symbol must bind alike).
    pub fn binding_difference(&self, other: &PlannedImport) -> Option<&'static str> {
        if self.binding != other.binding {
            Some("it is direct for one and lazy for the other")
        } else if self.module != other.module {
            Some("they name two libraries")
        } else if self.binding == Binding::Lazy && self.search_path != other.search_path {
            Some("their DllImportSearchPath differs, so the library is looked for in different places")
        } else if self.entry != other.entry
            || self.symbol() != other.symbol()
            || self.charset != other.charset
            || self.exact_spelling != other.exact_spelling
        {
            Some("their entry point, CharSet or ExactSpelling differs, so different names are looked up")
        } else if self.set_last_error != other.set_last_error {
            Some("one sets SetLastError and the other does not")
        } else {
            None
        }
    }

    /// A lazy import of `entry` from `module`, called as `call_symbol`, with default flags and the
    /// entry point looked up as written.
    pub fn lazy(call_symbol: &str, module: &str, entry: &str) -> Self {
        PlannedImport {
            module: module.into(),
            entry: entry.into(),
            binding: Binding::Lazy,
            spelling: None,
            call_symbol: call_symbol.into(),
            reason: Reason::DefaultLazy,
            source: None,
            also: Box::default(),
            lookup: EntryLookup::AsWritten,
            charset: Charset::None,
            exact_spelling: false,
            set_last_error: false,
            method: None,
            assembly: None,
            type_name: None,
            signature: None,
            calling_convention: None,
            search_path: None,
            stack_bytes: None,
            stdcall_probe: false,
        }
    }

    /// A direct import binding native `symbol` of `module`, called as `call_symbol`.
    pub fn direct(call_symbol: &str, module: &str, symbol: &str) -> Self {
        PlannedImport {
            binding: Binding::Direct,
            reason: Reason::Shared(Arc::from("")),
            ..Self::lazy(call_symbol, module, symbol)
        }
    }

    /// The native symbol: the entry point, or the `W`/`A` spelling that matched on Windows.
    pub fn symbol(&self) -> &str {
        self.spelling.as_deref().unwrap_or(&self.entry)
    }

    /// The entry-point spellings the lazy resolver tries, in order.
    pub fn candidates(&self) -> Vec<String> {
        let base = self.lookup.candidates(&self.entry);
        match (self.stdcall_probe, self.stack_bytes) {
            (true, Some(n)) => crate::names::with_stdcall_probes(base, n),
            _ => base,
        }
    }

    /// True for direct imports the OS loader binds from a named library: every direct import but
    /// those of `__Internal` (the image itself) and `*`.
    pub fn binds_from_library(&self) -> bool {
        self.binding == Binding::Direct && self.module != "__Internal" && self.module != "*"
    }
}

/// The JSON form of a [`PlannedImport`]: borrowed when written, owned when read.
#[derive(Serialize, Deserialize)]
struct PlannedImportJson<'a> {
    module: Cow<'a, str>,
    entry: Cow<'a, str>,
    binding: Binding,
    #[serde(default)]
    symbol: Option<Cow<'a, str>>,
    #[serde(default)]
    call_symbol: Cow<'a, str>,
    #[serde(default)]
    reason: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<Cow<'a, ReasonSource>>,
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    also: Cow<'a, [ReasonSource]>,
    /// Lazy imports on Windows RIDs without ExactSpelling: the spellings tried, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    candidates: Option<Vec<String>>,
    #[serde(default)]
    charset: Charset,
    #[serde(default)]
    exact_spelling: bool,
    #[serde(default)]
    set_last_error: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    assembly: Option<Cow<'a, str>>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    type_name: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calling_convention: Option<CallingConvention>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    search_path: Option<DllImportSearchPath>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stack_bytes: Option<u32>,
}

fn borrowed(s: &Option<String>) -> Option<Cow<'_, str>> {
    s.as_deref().map(Cow::Borrowed)
}

impl Serialize for PlannedImport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        PlannedImportJson {
            module: Cow::Borrowed(&self.module),
            entry: Cow::Borrowed(&self.entry),
            binding: self.binding,
            symbol: Some(Cow::Borrowed(self.symbol())),
            call_symbol: Cow::Borrowed(&self.call_symbol),
            reason: Cow::Borrowed(&self.reason),
            source: self.source.as_deref().map(Cow::Borrowed),
            also: Cow::Borrowed(&self.also),
            candidates: (self.lookup != EntryLookup::AsWritten || self.stdcall_probe)
                .then(|| self.candidates()),
            charset: self.charset,
            exact_spelling: self.exact_spelling,
            set_last_error: self.set_last_error,
            method: borrowed(&self.method),
            assembly: borrowed(&self.assembly),
            type_name: borrowed(&self.type_name),
            signature: borrowed(&self.signature),
            calling_convention: self.calling_convention,
            search_path: self.search_path,
            stack_bytes: self.stack_bytes,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PlannedImport {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let j = PlannedImportJson::deserialize(d)?;
        let entry = j.entry.into_owned();
        let spelling = j.symbol.filter(|s| *s != entry).map(|s| s.into());
        let lookup = j.candidates.as_deref().map_or(EntryLookup::AsWritten, |c| {
            EntryLookup::from_candidates(&entry, c)
        });
        let stdcall_probe = match (&j.candidates, j.stack_bytes) {
            (Some(c), Some(n)) => c
                .iter()
                .any(|s| s.starts_with('_') && s.ends_with(&format!("@{n}"))),
            _ => false,
        };
        Ok(PlannedImport {
            module: j.module.into_owned(),
            binding: j.binding,
            spelling,
            call_symbol: j.call_symbol.into_owned(),
            reason: Reason::from(j.reason.into_owned()),
            source: j.source.map(|s| Arc::new(s.into_owned())),
            also: j.also.into_owned().into_boxed_slice(),
            lookup,
            charset: j.charset,
            exact_spelling: j.exact_spelling,
            set_last_error: j.set_last_error,
            method: j.method.map(Cow::into_owned),
            assembly: j.assembly.map(Cow::into_owned),
            type_name: j.type_name.map(Cow::into_owned),
            signature: j.signature.map(Cow::into_owned),
            calling_convention: j.calling_convention,
            search_path: j.search_path,
            stack_bytes: j.stack_bytes,
            stdcall_probe,
            entry,
        })
    }
}

/// Counts for one module or the whole plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counts {
    /// Imports.
    pub imports: usize,
    /// Direct imports.
    pub direct: usize,
    /// Lazy imports.
    pub lazy: usize,
}

/// What the link step will be given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkPlan {
    /// Object files of compiled code.
    pub objects: Vec<PathBuf>,
    /// `NativeLibrary` items.
    pub native_library: Vec<PathBuf>,
    /// `LinkerArg` items.
    pub linker_arg: Vec<String>,
    /// Modules with at least one direct import: the OS loader must find these at startup.
    pub direct_modules: Vec<String>,
    /// Modules with at least one lazy import: loaded on first call.
    pub lazy_modules: Vec<String>,
    /// Libraries the link was given as generated stand-ins (`generate_import_libraries`): an
    /// import library, stub shared object or text-based stub for direct imports nothing else
    /// in the link defines. The loader binds the real library at startup.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generated: Vec<GeneratedLibrary>,
}

/// A library the link sees only as a generated stand-in (see `docs/linking.md`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedLibrary {
    /// The DllImport module as written.
    pub module: String,
    /// The name the loader looks for: the DLL name (Windows), `DT_SONAME` (ELF) or install name
    /// (Mach-O).
    pub file: String,
    /// The symbols bound from it, in plan order.
    pub symbols: Vec<GeneratedSymbol>,
    /// The real library read at publish time for its names, exports and versions, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_from: Option<PathBuf>,
}

/// One symbol of a [`GeneratedLibrary`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedSymbol {
    /// The symbol the image references (the plan's native symbol: `_name@N` on win-x86).
    pub symbol: String,
    /// The name the library exports it by, when not `symbol` (win-x86: undecorated `name`, or
    /// `name@N` as MinGW exports stdcall functions). Absent for an ordinal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<String>,
    /// Bound by ordinal (`#N` entry points, Windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordinal: Option<u16>,
    /// The ELF symbol version (the library's default one), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One export in the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedExport {
    /// The exported symbol.
    pub name: String,
    /// The managed method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The declaring assembly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assembly: Option<String>,
    /// Whether the image exports it.
    pub exported: bool,
    /// Why or why not.
    #[serde(default)]
    pub reason: String,
}

/// The export side of the plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportPlan {
    /// `IlcExportUnmanagedEntrypoints` as it applies to this publish.
    pub unmanaged_entrypoints: bool,
    /// Every entry point and requested symbol.
    pub symbols: Vec<PlannedExport>,
}

impl ExportPlan {
    /// The symbols the image exports.
    pub fn exported(&self) -> impl Iterator<Item = &str> {
        self.symbols
            .iter()
            .filter(|e| e.exported)
            .map(|e| e.name.as_str())
    }
}

/// A P/Invoke of an assembly compiled into the image that the AOT compiler's runtime binds
/// itself rather than aotinterop (Mono: `__Internal` and its own native shims), and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeImport {
    /// The DllImport module name as written.
    pub module: String,
    /// The entry point.
    pub entry: String,
    /// The declaring assembly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assembly: Option<String>,
    /// The managed method (`Namespace.Type::Method`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Why the runtime binds it.
    pub reason: String,
}

/// How the lazy resolver looks every module up, beyond each import's `DllImportSearchPath`:
/// what the request's `search_current_directory` and `assembly_directory` set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LazyLookup {
    /// A relative name may be looked up from the current directory.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub current_directory: bool,
    /// The AssemblyDirectory step searches the process executable's folder, not the image's
    /// (a shared library published with `assembly_directory: executable`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub process_directory: bool,
}

impl LazyLookup {
    fn is_default(&self) -> bool {
        *self == LazyLookup::default()
    }
}

/// The whole plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The runtime identifier.
    pub rid: String,
    /// The .NET release whose native AOT rules the plan follows.
    #[serde(default)]
    pub rules: DotNet,
    /// What is produced.
    #[serde(default)]
    pub native_lib: OutputKind,
    /// Where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
    /// How the lazy resolver looks every module up, beyond each import's `DllImportSearchPath`.
    #[serde(default, skip_serializing_if = "LazyLookup::is_default")]
    pub lazy_lookup: LazyLookup,
    /// Totals.
    #[serde(default)]
    pub counts: Counts,
    /// Per module, in name order.
    #[serde(default)]
    pub modules: BTreeMap<String, Counts>,
    /// Every import, in the order found.
    #[serde(default)]
    pub imports: Vec<PlannedImport>,
    /// P/Invokes the AOT compiler's runtime binds itself (not counted in `imports`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_imports: Vec<RuntimeImport>,
    /// What gets linked.
    #[serde(default)]
    pub link: LinkPlan,
    /// What gets exported.
    #[serde(default)]
    pub exports: ExportPlan,
    /// The Windows pre-populated list used (Windows RIDs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_api_list: Option<WindowsListOrigin>,
    /// Warnings found while planning.
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
}

impl Plan {
    /// Parses plan JSON (what `aotinterop plan --format json` writes; fields it can derive may be
    /// left out, unknown ones are ignored); `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        if text.starts_with('\u{feff}') {
            return Err(Diagnostic::error(
                codes::PLAN_MALFORMED,
                "not a plan: it starts with a UTF-8 byte-order mark (BOM), which JSON does not allow: save it without one",
            )
            .at(crate::diag::Location::at(origin, 1, 1))
            .into());
        }
        // An array would read positionally (serde's sequence form of a struct): a plan is an object.
        if let Some(at) = text
            .find(|c: char| !c.is_whitespace())
            .filter(|&i| !text[i..].starts_with('{'))
        {
            return Err(
                Diagnostic::error(codes::PLAN_MALFORMED, "not a plan: a plan is a JSON object")
                    .at(crate::json_input::location_of_offset(text, origin, Some(at)))
                    .into(),
            );
        }
        let plan: Plan = serde_json::from_str(text).map_err(|e: serde_json::Error| -> crate::Error {
            // serde_json appends " at line L column C"; the location carries it.
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg);
            // serde_json reads an integer too large for 64 bits as a float.
            let msg = msg.replace(
                "invalid type: floating point",
                "a number that is no whole number in range (too large, or with a fraction):",
            );
            let at = match e.line() {
                0 => crate::diag::Location::file(origin),
                line => crate::diag::Location::at(origin, line as u32, e.column().max(1) as u32),
            };
            Diagnostic::error(
                codes::PLAN_MALFORMED,
                format!("not a plan: {}", crate::diag::shown(&msg, 400)),
            )
            .at(at)
            .into()
        })?;
        let stated = (plan.counts.imports, plan.counts.direct, plan.counts.lazy);
        let stated_modules = plan.modules.clone();
        let plan = plan.with_derived_counts();
        // So are the per-module totals, when the file states them.
        if !stated_modules.is_empty() && stated_modules != plan.modules {
            let module = stated_modules
                .keys()
                .chain(plan.modules.keys())
                .find(|m| stated_modules.get(*m) != plan.modules.get(*m))
                .cloned()
                .unwrap_or_default();
            return Err(Diagnostic::error(
                codes::PLAN_MALFORMED,
                format!(
                    "not a plan as aotinterop writes one: its `modules` count `{}` otherwise than its imports do; fix \
                     the counts or leave `modules` out",
                    crate::diag::shown(&module, 120)
                ),
            )
            .at(crate::diag::Location::file(origin))
            .into());
        }
        let counted = (plan.counts.imports, plan.counts.direct, plan.counts.lazy);
        // Totals a file states are checked, not taken (a plan edited by hand says otherwise); a
        // total left out (0) is counted.
        let differs = |a: usize, b: usize| a != 0 && a != b;
        if differs(stated.0, counted.0) || differs(stated.1, counted.1) || differs(stated.2, counted.2) {
            return Err(Diagnostic::error(
                codes::PLAN_MALFORMED,
                format!(
                    "not a plan as aotinterop writes one: its `counts` say {} imports ({} direct, {} lazy), but it \
                     lists {} ({} direct, {} lazy); fix the counts or leave them out",
                    stated.0, stated.1, stated.2, counted.0, counted.1, counted.2
                ),
            )
            .at(crate::diag::Location::file(origin))
            .into());
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = plan.imports.iter().find(|i| {
            // Overloads (mscorlib's `RegSetValueEx`s) differ by their signature alone.
            !seen.insert((
                &i.module,
                &i.entry,
                &i.call_symbol,
                (&i.assembly, &i.method, &i.signature),
                i.binding == Binding::Direct,
            ))
        }) {
            return Err(Diagnostic::error(
                codes::PLAN_MALFORMED,
                format!(
                    "not a plan as aotinterop writes one: the import `{}!{}` is listed twice",
                    crate::diag::shown(&twice.module, 120),
                    crate::diag::shown(&twice.entry, 120)
                ),
            )
            .at(crate::diag::Location::file(origin))
            .into());
        }
        Ok(plan)
    }

    /// The plan with its totals counted from its imports: what a file says of them (edited, or
    /// left out) is not taken.
    fn with_derived_counts(mut self) -> Plan {
        self.counts = Counts::default();
        self.modules.clear();
        for imp in &self.imports {
            let direct = imp.binding == Binding::Direct;
            let module = self.modules.entry(imp.module.clone()).or_default();
            for c in [&mut self.counts, module] {
                c.imports += 1;
                c.direct += usize::from(direct);
                c.lazy += usize::from(!direct);
            }
        }
        self
    }

    /// This plan with the stand-in import libraries the preflight decided on (a new plan).
    pub fn with_generated(mut self, generated: Vec<GeneratedLibrary>) -> Plan {
        self.link.generated = generated;
        self
    }

    /// Reads a plan file.
    pub fn load(path: &Path) -> Result<Self> {
        // A plan is text: bounded as every text input is.
        let data = crate::diag::read_bounded(path, "plan", crate::diag::TEXT_LIMIT)?;
        let text = String::from_utf8(data)
            .map_err(|_| Diagnostic::error(codes::PLAN_MALFORMED, "the plan is not UTF-8 text").at(path))?;
        Plan::parse(&text, path)
    }

    /// The direct imports the OS loader binds from a named library (see
    /// [`PlannedImport::binds_from_library`]).
    pub fn lib_imports(&self) -> impl Iterator<Item = &PlannedImport> {
        self.imports.iter().filter(|i| i.binds_from_library())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-edited plan whose stated totals disagree with its imports, or that lists an import
    /// twice, is refused (`verify` passed both); a total too large says so.
    #[test]
    fn edited_counts_and_repeated_imports_are_refused() {
        let import = r#"{"module": "libz.so.1", "entry": "zlibVersion", "binding": "lazy",
                         "call_symbol": "zv", "reason": "default"}"#;
        let plan = |counts: &str, imports: &str| {
            format!(r#"{{"rid": "linux-x64", "counts": {counts}, "imports": [{imports}]}}"#)
        };
        let err = |text: &str| Plan::parse(text, Path::new("p.json")).unwrap_err().to_string();
        assert!(err(&plan(r#"{"imports": 2}"#, import)).contains("say 2 imports"));
        assert!(err(&plan("{}", &format!("{import}, {import}"))).contains("listed twice"));
        let modules = |m: &str| {
            format!(r#"{{"rid": "linux-x64", "counts": {{}}, "modules": {m}, "imports": [{import}]}}"#)
        };
        assert!(err(&modules(
            r#"{"libz.so.1": {"imports": 1, "direct": 0, "lazy": 0}}"#
        ))
        .contains("`modules` count"));
        assert!(
            err(&modules(r#"{"other": {"imports": 1, "direct": 0, "lazy": 1}}"#)).contains("`modules` count")
        );
        let good = modules(r#"{"libz.so.1": {"imports": 1, "direct": 0, "lazy": 1}}"#);
        assert!(Plan::parse(&good, Path::new("p.json")).is_ok());
        assert!(err(&plan(r#"{"lazy": 99999999999999999999}"#, import)).contains("no whole number in range"));
        assert!(Plan::parse(&plan(r#"{"imports": 1, "lazy": 1}"#, import), Path::new("p.json")).is_ok());
    }

    #[test]
    fn reads_a_minimal_plan_and_derives_the_rest() {
        let p = Plan::parse(
            r#"{"rid": "linux-x64", "native_lib": "shared", "counts": {"imports": 1},
                "imports": [{"module": "libz", "entry": "compress", "binding": "lazy", "symbol": "compress",
                             "call_symbol": "x", "reason": "default: lazy"}],
                "link": {"objects": [], "native_library": ["a.a"]},
                "exports": {"unmanaged_entrypoints": true, "symbols": [{"name": "f", "exported": true, "reason": ""}]}}"#,
            Path::new("plan.json"),
        )
        .unwrap();
        assert_eq!(p.native_lib, OutputKind::Shared);
        assert_eq!(p.imports[0].binding, Binding::Lazy);
        assert_eq!(p.imports[0].reason, Reason::DefaultLazy);
        assert_eq!(p.link.native_library, [PathBuf::from("a.a")]);
        assert_eq!(p.exports.exported().collect::<Vec<_>>(), ["f"]);
        assert_eq!(p.lib_imports().count(), 0);
        // Totals are counted from the imports, whatever the file says.
        assert_eq!((p.counts.imports, p.counts.lazy), (1, 1));
        assert_eq!(p.modules["libz"].lazy, 1);
    }

    #[test]
    fn bad_plans_name_the_file_and_place() {
        // A lookup field it does not know is an error, not the default lookup.
        let e = Plan::parse(
            "{\"rid\": \"linux-x64\", \"lazy_lookup\": {\"bogus\": true}}",
            Path::new("p.json"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("bogus"), "{e}");
        // A byte-order mark is named (it read as "a plan is a JSON object").
        let e = Plan::parse("\u{feff}{\"rid\": \"linux-x64\"}", Path::new("p.json")).unwrap_err();
        assert!(e.to_string().contains("byte-order mark"), "{e}");
        let e = Plan::parse("{\"rid\": 3}", Path::new("p.json")).unwrap_err();
        assert_eq!(e.code(), codes::PLAN_MALFORMED);
        // The place once, as file:line:column; serde_json's own " at line" suffix dropped.
        let text = e.to_string();
        assert!(
            text.starts_with("p.json:1:9: error AOTI0506: not a plan: "),
            "{e}"
        );
        assert!(!text.contains(" at line "), "{e}");
        let e = Plan::parse(
            r#"{"rid": "x", "diagnostics": [{"severity": "warning", "code": "AOTI9999", "message": "m"}]}"#,
            Path::new("p.json"),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("unknown diagnostic code `AOTI9999`"),
            "{e}"
        );
    }

    #[test]
    fn an_import_survives_a_round_trip() {
        let mut imp = PlannedImport::lazy("pinvoke_user32__MessageBox", "user32", "MessageBox");
        imp.lookup = EntryLookup::WFirst;
        imp.charset = Charset::Unicode;
        imp.search_path = Some(DllImportSearchPath(0x802));
        imp.method = Some("App.Native::MessageBox".into());
        let mut x86 = PlannedImport::lazy("pinvoke_u32_MessageBox", "user32", "MessageBox");
        x86.lookup = EntryLookup::ThenA;
        x86.stack_bytes = Some(16);
        x86.stdcall_probe = true;
        let mut direct = PlannedImport::direct("pinvoke_k32__Sleep", "kernel32", "Sleep");
        direct.spelling = Some("SleepW".into());
        direct.reason = Reason::Shared(Arc::from("DirectPInvoke item `kernel32` (p.json)"));
        for i in [imp, x86, direct] {
            let text = serde_json::to_string(&i).unwrap();
            let back: PlannedImport = serde_json::from_str(&text).unwrap();
            assert_eq!(back, i, "{text}");
        }
    }
}
