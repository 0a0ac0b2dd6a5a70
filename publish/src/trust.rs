//! Whether another user could change what a path names by changing a folder above it: the
//! check for files a publish takes from folders it did not make (the Mono object cache, a
//! runtime archive beside the program).

use std::path::{Path, PathBuf};

/// Why another user could swap the existing folder or file `path` for one of theirs through a
/// folder above it, if they could: a folder every user may write without the sticky bit (they
/// may rename what it holds), or a sticky one whose entry on the way is neither this user's nor
/// root's (its owner may). `None` when no folder above lets them, or `path` cannot be read.
pub fn swappable(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let path = std::path::absolute(path).ok()?;
    let parts: Vec<PathBuf> = path.ancestors().map(Path::to_path_buf).collect();
    for pair in parts.windows(2) {
        let (entry, folder) = (&pair[0], &pair[1]);
        let Ok(meta) = std::fs::symlink_metadata(folder) else {
            continue;
        };
        if meta.mode() & 0o002 == 0 {
            continue;
        }
        if meta.mode() & 0o1000 == 0 {
            return Some(format!(
                "its folder {} is writable by every user",
                folder.display()
            ));
        }
        let owner = std::fs::symlink_metadata(entry).map(|m| m.uid()).unwrap_or(me);
        if owner != me && owner != 0 {
            return Some(format!(
                "{} is another user's, in the folder every user may write {}",
                entry.display(),
                folder.display()
            ));
        }
    }
    None
}
