//! `verify`: compares an image with its plan. The image must bind at startup every direct
//! import (or define it, when it was linked statically), bind none of the lazy ones, carry a
//! stub record for every lazy one, and export what the plan exports and nothing it does not.
//! A library the link saw only as a generated stand-in must be among the image's needed
//! libraries by the name the stand-in gave it, with its symbols bound from it. Both ways: every
//! stub record of the image must be a lazy import of the plan, and the image must be of the
//! plan's target (format and machine).

use crate::diag::{codes, Error, Result};
use crate::{Format, Inspection};
use aotinterop_model::names::library_stem;
use aotinterop_model::OutputKind;
use aotinterop_model::{Binding, Plan};
use object::read::archive::ArchiveFile;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// The loader binds at startup an import the plan calls lazy.
    LazyBoundAtStartup,
    /// A lazy import has no stub record (nor, in a native AOT image, a fixup cell).
    LazyRecordMissing,
    /// A direct import is neither bound at startup nor defined in the image.
    DirectMissing,
    /// An export of the plan is not exported.
    ExportMissing,
    /// The image exports a symbol the plan says is not exported.
    ExportUnexpected,
    /// A library the link saw as a generated stand-in is not among the libraries the image needs.
    GeneratedNotNeeded,
    /// A symbol of a generated stand-in is bound from another library, or not at startup.
    GeneratedBoundElsewhere,
    /// The image carries a stub record for a lazy import the plan does not have.
    LazyUnplanned,
    /// A lazy import's module record looks the library up otherwise than the plan says.
    LazyLookupDiffers,
}

/// One difference between image and plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What differs.
    pub kind: DifferenceKind,
    /// The symbol (or entry point) concerned.
    pub symbol: String,
    /// Its module, for imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The details, in words.
    pub detail: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names come from the image and the plan: escaped and shortened.
        let v = |t: &str| aotinterop_model::diag::shown(t, 200);
        match &self.module {
            Some(m) => write!(
                f,
                "{}!{}: {}",
                v(m),
                v(&self.symbol),
                aotinterop_model::diag::shown(&self.detail, 400)
            ),
            None => write!(
                f,
                "{}: {}",
                v(&self.symbol),
                aotinterop_model::diag::shown(&self.detail, 400)
            ),
        }
    }
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Direct imports checked.
    pub direct: usize,
    /// Lazy imports checked.
    pub lazy: usize,
    /// Exports checked.
    pub exports: usize,
    /// Every difference; empty when the image matches the plan.
    pub differences: Vec<Difference>,
}

impl VerifyReport {
    /// True when the image matches the plan.
    pub fn ok(&self) -> bool {
        self.differences.is_empty()
    }

    /// The differences as one error, or `Ok` when there are none.
    pub fn into_result(self) -> Result<Self> {
        if self.ok() {
            return Ok(self);
        }
        let list: Vec<String> = self.differences.iter().map(|d| format!("  {d}")).collect();
        Err(Error::new(
            codes::VERIFY_MISMATCH,
            format!(
                "the image does not match its plan ({} difference(s)):\n{}",
                list.len(),
                list.join("\n")
            ),
        ))
    }
}

/// A library name reduced for comparison (the model's [`library_stem`]).
fn stem(name: &str, format: Format) -> String {
    library_stem(name, format.platform())
}

/// Symbols that the NativeLibrary archives at `paths` define (those that can be read), by
/// their symbol indexes: what [`verify`] needs of them when no earlier step read them.
pub fn native_library_symbols(paths: &[std::path::PathBuf]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for path in paths {
        let Ok(data) = aotinterop_model::diag::read_binary(path, "NativeLibrary item", codes::BAD_FORMAT)
        else {
            continue;
        };
        let Ok(archive) = ArchiveFile::parse(&*data) else {
            continue;
        };
        if let Ok(Some(symbols)) = archive.symbols() {
            for s in symbols.flatten() {
                out.insert(String::from_utf8_lossy(s.name()).into_owned());
            }
        }
    }
    out
}

/// The image must be of the plan's target: its format and machine (a win-x64 plan says nothing
/// about a Linux image).
fn check_target(image: &Inspection, plan: &Plan) -> Result<()> {
    // A plan written by hand for no target in particular is checked for its imports only.
    if plan.rid == "any" {
        return Ok(());
    }
    let Some(row) = aotinterop_model::TargetRow::of_rid(&plan.rid) else {
        return Err(Error::new(
            codes::VERIFY_MISMATCH,
            format!(
                "the plan is for {}, which aotinterop does not link for: it is no plan of an image it made",
                aotinterop_model::diag::shown(&plan.rid.to_string(), 60)
            ),
        ));
    };
    let kind = match plan.native_lib {
        OutputKind::Shared => crate::ImageKind::Shared,
        _ => crate::ImageKind::Executable,
    };
    if image.kind != kind {
        let words = |k| match k {
            crate::ImageKind::Shared => "a shared library",
            crate::ImageKind::Executable => "an executable",
            _ => "neither an executable nor a shared library",
        };
        return Err(Error::new(
            codes::VERIFY_MISMATCH,
            format!(
                "the plan is for {}, but the image is {}",
                words(kind),
                words(image.kind)
            ),
        ));
    }
    // The C library an ELF image links against: glibc's `libc.so.6`, musl's `libc.so`.
    let libc = |name: &str| image.needed.iter().any(|n| n == name);
    let other_libc = match row.target.libc {
        aotinterop_model::Libc::Gnu if libc("libc.so") => Some("musl (it needs libc.so)"),
        aotinterop_model::Libc::Musl if libc("libc.so.6") => Some("glibc (it needs libc.so.6)"),
        _ => None,
    };
    if let (Format::Elf, Some(other)) = (image.format, other_libc) {
        return Err(Error::new(
            codes::VERIFY_MISMATCH,
            format!(
                "the plan is for {}, but the image is linked against {other}",
                plan.rid
            ),
        ));
    }
    let arch = row.target.arch;
    if row.target.format != image.format || image.arch != crate::ImageArch::Known(arch) {
        return Err(Error::new(
            codes::VERIFY_MISMATCH,
            format!(
                "the plan is for {} ({} {}), but the image is {} {}",
                plan.rid,
                row.target.format.name(),
                arch.name(),
                image.format.name(),
                image.arch
            ),
        ));
    }
    Ok(())
}

/// Compares `image` with `plan`; `native` holds the symbols its NativeLibrary items define (a
/// direct import one of them defines is linked in, not imported). Reads nothing.
pub fn verify(image: &Inspection, plan: &Plan, native: &BTreeSet<String>) -> Result<VerifyReport> {
    if plan.native_lib == OutputKind::Static {
        return Err(Error::new(
            codes::BAD_FORMAT,
            "the plan is for a static archive (NativeLib=Static): verify the image a host links it into",
        ));
    }
    check_target(image, plan)?;
    let mut c = Checker {
        image,
        plan,
        needed: image.needed.iter().map(|n| stem(n, image.format)).collect(),
        lazy: image.lazy.iter().fold(BTreeMap::new(), |mut m, l| {
            let recorded: &mut Vec<_> = m.entry((l.module.as_str(), l.entry.as_str())).or_default();
            recorded.extend(l.recorded_lookup);
            m
        }),
        imported: image.imports.iter().rev().map(|i| (i.name.as_str(), i)).collect(),
        native,
        differences: Vec::new(),
    };
    for imp in &plan.imports {
        match imp.binding {
            Binding::Lazy => c.lazy_import(imp),
            Binding::Direct => c.direct_import(imp),
        }
    }
    c.unplanned_lazy();
    for lib in &plan.link.generated {
        c.generated(lib);
    }
    c.exports();
    let count = |b: Binding| plan.imports.iter().filter(|i| i.binding == b).count();
    Ok(VerifyReport {
        direct: count(Binding::Direct),
        lazy: count(Binding::Lazy),
        exports: plan.exports.symbols.len(),
        differences: c.differences,
    })
}

/// The words of a module record that looks a library up otherwise than the plan says.
fn lookup_differs(want: &crate::RecordedLookup, got: &crate::RecordedLookup) -> String {
    format!(
        "the plan looks its library up with DllImportSearchPath {:#x} and module flags {:#x}, but the image's \
         record with {:#x} and {:#x} (another .NET release's rules, `search_current_directory` or \
         `assembly_directory`)",
        want.search_path, want.flags, got.search_path, got.flags
    )
}

/// What [`verify`] compares, and the differences found so far.
struct Checker<'a> {
    image: &'a Inspection,
    plan: &'a Plan,
    /// The image's needed libraries, reduced for comparison.
    needed: Vec<String>,
    /// The image's lazy records, (module, entry), with the lookups their module records hold.
    lazy: BTreeMap<(&'a str, &'a str), Vec<crate::RecordedLookup>>,
    /// The image's imported symbols by name (the first of each name).
    imported: std::collections::HashMap<&'a str, &'a crate::ImportedSymbol>,
    /// The NativeLibrary items' symbols.
    native: &'a BTreeSet<String>,
    differences: Vec<Difference>,
}

impl Checker<'_> {
    fn diff(&mut self, kind: DifferenceKind, symbol: &str, module: Option<&str>, detail: String) {
        self.differences.push(Difference {
            kind,
            symbol: symbol.to_string(),
            module: module.map(str::to_string),
            detail,
        })
    }

    /// A lazy import: not bound at startup by the loader, and listed in a lazy record.
    fn lazy_import(&mut self, imp: &aotinterop_model::plan::PlannedImport) {
        let image = self.image;
        let module = stem(&imp.module, image.format);
        // A startup binding of the entry's own name is this import's when compiled code calls
        // it by that name (or the plan does not say what it calls: an image of .NET's
        // compiler); when it calls a call symbol of its own, the binding is some other code's
        // use of the function (Mono's runtime calls libc's `close` too).
        let called_by_name = imp.call_symbol.is_empty() || imp.call_symbol == imp.symbol();
        if let Some(bound) = self.imported.get(imp.symbol()).filter(|_| called_by_name) {
            let same_library = match &bound.lib_name {
                Some(l) => stem(l, image.format) == module,
                None => self.needed.contains(&module) || self.needed.is_empty(),
            };
            if same_library {
                let from = bound
                    .lib_name
                    .as_deref()
                    .map(|l| format!(" from {l}"))
                    .unwrap_or_default();
                self.diff(
                    DifferenceKind::LazyBoundAtStartup,
                    imp.symbol(),
                    Some(&imp.module),
                    format!("the plan binds it lazily, but the loader binds it at startup{from}"),
                );
            }
        }
        if !self.lazy.contains_key(&(imp.module.as_str(), imp.entry.as_str())) {
            self.diff(
                DifferenceKind::LazyRecordMissing,
                &imp.entry,
                Some(&imp.module),
                "the plan binds it lazily, but no stub record (or native AOT fixup cell) lists it"
                    .to_string(),
            );
            return;
        }
        self.lookup(imp);
    }

    /// A lazy import's module record: looked up as the plan says (its `DllImportSearchPath`
    /// under the plan's .NET rules, and the plan's lookup of every module).
    fn lookup(&mut self, imp: &aotinterop_model::plan::PlannedImport) {
        let search = aotinterop_model::LibrarySearch::of(imp.search_path.map(|s| s.0), self.plan.rules);
        let whole = self.plan.lazy_lookup;
        let (search_path, flags) =
            aotinterop_runtime::abi::module_record(search, whole.current_directory, whole.process_directory);
        let want = crate::RecordedLookup { search_path, flags };
        let empty = Vec::new();
        let recorded = self
            .lazy
            .get(&(imp.module.as_str(), imp.entry.as_str()))
            .unwrap_or(&empty);
        if let Some(got) = recorded.first().filter(|_| !recorded.contains(&want)) {
            self.diff(
                DifferenceKind::LazyLookupDiffers,
                &imp.entry,
                Some(&imp.module),
                lookup_differs(&want, got),
            );
        }
    }

    /// A direct import: imported or defined by the image (or by a NativeLibrary item).
    fn direct_import(&mut self, imp: &aotinterop_model::plan::PlannedImport) {
        let image = self.image;
        if self.imported.contains_key(imp.symbol()) || image.defines(imp.symbol()) {
            return;
        }
        // win-x86: the plan holds the COFF symbol (`_Sleep@4`); the import table holds the
        // name the import library gave it.
        if image.format == Format::Coff
            && image.arch == crate::ImageArch::Known(aotinterop_model::Arch::X86)
            && aotinterop_model::names::x86_import_names(imp.symbol())
                .iter()
                .any(|n| image.imports_symbol(n).is_some())
        {
            return;
        }
        if self.native.contains(imp.symbol()) {
            return;
        }
        let detail = if image.delay_loaded.iter().any(|d| d.name == imp.symbol()) {
            "the plan binds it directly, but it is delay-loaded"
        } else {
            "the plan binds it directly, but the image neither imports nor defines it"
        };
        self.diff(
            DifferenceKind::DirectMissing,
            imp.symbol(),
            Some(&imp.module),
            detail.to_string(),
        );
    }

    /// Both ways: every stub record of the image is a lazy import of the plan (.NET's
    /// compiler's cells may hold the framework's own P/Invokes, which a plan of the app's
    /// assemblies lacks).
    fn unplanned_lazy(&mut self) {
        if self.image.lazy_reader != Some(crate::LazyReader::Aotimp) {
            return;
        }
        let planned: BTreeSet<(&str, &str)> = self
            .plan
            .imports
            .iter()
            .filter(|i| i.binding == Binding::Lazy)
            .map(|i| (i.module.as_str(), i.entry.as_str()))
            .collect();
        let image = self.image;
        for l in &image.lazy {
            if !planned.contains(&(l.module.as_str(), l.entry.as_str())) {
                self.diff(
                    DifferenceKind::LazyUnplanned,
                    &l.entry,
                    Some(&l.module),
                    "the image binds it lazily (a stub record), but the plan has no such lazy import"
                        .to_string(),
                );
            }
        }
    }

    /// A generated stand-in: the image needs its library and binds its symbols from it.
    fn generated(&mut self, lib: &aotinterop_model::plan::GeneratedLibrary) {
        let image = self.image;
        let key = crate::loader_name_key;
        let same = |a: &str, b: &str| key(image.format, a) == key(image.format, b);
        if !image.needed.iter().any(|n| same(n, &lib.file)) {
            self.diff(
                DifferenceKind::GeneratedNotNeeded,
                &lib.file,
                Some(&lib.module),
                format!(
                    "the link was given a generated stand-in naming `{}`, but the image does not list it among the \
                     libraries it needs ({})",
                    lib.file,
                    image.needed.join(", ")
                ),
            );
        }
        for s in &lib.symbols {
            let name = match s.ordinal {
                Some(n) => format!("#{n}"),
                None => s.export.clone().unwrap_or_else(|| s.symbol.clone()),
            };
            let detail = match image.imports_symbol(&name).map(|b| b.lib_name.as_deref()) {
                None => {
                    Some("the stand-in defines it, but the image does not bind it at startup".to_string())
                }
                Some(Some(from)) if !same(from, &lib.file) => Some(format!(
                    "the stand-in for `{}` defines it, but the image binds it from {from}",
                    lib.file
                )),
                _ => None,
            };
            if let Some(detail) = detail {
                self.diff(
                    DifferenceKind::GeneratedBoundElsewhere,
                    &name,
                    Some(&lib.module),
                    detail,
                );
            }
        }
    }

    /// The exports, both ways.
    fn exports(&mut self) {
        let exported: BTreeSet<&str> = self.image.exports.iter().map(String::as_str).collect();
        let plan = self.plan;
        for e in &plan.exports.symbols {
            match (e.exported, exported.contains(e.name.as_str())) {
                (true, false) => self.diff(
                    DifferenceKind::ExportMissing,
                    &e.name,
                    None,
                    "the plan exports it, but the image does not".to_string(),
                ),
                (false, true) => self.diff(
                    DifferenceKind::ExportUnexpected,
                    &e.name,
                    None,
                    "the image exports it, but the plan says it is not exported".to_string(),
                ),
                _ => {}
            }
        }
    }
}
