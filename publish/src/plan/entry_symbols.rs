//! Imports that compiled code references by their entry point's own name (Mono's AOT compiler
//! with `direct-pinvoke`): one symbol a name, so two imports that bind one name differently
//! cannot both be honoured. Each such pair is an error before anything is compiled or linked,
//! naming both DllImports; so is a name the AOT compiler's assembler cannot take.

use aotinterop_model::diag::{codes, Error, Result};
use aotinterop_model::PlannedImport;
use rustc_hash::FxHashMap;

/// Who declares an import, for messages: `Type::Method (Assembly)`, or `module!entry`.
fn declared(i: &PlannedImport) -> String {
    let what = match (&i.type_name, &i.method) {
        (Some(t), Some(m)) => format!("{t}::{m}"),
        (None, Some(m)) => m.clone(),
        _ => format!("{}!{}", i.module, i.entry),
    };
    match &i.assembly {
        Some(a) => format!("`{what}` ({a}, DllImport `{}`)", i.module),
        None => format!("`{what}` (DllImport `{}`)", i.module),
    }
}

/// Whether an assembler takes `name` as a symbol: a letter or `_` first, then letters, digits,
/// `_`, `.` or `$` (Mono's AOT compile fails on `_foo@8`, names with spaces, `#12`).
pub fn assembler_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_'))
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'$'))
}

/// Checks the imports of a plan whose call symbols are their entry points.
pub fn check(imports: &[PlannedImport]) -> Result<()> {
    let mut first: FxHashMap<&str, &PlannedImport> = FxHashMap::default();
    for imp in imports {
        if !assembler_name(&imp.call_symbol) {
            return Err(Error::new(
                codes::ENTRY_SYMBOL_INVALID,
                format!(
                    "{} has entry point `{}`, which the AOT compiler cannot emit as a symbol (a letter or `_` \
                     first, then letters, digits, `_`, `.`, `$`): give it an EntryPoint it can",
                    declared(imp),
                    imp.call_symbol.escape_debug()
                ),
            ));
        }
        let Some(prev) = first.get(imp.call_symbol.as_str()) else {
            first.insert(&imp.call_symbol, imp);
            continue;
        };
        let clash = prev.binding_difference(imp);
        if let Some(why) = clash {
            return Err(Error::new(
                codes::ENTRY_SYMBOL_CLASH,
                format!(
                    "compiled code references both {} and {} as the one symbol `{}`, but {why}: the image can \
                     bind the name only one way. Make both direct or both lazy, from one library (or rename one \
                     with EntryPoint and a native alias)",
                    declared(prev),
                    declared(imp),
                    imp.call_symbol
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assembler_names() {
        for ok in ["zlibVersion", "_start", "a.b", "x$y", "SystemNative_Open"] {
            assert!(assembler_name(ok), "{ok}");
        }
        for bad in ["_foo@8", "two words", "#12", "", "9lives", "a-b"] {
            assert!(!assembler_name(bad), "{bad}");
        }
    }
}
