//! "Will it run here?": every library an image needs at startup and every module its lazy
//! P/Invokes name, looked up on this machine (or under a sysroot) by the loader's rules and, for
//! lazy modules, by native AOT's probing rules (the lazy resolver's own, `aotinterop probe`),
//! each loader's rules in a file of their own: glibc's `ld.so` (`ld_so`, with its cache read by
//! [`ld_so_cache`]), the Windows loader (`windows`), Apple's dyld (`dyld`).

mod dyld;
mod ld_musl;
mod ld_so;
pub(crate) use ld_so::elf_paths_as_written;
pub mod ld_so_cache;
mod windows;

use super::{Format, Inspection};
use crate::probe::Via;
use crate::ImageArch;
use aotinterop_model::lazy_rules::{
    ld_path_elements, LdPathElement, GLIBC_HWCAPS, LEGACY_HWCAP_DEPTH, LEGACY_HWCAP_FOLDERS,
};
use aotinterop_model::{DotNet, LibrarySearch};
use serde::Serialize;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// One library looked up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lookup {
    /// The name as the image (or the DllImport) gives it.
    pub name: String,
    /// Where it was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<PathBuf>,
    /// A weakly loaded library (Mach-O `LC_LOAD_WEAK_DYLIB`): missing, the image still starts.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub weak: bool,
    /// Every path looked at, in order.
    pub tried: Vec<PathBuf>,
}

/// What [`check`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Availability {
    /// The libraries the loader needs at startup.
    pub needed: Vec<Lookup>,
    /// The modules of the lazy P/Invokes.
    pub lazy: Vec<Lookup>,
    /// Whether every needed library was found (the image starts).
    pub starts: bool,
    /// The lazy P/Invokes (`module!entry`) whose module was not found: their calls throw
    /// `DllNotFoundException`.
    pub would_throw: Vec<String>,
    /// What the loader's rules could not settle, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Availability {
    /// The needed libraries that were not found.
    pub fn missing_needed(&self) -> Vec<&str> {
        self.needed
            .iter()
            .filter(|l| l.found.is_none() && !l.weak)
            .map(|l| l.name.as_str())
            .collect()
    }
}

/// Where [`check`] looks: this machine, or a sysroot; plus the folders of the target's
/// library path variable.
#[derive(Clone, Debug, Default)]
pub struct Machine {
    /// The root to look under instead of `/` (ELF, Mach-O), or the system folder of DLLs (PE).
    pub sysroot: Option<PathBuf>,
    /// The target's `LD_LIBRARY_PATH` (ELF), `PATH` (PE) or `DYLD_LIBRARY_PATH` (Mach-O). Empty on
    /// this machine: the ELF rules then read `LD_LIBRARY_PATH` from the environment.
    pub path_dirs: Vec<PathBuf>,
}

impl Machine {
    /// The library path folders: the given ones, or on this machine (no sysroot, none given)
    /// `LD_LIBRARY_PATH`.
    /// An empty element of `LD_LIBRARY_PATH` is the current folder (`.`), as `ld.so` reads it.
    fn path_dirs(&self) -> Vec<PathBuf> {
        self.ld_path_elements()
            .into_iter()
            .map(|e| match e.is_empty() {
                true => PathBuf::from("."),
                false => PathBuf::from(std::ffi::OsString::from_vec(e)),
            })
            .collect()
    }

    /// The library path element by element, as the loader reads it: the given folders, or on
    /// this machine `LD_LIBRARY_PATH` as it is, empty elements included.
    fn ld_path_elements(&self) -> Vec<Vec<u8>> {
        if !self.path_dirs.is_empty() || self.sysroot.is_some() {
            return self
                .path_dirs
                .iter()
                .map(|p| p.as_os_str().as_bytes().to_vec())
                .collect();
        }
        // What this process's loader reads, as the resolver does: the last entry.
        let value = aotinterop_runtime::resolver::loader_library_path().unwrap_or_default();
        ld_path_elements(value).map(<[u8]>::to_vec).collect()
    }

    /// Whether this is the machine the check runs on, whose current directory is this
    /// process's (no sysroot; a library path given is still this machine's).
    fn is_here(&self) -> bool {
        self.sysroot.is_none()
    }
}

/// Why the lazy resolver does not hand the bare name `name` to the ELF loader under `machine`'s
/// library path, when it does not (the resolver's own rule, `resolver/os_unix.rs`): an element
/// that reads as a folder of the current directory and holds `name` (known only on this
/// machine), one with `$PLATFORM` or `$LIB`, or an absolute one where `name` is no regular file.
/// The image's own search path (`own`: its `DT_RUNPATH`, or `DT_RPATH` without one, `image`
/// the image) is checked by the same rules, `$ORIGIN` expanded. A glibc image's resolver
/// (`searches_itself`) passes folders of the current directory over and searches the others
/// itself: only a file there that is no regular one withholds the name.
fn resolver_withholds(
    name: &str,
    machine: &Machine,
    image: &Path,
    own: &[String],
    searches_itself: bool,
) -> Option<String> {
    let withholds = |dir: &[u8], own: bool| {
        let folder = Path::new(std::ffi::OsStr::from_bytes(dir));
        let folder = if dir.is_empty() { Path::new(".") } else { folder };
        // A folder that is the current directory by another name is read as a relative one.
        let kind = match LdPathElement::of(dir) {
            LdPathElement::Absolute if machine.is_here() && current_directory_by_another_name(folder) => {
                LdPathElement::CurrentDirectory
            }
            kind => kind,
        };
        if searches_itself && matches!(kind, LdPathElement::CurrentDirectory | LdPathElement::Substituted) {
            return None;
        }
        // No regular file there (a FIFO the loader would block on), or one that is a link into
        // the current directory (`libfoo.so -> /proc/self/cwd/libfoo.so`): the resolver withholds
        // the name, as it does at run time.
        let not_a_file = |p: &Path| {
            std::fs::metadata(p).is_ok_and(|m| !m.is_file())
                || (machine.is_here()
                    && p.exists()
                    && p.to_str()
                        .is_some_and(aotinterop_runtime::resolver::through_current_directory))
        };
        let held = match kind {
            LdPathElement::Substituted => true,
            LdPathElement::CurrentDirectory => {
                machine.is_here() && searched_inside(folder, name, LEGACY_HWCAP_DEPTH, &|p| p.exists())
            }
            LdPathElement::Absolute => {
                let folder = under(machine.sysroot.as_deref(), folder);
                searched_inside(&folder, name, LEGACY_HWCAP_DEPTH, &not_a_file)
            }
            // The image's folder in its own search path; in LD_LIBRARY_PATH the program's, which
            // for a library is not known here: its own folder stands in.
            LdPathElement::Origin => {
                let folder = expand_origin(image, machine.sysroot.as_deref(), &String::from_utf8_lossy(dir));
                match machine.is_here() && current_directory_by_another_name(&folder) {
                    true => {
                        !searches_itself
                            && searched_inside(&folder, name, LEGACY_HWCAP_DEPTH, &|p| p.exists())
                    }
                    false => searched_inside(&folder, name, LEGACY_HWCAP_DEPTH, &not_a_file),
                }
            }
        };
        let shown = aotinterop_model::diag::printable(&String::from_utf8_lossy(dir)).into_owned();
        held.then(|| withheld_note(name, &shown, kind, own))
    };
    let own = own.iter().flat_map(|list| ld_path_elements(list.as_bytes()));
    machine
        .ld_path_elements()
        .iter()
        .find_map(|dir| withholds(dir, false))
        .or_else(|| own.into_iter().find_map(|dir| withholds(dir, true)))
}

/// Whether `refused` holds for `folder/name`, or for `name` in a folder glibc searches inside
/// `folder` (`glibc-hwcaps/*`, the legacy hwcap folders nested up to `depth`): the resolver's
/// own walk (`resolver/os_unix.rs`).
fn searched_inside(folder: &Path, name: &str, depth: usize, refused: &dyn Fn(&Path) -> bool) -> bool {
    let os = |b: &[u8]| std::ffi::OsStr::from_bytes(b).to_os_string();
    refused(&folder.join(name))
        || GLIBC_HWCAPS
            .iter()
            .any(|hw| refused(&folder.join("glibc-hwcaps").join(os(hw)).join(name)))
        || (depth > 0
            && LEGACY_HWCAP_FOLDERS.iter().any(|sub| {
                let inside = folder.join(os(sub));
                inside.exists() && searched_inside(&inside, name, depth - 1, refused)
            }))
}

/// A note for the first element of the library path that is relative to the current directory:
/// `ld.so` looks there for the needed libraries.
fn relative_element_note(machine: &Machine) -> Option<String> {
    let elements = machine.ld_path_elements();
    let dir = elements.iter().find(|e| match LdPathElement::of(e) {
        LdPathElement::CurrentDirectory | LdPathElement::Substituted => true,
        LdPathElement::Absolute => {
            machine.is_here() && current_directory_by_another_name(Path::new(std::ffi::OsStr::from_bytes(e)))
        }
        LdPathElement::Origin => false,
    })?;
    let shown = aotinterop_model::diag::printable(&String::from_utf8_lossy(dir)).into_owned();
    Some(format!(
        "LD_LIBRARY_PATH element `{shown}` is the current directory (empty, relative, or by another name): the loader looks for the needed libraries in the folder the image runs from"
    ))
}

/// Whether `folder`, or a folder along it, is the current directory reached by another name
/// (`/proc/self/cwd`, `/proc/self/cwd/sub`): the resolver's own rule.
fn current_directory_by_another_name(folder: &Path) -> bool {
    folder
        .join("x")
        .to_str()
        .is_some_and(aotinterop_runtime::resolver::through_current_directory)
}

/// The files the resolver would try for the lazy import `imp` of the image in `image_dir`, as
/// candidates only (a check loads nothing: a library's initialisers would run): by aotinterop's
/// module record when there is one (it holds the .NET release's rules and the lookup flags),
/// else by the cell's search path.
fn resolver_candidates(
    imp: &crate::LazyImport,
    image_dir: &Path,
    platform: aotinterop_model::Platform,
) -> Vec<crate::probe::Candidate> {
    let from = Some(image_dir);
    match imp.recorded_lookup {
        Some(r) => crate::probe::recorded(&imp.module, (r.search_path, r.flags), from, platform),
        None => {
            let search = LibrarySearch::of(imp.search_path.map(|s| s.0), DotNet::default());
            crate::probe::candidates(&imp.module, search, false, from, platform)
        }
    }
}

/// Why the resolver does not try the candidate `path` (reached `via`), if it does not: it holds
/// a token glibc would replace (`glibc`: the image's loader is glibc's), or it passes through
/// the current directory by another name.
fn not_tried(path: &str, via: Via, glibc: bool, machine: &Machine) -> Option<String> {
    if glibc && aotinterop_runtime::resolver::loader_replaces_tokens(path) {
        return Some(format!(
            "`{}`: {}",
            aotinterop_model::diag::printable(path),
            aotinterop_runtime::resolver::SKIPPED_TOKENS_TEXT
        ));
    }
    let through_cwd = || aotinterop_runtime::resolver::through_current_directory(path);
    let named = matches!(via, Via::Absolute | Via::AssemblyDirectory);
    (machine.is_here() && named && through_cwd()).then(|| cwd_named_note(path))
}

/// The note for a lazy module path through the current directory by another name.
fn cwd_named_note(path: &str) -> String {
    format!(
        "`{}` reaches the current directory by another name: the resolver does not try it",
        aotinterop_model::diag::printable(path)
    )
}

fn withheld_note(name: &str, element: &str, kind: LdPathElement, own: bool) -> String {
    let whose = if own {
        "the image's RUNPATH"
    } else {
        "LD_LIBRARY_PATH"
    };
    let why = match kind {
        LdPathElement::Substituted => "names a folder relative to the current directory ($PLATFORM, $LIB)",
        LdPathElement::CurrentDirectory => "is the current directory's, which holds it",
        _ => "holds it as no regular file (a FIFO, a device or a folder)",
    };
    format!("{whose} element `{element}` {why}: the lazy resolver does not hand `{name}` to the loader")
}

/// `path` (absolute, of the target machine) under `root`.
fn under(root: Option<&Path>, path: &Path) -> PathBuf {
    crate::rooted(path, root)
}

/// An `RPATH`/`RUNPATH` folder of `image` as its loader reads it: `$ORIGIN` is the image's own
/// folder; any other path is the target machine's (under `root`).
fn expand_origin(image: &Path, root: Option<&Path>, folder: &str) -> PathBuf {
    if folder.contains("$ORIGIN") || folder.contains("${ORIGIN}") {
        let origin = image.parent().unwrap_or(Path::new(".")).to_string_lossy();
        PathBuf::from(folder.replace("${ORIGIN}", &origin).replace("$ORIGIN", &origin))
    } else {
        under(root, Path::new(folder))
    }
}

/// Whether glibc's loader finds at startup, by its folder, the library `lib` an image to be
/// written at `image` needs: that folder is one of the image's `rpaths` (`$ORIGIN` its folder)
/// or of `system_dirs` (the linker's default folders, which are the loader's too), or a library
/// of that name is in one of them (copied beside the image, say). The preflight's question,
/// before the image exists.
pub fn found_at_startup(lib: &Path, image: &Path, rpaths: &[String], system_dirs: &[PathBuf]) -> bool {
    let Some(dir) = lib.parent().and_then(|d| d.canonicalize().ok()) else {
        return true;
    };
    let image = match image.parent() {
        Some(p) if !p.as_os_str().is_empty() => image.to_path_buf(),
        _ => Path::new(".").join(image),
    };
    let name = lib.file_name();
    let rpaths = rpaths.iter().map(|r| expand_origin(&image, None, r));
    rpaths
        .chain(system_dirs.iter().cloned())
        .filter_map(|d| d.canonicalize().ok())
        .any(|d| d == dir || name.is_some_and(|n| d.join(n).is_file()))
}

/// Whether the file at `path` is an image the loader would take for one of `arch` (glibc skips
/// libraries of another machine in its search, as multiarch systems hold several; dyld takes the
/// matching slice of a universal file, or an SDK's `.tbd` stub naming the architecture).
fn is_image_for(path: &Path, arch: ImageArch) -> bool {
    // Only regular files: opening a FIFO planted in a search folder would block.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    if path.extension().is_some_and(|e| e == "tbd") {
        return dyld::tbd_is_for(path, arch);
    }
    // Read lazily: only the headers the architecture needs, not the whole library.
    let Ok(file) = aotinterop_model::diag::open_regular(path) else {
        return false;
    };
    let cache = object::ReadCache::new(file);
    match object::File::parse(&cache) {
        Ok(f) => {
            use object::Object;
            ImageArch::of(f.architecture()) == arch
        }
        Err(_) => {
            aotinterop_model::diag::read_binary(path, "library", aotinterop_model::codes::BAD_FORMAT)
                .ok()
                .and_then(|d| {
                    super::macho::fat_slices(&d).map(|s| s.iter().any(|(a, _)| ImageArch::of(*a) == arch))
                })
                == Some(true)
        }
    }
}

/// `dir/name`, or on Windows (names compared case-insensitively) the file of `dir` whose name
/// matches `name` in any case.
fn in_folder(dir: &Path, name: &str, any_case: bool) -> PathBuf {
    let exact = dir.join(name);
    if !any_case || exact.is_file() {
        return exact;
    }
    std::fs::read_dir(dir)
        .ok()
        .and_then(|entries| {
            entries
                .filter_map(|e| e.ok())
                .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name))
                .map(|e| e.path())
        })
        .unwrap_or(exact)
}

/// One loader's rules for one image.
enum Rules {
    Elf(ld_so::LdSo),
    ElfMusl(ld_musl::LdMusl),
    Pe(windows::WindowsLoader),
    MachO(dyld::Dyld),
}

impl Rules {
    /// The file the resolver's OS-loader step opens for the exact name `libc` (as .NET's
    /// `SystemNative_LoadLibrary` maps it, and the runtime's `LIBC_FILE`): glibc's
    /// `libc.so.6`, musl's `libc.so`, Apple's `/usr/lib/libc.dylib`; Windows has no such name.
    fn libc_file(&self) -> Option<&'static str> {
        match self {
            Rules::Elf(_) => Some("libc.so.6"),
            Rules::ElfMusl(_) => Some("libc.so"),
            Rules::MachO(_) => Some("/usr/lib/libc.dylib"),
            Rules::Pe(_) => None,
        }
    }

    /// The files the loader tries for `name` (loaded with `flags`, Windows only), in order.
    fn candidates(&self, name: &str, flags: u32) -> Vec<PathBuf> {
        match self {
            Rules::Elf(r) => r.candidates(name),
            Rules::ElfMusl(r) => r.candidates(name),
            Rules::Pe(r) => r.candidates(name, flags),
            Rules::MachO(r) => r.candidates(name),
        }
    }

    fn notes(&mut self) -> Vec<String> {
        std::mem::take(match self {
            Rules::Elf(r) => &mut r.notes,
            Rules::ElfMusl(r) => &mut r.notes,
            Rules::Pe(r) => &mut r.notes,
            Rules::MachO(r) => &mut r.notes,
        })
    }
}

/// `path` with its symbolic links followed as the machine under `root` follows them: a link's
/// absolute target lies under `root` too, and `..` stops at `root` (a sysroot's
/// `libz.so.1 -> /lib/x86_64-linux-gnu/libz.so.1.3` is the sysroot's file, not this machine's).
/// A path outside `root` is followed as it is; `None` for a loop (more than 40 links).
fn resolve_in_root(path: &Path, root: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let Ok(rel) = path.strip_prefix(root) else {
        return Some(path.to_path_buf());
    };
    let mut todo: std::collections::VecDeque<std::ffi::OsString> =
        rel.iter().map(std::ffi::OsStr::to_os_string).collect();
    let (mut done, mut links) = (PathBuf::new(), 0);
    while let Some(part) = todo.pop_front() {
        match Path::new(&part).components().next() {
            Some(Component::ParentDir) => {
                done.pop();
                continue;
            }
            Some(Component::Normal(_)) => {}
            _ => continue,
        }
        let next = done.join(&part);
        let Ok(target) = std::fs::read_link(root.join(&next)) else {
            done = next;
            continue;
        };
        links += 1;
        if links > 40 {
            return None;
        }
        if target.is_absolute() {
            done = PathBuf::new();
        }
        for part in target.iter().rev() {
            todo.push_front(part.to_os_string());
        }
    }
    Some(root.join(done))
}

/// The first of `candidates` that is a file `arch` can load, links followed under `root`; by an
/// ELF loader's rules (`elf`), none after a file of the name that is no ELF file.
fn first_found(
    name: &str,
    candidates: Vec<PathBuf>,
    arch: ImageArch,
    root: Option<&Path>,
    elf: bool,
) -> Lookup {
    let mut tried = Vec::new();
    for c in candidates {
        let real = match root {
            Some(root) => resolve_in_root(&c, root),
            None => Some(c.clone()),
        };
        let ok = real
            .as_ref()
            .is_some_and(|r| r.is_file() && is_image_for(r, arch));
        tried.push(c.clone());
        // glibc's and musl's loaders stop at a file of the name that is no ELF file (a folder,
        // a device, text, a short file: the start fails; a FIFO blocks it); one of another
        // machine they pass over.
        if !ok && elf && real.as_deref().is_some_and(stops_an_elf_loader) {
            break;
        }
        if ok {
            return Lookup {
                name: name.to_string(),
                found: Some(c),
                weak: false,
                tried,
            };
        }
    }
    Lookup {
        name: name.to_string(),
        found: None,
        weak: false,
        tried,
    }
}

/// Whether the file at `path` is there but no ELF file an ELF loader could pass over.
fn stops_an_elf_loader(path: &Path) -> bool {
    use std::io::Read;
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return true;
    }
    let mut magic = [0u8; 4];
    let read = aotinterop_model::diag::open_regular(path).and_then(|mut f| f.read_exact(&mut magic));
    read.is_err() || aotinterop_model::FileKind::identify(&magic) != aotinterop_model::FileKind::Elf
}

/// `machine` with a sysroot named relatively made absolute, so every path under it is (the
/// resolver's candidates under `s1/` were all passed over as relative ones).
fn absolute_sysroot(machine: &Machine) -> std::borrow::Cow<'_, Machine> {
    match machine.sysroot.as_deref().filter(|s| s.is_relative()) {
        Some(s) => std::borrow::Cow::Owned(Machine {
            sysroot: Some(std::path::absolute(s).unwrap_or_else(|_| s.to_path_buf())),
            path_dirs: machine.path_dirs.clone(),
        }),
        None => std::borrow::Cow::Borrowed(machine),
    }
}

/// Checks `ins` (read from `image`, whose bytes are `data`) against `machine`.
pub fn check(image: &Path, data: &[u8], ins: &Inspection, machine: &Machine) -> Availability {
    let machine = &*absolute_sysroot(machine);
    // As the loader and the resolver find it: absolute (a bare `app` is in the current folder,
    // and its `$ORIGIN` that folder, not the root).
    let mut absolute = std::path::absolute(image).unwrap_or_else(|_| image.to_path_buf());
    // An executable's `$ORIGIN` is its real path's folder (the kernel's `/proc/self/exe`), not
    // that of a link it was started by; a library's is the folder of the path it was opened by.
    if ins.kind == crate::ImageKind::Executable && machine.is_here() {
        absolute = absolute.canonicalize().unwrap_or(absolute);
    }
    let image = absolute.as_path();
    let image_dir = image
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let arch = ins.arch;
    let mut rules = match ins.format {
        // The image's program interpreter says whose rules: musl's loader, or glibc's (also
        // for a shared library, which names none).
        Format::Elf => match ld_musl::interpreter(data).filter(|i| ld_musl::is_musl_loader(i)) {
            Some(interp) => Rules::ElfMusl(ld_musl::LdMusl::new(image, data, &interp, machine)),
            None => Rules::Elf(ld_so::LdSo::new(image, data, arch, machine)),
        },
        Format::Coff => Rules::Pe(windows::WindowsLoader::new(image, machine)),
        Format::MachO => Rules::MachO(dyld::Dyld::new(image, data, arch, machine)),
    };
    // A sysroot is a machine's root for ELF and Mach-O; for PE it is the system folder.
    let root = machine.sysroot.as_deref().filter(|_| ins.format != Format::Coff);
    let elf = matches!(rules, Rules::Elf(_) | Rules::ElfMusl(_));
    let needed: Vec<Lookup> = ins
        .needed
        .iter()
        .map(|n| {
            if ins.format == Format::Coff && windows::is_api_set(n) {
                return Lookup {
                    name: n.clone(),
                    found: Some(PathBuf::from("(API set: the loader's own)")),
                    weak: false,
                    tried: Vec::new(),
                };
            }
            // glibc expands `$ORIGIN` in a needed name (`_dl_map_object`): the image's folder.
            let candidates = match LdPathElement::of(n.as_bytes()) {
                LdPathElement::Origin if elf => vec![expand_origin(image, root, n)],
                _ => rules.candidates(n, 0),
            };
            let mut l = first_found(n, candidates, arch, root, elf);
            l.weak = matches!(&rules, Rules::MachO(d) if d.weak.contains(n));
            l
        })
        .collect();
    let platform = ins.format.platform();
    // The search path the loader uses for a `dlopen` the image makes: its RUNPATH, or RPATH.
    let own_search_path = match elf.then(|| ld_so::elf_paths(data)) {
        Some((_, runpath)) if !runpath.is_empty() => runpath,
        Some((rpath, _)) => rpath,
        None => Vec::new(),
    };
    let mut lazy: Vec<Lookup> = Vec::new();
    let mut would_throw = Vec::new();
    let mut withheld: Vec<String> = relative_element_note(machine)
        .filter(|_| elf)
        .into_iter()
        .collect();
    // A needed library named by a relative path is the current directory's, wherever the image is.
    withheld.extend(
        ins.needed
            .iter()
            .filter(|n| {
                elf && n.contains('/') && LdPathElement::of(n.as_bytes()) == LdPathElement::CurrentDirectory
            })
            .map(|n| {
                format!(
            "needed `{}` is a path from the current directory: it is found only when the image is started \
             where that path leads (here: from this folder)",
            aotinterop_model::diag::printable(n)
        )
            }),
    );
    for imp in &ins.lazy {
        let known = lazy.iter().position(|l| l.name == imp.module);
        let i = match known {
            Some(i) => i,
            None => {
                let candidates = resolver_candidates(imp, &image_dir, platform);
                let mut lookup = Lookup {
                    name: imp.module.clone(),
                    found: None,
                    weak: false,
                    tried: Vec::new(),
                };
                for c in candidates.iter().filter(|c| c.via != Via::Skipped) {
                    let path = match c.via {
                        Via::OsLoader if c.path == "libc" => rules.libc_file().unwrap_or(&c.path),
                        _ => &c.path,
                    };
                    if let Some(note) = not_tried(path, c.via, matches!(rules, Rules::Elf(_)), machine) {
                        withheld.push(note);
                        continue;
                    }
                    if elf && c.via == Via::OsLoader && !path.contains('/') {
                        let glibc = matches!(rules, Rules::Elf(_));
                        if let Some(note) = resolver_withholds(path, machine, image, &own_search_path, glibc)
                        {
                            withheld.push(note);
                            continue;
                        }
                    }
                    let mut candidates = match c.via {
                        // The image's own folder, as the resolver builds the path.
                        Via::AssemblyDirectory => vec![PathBuf::from(path)],
                        _ => rules.candidates(path, c.flags.unwrap_or(0)),
                    };
                    // A relative library path folder is the current directory's, by its name or
                    // another: the resolver never has the loader take a file there (glibc's
                    // passes it over, musl's is withheld when one is there).
                    if elf && c.via == Via::OsLoader {
                        candidates.retain(|p| {
                            p.is_absolute()
                                && !(machine.is_here()
                                    && p.to_str()
                                        .is_some_and(aotinterop_runtime::resolver::through_current_directory))
                        });
                    }
                    let hit = first_found(path, candidates, arch, root, elf);
                    lookup.tried.extend(hit.tried);
                    if hit.found.is_some() {
                        lookup.found = hit.found;
                        break;
                    }
                }
                lazy.push(lookup);
                lazy.len() - 1
            }
        };
        if lazy[i].found.is_none() {
            would_throw.push(format!("{}!{}", imp.module, imp.entry));
        }
    }
    Availability {
        starts: needed.iter().all(|n| n.found.is_some() || n.weak),
        needed,
        lazy,
        would_throw,
        notes: rules.notes().into_iter().chain(withheld).collect(),
    }
}

/// The text form: one line per library, then the verdict.
pub fn render_text(a: &Availability, sysroot: Option<&Path>) -> String {
    use std::fmt::Write;
    // Names come from the image and the file system: shown escaped and shortened.
    let v = |name: &str| aotinterop_model::diag::shown(name, 200);
    let mut s = String::new();
    let on = sysroot.map_or("this machine".to_string(), |r| v(&r.to_string_lossy()));
    let _ = writeln!(s, "on {on}:");
    let line = |s: &mut String, what: &str, l: &Lookup| {
        let _ = match &l.found {
            Some(p) => writeln!(s, "  {what} {}: {}", v(&l.name), v(&p.to_string_lossy())),
            None if l.weak => writeln!(
                s,
                "  {what} {}: missing, weakly loaded: the image starts without it ({} paths tried)",
                v(&l.name),
                l.tried.len()
            ),
            None => writeln!(
                s,
                "  {what} {}: MISSING ({} paths tried)",
                v(&l.name),
                l.tried.len()
            ),
        };
    };
    for l in &a.needed {
        line(&mut s, "needed", l);
    }
    for l in &a.lazy {
        line(&mut s, "lazy", l);
    }
    for n in &a.notes {
        let _ = writeln!(s, "note: {}", v(n));
    }
    if a.starts {
        let _ = writeln!(s, "starts: every needed library is found");
    } else {
        let missing = a.missing_needed();
        let missing: Vec<String> = missing.iter().map(|m| v(m)).collect();
        let _ = writeln!(s, "will not start: {} missing", missing.join(", "));
    }
    if !a.would_throw.is_empty() {
        let _ = writeln!(
            s,
            "calls that would throw DllNotFoundException ({}):",
            a.would_throw.len()
        );
        for c in &a.would_throw {
            let _ = writeln!(s, "  {}", v(&c.to_string()));
        }
    }
    s
}
