//! The ordered list of load attempts for a library: for each name variation, the image's own
//! folder (AssemblyDirectory) and then the OS loader, as native AOT's
//! `NativeLibrary.LoadLibraryBySearch` does (dotnet/runtime `NativeLibrary.NativeAot.cs`); which
//! steps a module takes was decided by the emitter for its .NET version (`docs/runtime.md`).

use super::names::{has_directory, is_absolute, library_variations, Platform};
use crate::abi::{module_flags, search_path as sp};
use std::path::Path;

/// Where an attempt looks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// An absolute path, loaded as given (with these LoadLibraryEx flags on Windows).
    Absolute {
        /// `LOAD_LIBRARY_*` flags (Windows; zero elsewhere).
        flags: u32,
    },
    /// A path in the image's own folder (with these LoadLibraryEx flags on Windows).
    AssemblyDirectory {
        /// `LOAD_LIBRARY_*` flags (Windows; zero elsewhere).
        flags: u32,
    },
    /// The bare name, searched by the OS loader (with these LoadLibraryEx flags on Windows).
    OsLoader {
        /// `LOAD_LIBRARY_*` flags (Windows; zero elsewhere).
        flags: u32,
    },
    /// Not tried: a relative path would be resolved from the current directory.
    SkippedCurrentDirectory,
}

/// One step of the search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// What is passed to the loader.
    pub path: String,
    /// Where it looks.
    pub via: Via,
}

/// `LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR`: dependencies from the DLL's own folder.
const LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR: u32 = 0x100;
/// `LOAD_LIBRARY_SEARCH_DEFAULT_DIRS`: application folder, System32, user dirs; no current dir.
const LOAD_LIBRARY_SEARCH_DEFAULT_DIRS: u32 = 0x1000;

/// The `LoadLibraryExW` flags of the OS-loader step on Windows. The DllImportSearchPath values
/// are the `LOAD_LIBRARY_SEARCH_*` flags (AssemblyDirectory aside). When no flag is given, or
/// only AssemblyDirectory, we use `LOAD_LIBRARY_SEARCH_DEFAULT_DIRS` rather than the legacy
/// search so the current directory is never searched; explicit `LegacyBehavior` (or the
/// allow-current-directory module flag) gets the legacy search.
pub fn windows_flags(search_path: u32, module_flags_value: u32) -> u32 {
    let specified = module_flags_value & module_flags::SEARCH_PATH_SPECIFIED != 0;
    let allow_cwd = module_flags_value & module_flags::ALLOW_CURRENT_DIRECTORY != 0;
    let os = search_path & !sp::ASSEMBLY_DIRECTORY;
    if os != 0 {
        os
    } else if allow_cwd || (specified && search_path == sp::LEGACY_BEHAVIOR) {
        0
    } else {
        LOAD_LIBRARY_SEARCH_DEFAULT_DIRS
    }
}

/// The attempts for library `name` with a module's search path and flags, from `image_dir`.
pub fn attempts(
    name: &str,
    search_path: u32,
    flags: u32,
    image_dir: Option<&Path>,
    platform: Platform,
) -> Vec<Attempt> {
    let allow_cwd = flags & module_flags::ALLOW_CURRENT_DIRECTORY != 0;
    let no_os = flags & module_flags::NO_OS_LOADER != 0;
    let assembly_dir = search_path & sp::ASSEMBLY_DIRECTORY != 0;
    let win_flags = windows_flags(search_path, flags);
    // A full path on Windows: dependencies from the DLL's own folder, then the OS step's dirs
    // (the legacy search cannot be combined with LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR).
    let full_path_flags = if platform != Platform::Windows {
        0
    } else if win_flags == 0 {
        LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS
    } else {
        LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | win_flags
    };
    let mut out = Vec::new();
    for v in library_variations(name, platform) {
        // .NET on Unix turns `\` into `/` right before `dlopen`, after the variations were
        // built (so `sub\x` still got its `lib` prefix).
        let v = if platform == Platform::Windows {
            v
        } else {
            v.replace('\\', "/")
        };
        if is_absolute(&v, platform) {
            out.push(Attempt {
                path: v,
                via: Via::Absolute {
                    flags: full_path_flags,
                },
            });
            continue;
        }
        if assembly_dir {
            if let Some(dir) = image_dir {
                out.push(Attempt {
                    path: join(dir, &v, platform),
                    via: Via::AssemblyDirectory {
                        flags: full_path_flags,
                    },
                });
            }
        }
        if no_os {
            continue;
        }
        if has_directory(&v, platform) && !allow_cwd {
            out.push(Attempt {
                path: v,
                via: Via::SkippedCurrentDirectory,
            });
            continue;
        }
        let flags = if platform == Platform::Windows {
            win_flags
        } else {
            0
        };
        out.push(Attempt {
            path: v,
            via: Via::OsLoader { flags },
        });
    }
    out
}

/// `dir` + `name` with the separator of `platform` (a Windows probe may run elsewhere).
fn join(dir: &Path, name: &str, platform: Platform) -> String {
    if platform == Platform::Windows && !cfg!(windows) {
        let d = dir.to_string_lossy();
        if d.ends_with('\\') || d.ends_with('/') {
            format!("{d}{name}")
        } else {
            format!("{d}\\{name}")
        }
    } else {
        dir.join(name).to_string_lossy().into_owned()
    }
}
