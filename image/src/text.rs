//! The text form of an inspection.

use super::{Inspection, LazyReader};
use std::fmt::Write;

/// Renders `ins` for people: one section per list, with counts.
pub fn render_text(ins: &Inspection) -> String {
    // Names come from the image: each is shown escaped (a newline in one cannot forge a line)
    // and shortened.
    let v = |name: &str| aotinterop_model::diag::shown(name, 200);
    let mut s = String::new();
    let _ = writeln!(s, "{} {} {}", ins.format.name(), ins.arch, ins.kind.name());
    let _ = writeln!(s, "needed ({}):", ins.needed.len());
    for n in &ins.needed {
        let _ = writeln!(s, "  {}", v(n));
    }
    let _ = writeln!(s, "imports bound at startup ({}):", ins.imports.len());
    for i in &ins.imports {
        let lib = i
            .lib_name
            .as_deref()
            .map(|l| format!("  [{}]", v(l)))
            .unwrap_or_default();
        let weak = if i.weak { "  (weak)" } else { "" };
        let _ = writeln!(s, "  {}{lib}{weak}", v(&i.name));
    }
    if !ins.delay_loaded.is_empty() {
        let _ = writeln!(s, "delay-loaded imports ({}):", ins.delay_loaded.len());
        for i in &ins.delay_loaded {
            let lib = i
                .lib_name
                .as_deref()
                .map(|l| format!("  [{}]", v(l)))
                .unwrap_or_default();
            let _ = writeln!(s, "  {}{lib}", v(&i.name));
        }
    }
    let _ = writeln!(s, "exports ({}):", ins.exports.len());
    for e in &ins.exports {
        let _ = writeln!(s, "  {}", v(e));
    }
    let from = match ins.lazy_reader {
        Some(LazyReader::Aotimp) => ", from aotinterop's stub records",
        Some(LazyReader::IlcCells) => ", from native AOT's fixup cells",
        None => "",
    };
    let _ = writeln!(s, "lazy imports ({}{from}):", ins.lazy.len());
    for l in &ins.lazy {
        let mut extra = Vec::new();
        if let Some(sp) = l.search_path {
            extra.push(format!("search path {sp}"));
        }
        if let Some(cs) = l.charset_mangling {
            extra.push(format!("CharSet {cs:?}"));
        }
        if l.objc_msg_send {
            extra.push("Objective-C message send".to_string());
        }
        if let Some(cell) = l.module_cell {
            extra.push(format!("module cell {cell}"));
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!("  ({})", extra.join(", "))
        };
        let _ = writeln!(s, "  {}!{}{extra}", v(&l.module), v(&l.entry));
    }
    if ins.native_aot {
        let _ = writeln!(s, "built by .NET's native AOT compiler (ILC)");
    }
    for n in &ins.notes {
        let _ = writeln!(s, "note: {}", v(n));
    }
    s
}
