//! The Windows loader's search ("Dynamic-link library search order", Microsoft Learn), names
//! compared in any case. API sets (`api-ms-win-*`, `ext-ms-*`) are the loader's own. A KnownDLL
//! comes from the system folder whatever the other folders hold. For an import at startup, and
//! for `LoadLibraryExW` without `LOAD_LIBRARY_SEARCH_*` flags (safe search mode): the image's
//! folder, the system folder (the sysroot: a `System32` folder or any folder of DLLs), the
//! 16-bit system folder and the Windows folder (when the sysroot is `.../Windows/System32`),
//! then `PATH` (the `--library-path` folders); the current folder is not known here and is not
//! tried. With `LOAD_LIBRARY_SEARCH_*` flags, as the lazy resolver passes them, only the folders
//! the flags name (`APPLICATION_DIR`, `SYSTEM32`, `DEFAULT_DIRS` = both, as no
//! `AddDllDirectory` folders exist here); `PATH` is not searched.
//!
//! The KnownDLLs list is read from the registry (`HKLM\System\CurrentControlSet\Control\Session
//! Manager\KnownDLLs`) when the sysroot sits in a wine prefix, whose `system.reg` is text; a
//! Windows installation's binary hive is not read (a note says so).

use super::Machine;
use std::path::{Path, PathBuf};

/// `LOAD_LIBRARY_SEARCH_APPLICATION_DIR`.
const SEARCH_APPLICATION_DIR: u32 = 0x200;
/// `LOAD_LIBRARY_SEARCH_SYSTEM32`.
const SEARCH_SYSTEM32: u32 = 0x800;
/// `LOAD_LIBRARY_SEARCH_DEFAULT_DIRS`.
const SEARCH_DEFAULT_DIRS: u32 = 0x1000;
/// Every `LOAD_LIBRARY_SEARCH_*` flag that picks folders.
const SEARCH_ANY: u32 = 0x100 | 0x200 | 0x400 | 0x800 | 0x1000;

/// The Windows loader's rules for one image.
pub(super) struct WindowsLoader {
    image_dir: PathBuf,
    system: Option<PathBuf>,
    /// The 16-bit system folder and the Windows folder, when the layout shows them.
    windows: Vec<PathBuf>,
    path: Vec<PathBuf>,
    /// KnownDLLs, lower case.
    known: Vec<String>,
    pub(super) notes: Vec<String>,
}

/// Whether a name is an API set, which the loader resolves itself.
pub(super) fn is_api_set(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("api-ms-win-") || n.starts_with("ext-ms-")
}

/// The values of the KnownDLLs key in a wine `system.reg` (`"name"="file.dll"` lines under
/// `[System\\CurrentControlSet\\Control\\Session Manager\\KnownDLLs]`), lower case.
pub(super) fn known_dlls_of_reg(text: &str) -> Vec<String> {
    const KEY: &str = "system\\\\currentcontrolset\\\\control\\\\session manager\\\\knowndlls]";
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            inside = l.to_ascii_lowercase().trim_start_matches('[').starts_with(KEY);
            continue;
        }
        if !inside {
            continue;
        }
        // `"kernel32"="kernel32.dll"`: the value is the file name.
        if let Some((_, value)) = l.split_once("\"=\"") {
            let v = value.trim_end_matches('"').to_ascii_lowercase();
            if !v.is_empty() && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

/// The wine prefix a folder lies in: the nearest ancestor with a `system.reg` (of any kind: one
/// that cannot be read is said so, not taken for a Windows installation).
fn wine_prefix(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .take(4)
        .find(|d| d.join("system.reg").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

impl WindowsLoader {
    /// The rules for `image` on `machine` (its sysroot the system folder).
    pub(super) fn new(image: &Path, machine: &Machine) -> WindowsLoader {
        let image_dir = image.parent().unwrap_or(Path::new(".")).to_path_buf();
        let system = machine.sysroot.clone();
        let mut windows = Vec::new();
        let mut notes = Vec::new();
        let mut known = Vec::new();
        if let Some(sys) = &system {
            let is_system32 = sys
                .file_name()
                .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case("system32"));
            if let (true, Some(win)) = (is_system32, sys.parent()) {
                windows.push(super::in_folder(win, "system", true));
                windows.push(win.to_path_buf());
            }
            match wine_prefix(sys) {
                Some(prefix) => {
                    match aotinterop_model::diag::read_text(&prefix.join("system.reg"), "registry") {
                        Ok(text) => known = known_dlls_of_reg(&text),
                        Err(e) => notes.push(format!(
                            "KnownDLLs not read ({}); a KnownDLL beside the image would be passed over for \
                             System32's",
                            e.diagnostic().message
                        )),
                    }
                }
                None if is_system32 => notes.push(
                    "KnownDLLs not read (the registry hive of a Windows installation is binary); \
                     a KnownDLL beside the image would be passed over for System32's"
                        .into(),
                ),
                None => {}
            }
        }
        WindowsLoader {
            image_dir,
            system,
            windows,
            path: machine.path_dirs(),
            known,
            notes,
        }
    }

    /// The files the loader tries for `name`, loaded with `LoadLibraryExW` `flags` (0 for an
    /// import at startup), in order.
    pub(super) fn candidates(&self, name: &str, flags: u32) -> Vec<PathBuf> {
        let file = |d: &Path| super::in_folder(d, name, true);
        if Path::new(name).is_absolute() || name.contains('\\') || name.contains('/') {
            return vec![PathBuf::from(name)];
        }
        if self.known.contains(&name.to_ascii_lowercase()) {
            return self.system.iter().map(|d| file(d)).collect();
        }
        let mut out = Vec::new();
        if flags & SEARCH_ANY == 0 {
            out.push(file(&self.image_dir));
            out.extend(self.system.iter().map(|d| file(d)));
            out.extend(self.windows.iter().map(|d| file(d)));
            out.extend(self.path.iter().map(|d| file(d)));
        } else {
            if flags & (SEARCH_APPLICATION_DIR | SEARCH_DEFAULT_DIRS) != 0 {
                out.push(file(&self.image_dir));
            }
            if flags & (SEARCH_SYSTEM32 | SEARCH_DEFAULT_DIRS) != 0 {
                out.extend(self.system.iter().map(|d| file(d)));
            }
        }
        out
    }
}
