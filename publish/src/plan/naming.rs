//! The symbol compiled code calls for each import (its *call symbol*).
//!
//! The rule, documented in `docs/naming.md`:
//! 1. the import's `symbol`, when given;
//! 2. else `pinvoke_` + the mangled declaring type + `__` + the mangled method, when the import
//!    names its method (`Hello.Native::getpid` gives `pinvoke_Hello_Native__getpid`);
//! 3. else `pinvoke_` + the mangled module + `__` + the mangled entry point
//!    (`libc!getpid` gives `pinvoke_libc__getpid`).
//!
//! Mangling keeps ASCII letters, digits and `_`, turns `.`, `/`, `+`, `-` and `` ` `` into `_`,
//! and writes any other character as `_xHH` per UTF-8 byte. When two different imports would get
//! the same generated name, the second gets `_2`, the third `_3`, in import order; imports of the
//! same module, entry point and flags from the same method share one symbol.

use crate::imports::Import;
use std::collections::HashMap;

/// Mangles text into the characters a C symbol may hold.
pub fn mangle(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' => out.push(c),
            '.' | '/' | '+' | '-' | '`' => out.push('_'),
            _ => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("_x{b:02X}"));
                }
            }
        }
    }
    out
}

/// The generated name before collisions are resolved.
fn base_name(import: &Import) -> String {
    if let Some(sym) = &import.symbol {
        return sym.clone();
    }
    match (&import.method, &import.type_name) {
        (Some(method), Some(ty)) => format!("pinvoke_{}__{}", mangle(ty), mangle(method)),
        (Some(method), None) => match method.rsplit_once("::") {
            Some((ty, m)) => format!("pinvoke_{}__{}", mangle(ty), mangle(m)),
            None => format!("pinvoke_{}", mangle(method)),
        },
        _ => format!("pinvoke_{}__{}", mangle(&import.module), mangle(&import.entry)),
    }
}

/// Assigns a call symbol to every import, in order.
pub fn call_symbols(imports: &[Import]) -> Vec<String> {
    // The identity of an import for sharing a symbol: everything that changes how it binds.
    type Identity<'a> = (&'a str, &'a str, crate::imports::Charset, bool, bool, Option<&'a str>);
    let mut taken: HashMap<String, Identity<'_>> = HashMap::new();
    let mut out = Vec::with_capacity(imports.len());
    for imp in imports {
        let id: Identity<'_> = (
            &imp.module,
            &imp.entry,
            imp.charset,
            imp.exact_spelling,
            imp.set_last_error,
            imp.method.as_deref(),
        );
        let base = base_name(imp);
        let mut name = base.clone();
        let mut n = 1;
        loop {
            match taken.get(&name) {
                None => {
                    taken.insert(name.clone(), id);
                    break;
                }
                Some(existing) if *existing == id => break,
                // A symbol the caller fixed is kept even if it collides; the linker reports it.
                Some(_) if imp.symbol.is_some() => break,
                Some(_) => {
                    n += 1;
                    name = format!("{base}_{n}");
                }
            }
        }
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_rules() {
        let mut a = Import::new("libc", "getpid");
        let mut b = Import::new("libc", "getpid");
        b.method = Some("Hello.Native::getpid".into());
        let mut c = Import::new("libc", "getpid");
        c.method = Some("GetPid".into());
        c.type_name = Some("Ns.Outer/Inner`1".into());
        let mut d = Import::new("libc", "getpid");
        d.symbol = Some("my_getpid".into());
        let e = Import::new("lib-ü.so", "f");
        let names = call_symbols(&[a.clone(), b, c, d, e]);
        assert_eq!(
            names,
            vec![
                "pinvoke_libc__getpid",
                "pinvoke_Hello_Native__getpid",
                "pinvoke_Ns_Outer_Inner_1__GetPid",
                "my_getpid",
                "pinvoke_lib__xC3_xBC_so__f",
            ]
        );
        // Same import twice shares; a different import with the same name gets a suffix.
        a.set_last_error = false;
        let mut other = Import::new("libc", "getpid");
        other.charset = crate::imports::Charset::Unicode;
        let names = call_symbols(&[a.clone(), a.clone(), other.clone(), other]);
        assert_eq!(names, vec!["pinvoke_libc__getpid", "pinvoke_libc__getpid", "pinvoke_libc__getpid_2", "pinvoke_libc__getpid_2"]);
    }
}
