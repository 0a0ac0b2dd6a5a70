//! "Will it run here?": every library an image needs at startup and every module its lazy
//! P/Invokes name, looked up on this machine (or under a sysroot) by the loader's rules and, for
//! lazy modules, by native AOT's probing rules (the lazy resolver's own, `aotinterop probe`).
//!
//! ELF follows glibc's `ld.so` order (`DT_RPATH` when there is no `DT_RUNPATH`, then
//! `LD_LIBRARY_PATH` on this machine only, `DT_RUNPATH`, the `/etc/ld.so.conf` folders, the
//! multiarch and default folders), `$ORIGIN` being the image's folder. PE: the image's folder,
//! then the DLL folder given as the sysroot (API sets are the loader's own). Mach-O images are
//! not checked yet.

use super::{Format, Inspection};
use aotinterop_model::{DotNet, LibrarySearch};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One library looked up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lookup {
    /// The name as the image (or the DllImport) gives it.
    pub name: String,
    /// Where it was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<PathBuf>,
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
}

impl Availability {
    /// The needed libraries that were not found.
    pub fn missing_needed(&self) -> Vec<&str> {
        self.needed
            .iter()
            .filter(|l| l.found.is_none())
            .map(|l| l.name.as_str())
            .collect()
    }
}

/// `DT_RPATH` and `DT_RUNPATH` of a 64-bit ELF image, `:`-split (none read for 32-bit ones yet).
fn elf_paths(data: &[u8]) -> (Vec<String>, Vec<String>) {
    use object::read::elf::{Dyn, ElfFile64};
    let Ok(file) = ElfFile64::<object::Endianness>::parse(data) else {
        return Default::default();
    };
    let endian = file.endian();
    let sections = file.elf_section_table();
    let Ok(Some((entries, link))) = sections.dynamic(endian, data) else {
        return Default::default();
    };
    let Ok(strings) = sections.strings(endian, data, link) else {
        return Default::default();
    };
    let (mut rpath, mut runpath) = (Vec::new(), Vec::new());
    for d in entries {
        let into = match d.tag(endian) {
            object::elf::DT_RPATH => &mut rpath,
            object::elf::DT_RUNPATH => &mut runpath,
            _ => continue,
        };
        if let Ok(s) = d.string(endian, strings) {
            into.extend(
                String::from_utf8_lossy(s)
                    .split(':')
                    .filter(|p| !p.is_empty())
                    .map(String::from),
            );
        }
    }
    (rpath, runpath)
}

/// The folders `/etc/ld.so.conf` (and the files it includes) lists, under `root`.
fn ld_so_conf(root: &Path) -> Vec<PathBuf> {
    fn read(file: &Path, root: &Path, out: &mut Vec<PathBuf>, depth: u32) {
        let Ok(text) = std::fs::read_to_string(file) else {
            return;
        };
        for line in text.lines().map(|l| l.split('#').next().unwrap_or("").trim()) {
            if let Some(pattern) = line.strip_prefix("include ") {
                // Only the `DIR/*.conf` form Debian and Fedora use; no glob crate needed for it.
                let pattern = pattern.trim();
                let (dir, suffix) = pattern.rsplit_once("/*").unwrap_or((pattern, ""));
                let dir = under(root, Path::new(dir));
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                let mut files: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.to_string_lossy().ends_with(suffix))
                    .collect();
                files.sort();
                for f in files {
                    if depth < 8 {
                        read(&f, root, out, depth + 1);
                    }
                }
            } else if line.starts_with('/') {
                out.push(under(root, Path::new(line)));
            }
        }
    }
    let mut out = Vec::new();
    read(&under(root, Path::new("/etc/ld.so.conf")), root, &mut out, 0);
    out
}

/// `path` (absolute) under `root`.
fn under(root: &Path, path: &Path) -> PathBuf {
    crate::preflight::rooted(path, Some(root))
}

/// The folders glibc's loader searches for a bare name needed by `image`, in order.
fn elf_folders(image: &Path, data: &[u8], arch: &str, sysroot: Option<&Path>) -> Vec<PathBuf> {
    let origin = image.parent().unwrap_or(Path::new(".")).to_path_buf();
    let root = sysroot.unwrap_or(Path::new("/"));
    let expand = |p: &String| {
        let p = p
            .replace("$ORIGIN", &origin.to_string_lossy())
            .replace("${ORIGIN}", &origin.to_string_lossy());
        PathBuf::from(p)
    };
    let (rpath, runpath) = elf_paths(data);
    let mut dirs = Vec::new();
    if runpath.is_empty() {
        dirs.extend(rpath.iter().map(expand));
    }
    if sysroot.is_none() {
        if let Some(v) = std::env::var_os("LD_LIBRARY_PATH") {
            dirs.extend(std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()));
        }
    }
    dirs.extend(runpath.iter().map(expand));
    dirs.extend(ld_so_conf(root));
    let triplet = match arch {
        "x86_64" => Some("x86_64-linux-gnu"),
        "aarch64" => Some("aarch64-linux-gnu"),
        "arm" => Some("arm-linux-gnueabihf"),
        "x86" => Some("i386-linux-gnu"),
        _ => None,
    };
    for base in ["/lib", "/usr/lib"] {
        if let Some(t) = triplet {
            dirs.push(under(root, &Path::new(base).join(t)));
        }
    }
    for base in ["/lib64", "/usr/lib64", "/lib", "/usr/lib"] {
        dirs.push(under(root, Path::new(base)));
    }
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|d| seen.insert(d.clone()));
    dirs
}

/// Whether the file at `path` is an image the loader would take for one of `arch` (glibc skips
/// libraries of another machine in its search, as multiarch systems hold several).
fn is_image_for(path: &Path, arch: &str) -> bool {
    // Read lazily: only the headers the architecture needs, not the whole library.
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let cache = object::ReadCache::new(file);
    match object::File::parse(&cache) {
        Ok(f) => {
            use object::Object;
            super::arch_name(f.architecture()) == arch
        }
        Err(_) => false,
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

/// Looks `name` up in `folders` (a name with a `/` is taken as it is), taking the first file
/// that `accept` takes; `any_case` for Windows.
fn look_up(name: &str, folders: &[PathBuf], accept: &dyn Fn(&Path) -> bool, any_case: bool) -> Lookup {
    let mut tried = Vec::new();
    let candidates: Vec<PathBuf> = if name.contains('/') {
        vec![PathBuf::from(name)]
    } else {
        folders.iter().map(|d| in_folder(d, name, any_case)).collect()
    };
    for c in candidates {
        let ok = c.is_file() && accept(&c);
        tried.push(c.clone());
        if ok {
            return Lookup {
                name: name.to_string(),
                found: Some(c),
                tried,
            };
        }
    }
    Lookup {
        name: name.to_string(),
        found: None,
        tried,
    }
}

/// Whether a PE import names an API set, which the Windows loader resolves itself.
fn is_api_set(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("api-ms-win-") || n.starts_with("ext-ms-")
}

/// Checks `ins` (read from `image`) against this machine, or against `sysroot` (for Windows
/// images: a folder of DLLs). `None` for Mach-O images, which are not checked yet.
pub fn check(image: &Path, data: &[u8], ins: &Inspection, sysroot: Option<&Path>) -> Option<Availability> {
    let image_dir = image.parent().unwrap_or(Path::new(".")).to_path_buf();
    let windows = ins.format == Format::Coff;
    let arch = ins.arch.clone();
    let accept = move |p: &Path| is_image_for(p, &arch);
    let folders = match ins.format {
        Format::Elf => elf_folders(image, data, &ins.arch, sysroot),
        Format::Coff => std::iter::once(image_dir.clone())
            .chain(sysroot.map(Path::to_path_buf))
            .collect(),
        Format::MachO => return None,
    };
    let needed: Vec<Lookup> = ins
        .needed
        .iter()
        .map(|n| match ins.format {
            Format::Coff if is_api_set(n) => Lookup {
                name: n.clone(),
                found: Some(PathBuf::from("(API set: the loader's own)")),
                tried: Vec::new(),
            },
            _ => look_up(n, &folders, &accept, windows),
        })
        .collect();
    let platform = ins.format.platform();
    let mut lazy: Vec<Lookup> = Vec::new();
    let mut would_throw = Vec::new();
    for imp in &ins.lazy {
        let known = lazy.iter().position(|l| l.name == imp.module);
        let i = match known {
            Some(i) => i,
            None => {
                let search = LibrarySearch::of(imp.search_path.map(|s| s.0), DotNet::default());
                let probe =
                    aotinterop_runtime::probe::probe(&imp.module, search, false, Some(&image_dir), platform);
                let mut lookup = Lookup {
                    name: imp.module.clone(),
                    found: None,
                    tried: Vec::new(),
                };
                for c in probe.candidates.iter().filter(|c| c.via != "skipped") {
                    let hit = if c.via == "os-loader" {
                        look_up(&c.path, &folders, &accept, windows)
                    } else {
                        look_up(&c.path, &[], &accept, windows)
                    };
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
    Some(Availability {
        starts: needed.iter().all(|n| n.found.is_some()),
        needed,
        lazy,
        would_throw,
    })
}

/// The text form: one line per library, then the verdict.
pub fn render_text(a: &Availability, sysroot: Option<&Path>) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let on = sysroot.map_or("this machine".to_string(), |r| r.display().to_string());
    let _ = writeln!(s, "on {on}:");
    let line = |s: &mut String, what: &str, l: &Lookup| {
        let _ = match &l.found {
            Some(p) => writeln!(s, "  {what} {}: {}", l.name, p.display()),
            None => writeln!(s, "  {what} {}: MISSING ({} paths tried)", l.name, l.tried.len()),
        };
    };
    for l in &a.needed {
        line(&mut s, "needed", l);
    }
    for l in &a.lazy {
        line(&mut s, "lazy", l);
    }
    if a.starts {
        let _ = writeln!(s, "starts: every needed library is found");
    } else {
        let missing = a.missing_needed();
        let _ = writeln!(s, "will not start: {} missing", missing.join(", "));
    }
    if !a.would_throw.is_empty() {
        let _ = writeln!(
            s,
            "calls that would throw DllNotFoundException ({}):",
            a.would_throw.len()
        );
        for c in &a.would_throw {
            let _ = writeln!(s, "  {c}");
        }
    }
    s
}
