//! Windows module-definition file.

/// `LIBRARY "name.dll"` (for a DLL) and an `EXPORTS` section, one symbol a line.
pub(super) fn render(symbols: &[String], image_name: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(name) = image_name {
        out.push_str(&format!("LIBRARY \"{name}\"\n"));
    }
    out.push_str("EXPORTS\n");
    for s in symbols {
        out.push_str(&format!("    {s}\n"));
    }
    out
}
