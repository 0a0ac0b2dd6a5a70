//! The staging folder: a folder beside the output that a publish writes everything into — the
//! linked image, its debug file, side outputs, plan reports, and its own work files — so that a
//! failed or interrupted publish never leaves a half-written file where the old one was. The
//! finished set is moved into place with renames on one file system, the image last, holding the
//! lock of the output's folder, so that two publishes to one output never mix their files.
//!
//! Each staging folder holds a lock file its publish keeps locked; a publish to the same output
//! removes the folders of publishes that died (their lock is free), whatever killed them.

use crate::diag::{codes, Diagnostic, Error, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The prefix of staging folders' names.
const PREFIX: &str = ".aotinterop-link-";
/// The prefix of a staging folder being made (renamed to [`PREFIX`] once its lock is held, so
/// that no publish ever sees a staging folder whose lock is not yet taken).
const NEW_PREFIX: &str = ".aotinterop-new-";
/// The lock file inside a staging folder.
const LOCK: &str = ".lock";

/// The staging folders of this process's live publishes, for [`remove_live`].
static LIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes the staging folders of this process's publishes that are still running: what a
/// program calls when a signal ends it (the folders would otherwise wait for the next publish
/// to their output).
pub fn remove_live() {
    let live = LIVE.lock().map(|l| l.clone()).unwrap_or_default();
    for dir in live {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A staging folder in the output's folder, removed when dropped.
pub struct Staging {
    dir: PathBuf,
    /// Locked while this publish lives.
    lock: Option<File>,
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|d| d != &self.dir);
        }
        drop(self.lock.take());
    }
}

fn unwritable(output: &Path, e: std::io::Error) -> Error {
    Diagnostic::error(
        codes::OUTPUT_UNWRITABLE,
        format!("cannot create a staging folder for the output: {e}"),
    )
    .at(output)
    .into()
}

/// Removes the staging folders in `parent` whose publish is gone: their lock is free. (A folder
/// still being made is left alone unless it is over a minute old: its publish died making it.)
fn remove_dead(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let dead = if name.starts_with(PREFIX) {
            File::open(entry.path().join(LOCK)).is_ok_and(|lock| lock.try_lock().is_ok())
        } else if name.starts_with(NEW_PREFIX) {
            let age = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok());
            age.is_some_and(|a| a.as_secs() > 60)
        } else {
            false
        };
        if dead {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Staging {
    /// Creates the output's folder if needed, removes the staging folders of dead publishes to
    /// it, and creates this publish's, locked.
    pub fn beside(output: &Path) -> Result<Self> {
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| unwritable(output, e))?;
        remove_dead(&parent);
        let new = tempfile::Builder::new()
            .prefix(NEW_PREFIX)
            .tempdir_in(&parent)
            .map_err(|e| unwritable(output, e))?;
        let lock = File::create(new.path().join(LOCK)).map_err(|e| unwritable(output, e))?;
        lock.lock().map_err(|e| unwritable(output, e))?;
        let suffix = new.path().file_name().unwrap_or_default().to_string_lossy();
        let dir = parent.join(format!("{PREFIX}{}", &suffix[NEW_PREFIX.len()..]));
        std::fs::rename(new.path(), &dir).map_err(|e| unwritable(output, e))?;
        // The folder is this value's now (it removes it when dropped).
        let _ = new.keep();
        if let Ok(mut live) = LIVE.lock() {
            live.push(dir.clone());
        }
        Ok(Staging {
            dir,
            lock: Some(lock),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Moves each staged file (a name in the staging folder) to its destination, then the image,
    /// while holding the lock of the output's folder.
    pub fn commit(&self, files: &[(PathBuf, PathBuf)], image: (&Path, &Path)) -> Result<()> {
        let (name, dest) = image;
        // The output's folder is the lock (nothing is left beside the output for it); commits
        // are renames, so publishes to other outputs in the folder wait only that long.
        let folder = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let lock = File::open(folder).map_err(|e| move_failed(folder, e))?;
        lock.lock().map_err(|e| move_failed(folder, e))?;
        for (staged, to) in files
            .iter()
            .map(|(n, d)| (n.as_path(), d.as_path()))
            .chain([(name, dest)])
        {
            std::fs::rename(self.path().join(staged), to).map_err(|e| move_failed(to, e))?;
        }
        Ok(())
    }
}

fn move_failed(dest: &Path, e: std::io::Error) -> Error {
    Error::new(
        codes::OUTPUT_UNWRITABLE,
        format!("cannot move the published file into place: {e}"),
    )
    .at(dest)
}
