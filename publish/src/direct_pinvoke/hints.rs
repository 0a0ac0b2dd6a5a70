//! "Did you mean" hints for DirectPInvoke items that match no import — a typo in a DirectPInvoke
//! item is the commonest mistake, and native AOT says nothing about it.

use aotinterop_model::names::library_stem;
use aotinterop_model::Platform;
use std::collections::{BTreeMap, BTreeSet};

/// The modules and entry points an app imports, as written in its DllImports.
pub type ImportIndex<'a> = BTreeMap<&'a str, BTreeSet<&'a str>>;

/// A library name without folder, `lib` prefix and suffix, lowercased (the model's
/// [`library_stem`] in lower case): `libz.so.1`, `z` and `Z.dll` all give `z`.
fn stem(name: &str) -> String {
    library_stem(name, Platform::Unix).to_lowercase()
}

fn close(a: &str, b: &str) -> bool {
    let limit = if a.len().min(b.len()) >= 6 { 2 } else { 1 };
    strsim::levenshtein(a, b) <= limit
}

/// Explains why an item module names none of the app's modules, when one is close to it.
pub fn module_hint(item_module: &str, index: &ImportIndex<'_>, platform: Platform) -> Option<String> {
    let suffix = platform.lib_suffix();
    // The most specific explanation wins, whatever the order of the app's modules.
    let mut best: Option<(u8, String)> = None;
    for &module in index.keys() {
        let (rank, hint) = if item_module.strip_suffix(suffix) == Some(module) {
            (
                0,
                format!(
                    "the app imports `{module}`; a suffix is never added when matching, so write `{module}`"
                ),
            )
        } else if module.starts_with(item_module) && module[item_module.len()..].starts_with(suffix) {
            (1, format!(
                "the app imports `{module}`; only one trailing `{suffix}` is removed when matching, so write `{module}`"
            ))
        } else if platform != Platform::Windows && module.eq_ignore_ascii_case(item_module) {
            (2, format!("the app imports `{module}`; module names are case-sensitive on this RID, so write `{module}`"))
        } else if !stem(module).is_empty() && stem(module) == stem(item_module) {
            (
                3,
                format!("the app imports the same library as `{module}`; write `{module}`"),
            )
        } else if close(&module.to_lowercase(), &item_module.to_lowercase()) {
            (4, format!("did you mean `{module}`?"))
        } else {
            continue;
        };
        if best.as_ref().is_none_or(|(r, _)| rank < *r) {
            best = Some((rank, hint));
        }
    }
    // Names from the app and the item: escaped (a newline in one would break the line).
    best.map(|(_, h)| aotinterop_model::diag::printable(&h).into_owned())
}

/// Names the closest entry points of a module when an item's entry point matches none of them.
pub fn entry_hint(item_entry: &str, entries: &BTreeSet<&str>, platform: Platform) -> Option<String> {
    let mut hits: Vec<&str> = entries
        .iter()
        .copied()
        .filter(|e| e.eq_ignore_ascii_case(item_entry) || close(e, item_entry))
        .collect();
    if platform == Platform::Windows {
        // `FooW` written for an import of `Foo` that is ExactSpelling, or the other way round.
        for e in entries {
            if e.strip_suffix(['A', 'W']) == Some(item_entry)
                || item_entry.strip_suffix(['A', 'W']) == Some(e)
            {
                hits.push(e);
            }
        }
    }
    hits.sort();
    hits.dedup();
    hits.truncate(3);
    if hits.is_empty() {
        return None;
    }
    let list: Vec<String> = hits.iter().map(|h| format!("`{h}`")).collect();
    let case_only = hits.iter().any(|h| h.eq_ignore_ascii_case(item_entry));
    let hint = format!(
        "{}did you mean {}?",
        if case_only {
            "entry points are case-sensitive; "
        } else {
            ""
        },
        list.join(" or ")
    );
    Some(aotinterop_model::diag::printable(&hint).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index<'a>(pairs: &[(&'a str, &'a str)]) -> ImportIndex<'a> {
        let mut idx = ImportIndex::new();
        for (m, e) in pairs {
            idx.entry(*m).or_default().insert(*e);
        }
        idx
    }

    #[test]
    fn module_hints() {
        let idx = index(&[("libc", "getpid"), ("libz.so.1", "deflate"), ("SQLite3", "open")]);
        let u = Platform::Unix;
        assert!(module_hint("libc.so", &idx, u)
            .unwrap()
            .contains("a suffix is never added"));
        assert!(module_hint("libz", &idx, u)
            .unwrap()
            .contains("only one trailing `.so`"));
        assert!(module_hint("sqlite3", &idx, u)
            .unwrap()
            .contains("case-sensitive"));
        assert!(module_hint("z", &idx, u)
            .unwrap()
            .contains("same library as `libz.so.1`"));
        assert!(module_hint("libcc", &idx, u)
            .unwrap()
            .contains("did you mean `libc`"));
        assert_eq!(module_hint("openssl", &idx, u), None);
    }

    #[test]
    fn entry_hints() {
        let idx = index(&[("libc", "getpid"), ("libc", "getppid"), ("libc", "write")]);
        let h = entry_hint("getpdi", &idx["libc"], Platform::Unix).unwrap();
        assert!(h.contains("`getpid`"), "{h}");
        assert!(entry_hint("GETPID", &idx["libc"], Platform::Unix)
            .unwrap()
            .contains("`getpid`"));
        assert_eq!(entry_hint("mmap", &idx["libc"], Platform::Unix), None);
    }
}
