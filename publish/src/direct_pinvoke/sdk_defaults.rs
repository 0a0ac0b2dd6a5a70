//! The DirectPInvoke items the SDK's native AOT targets add by themselves: the framework's
//! native shims, which the SDK links statically. Followed: dotnet/runtime
//! `src/coreclr/nativeaot/BuildIntegration/Microsoft.NETCore.Native.Unix.targets` and
//! `Microsoft.NETCore.Native.Windows.targets` (`NetCoreAppNativeLibrary` items, turned into
//! `DirectPInvoke` items: `lib%(Identity)` in .NET 8, `%(Identity)` in .NET 10). The Windows API
//! list (`WindowsAPIs.txt`) the Windows targets also add is the request's `windows_api_list`.

use aotinterop_model::{DotNet, Os, Platform, Rid};

/// The targets file that adds the items, named in the plan's reasons.
pub fn targets_file(rid: Rid) -> &'static str {
    match rid.platform() {
        Platform::Windows => "Microsoft.NETCore.Native.Windows.targets",
        _ => "Microsoft.NETCore.Native.Unix.targets",
    }
}

/// The items for `rid` under `dotnet`, spelled as that release's targets spell them.
pub fn items(rid: Rid, dotnet: DotNet, invariant_globalization: bool) -> Vec<String> {
    let ios_like = matches!(
        rid.os,
        Os::MacCatalyst | Os::Ios | Os::IosSimulator | Os::Tvos | Os::TvosSimulator
    );
    let tvos = matches!(rid.os, Os::Tvos | Os::TvosSimulator);
    let apple = rid.platform() == Platform::Apple;
    let mut shims: Vec<&str> = Vec::new();
    if rid.platform() == Platform::Windows {
        shims.extend(["System.Globalization.Native", "System.IO.Compression.Native"]);
        return shims.into_iter().map(str::to_string).collect();
    }
    shims.push("System.Native");
    if !invariant_globalization {
        shims.push("System.Globalization.Native");
    }
    shims.push("System.IO.Compression.Native");
    if !tvos && rid.os != Os::LinuxBionic {
        shims.push("System.Net.Security.Native");
    }
    if apple {
        shims.push("System.Security.Cryptography.Native.Apple");
    }
    let openssl = match dotnet {
        DotNet::Net8 => !ios_like,
        DotNet::Net10 => !apple,
    };
    if openssl {
        shims.push("System.Security.Cryptography.Native.OpenSsl");
    }
    if dotnet == DotNet::Net8 && ios_like && !invariant_globalization {
        shims.extend(["icudata", "icui18n", "icuuc"]);
    }
    let prefix = match dotnet {
        DotNet::Net8 => "lib",
        DotNet::Net10 => "",
    };
    shims.into_iter().map(|s| format!("{prefix}{s}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(rid: &str, d: DotNet) -> Vec<String> {
        items(rid.parse().unwrap(), d, false)
    }

    #[test]
    fn per_platform_and_release() {
        assert_eq!(
            of("linux-x64", DotNet::Net10),
            [
                "System.Native",
                "System.Globalization.Native",
                "System.IO.Compression.Native",
                "System.Net.Security.Native",
                "System.Security.Cryptography.Native.OpenSsl"
            ]
        );
        assert_eq!(of("linux-x64", DotNet::Net8)[0], "libSystem.Native");
        assert!(
            of("osx-arm64", DotNet::Net8).contains(&"libSystem.Security.Cryptography.Native.OpenSsl".into())
        );
        assert!(!of("osx-arm64", DotNet::Net10)
            .iter()
            .any(|s| s.contains("OpenSsl")));
        assert!(of("osx-arm64", DotNet::Net10).contains(&"System.Security.Cryptography.Native.Apple".into()));
        assert!(of("ios-arm64", DotNet::Net8).contains(&"libicuuc".into()));
        assert!(!of("tvos-arm64", DotNet::Net10)
            .iter()
            .any(|s| s.contains("Net.Security")));
        assert_eq!(
            of("win-x64", DotNet::Net8),
            ["System.Globalization.Native", "System.IO.Compression.Native"]
        );
        assert!(!items("linux-x64".parse().unwrap(), DotNet::Net10, true)
            .iter()
            .any(|s| s.contains("Globalization")));
    }
}
