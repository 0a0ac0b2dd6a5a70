//! Finding .NET's pre-populated Windows DirectPInvoke list (`WindowsAPIs.txt`).
//!
//! Native AOT's Windows targets add `WindowsAPIs.txt` from the ILCompiler package as a
//! DirectPInvokeList. aotinterop reads the same file: the one the request names, else the newest
//! `microsoft.dotnet.ilcompiler/<version>/build/WindowsAPIs.txt` in the NuGet package cache, else
//! its own small built-in list of core kernel32 / ucrtbase APIs.

use std::path::{Path, PathBuf};

/// The NuGet global packages folder: `NUGET_PACKAGES`, else `~/.nuget/packages`. A relative
/// value is ignored: it would be the current directory's, where anyone could plant a list that
/// makes imports bind at startup.
pub fn nuget_packages_root() -> Option<PathBuf> {
    let absolute = |name: &str| std::env::var_os(name).filter(|p| Path::new(p).is_absolute());
    if let Some(p) = absolute("NUGET_PACKAGES") {
        return Some(PathBuf::from(p));
    }
    let home = absolute("HOME").or_else(|| absolute("USERPROFILE"))?;
    Some(Path::new(&home).join(".nuget").join("packages"))
}

/// The newest ILCompiler package's `build/WindowsAPIs.txt` under a NuGet packages folder.
pub fn find_in_nuget_cache(packages: &Path) -> Option<PathBuf> {
    nuget_cache_lists(packages).0
}

/// [`find_in_nuget_cache`], and the `WindowsAPIs.txt` entries passed over because they are no
/// regular file (a FIFO, a device, a folder, a link to one).
pub fn nuget_cache_lists(packages: &Path) -> (Option<PathBuf>, Vec<PathBuf>) {
    let pkg = packages.join("microsoft.dotnet.ilcompiler");
    let mut best: Option<(Vec<VersionPart>, PathBuf)> = None;
    let mut skipped = Vec::new();
    let Ok(entries) = std::fs::read_dir(&pkg) else {
        return (None, skipped);
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(version) = name.to_str() else { continue };
        let list = entry.path().join("build").join("WindowsAPIs.txt");
        if !list.is_file() {
            if std::fs::symlink_metadata(&list).is_ok() {
                skipped.push(list);
            }
            continue;
        }
        // One another user could have put there (their file, or a folder above it every user
        // may write) would choose which imports bind at startup: passed over.
        if !trusted(&list) {
            skipped.push(list);
            continue;
        }
        let key = version_key(version);
        if best.as_ref().is_none_or(|(k, _)| key > *k) {
            best = Some((key, list));
        }
    }
    (best.map(|(_, p)| p), skipped)
}

/// Whether the list file is this user's or root's, and no other user could swap it.
fn trusted(list: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let owner_ok = std::fs::metadata(list).is_ok_and(|m| m.uid() == me || m.uid() == 0);
    owner_ok && crate::trust::swappable(list).is_none()
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum VersionPart {
    // A pre-release tag sorts before the release (`8.0.0-rc.1` < `8.0.0`).
    Pre(String),
    Num(u64),
    Release,
}

/// A sort key for NuGet versions: numeric parts compare as numbers, and a release sorts after
/// its pre-releases.
fn version_key(v: &str) -> Vec<VersionPart> {
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (v, None),
    };
    let mut key: Vec<VersionPart> = core
        .split('.')
        .map(|p| {
            p.parse()
                .map(VersionPart::Num)
                .unwrap_or(VersionPart::Pre(p.to_string()))
        })
        .collect();
    match pre {
        None => key.push(VersionPart::Release),
        Some(pre) => key.extend(pre.split('.').map(|p| VersionPart::Pre(format!("{p:0>10}")))),
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_like_nuget() {
        assert!(version_key("8.0.10") > version_key("8.0.9"));
        assert!(version_key("8.0.0") > version_key("8.0.0-rc.2.23479.6"));
        assert!(version_key("9.0.0-preview.1") > version_key("8.0.11"));
    }

    #[test]
    fn finds_the_newest_list() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("microsoft.dotnet.ilcompiler");
        for v in ["8.0.9", "8.0.10", "9.0.0-rc.1.24431.7", "10.0.0"] {
            let build = pkg.join(v).join("build");
            std::fs::create_dir_all(&build).unwrap();
            if v != "10.0.0" {
                std::fs::write(build.join("WindowsAPIs.txt"), v).unwrap();
            }
        }
        let found = find_in_nuget_cache(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(found).unwrap(), "9.0.0-rc.1.24431.7");
        assert_eq!(find_in_nuget_cache(&dir.path().join("nothing")), None);
        // A FIFO in the newest package is passed over, and said to be.
        let fifo = pkg.join("11.0.0/build/WindowsAPIs.txt");
        std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let (found, skipped) = nuget_cache_lists(dir.path());
        assert_eq!(
            std::fs::read_to_string(found.unwrap()).unwrap(),
            "9.0.0-rc.1.24431.7"
        );
        assert_eq!(skipped, [fifo]);
    }
}
