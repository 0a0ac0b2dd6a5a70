//! Whether another user could change what a path names by changing a folder above it: the
//! check for files a publish takes from folders it did not make (the Mono object cache, a
//! runtime archive beside the program).

use std::path::{Path, PathBuf};

/// Whether this user may make files in the folder `dir` (`access(W_OK | X_OK)`).
pub fn writable(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(dir.as_os_str().as_bytes())
        // SAFETY: a NUL-terminated path; `access` only looks.
        .is_ok_and(|c| unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) } == 0)
}

/// Why another user could swap the existing folder or file `path` for one of theirs through a
/// folder above it, if they could: a folder every user may write without the sticky bit (they
/// may rename what it holds), or a sticky one whose entry on the way is neither this user's nor
/// root's (its owner may). `None` when no folder above lets them, or `path` cannot be read.
pub fn swappable(path: &Path) -> Option<String> {
    let path = std::path::absolute(path).ok()?;
    // The path as written (a link's own folder decides who may replace the link), then as the
    // links lead (the folders it really goes through).
    let existing = path.ancestors().find(|a| a.exists())?;
    let real = existing
        .canonicalize()
        .ok()
        .map(|r| r.join(path.strip_prefix(existing).unwrap_or(Path::new(""))));
    swappable_along(&path).or_else(|| real.and_then(|r| swappable_along(&r)))
}

/// [`swappable`] along the folders of `path` as written; a folder that is a link is judged by
/// where it leads, in the other walk.
fn swappable_along(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let parts: Vec<PathBuf> = path.ancestors().map(Path::to_path_buf).collect();
    for pair in parts.windows(2) {
        let (entry, folder) = (&pair[0], &pair[1]);
        let Ok(meta) = std::fs::symlink_metadata(folder) else {
            continue;
        };
        if meta.file_type().is_symlink() || meta.mode() & 0o002 == 0 {
            continue;
        }
        if meta.mode() & 0o1000 == 0 {
            return Some(format!(
                "its folder {} is writable by every user",
                aotinterop_model::diag::shown_path(folder, 300)
            ));
        }
        let owner = std::fs::symlink_metadata(entry).map(|m| m.uid()).unwrap_or(me);
        if owner != me && owner != 0 {
            return Some(format!(
                "{} is another user's, in the folder every user may write {}",
                aotinterop_model::diag::shown_path(entry, 300),
                aotinterop_model::diag::shown_path(folder, 300)
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::swappable;
    use std::os::unix::fs::{symlink, PermissionsExt};

    /// A folder reached through a link is judged by the folder the link names (a link reads as
    /// mode 0777: `/home -> var/home` made every cache below it "writable by every user"), and
    /// one that names a folder every user may write is still refused.
    #[test]
    fn a_link_on_the_way_is_judged_by_where_it_leads() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("real")).unwrap();
        std::fs::set_permissions(d.join("real"), std::fs::Permissions::from_mode(0o755)).unwrap();
        symlink("real", d.join("lnk")).unwrap();
        assert_eq!(swappable(&d.join("lnk/cache")), None);
        std::fs::create_dir(d.join("open")).unwrap();
        std::fs::set_permissions(d.join("open"), std::fs::Permissions::from_mode(0o777)).unwrap();
        symlink("open", d.join("to-open")).unwrap();
        let why = swappable(&d.join("to-open/cache")).unwrap();
        assert!(why.contains("writable by every user"), "{why}");
    }
}
