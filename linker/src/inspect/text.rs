//! The text form of an inspection.

use super::Inspection;
use std::fmt::Write;

/// Renders `ins` for people: one section per list, with counts.
pub fn render_text(ins: &Inspection) -> String {
    let mut s = String::new();
    let fmt = serde_json::to_value(ins.format).ok();
    let kind = serde_json::to_value(ins.kind).ok();
    let word =
        |v: Option<serde_json::Value>| v.and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let _ = writeln!(s, "{} {} {}", word(fmt), ins.arch, word(kind));
    let _ = writeln!(s, "needed ({}):", ins.needed.len());
    for n in &ins.needed {
        let _ = writeln!(s, "  {n}");
    }
    let _ = writeln!(s, "imports bound at startup ({}):", ins.imports.len());
    for i in &ins.imports {
        let lib = i
            .lib_name
            .as_deref()
            .map(|l| format!("  [{l}]"))
            .unwrap_or_default();
        let weak = if i.weak { "  (weak)" } else { "" };
        let _ = writeln!(s, "  {}{lib}{weak}", i.name);
    }
    if !ins.delay_loaded.is_empty() {
        let _ = writeln!(s, "delay-loaded imports ({}):", ins.delay_loaded.len());
        for i in &ins.delay_loaded {
            let lib = i
                .lib_name
                .as_deref()
                .map(|l| format!("  [{l}]"))
                .unwrap_or_default();
            let _ = writeln!(s, "  {}{lib}", i.name);
        }
    }
    let _ = writeln!(s, "exports ({}):", ins.exports.len());
    for e in &ins.exports {
        let _ = writeln!(s, "  {e}");
    }
    let _ = writeln!(s, "lazy imports ({}):", ins.lazy.len());
    for l in &ins.lazy {
        let _ = writeln!(s, "  {}!{}", l.module, l.entry);
    }
    s
}
