//! The rules the lazy resolver inside an image applies, written once for it and for the
//! toolkit: the loader family ([`Platform`]), the charset bits ([`Charset`]), the entry-point
//! spellings ([`EntryLookup`]), ordinals, and the library file-name variations. Nothing here
//! allocates, so that the image's `no_std` runtime uses exactly these rules (the `names` module
//! builds the toolkit's `String` forms on top of them).

/// The loader family of a target; it decides how module and entry names compare and which
/// library suffix applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    /// ELF images and `.so` libraries (Linux, FreeBSD).
    Unix,
    /// PE images and `.dll` libraries.
    Windows,
    /// Mach-O images and `.dylib` libraries.
    Apple,
}

impl Platform {
    /// The platform this code runs on.
    pub fn host() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else if cfg!(target_vendor = "apple") {
            Platform::Apple
        } else {
            Platform::Unix
        }
    }

    /// Its name in messages: `Unix`, `Windows`, `Apple`.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Unix => "Unix",
            Platform::Windows => "Windows",
            Platform::Apple => "Apple",
        }
    }

    /// The shared-library suffix: `.so`, `.dll` or `.dylib`.
    pub fn lib_suffix(self) -> &'static str {
        match self {
            Platform::Unix => ".so",
            Platform::Windows => ".dll",
            Platform::Apple => ".dylib",
        }
    }
}

/// `DllImportAttribute.CharSet`: how strings are marshalled, and on Windows which spelling
/// (`NameA`/`NameW`) of the entry point is looked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[repr(u16)]
pub enum Charset {
    /// `CharSet.None` (the default; treated as Ansi).
    #[default]
    None = 0,
    /// `CharSet.Ansi`.
    Ansi = 1,
    /// `CharSet.Unicode`.
    Unicode = 2,
    /// `CharSet.Auto` (Unicode on every platform .NET supports today).
    Auto = 3,
}

impl Charset {
    /// True when the Windows entry-point search looks for the `A` spelling (Ansi and None),
    /// false when it looks for `W` first (Unicode and Auto).
    pub fn is_ansi(self) -> bool {
        matches!(self, Charset::None | Charset::Ansi)
    }

    /// The charset of the two low bits of an import record's flags (`docs/import-abi.md`).
    pub fn from_bits(bits: u16) -> Charset {
        match bits & 0b11 {
            0 => Charset::None,
            1 => Charset::Ansi,
            2 => Charset::Unicode,
            _ => Charset::Auto,
        }
    }
}

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
    /// The spellings of an entry point that DirectPInvoke items are matched against (ILCompiler's
    /// `EntryPointNameVariations`): on Windows without ExactSpelling, by charset, ordinals
    /// included; every other platform, the name as written.
    pub fn of(charset: Charset, exact_spelling: bool, platform: Platform) -> Self {
        if platform != Platform::Windows || exact_spelling {
            EntryLookup::AsWritten
        } else if charset.is_ansi() {
            EntryLookup::ThenA
        } else {
            EntryLookup::WFirst
        }
    }

    /// The spellings the lazy resolver looks up: as [`EntryLookup::of`], but an ordinal (`#N`)
    /// only as itself (native AOT passes the ordinal number to `GetProcAddress`).
    pub fn lazy(entry: &str, charset: Charset, exact_spelling: bool, platform: Platform) -> Self {
        if ordinal(entry).is_some() {
            EntryLookup::AsWritten
        } else {
            Self::of(charset, exact_spelling, platform)
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
    #[cfg(feature = "std")]
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
    /// [`EntryLookup::candidates`], for reading a plan back; stdcall probes left out).
    #[cfg(feature = "std")]
    pub fn from_candidates(entry: &str, candidates: &[String]) -> Self {
        let candidates: Vec<String> = candidates
            .iter()
            .filter(|c| !(c.starts_with('_') && c.contains('@') && c.len() > entry.len() + 2))
            .cloned()
            .collect();
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

/// The ordinal of a Windows entry point written `#N`, as native AOT reads it: every entry
/// starting with `#` is an ordinal; the rest is parsed as `int.TryParse` does (white space around
/// it, an optional sign), `0` when that fails, and the value is cut to its low 16 bits
/// (dotnet/runtime `PInvokeMethodFixupNode.cs`: "Strings that can't be parsed as a signed integer
/// are treated as zero", "Ordinal imports are 16-bit on Windows").
pub fn ordinal(entry: &str) -> Option<u16> {
    let rest = entry.strip_prefix('#')?;
    Some(dotnet_int(rest).unwrap_or(0) as u16)
}

/// `int.TryParse` with `NumberStyles.Integer`: leading and trailing white space (tab to CR and
/// space), an optional `+` or `-`, then ASCII digits, within `i32`.
fn dotnet_int(s: &str) -> Option<i32> {
    let ws = |c: char| matches!(c, '\u{9}'..='\u{d}' | ' ');
    let t = s.trim_matches(ws);
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<i32>().ok()
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

/// True when `name` holds a directory separator on `platform`, or (Windows) is drive-relative
/// ([`is_drive_relative`]).
pub fn has_directory(name: &str, platform: Platform) -> bool {
    name.contains('/') || (platform == Platform::Windows && (name.contains('\\') || is_drive_relative(name)))
}

/// True for a Windows name that starts with a drive but is not absolute (`Z:lib.dll`): Windows
/// resolves it against that drive's current directory.
pub fn is_drive_relative(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && !matches!(b.get(2), Some(b'\\' | b'/'))
}

/// What glibc's and musl's loaders make of one element of `LD_LIBRARY_PATH` when handed a bare
/// file name (glibc's `elf/dl-load.c`, `fillin_rpath` and `_dl_dst_substitute`; musl's
/// `ldso/dynlink.c`, `load_library`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LdPathElement {
    /// An absolute folder.
    Absolute,
    /// `$ORIGIN/…`: the loading image's own folder.
    Origin,
    /// Empty (read as `.`) or relative: a folder of the current directory.
    CurrentDirectory,
    /// Another `$` substitution (`$PLATFORM`, `$LIB`) not under `/`: a relative folder too,
    /// whose name depends on the machine.
    Substituted,
}

impl LdPathElement {
    /// The kind of the element `dir`.
    pub fn of(dir: &[u8]) -> Self {
        if dir.first() == Some(&b'/') {
            LdPathElement::Absolute
        } else if dir.starts_with(b"${ORIGIN}")
            || dir.strip_prefix(b"$ORIGIN").is_some_and(|rest| {
                !rest
                    .first()
                    .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
            })
        {
            // A token as glibc reads one (`is_dst` in `elf/dl-load.c`): braced, or bare and not
            // followed by a letter, digit or `_` (`$ORIGINX` stays as it is, a relative folder;
            // `${ORIGIN}x` and `$ORIGIN-x` are the image's folder's name with `x`, `-x` added).
            LdPathElement::Origin
        } else if dir.contains(&b'$') {
            LdPathElement::Substituted
        } else {
            LdPathElement::CurrentDirectory
        }
    }
}

/// The folders glibc also searches inside each library-path element, nested (glibc 2.36,
/// `elf/dl-hwcaps.c` `_dl_important_hwcaps`): `tls`, the platform (`AT_PLATFORM`, or glibc's own
/// `haswell`/`xeon_phi`) and the legacy hwcap names, in combination. A superset of every
/// architecture's, so that a check over them misses none; with [`GLIBC_HWCAPS`] under
/// `glibc-hwcaps/`.
pub const LEGACY_HWCAP_FOLDERS: &[&[u8]] = &[
    b"tls",
    b"x86_64",
    b"haswell",
    b"xeon_phi",
    b"avx512_1",
    b"i386",
    b"i486",
    b"i586",
    b"i686",
    b"sse2",
    b"aarch64",
    b"v5l",
    b"v6l",
    b"v7l",
    b"v8l",
    b"vfp",
    b"neon",
];

/// How deeply [`LEGACY_HWCAP_FOLDERS`] nest (`tls/PLATFORM/HWCAP/HWCAP`).
pub const LEGACY_HWCAP_DEPTH: usize = 4;

/// The `glibc-hwcaps/NAME` folders glibc searches inside each library-path element before it
/// (glibc 2.33+, `sysdeps/*/dl-hwcaps-subdirs.c`), for every architecture.
pub const GLIBC_HWCAPS: &[&[u8]] = &[
    b"x86-64-v4",
    b"x86-64-v3",
    b"x86-64-v2",
    b"power10",
    b"power9",
    b"z16",
    b"z15",
    b"z14",
    b"z13",
];

/// The elements of an `LD_LIBRARY_PATH` value, split where glibc (`:` and `;`) or musl (`:`
/// and a newline) splits it; an empty value has none (glibc's `_dl_init_paths` skips it, as if
/// unset).
pub fn ld_path_elements(list: &[u8]) -> impl Iterator<Item = &[u8]> {
    list.split(|&b| matches!(b, b':' | b';' | b'\n'))
        .filter(move |_| !list.is_empty())
}

/// The elements of a search-path list as musl's loader reads one (`path_open` in
/// `ldso/dynlink.c`): split at `:` and a newline, empty elements passed over (never `.`).
pub fn musl_ld_path_elements(list: &[u8]) -> impl Iterator<Item = &[u8]> {
    list.split(|&b| matches!(b, b':' | b'\n'))
        .filter(|e| !e.is_empty())
}

/// The variations of a library name: each is `prefix + name + suffix`, in order, at most four.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variations {
    parts: [(&'static str, &'static str); 4],
    len: usize,
}

impl Variations {
    /// The `(prefix, suffix)` pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.parts[..self.len].iter().copied()
    }

    fn push(&mut self, prefix: &'static str, suffix: &'static str) {
        if !self.parts[..self.len].contains(&(prefix, suffix)) {
            self.parts[self.len] = (prefix, suffix);
            self.len += 1;
        }
    }
}

/// Whether `hay` ends with `suffix`, in any ASCII case.
fn ends_with_ignore_case(hay: &str, suffix: &str) -> bool {
    hay.len() >= suffix.len()
        && hay.as_bytes()[hay.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// Whether `name` contains `suffix` (its first occurrence, in any ASCII case) followed by the
/// end or a `.`.
fn has_lib_suffix(name: &str, suffix: &str) -> bool {
    let (n, s) = (name.as_bytes(), suffix.as_bytes());
    let at = (0..=n.len().saturating_sub(s.len()))
        .find(|&i| n.len() >= s.len() && n[i..i + s.len()].eq_ignore_ascii_case(s));
    at.is_some_and(|at| matches!(n.get(at + s.len()), None | Some(b'.')))
}

/// The file names tried for library `name`, as `(prefix, suffix)` pairs around it, in order
/// (duplicates removed), as .NET's
/// `LibraryNameVariation` builds them (dotnet/runtime `LibraryNameVariation.Unix.cs` and
/// `.Windows.cs`).
///
/// Unix: a name that contains the suffix (`.so`, `.dylib` on Apple; its first occurrence, in
/// any case, followed by the end or a `.`) tries name, `lib`+name, name+suffix,
/// `lib`+name+suffix; any other name tries name+suffix, `lib`+name+suffix, name, `lib`+name. A
/// name with a `/` gets no `lib` prefix; an absolute path is tried as given only. Windows: name,
/// then, for a relative name, name+`.dll` unless it ends in `.dll`, `.exe` or `.` (any case).
pub fn library_variation_parts(name: &str, platform: Platform) -> Variations {
    let mut out = Variations {
        parts: [("", ""); 4],
        len: 0,
    };
    if is_absolute(name, platform) && platform != Platform::Windows {
        out.push("", "");
        return out;
    }
    match platform {
        Platform::Windows => {
            out.push("", "");
            let relative = !is_absolute(name, platform);
            let kept = [".dll", ".exe", "."]
                .iter()
                .any(|s| ends_with_ignore_case(name, s));
            if relative && !kept {
                out.push("", ".dll");
            }
        }
        _ => {
            let suffix = platform.lib_suffix();
            let lib = if has_directory(name, platform) {
                None
            } else {
                Some("lib")
            };
            let order: [(Option<&'static str>, &'static str); 4] = if has_lib_suffix(name, suffix) {
                [(Some(""), ""), (lib, ""), (Some(""), suffix), (lib, suffix)]
            } else {
                [(Some(""), suffix), (lib, suffix), (Some(""), ""), (lib, "")]
            };
            for (prefix, suffix) in order {
                if let Some(prefix) = prefix {
                    out.push(prefix, suffix);
                }
            }
        }
    }
    out
}

/// Whether the absolute `folder`, or a folder along it, is the folder `dir` (the current
/// directory of the process that would search it) reached by another name: `/proc/self/cwd`,
/// `/proc/self/cwd/sub`, `/dev/fd/../cwd`, a link to it. It is the same folder, named otherwise
/// than by its own path; a search-path element like that is read as a relative one (the
/// runtime's rule, `resolver/os_unix.rs`).
#[cfg(all(feature = "std", unix))]
pub fn names_directory_by_another_name(folder: &std::path::Path, dir: &std::path::Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let id = |p: &std::path::Path| std::fs::metadata(p).map(|m| (m.dev(), m.ino())).ok();
    let Some(here) = id(dir) else {
        return false;
    };
    let own = dir.canonicalize().ok();
    let text = folder.as_os_str().as_bytes();
    let ends = text
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'/' && i > 0)
        .map(|(i, _)| i);
    ends.chain([text.len()]).any(|end| {
        let prefix = &text[..end];
        let prefix = &prefix[..prefix.iter().rposition(|&b| b != b'/').map_or(1, |i| i + 1)];
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(prefix));
        id(path) == Some(here)
            && own
                .as_ref()
                .is_none_or(|own| own.as_os_str().as_bytes() != prefix)
    })
}
