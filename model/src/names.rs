//! The naming rules of a P/Invoke, each written once: the entry-point spellings looked up
//! (exact, `A`, `W`), ordinals, the DllImport module-name variations DirectPInvoke items are
//! matched against, and the file names the lazy resolver tries for a library.

use crate::dotnet::DotNet;
pub use crate::lazy_rules::{has_directory, is_absolute, ordinal, EntryLookup};
use crate::lazy_rules::{library_variation_parts, Platform};
use crate::rid::{Os, Rid};
use std::borrow::Cow;

/// How win-x86 names a native symbol for a calling convention (dotnet/runtime
/// `WindowsNodeMangler.cs`): stdcall `_name@N`, fastcall `@name@N`, cdecl `_name`, where `N` is
/// what the arguments take on the stack. `None` for a convention native AOT cannot decorate
/// (thiscall) or a stdcall/fastcall name whose `N` is not known.
pub fn x86_decorated(name: &str, convention: X86Convention, stack_bytes: Option<u32>) -> Option<String> {
    match convention {
        X86Convention::Stdcall => stack_bytes.map(|n| format!("_{name}@{n}")),
        X86Convention::Fastcall => stack_bytes.map(|n| format!("@{name}@{n}")),
        X86Convention::Cdecl => Some(format!("_{name}")),
        X86Convention::Thiscall => None,
    }
}

/// The names a win-x86 image's import table may give a function whose COFF symbol is `symbol`
/// (`_Sleep@4`), by the import library's name type (`IMPORT_OBJECT_NAME_TYPE`): the symbol as is,
/// without its prefix (`Sleep@4`), or undecorated (`Sleep`: prefix `_`, `@` or `?` and the `@N`
/// suffix gone, as Windows system libraries' import libraries name their functions).
pub fn x86_import_names(symbol: &str) -> Vec<String> {
    let mut names = vec![symbol.to_string()];
    let bare = symbol.strip_prefix(['_', '@', '?']).unwrap_or(symbol);
    if bare != symbol {
        names.push(bare.to_string());
    }
    let undecorated = match bare.rsplit_once('@') {
        Some((name, n)) if !name.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => bare,
    };
    if !names.iter().any(|n| n == undecorated) {
        names.push(undecorated.to_string());
    }
    names
}

/// The x86 calling convention a P/Invoke uses (`Winapi` and the default are stdcall on Windows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum X86Convention {
    /// `StdCall` (and `Winapi`, and no convention given).
    Stdcall,
    /// `Cdecl`.
    Cdecl,
    /// `FastCall`.
    Fastcall,
    /// `ThisCall`.
    Thiscall,
}

impl X86Convention {
    /// The convention of a DllImport's `CallingConvention` (`None`: not given, so Winapi).
    pub fn of(convention: Option<crate::dllimport::CallingConvention>) -> Self {
        use crate::dllimport::CallingConvention as C;
        match convention {
            None | Some(C::Winapi | C::Stdcall) => X86Convention::Stdcall,
            Some(C::Cdecl) => X86Convention::Cdecl,
            Some(C::Fastcall) => X86Convention::Fastcall,
            Some(C::Thiscall) => X86Convention::Thiscall,
        }
    }
}

/// The spellings a lazy stdcall import is looked up by on win-x86 from .NET 9 on: after each
/// spelling of `base`, its decorated `_spelling@N` (dotnet/runtime `InteropHelpers.cs`,
/// `GetProcAddressWithMangling`).
pub fn with_stdcall_probes(base: Vec<String>, stack_bytes: u32) -> Vec<String> {
    base.into_iter()
        .flat_map(|s| {
            let decorated = format!("_{s}@{stack_bytes}");
            [s, decorated]
        })
        .collect()
}

/// The module names of a DllImport that DirectPInvoke items are matched against, in order, as
/// ILCompiler's `ConfigurablePInvokePolicy.ModuleNameVariations` yields them:
/// - the name as written;
/// - without one trailing `.dll` on Windows (any case); elsewhere without one trailing `.so`, or
///   `.dylib` on Apple (exact case). .NET 8 takes `.dylib` for macOS only (`IsOSX`: iOS, tvOS
///   and Mac Catalyst strip `.so`); .NET 10 for every Apple platform (`IsApplePlatform`);
/// - .NET 10, off Windows, also the `lib` variants (dotnet/runtime#118285): without the `lib`
///   prefix when the name has one, else with it added, each with and without the suffix.
///
/// A suffix is never added.
pub fn module_variations(module: &str, rid: Rid, dotnet: DotNet) -> Vec<Cow<'_, str>> {
    let mut out = vec![Cow::Borrowed(module)];
    if rid.platform() == Platform::Windows {
        let n = module.len();
        if n >= 4 && module.is_char_boundary(n - 4) && module[n - 4..].eq_ignore_ascii_case(".dll") {
            out.push(Cow::Borrowed(&module[..n - 4]));
        }
        return out;
    }
    let apple_suffix = match dotnet {
        DotNet::Net8 => rid.os == Os::Osx,
        DotNet::Net10 => rid.platform() == Platform::Apple,
    };
    let suffix = if apple_suffix { ".dylib" } else { ".so" };
    let stripped = module.strip_suffix(suffix);
    out.extend(stripped.map(Cow::Borrowed));
    if dotnet == DotNet::Net10 {
        let bases = std::iter::once(module).chain(stripped);
        match module.strip_prefix("lib") {
            Some(_) => out.extend(bases.map(|b| Cow::Borrowed(&b[3..]))),
            None => {
                let added: Vec<Cow<'_, str>> = bases.map(|b| Cow::Owned(format!("lib{b}"))).collect();
                out.extend(added);
            }
        }
    }
    out
}

/// The key under which Windows compares module names: `OrdinalIgnoreCase`, that is each
/// character upper-cased by its simple (one-to-one) mapping, so `ß` stays `ß` (never `SS`).
pub fn ordinal_ignore_case(name: &str) -> Cow<'_, str> {
    if name.is_ascii() {
        if name.bytes().any(|b| b.is_ascii_lowercase()) {
            return Cow::Owned(name.to_ascii_uppercase());
        }
        return Cow::Borrowed(name);
    }
    Cow::Owned(
        name.chars()
            .map(|c| {
                let mut up = c.to_uppercase();
                match (up.next(), up.next()) {
                    (Some(u), None) => u,
                    _ => c,
                }
            })
            .collect(),
    )
}

/// The file names tried for library `name`, in order (duplicates removed), as .NET's
/// `LibraryNameVariation` builds them (dotnet/runtime `LibraryNameVariation.Unix.cs` and
/// `.Windows.cs`).
///
/// Unix: a name that contains the suffix (`.so`, `.dylib` on Apple; its first occurrence, in
/// any case, followed by the end or a `.`) tries name, `lib`+name, name+suffix,
/// `lib`+name+suffix; any other name tries name+suffix, `lib`+name+suffix, name, `lib`+name. A
/// name with a `/` gets no `lib` prefix; an absolute path is tried as given only. Windows: name,
/// then, for a relative name, name+`.dll` unless it ends in `.dll`, `.exe` or `.` (any case).
pub fn library_variations(name: &str, platform: Platform) -> Vec<String> {
    library_variation_parts(name, platform)
        .iter()
        .map(|(prefix, suffix)| format!("{prefix}{name}{suffix}"))
        .collect()
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
    fn library_file_names_as_library_name_variation() {
        let u = |n| library_variations(n, Platform::Unix);
        assert_eq!(u("z"), ["z.so", "libz.so", "z", "libz"]);
        assert_eq!(
            u("libz.so.1"),
            ["libz.so.1", "liblibz.so.1", "libz.so.1.so", "liblibz.so.1.so"]
        );
        // Case-insensitive suffix, and only its first occurrence counts.
        assert_eq!(u("libz.SO")[0], "libz.SO");
        assert_eq!(u("libfoo.sound.so")[0], "libfoo.sound.so.so");
        assert_eq!(u("sub/z"), ["sub/z.so", "sub/z"]);
        assert_eq!(u("/opt/libz.so"), ["/opt/libz.so"]);
        let w = |n| library_variations(n, Platform::Windows);
        assert_eq!(w("user32"), ["user32", "user32.dll"]);
        assert_eq!(w("USER32.DLL"), ["USER32.DLL"]);
        assert_eq!(w("app.EXE"), ["app.EXE"]);
        assert_eq!(w("name."), ["name."]);
        assert_eq!(w("C:\\x\\user32"), ["C:\\x\\user32"]);
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
    fn module_variations_by_version() {
        let v = |m, rid: &str, d| {
            module_variations(m, rid.parse().unwrap(), d)
                .into_iter()
                .map(Cow::into_owned)
                .collect::<Vec<_>>()
        };
        use DotNet::*;
        assert_eq!(v("User32.DLL", "win-x64", Net10), ["User32.DLL", "User32"]);
        assert_eq!(v("libz.so", "linux-x64", Net8), ["libz.so", "libz"]);
        assert_eq!(v("libz.so", "linux-x64", Net10), ["libz.so", "libz", "z.so", "z"]);
        assert_eq!(v("z", "linux-x64", Net10), ["z", "libz"]);
        assert_eq!(v("libz.dylib", "ios-arm64", Net8), ["libz.dylib"]);
        assert_eq!(
            v("libz.dylib", "ios-arm64", Net10),
            ["libz.dylib", "libz", "z.dylib", "z"]
        );
        assert_eq!(v("libz.dylib", "osx-arm64", Net8), ["libz.dylib", "libz"]);
        assert_eq!(v("*.so", "linux-x64", Net8), ["*.so", "*"]);
    }

    #[test]
    fn x86_import_names_by_name_type() {
        assert_eq!(x86_import_names("_Sleep@4"), ["_Sleep@4", "Sleep@4", "Sleep"]);
        assert_eq!(x86_import_names("@f@8"), ["@f@8", "f@8", "f"]);
        assert_eq!(x86_import_names("_printf"), ["_printf", "printf"]);
        assert_eq!(x86_import_names("plain"), ["plain"]);
        assert_eq!(x86_import_names("_a@b"), ["_a@b", "a@b"]);
    }

    #[test]
    fn x86_decoration() {
        use X86Convention::*;
        assert_eq!(
            x86_decorated("Sleep", Stdcall, Some(4)).as_deref(),
            Some("_Sleep@4")
        );
        assert_eq!(x86_decorated("f", Fastcall, Some(8)).as_deref(), Some("@f@8"));
        assert_eq!(x86_decorated("printf", Cdecl, None).as_deref(), Some("_printf"));
        assert_eq!(x86_decorated("f", Stdcall, None), None);
        assert_eq!(x86_decorated("f", Thiscall, Some(4)), None);
        let probes = with_stdcall_probes(EntryLookup::WFirst.candidates("MessageBox"), 16);
        assert_eq!(
            probes,
            ["MessageBoxW", "_MessageBoxW@16", "MessageBox", "_MessageBox@16"]
        );
        assert_eq!(
            EntryLookup::from_candidates("MessageBox", &probes),
            EntryLookup::WFirst
        );
    }

    #[test]
    fn ordinals_as_int_try_parse_reads_them() {
        assert_eq!(ordinal("#12"), Some(12));
        assert_eq!(ordinal("# 12 "), Some(12));
        assert_eq!(ordinal("#+7"), Some(7));
        assert_eq!(ordinal("#-1"), Some(65535));
        assert_eq!(ordinal("#65537"), Some(1));
        assert_eq!(ordinal("#x"), Some(0));
        assert_eq!(ordinal("#"), Some(0));
        assert_eq!(ordinal("#99999999999"), Some(0));
        assert_eq!(ordinal("12"), None);
    }

    #[test]
    fn windows_module_keys_fold_simply() {
        assert_eq!(ordinal_ignore_case("kernel32"), "KERNEL32");
        assert_eq!(ordinal_ignore_case("straße"), "STRAßE");
        assert_eq!(ordinal_ignore_case("ǆ"), "Ǆ");
    }
}
