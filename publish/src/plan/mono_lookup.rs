//! Imports of `compiler: mono` images. Mono's runtime looks each P/Invoke up by its assembly,
//! DllImport module and entry point as written; the host maps each such triple to one call symbol
//! (a per-assembly dllmap), so two DllImports of one module and entry point in one assembly share
//! a binding. Where they would bind differently (direct and lazy, or two search paths) that is an
//! error before anything is compiled, naming every clash. CharSet, ExactSpelling and SetLastError
//! never clash: off Windows no name is mangled, and Mono's wrapper keeps the last error itself.

use aotinterop_model::diag::{codes, Error, Result};
use aotinterop_model::PlannedImport;
use rustc_hash::FxHashMap;

/// Who declares an import, for messages: `` `Type::Method` int32(string) (Assembly) ``.
fn declared(i: &PlannedImport) -> String {
    let what = match (&i.type_name, &i.method) {
        (Some(t), Some(m)) => format!("{t}::{m}"),
        (None, Some(m)) => m.clone(),
        _ => format!("{}!{}", i.module, i.entry),
    };
    let sig = i
        .signature
        .as_deref()
        .map(|s| format!(" {s}"))
        .unwrap_or_default();
    match &i.assembly {
        Some(a) => format!("`{what}`{sig} ({a})"),
        None => format!("`{what}`{sig}"),
    }
}

/// Why two imports Mono looks up as one cannot share a binding.
fn lookup_difference(a: &PlannedImport, b: &PlannedImport) -> Option<&'static str> {
    if a.binding != b.binding {
        Some("direct for one and lazy for the other")
    } else if a.search_path != b.search_path {
        Some("their DllImportSearchPath differs")
    } else {
        None
    }
}

/// One clash, as a line of the message.
fn clash_line(first: &PlannedImport, other: &PlannedImport, why: &str) -> String {
    format!(
        "  `{}!{}`: {} and {}: {why}",
        first.module,
        first.entry,
        declared(first),
        declared(other)
    )
}

/// Checks that the imports Mono looks up as one bind alike; the error lists every clash.
pub fn check(imports: &[PlannedImport]) -> Result<()> {
    let mut first: FxHashMap<(Option<&str>, &str, &str), &PlannedImport> = FxHashMap::default();
    let mut clashes = Vec::new();
    for imp in imports {
        let key = (imp.assembly.as_deref(), imp.module.as_str(), imp.entry.as_str());
        match first.get(&key) {
            None => {
                first.insert(key, imp);
            }
            Some(prev) => {
                if let Some(why) = lookup_difference(prev, imp) {
                    clashes.push(clash_line(prev, imp, why));
                }
            }
        }
    }
    if clashes.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        codes::ENTRY_SYMBOL_CLASH,
        format!(
            "Mono looks up each P/Invoke by its assembly, library and entry point, so these DllImports share one \
             binding, but they bind differently ({} clash{}):\n{}\nGive them one binding (DirectPInvoke both or \
             neither; one DefaultDllImportSearchPaths), or give one its own EntryPoint and a native alias",
            clashes.len(),
            if clashes.len() == 1 { "" } else { "es" },
            clashes.join("\n")
        ),
    ))
}
