//! The naming rules of a P/Invoke, each written once: the entry-point spellings looked up
//! (exact, `A`, `W`), ordinals, the DllImport module-name variations DirectPInvoke items are
//! matched against, and the file names the lazy resolver tries for a library.

use crate::dllimport::Charset;
use crate::target::Platform;

/// The entry-point spellings looked up for an import, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryLookup {
    /// The entry point as written only (ExactSpelling, an ordinal, or a non-Windows RID).
    AsWritten,
    /// Windows, Ansi (and None): `Name`, then `NameA`.
    ThenA,
    /// Windows, Unicode and Auto: `NameW`, then `Name`.
    WFirst,
}

impl EntryLookup {
    /// The lookup of an entry point: on Windows without ExactSpelling, by charset; an ordinal
    /// (`#N`) and every other platform look up the name as written.
    pub fn of(entry: &str, charset: Charset, exact_spelling: bool, platform: Platform) -> Self {
        if platform != Platform::Windows || exact_spelling || ordinal(entry).is_some() {
            EntryLookup::AsWritten
        } else if charset.is_ansi() {
            EntryLookup::ThenA
        } else {
            EntryLookup::WFirst
        }
    }

    /// The suffixes appended to the entry point, in the order tried (`None`: as written).
    pub fn suffixes(self) -> &'static [Option<char>] {
        match self {
            EntryLookup::AsWritten => &[None],
            EntryLookup::ThenA => &[None, Some('A')],
            EntryLookup::WFirst => &[Some('W'), None],
        }
    }

    /// The spellings of `entry` this lookup tries, in order.
    pub fn candidates(self, entry: &str) -> Vec<String> {
        self.suffixes()
            .iter()
            .map(|s| match s {
                Some(c) => format!("{entry}{c}"),
                None => entry.to_string(),
            })
            .collect()
    }

    /// The lookup whose candidates for `entry` are `candidates` (the inverse of
    /// [`EntryLookup::candidates`], for reading a plan back).
    pub fn from_candidates(entry: &str, candidates: &[String]) -> Self {
        match candidates.first() {
            Some(first)
                if candidates.len() == 2 && first.len() == entry.len() + 1 && first.ends_with('W') =>
            {
                EntryLookup::WFirst
            }
            Some(_) if candidates.len() == 2 => EntryLookup::ThenA,
            _ => EntryLookup::AsWritten,
        }
    }
}

/// The ordinal of an entry written `#N` (Windows), if it is one.
pub fn ordinal(entry: &str) -> Option<u16> {
    entry.strip_prefix('#')?.parse().ok()
}

/// The DllImport module as written, then without one trailing `.dll` (Windows, any case),
/// `.so` (Unix) or `.dylib` (Apple): the names DirectPInvoke items are matched against. A
/// suffix is never added.
pub fn module_variations(module: &str, platform: Platform) -> impl Iterator<Item = &str> {
    let stripped = match platform {
        Platform::Windows => {
            let n = module.len();
            (n >= 4 && module.is_char_boundary(n - 4) && module[n - 4..].eq_ignore_ascii_case(".dll"))
                .then(|| &module[..n - 4])
        }
        Platform::Unix | Platform::Apple => module.strip_suffix(platform.library_suffix()),
    };
    std::iter::once(module).chain(stripped)
}

/// True when `name` is an absolute path on `platform`.
pub fn is_absolute(name: &str, platform: Platform) -> bool {
    match platform {
        Platform::Windows => {
            let b = name.as_bytes();
            name.starts_with("\\\\")
                || name.starts_with("//")
                || (b.len() >= 3
                    && b[0].is_ascii_alphabetic()
                    && b[1] == b':'
                    && matches!(b[2], b'\\' | b'/'))
        }
        _ => name.starts_with('/'),
    }
}

/// True when `name` holds a directory separator on `platform`.
pub fn has_directory(name: &str, platform: Platform) -> bool {
    name.contains('/') || (platform == Platform::Windows && name.contains('\\'))
}

/// The file names tried for library `name`, in order (duplicates removed).
///
/// Unix: a name that already contains the suffix (at the end, or followed by `.`) tries name,
/// `lib`+name, name+suffix, `lib`+name+suffix; any other name tries name+suffix,
/// `lib`+name+suffix, name, `lib`+name. A name with a `/` gets no `lib` prefix, an absolute path
/// is tried as given only. Windows: name, then name+`.dll` unless it ends in `.dll`, `.exe` or `.`.
pub fn library_variations(name: &str, platform: Platform) -> Vec<String> {
    if is_absolute(name, platform) && platform != Platform::Windows {
        return vec![name.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    match platform {
        Platform::Windows => {
            push(name.to_string());
            let lower = name.to_ascii_lowercase();
            if !(lower.ends_with(".dll") || lower.ends_with(".exe") || lower.ends_with('.')) {
                push(format!("{name}.dll"));
            }
        }
        _ => {
            let suffix = platform.library_suffix();
            let has_suffix = name.ends_with(suffix) || name.contains(&format!("{suffix}."));
            let prefix = !has_directory(name, platform);
            let lib = |n: String| -> Option<String> { prefix.then(|| format!("lib{n}")) };
            let order: [Option<String>; 4] = if has_suffix {
                [
                    Some(name.to_string()),
                    lib(name.to_string()),
                    Some(format!("{name}{suffix}")),
                    lib(format!("{name}{suffix}")),
                ]
            } else {
                [
                    Some(format!("{name}{suffix}")),
                    lib(format!("{name}{suffix}")),
                    Some(name.to_string()),
                    lib(name.to_string()),
                ]
            };
            for n in order.into_iter().flatten() {
                push(n);
            }
        }
    }
    out
}

/// A library name reduced for comparing libraries: no folder, no `lib` prefix, no `.so*`,
/// `.dll`, `.dylib` or `.exe` suffix (nor version numbers after it, or before `.dylib`), lower
/// case on Windows. `libz.so.1`, `libz` and `z` are all `z`; `KERNEL32.dll` is `kernel32` on
/// Windows; `/usr/lib/libz.1.dylib` is `z`.
pub fn library_stem(name: &str, platform: Platform) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut s = if platform == Platform::Windows {
        base.to_ascii_lowercase()
    } else {
        base.to_string()
    };
    for suffix in [".so", ".dll", ".dylib", ".exe"] {
        if let Some(at) = s.find(suffix) {
            let rest = &s[at + suffix.len()..];
            if rest.is_empty() || rest.starts_with('.') {
                s.truncate(at);
                break;
            }
        }
    }
    if platform == Platform::Apple {
        // libz.1.dylib -> libz
        while let Some((head, tail)) = s.rsplit_once('.') {
            if tail.chars().all(|c| c.is_ascii_digit()) {
                s.truncate(head.len());
            } else {
                break;
            }
        }
    }
    match s.strip_prefix("lib") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_round_trips_through_its_candidates() {
        for lookup in [EntryLookup::AsWritten, EntryLookup::ThenA, EntryLookup::WFirst] {
            for entry in ["MessageBox", "W", "A"] {
                assert_eq!(
                    EntryLookup::from_candidates(entry, &lookup.candidates(entry)),
                    lookup
                );
            }
        }
    }

    #[test]
    fn library_stems() {
        let u = Platform::Unix;
        assert_eq!(library_stem("libz.so.1", u), "z");
        assert_eq!(library_stem("libz", u), "z");
        assert_eq!(library_stem("z", u), "z");
        assert_eq!(library_stem("/usr/lib/libfoo.so", u), "foo");
        assert_eq!(library_stem("libc.so.6", u), "c");
        assert_eq!(library_stem("KERNEL32.dll", Platform::Windows), "kernel32");
        assert_eq!(library_stem("kernel32", Platform::Windows), "kernel32");
        assert_eq!(library_stem("/usr/lib/libz.1.dylib", Platform::Apple), "z");
    }

    #[test]
    fn module_variations_strip_one_suffix() {
        let v = |m, p| module_variations(m, p).collect::<Vec<_>>();
        assert_eq!(v("User32.DLL", Platform::Windows), ["User32.DLL", "User32"]);
        assert_eq!(v("libz.so", Platform::Unix), ["libz.so", "libz"]);
        assert_eq!(v("libz.so", Platform::Apple), ["libz.so"]);
        assert_eq!(v("libz.dylib", Platform::Apple), ["libz.dylib", "libz"]);
    }
}
