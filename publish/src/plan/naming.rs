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
use rustc_hash::FxHashMap;

/// Mangles text into the characters a C symbol may hold.
pub fn mangle(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    mangle_into(text, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// What [`mangle_into`] writes for each byte: the byte itself, `_`, or 0 for a `_xHH` escape.
const MANGLED: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => c,
            b'.' | b'/' | b'+' | b'-' | b'`' => b'_',
            _ => 0,
        };
        b += 1;
    }
    table
};

fn mangle_into(text: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = text.as_bytes();
    out.reserve(bytes.len());
    // Eight bytes at a time while none needs an escape (names are mostly such runs): a fixed-size
    // block lets the compiler unroll the table lookups and append with one copy.
    let mut done = 0;
    while let Some(chunk) = bytes.get(done..done + 8) {
        let mut block = [0u8; 8];
        let mut kept = true;
        for (o, &b) in block.iter_mut().zip(chunk) {
            *o = MANGLED[b as usize];
            kept &= *o != 0;
        }
        if !kept {
            break;
        }
        out.extend_from_slice(&block);
        done += 8;
    }
    // The rest byte by byte: every byte of a non-ASCII character is escaped, so the output is ASCII.
    for &b in &bytes[done..] {
        match MANGLED[b as usize] {
            0 => out.extend_from_slice(&[b'_', b'x', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]),
            m => out.push(m),
        }
    }
}

/// Splits `Type::Method` at its last `::`.
fn split_method(method: &str) -> Option<(&str, &str)> {
    // A byte search: `rsplit_once` sets up a substring searcher, which costs more than the
    // search itself on names this short.
    let i = method.as_bytes().windows(2).rposition(|w| w == b"::")?;
    Some((&method[..i], &method[i + 2..]))
}

/// The generated name before collisions are resolved.
fn base_name(import: &Import) -> String {
    if let Some(sym) = &import.symbol {
        return sym.clone();
    }
    let (left, right) = match (&import.method, &import.type_name) {
        (Some(method), Some(ty)) => (ty.as_str(), Some(method.as_str())),
        (Some(method), None) => match split_method(method) {
            Some((ty, m)) => (ty, Some(m)),
            None => (method.as_str(), None),
        },
        _ => (import.module.as_str(), Some(import.entry.as_str())),
    };
    let mut name = Vec::with_capacity(10 + left.len() + right.map_or(0, str::len));
    name.extend_from_slice(b"pinvoke_");
    mangle_into(left, &mut name);
    if let Some(right) = right {
        name.extend_from_slice(b"__");
        mangle_into(right, &mut name);
    }
    // Mangled output is ASCII.
    String::from_utf8(name).unwrap_or_default()
}

/// What makes two imports the same for sharing a call symbol: everything that changes how they bind
/// (the search path too: two assemblies' `Interop.Sys.Stat` with different
/// `DefaultDllImportSearchPaths` shared one and could not be emitted).
fn same_import(a: &Import, b: &Import) -> bool {
    a.module == b.module
        && a.search_path == b.search_path
        && a.entry == b.entry
        && a.charset == b.charset
        && a.exact_spelling == b.exact_spelling
        && a.set_last_error == b.set_last_error
        && a.method == b.method
}

/// Assigns a generated call symbol to every import, in order.
pub fn call_symbols(imports: &[Import]) -> Vec<String> {
    let mut names: Vec<String> = imports.iter().map(base_name).collect();
    // The first import that took each name. Borrowing the names keeps this pass allocation-free;
    // the rare collisions are renamed afterwards.
    let mut renames: Vec<(usize, usize)> = Vec::new();
    {
        let mut first: FxHashMap<&str, usize> = FxHashMap::default();
        first.reserve(names.len());
        for (i, name) in names.iter().enumerate() {
            match first.get(name.as_str()) {
                None => {
                    first.insert(name, i);
                }
                Some(&j) if imports[i].symbol.is_some() || same_import(&imports[i], &imports[j]) => {
                    // Shares j's name (a symbol the caller fixed is kept as given; the linker
                    // reports a real clash).
                    if imports[i].symbol.is_none() {
                        renames.push((i, j));
                    }
                }
                Some(_) => renames.push((i, usize::MAX)),
            }
        }
    }
    if renames.is_empty() {
        return names;
    }
    // Replay the collisions in import order with a map that owns its keys.
    let mut taken: FxHashMap<String, usize> = FxHashMap::default();
    for (i, name) in names.iter().enumerate() {
        taken.entry(name.clone()).or_insert(i);
    }
    for (i, share) in renames {
        if share != usize::MAX {
            names[i] = names[share].clone();
            continue;
        }
        let base = names[i].clone();
        let mut n = 1;
        loop {
            n += 1;
            let candidate = format!("{base}_{n}");
            match taken.get(&candidate) {
                Some(&j) if same_import(&imports[i], &imports[j]) => {
                    names[i] = candidate;
                    break;
                }
                Some(_) => continue,
                None => {
                    taken.insert(candidate.clone(), i);
                    names[i] = candidate;
                    break;
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mangling_matches_the_byte_rule_at_every_position() {
        // The rule of the module docs, one byte at a time, against the blockwise implementation.
        fn by_byte(text: &str) -> String {
            text.bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => (b as char).to_string(),
                    b'.' | b'/' | b'+' | b'-' | b'`' => "_".to_string(),
                    _ => format!("_x{b:02X}"),
                })
                .collect()
        }
        let base = "Interop.Sys+Native`1/Outer-Inner";
        for len in 0..=base.len() {
            for odd in [" ", "ü", "!", "\u{7f}"] {
                for at in 0..=len {
                    let text = format!("{}{odd}{}", &base[..at], &base[at..len]);
                    assert_eq!(mangle(&text), by_byte(&text), "{text:?}");
                }
            }
        }
    }

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
        let mut f = Import::new("libc", "f");
        f.method = Some("A:::B::C:D".into());
        let names = call_symbols(&[a.clone(), b, c, d, e, f]);
        assert_eq!(
            names,
            vec![
                "pinvoke_libc__getpid",
                "pinvoke_Hello_Native__getpid",
                "pinvoke_Ns_Outer_Inner_1__GetPid",
                "my_getpid",
                "pinvoke_lib__xC3_xBC_so__f",
                "pinvoke_A_x3A_x3A_x3AB__C_x3AD",
            ]
        );
        // Same import twice shares; a different import with the same name gets a suffix.
        a.set_last_error = false;
        let mut other = Import::new("libc", "getpid");
        other.charset = aotinterop_model::Charset::Unicode;
        let names = call_symbols(&[a.clone(), a.clone(), other.clone(), other]);
        assert_eq!(
            names,
            vec![
                "pinvoke_libc__getpid",
                "pinvoke_libc__getpid",
                "pinvoke_libc__getpid_2",
                "pinvoke_libc__getpid_2"
            ]
        );
    }
}
