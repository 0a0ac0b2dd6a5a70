//! ld64 exported-symbols list.

/// One symbol a line, with the leading underscore Mach-O gives C symbols.
pub(super) fn render(symbols: &[String]) -> String {
    symbols.iter().map(|s| format!("_{s}\n")).collect()
}
