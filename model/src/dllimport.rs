//! What a `DllImport` says besides its module and entry point: `CharSet`, the calling
//! convention and `DllImportSearchPath`, as .NET defines them; and how an import binds.

use std::fmt;

/// How an import binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Binding {
    /// Bound by the OS loader at startup: the image fails to start when it is missing.
    Direct,
    /// Bound on its first call: only that call fails when it is missing.
    Lazy,
}

impl Binding {
    /// `direct` or `lazy`, as plans and reports write it.
    pub fn name(self) -> &'static str {
        match self {
            Binding::Direct => "direct",
            Binding::Lazy => "lazy",
        }
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The compiler whose output calls the P/Invokes, which decides the symbol compiled code
/// references for each (its *call symbol*, `docs/naming.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Compiler {
    /// Code that calls aotinterop's generated call symbols (`pinvoke_Type__Method`), as the C
    /// stand-ins do.
    #[default]
    Generated,
    /// Mono's AOT compiler (`docs/mono.md`): Mono's runtime looks each P/Invoke up by assembly,
    /// library and entry point, and the host sends it to the import's call symbol.
    Mono,
}

/// How Mono's AOT compiler compiles (`compiler: mono`): whether the interpreter runs what was
/// not compiled ahead of time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum MonoAotMode {
    /// `--aot=full`, `MONO_AOT_MODE_FULL`: everything compiled ahead of time; code that needs
    /// a method compiled at run time (a native-to-managed wrapper for a delegate passed to
    /// native code without `[MonoPInvokeCallback]`) fails with `ExecutionEngineException`.
    Full,
    /// `--aot=full,interp`, `MONO_AOT_MODE_INTERP`: the same ahead-of-time code, and Mono's
    /// interpreter runs what was not compiled (what real libraries with callbacks need).
    #[default]
    Interp,
}

impl MonoAotMode {
    /// The mode's name as written in a request.
    pub fn name(self) -> &'static str {
        match self {
            MonoAotMode::Full => "full",
            MonoAotMode::Interp => "interp",
        }
    }
}

/// What the publish produces (`NativeLib` in the project file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum OutputKind {
    /// An executable (no `NativeLib`).
    #[default]
    #[cfg_attr(feature = "serde", serde(alias = "Executable", alias = "exe"))]
    Executable,
    /// `NativeLib=Shared`: a shared library (`.so`, `.dll`, `.dylib`).
    #[cfg_attr(feature = "serde", serde(alias = "Shared"))]
    Shared,
    /// `NativeLib=Static`: a static archive a native host links.
    #[cfg_attr(feature = "serde", serde(alias = "Static"))]
    Static,
}

pub use crate::lazy_rules::Charset;

/// The unmanaged calling convention of an ImplMap row (`CallingConvention`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum CallingConvention {
    /// `Winapi`: the platform default.
    Winapi,
    /// `Cdecl`.
    Cdecl,
    /// `StdCall`.
    Stdcall,
    /// `ThisCall`.
    Thiscall,
    /// `FastCall`.
    Fastcall,
}

/// `DllImportSearchPath` flags, as .NET defines them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DllImportSearchPath(pub u32);

impl DllImportSearchPath {
    /// `AssemblyDirectory`.
    pub const ASSEMBLY_DIRECTORY: u32 = 0x2;

    /// The names and values of the flags, in .NET's order.
    pub const FLAGS: &'static [(&'static str, u32)] = &[
        ("LegacyBehavior", 0x0),
        ("AssemblyDirectory", 0x2),
        ("UseDllDirectoryForDependencies", 0x100),
        ("ApplicationDirectory", 0x200),
        ("UserDirectories", 0x400),
        ("System32", 0x800),
        ("SafeDirectories", 0x1000),
    ];

    /// The flag names set in this value (`LegacyBehavior` for zero).
    pub fn names(self) -> Vec<String> {
        if self.0 == 0 {
            return vec!["LegacyBehavior".into()];
        }
        let mut names: Vec<String> = Self::FLAGS
            .iter()
            .filter(|(_, v)| *v != 0 && self.0 & v == *v)
            .map(|(n, _)| n.to_string())
            .collect();
        let known: u32 = Self::FLAGS.iter().map(|(_, v)| v).fold(0, |a, b| a | b);
        if self.0 & !known != 0 {
            names.push(format!("0x{:x}", self.0 & !known));
        }
        names
    }

    /// Parses a flag name (case-insensitive) or a number (decimal or `0x` hex).
    pub fn parse_flag(s: &str) -> Option<u32> {
        let s = s.trim();
        if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            return u32::from_str_radix(hex, 16).ok();
        }
        if let Ok(n) = s.parse::<u32>() {
            return Some(n);
        }
        Self::FLAGS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|(_, v)| *v)
    }

    /// Parses `Name|Name,...` lists as written in attributes and on the command line.
    pub fn parse(s: &str) -> Option<Self> {
        let mut v = 0;
        for part in s.split([',', '|']) {
            v |= Self::parse_flag(part)?;
        }
        Some(DllImportSearchPath(v))
    }
}

impl fmt::Display for DllImportSearchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join("|"))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for DllImportSearchPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for DllImportSearchPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(SearchPathVisitor)
    }
}

/// Reads a `DllImportSearchPath` as a number, a flag name (`A|B`) or an array of flag names,
/// each mistake in its own words.
#[cfg(feature = "serde")]
struct SearchPathVisitor;

#[cfg(feature = "serde")]
impl SearchPathVisitor {
    fn unknown<E: serde::de::Error>(s: &str) -> E {
        E::custom(format!(
            "unknown DllImportSearchPath flag `{s}` (expected one of {})",
            DllImportSearchPath::FLAGS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::de::Visitor<'de> for SearchPathVisitor {
    type Value = DllImportSearchPath;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a DllImportSearchPath: a number, flag names (`SafeDirectories|System32`) or an array of flag names")
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> std::result::Result<Self::Value, E> {
        u32::try_from(n)
            .map(DllImportSearchPath)
            .map_err(|_| E::custom(format!("DllImportSearchPath {n} is larger than 32 bits")))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> std::result::Result<Self::Value, E> {
        u64::try_from(n)
            .map_err(|_| E::custom(format!("DllImportSearchPath {n} is negative")))
            .and_then(|n| self.visit_u64(n))
    }

    fn visit_str<E: serde::de::Error>(self, t: &str) -> std::result::Result<Self::Value, E> {
        DllImportSearchPath::parse(t).ok_or_else(|| Self::unknown(t))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut v = 0;
        while let Some(name) = seq.next_element::<String>()? {
            v |= DllImportSearchPath::parse_flag(&name).ok_or_else(|| Self::unknown::<A::Error>(&name))?;
        }
        Ok(DllImportSearchPath(v))
    }
}

/// What native AOT's lazy resolver searches for a library (dotnet/runtime `InteropHelpers.cs`
/// and `NativeLibrary.NativeAot.cs`, `LoadLibraryBySearch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LibrarySearch {
    /// The `DllImportSearchPath` value in force (AssemblyDirectory bit included).
    pub search_path: u32,
    /// Whether the import gave `DllImportSearchPath` itself.
    pub specified: bool,
    /// Whether the OS loader is asked after the AssemblyDirectory.
    pub os_loader: bool,
}

impl LibrarySearch {
    /// The search for an import with `search_path` (`None`: no `DefaultDllImportSearchPaths`)
    /// under `dotnet`:
    /// - no attribute: .NET 8 asks the OS loader only (its targets link `-rpath $ORIGIN`, which
    ///   is how the image's folder is found); .NET 10 the AssemblyDirectory, then the OS loader;
    /// - `AssemblyDirectory` alone: .NET 8 it, then the OS loader; .NET 10 it only;
    /// - anything else: the AssemblyDirectory when its bit is set, then the OS loader with the
    ///   other flags.
    pub fn of(search_path: Option<u32>, dotnet: crate::DotNet) -> Self {
        let ad = DllImportSearchPath::ASSEMBLY_DIRECTORY;
        match (search_path, dotnet) {
            (None, crate::DotNet::Net8) => LibrarySearch {
                search_path: 0,
                specified: false,
                os_loader: true,
            },
            (None, crate::DotNet::Net10) => LibrarySearch {
                search_path: ad,
                specified: false,
                os_loader: true,
            },
            (Some(sp), d) => LibrarySearch {
                search_path: sp,
                specified: true,
                os_loader: !(d == crate::DotNet::Net10 && sp == ad),
            },
        }
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

    #[test]
    fn search_path_names_and_parse() {
        let sp = DllImportSearchPath::parse("AssemblyDirectory|System32").unwrap();
        assert_eq!(sp.0, 0x802);
        assert_eq!(sp.names(), vec!["AssemblyDirectory", "System32"]);
        assert_eq!(DllImportSearchPath::parse("0x1000").unwrap().0, 0x1000);
        assert!(DllImportSearchPath::parse("Nowhere").is_none());
        let json: DllImportSearchPath = serde_json::from_str(r#"["safedirectories"]"#).unwrap();
        assert_eq!(json.0, 0x1000);
    }

    #[test]
    fn library_search_per_release() {
        use crate::DotNet::*;
        let s = |sp, d| {
            let l = LibrarySearch::of(sp, d);
            (l.search_path & 2 != 0, l.os_loader)
        };
        // (searches the AssemblyDirectory, asks the OS loader)
        assert_eq!(s(None, Net8), (false, true));
        assert_eq!(s(None, Net10), (true, true));
        assert_eq!(s(Some(0x2), Net8), (true, true));
        assert_eq!(s(Some(0x2), Net10), (true, false));
        assert_eq!(s(Some(0x802), Net10), (true, true));
        assert_eq!(s(Some(0x800), Net10), (false, true));
    }

    #[test]
    fn charset_bits_round_trip() {
        for c in [Charset::None, Charset::Ansi, Charset::Unicode, Charset::Auto] {
            assert_eq!(Charset::from_bits(c as u16), c);
        }
    }
}
