//! The ordered list of load attempts for a library: for each name variation, the image's own
//! folder (AssemblyDirectory) and then the OS loader, as native AOT's
//! `NativeLibrary.LoadLibraryBySearch` does (dotnet/runtime `NativeLibrary.NativeAot.cs`); which
//! steps a module takes was decided by the emitter for its .NET version (`docs/runtime.md`).

use super::names::{has_directory, is_absolute, Platform};
use crate::abi::{module_flags, search_path as sp};
use aotinterop_model::lazy_rules::library_variation_parts;

/// Where an attempt looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// One step of the search: the path is `dir` + separator + `prefix` + `name` + `suffix` (with
/// `\\` read as `/` off Windows), built by [`Step::write`] without allocating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step<'a> {
    /// The folder, for an AssemblyDirectory step.
    pub dir: Option<&'a [u8]>,
    /// `lib` or nothing.
    pub prefix: &'static str,
    /// The library name as written.
    pub name: &'a str,
    /// `.so`, `.dll`, `.dylib` or nothing.
    pub suffix: &'static str,
    /// Where it looks.
    pub via: Via,
    platform: Platform,
}

impl Step<'_> {
    /// Writes the path, piece by piece, to `out`.
    pub fn write(&self, out: &mut dyn FnMut(&[u8])) {
        if let Some(dir) = self.dir {
            out(dir);
            let sep_at_end = matches!(dir.last(), Some(b'/'))
                || (self.platform == Platform::Windows && dir.last() == Some(&b'\\'));
            if !sep_at_end {
                out(if self.platform == Platform::Windows {
                    b"\\"
                } else {
                    b"/"
                });
            }
        }
        out(self.prefix.as_bytes());
        if self.platform == Platform::Windows {
            out(self.name.as_bytes());
        } else {
            // .NET on Unix turns `\\` into `/` right before `dlopen`, after the variations were
            // built (so `sub\\x` still got its `lib` prefix).
            for piece in self.name.as_bytes().split_inclusive(|&b| b == b'\\') {
                match piece.split_last() {
                    Some((b'\\', rest)) => {
                        out(rest);
                        out(b"/");
                    }
                    _ => out(piece),
                }
            }
        }
        out(self.suffix.as_bytes());
    }

    /// The path as a `String`.
    #[cfg(feature = "std")]
    pub fn path(&self) -> String {
        let mut bytes = Vec::new();
        self.write(&mut |b| bytes.extend_from_slice(b));
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// `name` with `\\` read as `/` off Windows: whether it is absolute, whether it has a folder.
fn mapped(name: &str, platform: Platform) -> (bool, bool) {
    if platform == Platform::Windows {
        (is_absolute(name, platform), has_directory(name, platform))
    } else {
        let b = name.as_bytes();
        (
            matches!(b.first(), Some(b'/' | b'\\')),
            b.iter().any(|&c| c == b'/' || c == b'\\'),
        )
    }
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

/// Calls `f` with each step of the search for library `name` with a module's search path and
/// flags, from `image_dir`, in order, until `f` returns `false`.
pub fn each_step(
    name: &str,
    search_path: u32,
    flags: u32,
    image_dir: Option<&[u8]>,
    platform: Platform,
    f: &mut dyn FnMut(&Step) -> bool,
) {
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
    let (name_absolute, name_has_dir) = mapped(name, platform);
    for (prefix, suffix) in library_variation_parts(name, platform).iter() {
        // Neither the `lib` prefix nor a suffix adds a separator.
        let absolute = prefix.is_empty() && name_absolute;
        let step = |dir, via| Step {
            dir,
            prefix,
            name,
            suffix,
            via,
            platform,
        };
        if absolute {
            if !f(&step(
                None,
                Via::Absolute {
                    flags: full_path_flags,
                },
            )) {
                return;
            }
            continue;
        }
        // A drive-relative name (`Z:lib.dll`) is the drive's current directory's, in any folder.
        let drive_relative =
            platform == Platform::Windows && aotinterop_model::lazy_rules::is_drive_relative(name);
        if assembly_dir && !drive_relative {
            if let Some(dir) = image_dir {
                if !f(&step(
                    Some(dir),
                    Via::AssemblyDirectory {
                        flags: full_path_flags,
                    },
                )) {
                    return;
                }
            }
        }
        if no_os {
            continue;
        }
        let next = if name_has_dir && !allow_cwd {
            step(None, Via::SkippedCurrentDirectory)
        } else {
            let flags = if platform == Platform::Windows {
                win_flags
            } else {
                0
            };
            step(None, Via::OsLoader { flags })
        };
        if !f(&next) {
            return;
        }
    }
}

/// One step of the search, as text.
#[cfg(feature = "std")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// What is passed to the loader.
    pub path: String,
    /// Where it looks.
    pub via: Via,
}

/// The attempts for library `name` with a module's search path and flags, from `image_dir`
/// ([`each_step`], collected).
#[cfg(feature = "std")]
pub fn attempts(
    name: &str,
    search_path: u32,
    flags: u32,
    image_dir: Option<&std::path::Path>,
    platform: Platform,
) -> Vec<Attempt> {
    let dir = image_dir.map(|d| d.to_string_lossy().into_owned());
    let mut out = Vec::new();
    each_step(
        name,
        search_path,
        flags,
        dir.as_deref().map(str::as_bytes),
        platform,
        &mut |s| {
            out.push(Attempt {
                path: s.path(),
                via: s.via,
            });
            true
        },
    );
    out
}
