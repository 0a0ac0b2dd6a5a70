//! A scan report as readable text: per assembly, its P/Invokes grouped by module, then its
//! exports, then totals.

use super::ScanReport;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Renders a scan report as text (diagnostics are printed separately).
pub fn render_text(report: &ScanReport) -> String {
    // Names come from the assemblies: shown escaped (a newline cannot forge a line), shortened.
    let v = |name: &str| aotinterop_model::diag::shown(name, 200);
    let mut out = String::new();
    // Each assembly's imports and exports follow the previous one's in the report: taken by
    // position, so that two files of one assembly name each show their own.
    let (mut imports, mut exports) = (report.imports.iter(), report.exports.iter());
    for a in &report.assemblies {
        let _ = writeln!(
            out,
            "{} ({}): {} P/Invoke{}, {} export{}{}",
            v(&a.name),
            v(&a.path.to_string_lossy()),
            a.imports,
            if a.imports == 1 { "" } else { "s" },
            a.exports,
            if a.exports == 1 { "" } else { "s" },
            if a.exports > 0 && !a.exported {
                " (not exported)"
            } else {
                ""
            }
        );
        let mut by_module: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for imp in imports.by_ref().take(a.imports) {
            let mut flags = Vec::new();
            if imp.charset != aotinterop_model::Charset::None {
                flags.push(format!("{:?}", imp.charset).to_lowercase());
            }
            if imp.exact_spelling {
                flags.push("exact".into());
            }
            if imp.set_last_error {
                flags.push("SetLastError".into());
            }
            if let Some(sp) = imp.search_path {
                flags.push(format!("search:{sp}"));
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            };
            by_module.entry(&imp.module).or_default().push(format!(
                "    {:<32} {}::{}{flags}",
                v(&imp.entry),
                v(imp.type_name.as_deref().unwrap_or("")),
                v(imp.method.as_deref().unwrap_or(""))
            ));
        }
        for (module, lines) in by_module {
            let _ = writeln!(out, "  {} ({})", v(module), lines.len());
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
        }
        for e in exports.by_ref().take(a.exports) {
            let convs = if e.call_convs.is_empty() {
                String::new()
            } else {
                format!("  [{}]", e.call_convs.join(", "))
            };
            let _ = writeln!(
                out,
                "  export {:<25} {}{convs}{}",
                v(&e.name),
                v(e.method.as_deref().unwrap_or("")),
                if e.exported { "" } else { "  (not exported)" }
            );
        }
    }
    let exported = report.exports.iter().filter(|e| e.exported).count();
    let _ = writeln!(
        out,
        "\nTotal: {} assemblies, {} P/Invokes, {} entry points ({} exported), {} warnings",
        report.assemblies.len(),
        report.imports.len(),
        report.exports.len(),
        exported,
        report.diagnostics.len()
    );
    out
}
