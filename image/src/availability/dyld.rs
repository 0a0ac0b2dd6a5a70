//! Apple's `dyld` search (`man dyld`, `man dlopen`; dyld's `DyldProcessConfig` path overrides):
//! `@rpath/` tries every `LC_RPATH` of the image, `@loader_path/` and `@executable_path/` are
//! the image's folder (for a library the host executable's folder, which is not known here, so
//! the library's own stands in, said in a note); `DYLD_LIBRARY_PATH` (the `--library-path`
//! folders) is tried with the leaf name first; an absolute path is taken as it is, then as the
//! text stub an SDK holds in its place (`.tbd`, since macOS 11 system libraries live only in the
//! dyld shared cache), then the leaf name in the fallback folders (`DYLD_FALLBACK_LIBRARY_PATH`
//! `/usr/local/lib:/usr/lib`, `DYLD_FALLBACK_FRAMEWORK_PATH` `/Library/Frameworks:
//! /System/Library/Frameworks`). The current folder, which `dlopen` of a relative path would
//! try, is not known here and is not tried.

use super::{under, Machine};
use crate::ImageArch;
use aotinterop_model::Arch;
use object::macho;
use object::macho::{MachHeader32, MachHeader64};
use object::read::macho::MachHeader;
use std::path::{Path, PathBuf};

/// The dyld rules for one image.
pub(super) struct Dyld {
    image_dir: PathBuf,
    rpaths: Vec<PathBuf>,
    path_dirs: Vec<PathBuf>,
    root: Option<PathBuf>,
    /// The install names loaded with `LC_LOAD_WEAK_DYLIB` (or the weak use flag).
    pub(super) weak: Vec<String>,
    pub(super) notes: Vec<String>,
}

/// The slice of `data` for `arch` (the whole file when it is not universal).
fn slice(data: &[u8], arch: ImageArch) -> &[u8] {
    match crate::macho::fat_slices(data) {
        Some(slices) => slices
            .into_iter()
            .find(|(a, _)| ImageArch::of(*a) == arch)
            .map_or(data, |(_, s)| s),
        None => data,
    }
}

/// The `LC_RPATH` paths and the weakly loaded install names of a Mach-O image.
fn load_commands(data: &[u8]) -> (Vec<String>, Vec<String>) {
    fn read<M: MachHeader<Endian = object::Endianness>>(data: &[u8]) -> Option<(Vec<String>, Vec<String>)> {
        let header = M::parse(data, 0).ok()?;
        let endian = header.endian().ok()?;
        let mut commands = header.load_commands(endian, data, 0).ok()?;
        let (mut rpaths, mut weak) = (Vec::new(), Vec::new());
        while let Ok(Some(c)) = commands.next() {
            if let Ok(Some(d)) = c.dylib() {
                let use_weak = c
                    .dylib_use_flags(endian, d)
                    .ok()
                    .flatten()
                    .is_some_and(|f| f.0 & macho::DYLIB_USE_WEAK_LINK.0 != 0);
                if c.cmd() == macho::LC_LOAD_WEAK_DYLIB || use_weak {
                    if let Ok(name) = c.string(endian, d.dylib.name) {
                        weak.push(String::from_utf8_lossy(name).into_owned());
                    }
                }
            } else if let Ok(object::read::macho::LoadCommandVariant::Rpath(r)) = c.variant() {
                if let Ok(p) = c.string(endian, r.path) {
                    rpaths.push(String::from_utf8_lossy(p).into_owned());
                }
            }
        }
        Some((rpaths, weak))
    }
    read::<MachHeader64<object::Endianness>>(data)
        .or_else(|| read::<MachHeader32<object::Endianness>>(data))
        .unwrap_or_default()
}

/// The fallback folders dyld tries with the leaf name.
const FALLBACK_LIBRARIES: &[&str] = &["/usr/local/lib", "/usr/lib"];
/// The fallback folders dyld tries with a framework's `Name.framework/...` tail.
const FALLBACK_FRAMEWORKS: &[&str] = &["/Library/Frameworks", "/System/Library/Frameworks"];

impl Dyld {
    /// The rules for `image` (its bytes `data`, universal or not) of `arch` on `machine`.
    pub(super) fn new(image: &Path, data: &[u8], arch: ImageArch, machine: &Machine) -> Dyld {
        let image_dir = image.parent().unwrap_or(Path::new(".")).to_path_buf();
        let root = machine.sysroot.clone();
        let (raw_rpaths, weak) = load_commands(slice(data, arch));
        let mut notes = Vec::new();
        let rpaths = raw_rpaths
            .iter()
            .map(|r| {
                if let Some(rest) = r
                    .strip_prefix("@loader_path")
                    .or_else(|| r.strip_prefix("@executable_path"))
                {
                    image_dir.join(rest.trim_start_matches('/'))
                } else {
                    under(root.as_deref(), Path::new(r))
                }
            })
            .collect();
        if raw_rpaths.iter().any(|r| r.starts_with("@executable_path")) {
            notes.push(
                "@executable_path is taken as the image's folder (for a library it is the host \
                 executable's)"
                    .into(),
            );
        }
        Dyld {
            image_dir,
            rpaths,
            path_dirs: machine.path_dirs(),
            root,
            weak,
            notes,
        }
    }

    /// A path of the target machine, with the `.tbd` stub an SDK keeps in its place.
    fn on_target(&self, path: &str, out: &mut Vec<PathBuf>) {
        let p = under(self.root.as_deref(), Path::new(path));
        let stub = match p.extension().and_then(|e| e.to_str()) {
            Some("dylib") => p.with_extension("tbd"),
            _ => PathBuf::from(format!("{}.tbd", p.display())),
        };
        out.push(p);
        out.push(stub);
    }

    /// The files dyld tries for an install name (or a name given to `dlopen`), in order.
    pub(super) fn candidates(&self, name: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let leaf = name.rsplit('/').next().unwrap_or(name);
        // DYLD_LIBRARY_PATH comes first for every install name, by its leaf name.
        out.extend(self.path_dirs.iter().map(|d| d.join(leaf)));
        if let Some(rest) = name.strip_prefix("@rpath/") {
            out.extend(self.rpaths.iter().map(|r| r.join(rest)));
        } else if let Some(rest) = name
            .strip_prefix("@loader_path/")
            .or_else(|| name.strip_prefix("@executable_path/"))
        {
            out.push(self.image_dir.join(rest));
        } else {
            if name.starts_with('/') {
                self.on_target(name, &mut out);
            }
            match name.find(".framework/") {
                Some(at) => {
                    let tail = &name[name[..at].rfind('/').map_or(0, |s| s + 1)..];
                    for d in FALLBACK_FRAMEWORKS {
                        self.on_target(&format!("{d}/{tail}"), &mut out);
                    }
                }
                None => {
                    for d in FALLBACK_LIBRARIES {
                        self.on_target(&format!("{d}/{leaf}"), &mut out);
                    }
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|p| seen.insert(p.clone()));
        out
    }
}

/// The architecture names a `.tbd` stub uses for `arch`.
fn tbd_arch(arch: ImageArch) -> &'static [&'static str] {
    match arch.known() {
        Some(Arch::Aarch64) => &["arm64", "arm64e"],
        Some(Arch::X86_64) => &["x86_64"],
        _ => &[],
    }
}

/// Whether the text stub at `path` (`--- !tapi-tbd` YAML, or the JSON form of TAPI v5)
/// describes a library for `arch`: its `targets`/`archs` name it.
pub(super) fn tbd_is_for(path: &Path, arch: ImageArch) -> bool {
    let Ok(text) = aotinterop_model::diag::read_text(path, "text stub") else {
        return false;
    };
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .collect();
    tbd_arch(arch).iter().any(|a| {
        words
            .iter()
            .any(|w| w == a || w.strip_prefix(a).is_some_and(|r| r.starts_with('-')))
    })
}
