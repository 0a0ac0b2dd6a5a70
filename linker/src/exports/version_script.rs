//! ELF version script.

/// `V1.0 { global: a; b; local: *; };`, one symbol a line.
pub(super) fn render(symbols: &[String]) -> String {
    let mut out = String::from("V1.0 {\n");
    if !symbols.is_empty() {
        out.push_str("  global:\n");
        for s in symbols {
            out.push_str(&format!("    {s};\n"));
        }
    }
    out.push_str("  local: *;\n};\n");
    out
}
