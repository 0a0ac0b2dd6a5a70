//! The P/Invokes Mono's runtime binds itself: `__Internal` (the image's own exported symbols:
//! Mono's runtime is linked in) and the native shims Mono ships in its own library folder, which
//! its configuration (`/etc/mono/config`, `$mono_libdir/...`) maps by absolute path. Every other
//! P/Invoke of every compiled assembly, the framework's included, is aotinterop's.

/// Modules Mono's configuration maps into Mono's own library folder (Mono 6.8's `config`:
/// `System.Native` and its kin to `libmono-native.so`, `MonoPosixHelper`, `libmono-btls-shared`).
const SHIMS: &[&str] = &[
    "System.Native",
    "System.Net.Security.Native",
    "System.Security.Cryptography.Native.Apple",
    "MonoPosixHelper",
    "libmono-btls-shared",
    "libmono-native",
];

/// Why Mono's runtime binds imports of `module`, when it does.
pub fn runtime_own(module: &str) -> Option<&'static str> {
    if module == "__Internal" {
        Some("`__Internal`: Mono binds it from the image's own exported symbols (its runtime is linked in)")
    } else if SHIMS.contains(&module) {
        Some("one of Mono's own native shims: Mono's configuration maps it to its own library folder by absolute path")
    } else {
        None
    }
}

/// Moves the imports Mono's runtime binds itself out of `surface.imports` into
/// `surface.runtime_imports`, each with its reason.
pub fn set_apart_runtime_imports(surface: &mut crate::surface::Surface) {
    for i in std::mem::take(&mut surface.imports) {
        match runtime_own(&i.module) {
            Some(reason) => surface.runtime_imports.push(aotinterop_model::RuntimeImport {
                reason: reason.to_string(),
                module: i.module,
                entry: i.entry,
                assembly: i.assembly,
                method: i.method,
            }),
            None => surface.imports.push(i),
        }
    }
}

#[cfg(test)]
mod tests {
    /// Mono's own configuration is the oracle: every module it maps into `$mono_libdir` is one
    /// of the shims (skipped where Mono is not installed).
    #[test]
    fn every_module_mono_maps_into_its_library_folder_is_a_shim() {
        let Ok(config) = std::fs::read_to_string("/etc/mono/config") else {
            return;
        };
        let mut mapped = 0;
        for line in config.lines().filter(|l| l.contains("target=\"$mono_libdir/")) {
            let dll = line
                .split("dll=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap();
            assert!(
                super::SHIMS.contains(&dll),
                "{dll} is mapped into Mono's folder: {line}"
            );
            mapped += 1;
        }
        assert!(mapped >= 4, "{mapped} shims in /etc/mono/config");
    }
}
