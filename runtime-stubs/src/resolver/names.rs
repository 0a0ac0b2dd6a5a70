//! Name variations: the file names tried for a library and the symbol names tried for an
//! entry point, by the rules .NET uses for a P/Invoke.

/// The platform whose naming rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Linux and other ELF Unixes (`.so`).
    Linux,
    /// macOS (`.dylib`).
    MacOs,
    /// Windows (`.dll`).
    Windows,
}

impl Platform {
    /// The platform this code runs on.
    pub fn host() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else if cfg!(target_vendor = "apple") {
            Platform::MacOs
        } else {
            Platform::Linux
        }
    }

    /// The platform of a .NET runtime identifier (`linux-x64`, `win-arm64`, `osx-arm64`...).
    pub fn from_rid(rid: &str) -> Option<Platform> {
        let os = rid.split('-').next()?;
        match os {
            "win" => Some(Platform::Windows),
            "osx" | "maccatalyst" | "ios" | "iossimulator" | "tvos" => Some(Platform::MacOs),
            "linux" | "linux-musl" | "freebsd" | "android" | "illumos" | "solaris" | "unix" => {
                Some(Platform::Linux)
            }
            _ => None,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Platform::Linux => ".so",
            Platform::MacOs => ".dylib",
            Platform::Windows => ".dll",
        }
    }
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
            let suffix = platform.suffix();
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

/// The symbol names tried for an entry point, in order. Unix: the name only. Windows: exact
/// spelling tries the name; otherwise Ansi/None try name then name`A`, Unicode/Auto name`W`
/// then name. An entry `#N` is an ordinal on Windows (returned as is; the loader parses it).
pub fn entry_candidates(entry: &str, flags: u16, platform: Platform) -> Vec<String> {
    use crate::abi::import_flags as f;
    if platform != Platform::Windows || flags & f::EXACT_SPELLING != 0 || ordinal(entry).is_some() {
        return vec![entry.to_string()];
    }
    match flags & f::CHARSET_MASK {
        f::CHARSET_UNICODE | f::CHARSET_AUTO => vec![format!("{entry}W"), entry.to_string()],
        _ => vec![entry.to_string(), format!("{entry}A")],
    }
}

/// The ordinal of an entry written `#N` (Windows), if it is one.
pub fn ordinal(entry: &str) -> Option<u16> {
    entry.strip_prefix('#')?.parse().ok()
}
