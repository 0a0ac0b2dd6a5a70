//! Warnings no .NET tool gives, across all scanned assemblies: one native entry point declared
//! incompatibly, one library spelled several ways, and two exports with one name.

use super::assembly::{ScannedExport, ScannedImport};
use aotinterop_model::diag::{codes, Diagnostic, Location};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// An import or export together with the file it came from.
pub struct Placed<'a, T> {
    /// The item.
    pub item: &'a T,
    /// The assembly file.
    pub file: &'a PathBuf,
}

/// The same `module!entry` declared with different managed signatures or charsets.
pub fn conflicting_imports(imports: &[Placed<'_, ScannedImport>]) -> Vec<Diagnostic> {
    let mut groups: BTreeMap<(&str, &str), Vec<&Placed<'_, ScannedImport>>> = BTreeMap::new();
    for p in imports {
        let imp = &p.item.import;
        groups.entry((&imp.module, &imp.entry)).or_default().push(p);
    }
    let mut out = Vec::new();
    for ((module, entry), places) in groups {
        let shapes: BTreeSet<(Option<&str>, String)> = places
            .iter()
            .map(|p| {
                (
                    p.item.signature.as_deref(),
                    format!("{:?}", p.item.import.charset).to_lowercase(),
                )
            })
            .collect();
        if shapes.len() < 2 {
            continue;
        }
        // One example declaration per distinct shape.
        let mut shown = BTreeSet::new();
        let mut lines = Vec::new();
        for p in &places {
            let shape = (
                p.item.signature.as_deref(),
                format!("{:?}", p.item.import.charset).to_lowercase(),
            );
            if shown.insert(shape.clone()) {
                lines.push(format!(
                    "{} in {} ({}, charset {})",
                    managed_name(&p.item.import),
                    p.item.import.assembly.as_deref().unwrap_or("?"),
                    shape.0.unwrap_or("undecodable signature"),
                    shape.1
                ));
            }
        }
        out.push(
            Diagnostic::warning(
                codes::IMPORT_CONFLICT,
                format!(
                    "`{module}!{entry}` is declared {} ways: {}",
                    shapes.len(),
                    lines.join("; ")
                ),
            )
            .at(Location::file(places[0].file)),
        );
    }
    out
}

/// A library's name with the decorations loaders add or strip: lowercase, no `lib` prefix, no
/// `.so[.N...]`, `.dll` or `.dylib` suffix. `libc`, `libc.so.6` and `c` are all `c`.
pub fn library_key(module: &str) -> String {
    let mut m = module.to_ascii_lowercase();
    if let Some(pos) = m.find(".so") {
        let rest = &m[pos + 3..];
        if rest.is_empty()
            || rest.starts_with('.') && rest[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            m.truncate(pos);
        }
    }
    for suffix in [".dll", ".dylib", ".exe"] {
        if let Some(stem) = m.strip_suffix(suffix) {
            m = stem.to_string();
            break;
        }
    }
    match m.strip_prefix("lib") {
        Some(stem) if !stem.is_empty() => stem.to_string(),
        _ => m,
    }
}

/// Per spelling of a library: how many imports, in which assemblies, and the first file.
type Spellings<'a> = BTreeMap<&'a str, (usize, BTreeSet<&'a str>, &'a PathBuf)>;

/// One library spelled several ways.
pub fn module_spellings(imports: &[Placed<'_, ScannedImport>]) -> Vec<Diagnostic> {
    let mut groups: BTreeMap<String, Spellings<'_>> = BTreeMap::new();
    for p in imports {
        let module = p.item.import.module.as_str();
        if module == "*" || module == "__Internal" {
            continue;
        }
        let e = groups
            .entry(library_key(module))
            .or_default()
            .entry(module)
            .or_insert((0, BTreeSet::new(), p.file));
        e.0 += 1;
        e.1.insert(p.item.import.assembly.as_deref().unwrap_or("?"));
    }
    let mut out = Vec::new();
    for spellings in groups.values() {
        if spellings.len() < 2 {
            continue;
        }
        let list: Vec<String> = spellings
            .iter()
            .map(|(name, (n, asms, _))| {
                let asms: Vec<&str> = asms.iter().copied().take(3).collect();
                let more = if asms.len() < spellings[name].1.len() {
                    ", ..."
                } else {
                    ""
                };
                format!(
                    "`{name}` ({n} import{}, in {}{more})",
                    if *n == 1 { "" } else { "s" },
                    asms.join(", ")
                )
            })
            .collect();
        let first_file = spellings.values().next().map(|v| v.2);
        let d = Diagnostic::warning(
            codes::MODULE_SPELLINGS,
            format!(
                "one native library is spelled {} ways: {}; it may be loaded twice, and a DirectPInvoke item matches only the spellings it names",
                spellings.len(),
                list.join(", ")
            ),
        );
        out.push(match first_file {
            Some(f) => d.at(Location::file(f)),
            None => d,
        });
    }
    out
}

/// Two exports with one name: the native image can only have one symbol of that name.
pub fn duplicate_exports(exports: &[Placed<'_, ScannedExport>]) -> Vec<Diagnostic> {
    let mut groups: BTreeMap<&str, Vec<&Placed<'_, ScannedExport>>> = BTreeMap::new();
    for p in exports {
        groups.entry(&p.item.name).or_default().push(p);
    }
    groups
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(name, v)| {
            let methods: Vec<String> = v
                .iter()
                .map(|p| format!("{}::{} ({})", p.item.type_name, p.item.method, p.file.display()))
                .collect();
            Diagnostic::warning(
                codes::EXPORT_DUPLICATE,
                format!(
                    "entry point `{name}` is exported by {} methods: {}",
                    v.len(),
                    methods.join(", ")
                ),
            )
            .at(Location::file(v[0].file))
        })
        .collect()
}

fn managed_name(imp: &aotinterop_model::imports::Import) -> String {
    match (&imp.type_name, &imp.method) {
        (Some(t), Some(m)) => format!("{t}::{m}"),
        (None, Some(m)) => m.clone(),
        _ => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::library_key;

    #[test]
    fn library_spellings_share_a_key() {
        for m in ["libc", "libc.so.6", "c", "libc.so", "LIBC.SO.6"] {
            assert_eq!(library_key(m), "c", "{m}");
        }
        assert_eq!(library_key("kernel32.dll"), "kernel32");
        assert_eq!(library_key("System.Native"), "system.native");
        assert_eq!(library_key("libSystem.Native"), "system.native");
        assert_eq!(library_key("libsocket.sox"), "socket.sox");
        assert_eq!(library_key("lib"), "lib");
    }
}
