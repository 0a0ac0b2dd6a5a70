//! The .NET release whose native AOT rules a publish follows. The rules that differ between
//! .NET 8 and .NET 10 (module-name variations, the lazy resolver's default search, the SDK's own
//! DirectPInvoke items, `--export-dynamic`, `DllMain`) ask this; `docs/request.md` lists them.

use std::fmt;
use std::str::FromStr;

/// A supported (LTS) .NET release.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DotNet {
    /// .NET 8 (`net8.0`).
    Net8,
    /// .NET 10 (`net10.0`), the default.
    #[default]
    Net10,
}

impl DotNet {
    /// The target framework moniker: `net8.0`, `net10.0`.
    pub fn moniker(self) -> &'static str {
        match self {
            DotNet::Net8 => "net8.0",
            DotNet::Net10 => "net10.0",
        }
    }
}

impl fmt::Display for DotNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.moniker())
    }
}

/// A .NET version that was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotNetError {
    /// What was given.
    pub given: String,
}

impl fmt::Display for DotNetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a .NET release whose native AOT rules aotinterop follows (net8.0 or net10.0; \
             a TargetFramework such as net8.0-windows, or an ILCompiler package version such as 10.0.1)",
            crate::diag::shown(&self.given, 60)
        )
    }
}

impl std::error::Error for DotNetError {}

impl FromStr for DotNet {
    type Err = DotNetError;

    /// Reads a target framework (`net8.0`, `net10.0-ios`), a bare major version (`8`, `10.0`),
    /// or an ILCompiler package version (`8.0.11`, `10.0.0-rc.2.25502.107`).
    fn from_str(s: &str) -> Result<Self, DotNetError> {
        let err = || DotNetError { given: s.to_string() };
        let t = s.trim();
        let version = t.strip_prefix("net").unwrap_or(t);
        let version = version.split('-').next().unwrap_or(version);
        let major = version.split('.').next().ok_or_else(err)?;
        if version
            .split('.')
            .skip(1)
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(err());
        }
        match major {
            "8" => Ok(DotNet::Net8),
            "10" => Ok(DotNet::Net10),
            _ => Err(err()),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for DotNet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.moniker())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for DotNet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monikers_and_versions() {
        for (s, want) in [
            ("net8.0", Some(DotNet::Net8)),
            ("net8.0-windows10.0.19041.0", Some(DotNet::Net8)),
            ("net10.0", Some(DotNet::Net10)),
            ("net10.0-ios", Some(DotNet::Net10)),
            ("8", Some(DotNet::Net8)),
            ("10.0", Some(DotNet::Net10)),
            ("8.0.11", Some(DotNet::Net8)),
            ("10.0.0-rc.2.25502.107", Some(DotNet::Net10)),
            ("net9.0", None),
            ("net6.0", None),
            ("netstandard2.0", None),
            ("net80", None),
            ("", None),
            ("8.x", None),
        ] {
            assert_eq!(s.parse::<DotNet>().ok(), want, "{s}");
        }
        assert_eq!(DotNet::default(), DotNet::Net10);
    }
}
