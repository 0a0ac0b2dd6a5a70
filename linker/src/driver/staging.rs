//! The staging folder: a temporary folder beside the output that the linker writes into, so a
//! failed or interrupted link never leaves a half-written image where the old one was. The
//! result is moved into place with a rename on the same file system.

use crate::diag::{codes, Diagnostic, Error, Result};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A temporary folder in the output's folder, removed when dropped.
pub(crate) struct Staging {
    dir: TempDir,
}

impl Staging {
    /// Creates the output's folder if needed, and a staging folder in it.
    pub(crate) fn beside(output: &Path) -> Result<Self> {
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let unwritable = |e: std::io::Error| {
            Diagnostic::error(
                codes::OUTPUT_UNWRITABLE,
                format!("cannot create a staging folder for the output: {e}"),
            )
            .at(output)
        };
        std::fs::create_dir_all(&parent).map_err(unwritable)?;
        let dir = tempfile::Builder::new()
            .prefix(".aotinterop-link-")
            .tempdir_in(&parent)
            .map_err(unwritable)?;
        Ok(Staging { dir })
    }

    /// The folder.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Moves `name` from the staging folder to `dest`, replacing it.
    pub(crate) fn commit(&self, name: &Path, dest: &Path) -> Result<()> {
        std::fs::rename(self.path().join(name), dest).map_err(|e| {
            Error::new(
                codes::OUTPUT_UNWRITABLE,
                format!("cannot move the linked file into place: {e}"),
            )
            .at(dest)
        })
    }
}
