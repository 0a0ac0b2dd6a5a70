//! glibc's `ld.so` search (`elf/dl-load.c`, `_dl_map_object`): a name with a `/` is taken as it
//! is; otherwise `DT_RPATH` (only when the image has no `DT_RUNPATH`), `LD_LIBRARY_PATH`,
//! `DT_RUNPATH`, `/etc/ld.so.cache`, then the default folders. `$ORIGIN` is the image's folder.
//! Without a cache file (a sysroot copied by hand), the folders `/etc/ld.so.conf` lists stand in
//! for it, as `ldconfig` would have cached their libraries.

use super::{expand_origin, ld_so_cache, under, Machine};
use crate::ImageArch;
use aotinterop_model::Arch;
use std::path::{Path, PathBuf};

/// The ELF loader's rules for one image.
pub(super) struct LdSo {
    /// Searched before the cache: RPATH, LD_LIBRARY_PATH, RUNPATH, expanded.
    before_cache: Vec<PathBuf>,
    /// The cache's entries (`None`: no readable cache; `conf` stands in).
    cache: Option<Vec<ld_so_cache::CacheEntry>>,
    /// The `/etc/ld.so.conf` folders, used when there is no cache.
    conf: Vec<PathBuf>,
    /// The default folders.
    defaults: Vec<PathBuf>,
    root: Option<PathBuf>,
    arch: ImageArch,
    /// The `glibc-hwcaps` levels searched.
    hwcap_levels: Vec<&'static str>,
    /// What the rules could not settle.
    pub(super) notes: Vec<String>,
}

/// `DT_RPATH` and `DT_RUNPATH` of an ELF image (32- or 64-bit), `:`-split, empty elements
/// left out.
pub(super) fn elf_paths(data: &[u8]) -> (Vec<String>, Vec<String>) {
    let (rpath, runpath) = elf_paths_as_written(data);
    let nonempty = |v: Vec<String>| v.into_iter().filter(|p| !p.is_empty()).collect();
    (nonempty(rpath), nonempty(runpath))
}

/// `DT_RPATH` and `DT_RUNPATH` of an ELF image (32- or 64-bit), `:`-split, empty elements (the
/// current directory, to glibc) kept.
pub(crate) fn elf_paths_as_written(data: &[u8]) -> (Vec<String>, Vec<String>) {
    use object::read::elf::{ElfFile32, ElfFile64, FileHeader};
    fn read<H: FileHeader<Endian = object::Endianness>>(
        file: &object::read::elf::ElfFile<H>,
        data: &[u8],
    ) -> (Vec<String>, Vec<String>) {
        use object::read::elf::Dyn;
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
                into.extend(String::from_utf8_lossy(s).split(':').map(String::from));
            }
        }
        (rpath, runpath)
    }
    if let Ok(f) = ElfFile64::<object::Endianness>::parse(data) {
        read(&f, data)
    } else if let Ok(f) = ElfFile32::<object::Endianness>::parse(data) {
        read(&f, data)
    } else {
        Default::default()
    }
}

/// The folders `/etc/ld.so.conf` (and the files it includes) lists, under `root`, as ldconfig
/// reads them (`elf/ldconfig.c`): a relative `include` is from the including file's folder, a
/// `DIR=TYPE` line is the folder `DIR`. Each file is read once, however often it is included.
fn ld_so_conf(root: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    read_conf(
        &under(root, Path::new("/etc/ld.so.conf")),
        root,
        &mut out,
        &mut seen,
        0,
    );
    out
}

fn read_conf(
    file: &Path,
    root: Option<&Path>,
    out: &mut Vec<PathBuf>,
    seen: &mut std::collections::HashSet<PathBuf>,
    depth: u32,
) {
    if depth > 8 || !seen.insert(file.to_path_buf()) {
        return;
    }
    let Ok(text) = aotinterop_model::diag::read_text(file, "loader configuration") else {
        return;
    };
    for line in text.lines().map(|l| l.split('#').next().unwrap_or("").trim()) {
        if let Some(pattern) = line.strip_prefix("include ") {
            for f in included(file, pattern.trim(), root) {
                read_conf(&f, root, out, seen, depth + 1);
            }
        } else if line.starts_with('/') {
            let dir = line.split_once('=').map_or(line, |(dir, _)| dir.trim_end());
            out.push(under(root, Path::new(dir)));
        }
    }
}

/// The files an `include PATTERN` line of `file` names, sorted. Only the `DIR/*.conf` form
/// Debian and Fedora use; no glob crate needed for it.
fn included(file: &Path, pattern: &str, root: Option<&Path>) -> Vec<PathBuf> {
    let (dir, suffix) = pattern.rsplit_once("/*").unwrap_or((pattern, ""));
    let dir = if dir.starts_with('/') {
        under(root, Path::new(dir))
    } else {
        file.parent().unwrap_or(Path::new("/")).join(dir)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// `folder` with glibc's other dynamic string tokens expanded (`elf/dl-load.c`,
/// `_dl_dst_substitute`): `$PLATFORM` is the platform string (`AT_PLATFORM`), `$LIB` Debian's
/// multiarch library folder. (`$ORIGIN` is [`expand_origin`]'s.)
fn expand_dst(folder: &Path, arch: ImageArch) -> PathBuf {
    let text = folder.to_string_lossy();
    if !text.contains('$') {
        return folder.to_path_buf();
    }
    let platform = glibc_platform(arch);
    let lib = triplet(arch).map_or("lib".to_string(), |t| format!("lib/{t}"));
    let text = text
        .replace("${PLATFORM}", &platform)
        .replace("$PLATFORM", &platform)
        .replace("${LIB}", &lib)
        .replace("$LIB", &lib);
    PathBuf::from(text)
}

/// The `glibc-hwcaps` levels of `arch` the loader searches, best first: on this machine's CPU
/// (no sysroot) those it supports, by glibc's definitions (`sysdeps/x86/get-isa-level.h`);
/// for another machine, whose CPU is not known, every level.
fn hwcap_levels(arch: ImageArch, here: bool) -> Vec<&'static str> {
    if arch != ImageArch::Known(Arch::X86_64) {
        return Vec::new();
    }
    let all = vec!["x86-64-v4", "x86-64-v3", "x86-64-v2"];
    #[cfg(target_arch = "x86_64")]
    if here {
        return all.into_iter().filter(|l| x86_64_level_supported(l)).collect();
    }
    let _ = here;
    all
}

/// Whether this CPU has every feature of the x86-64 micro-architecture `level` (and of the
/// levels below it), as glibc's `get-isa-level.h` requires them.
#[cfg(target_arch = "x86_64")]
fn x86_64_level_supported(level: &str) -> bool {
    use std::arch::is_x86_feature_detected as has;
    // Leaf 0x8000_0001 is on every x86-64 CPU.
    let lahf_sahf = std::arch::x86_64::__cpuid(0x8000_0001).ecx & 1 == 1;
    let v2 = has!("cmpxchg16b")
        && lahf_sahf
        && has!("popcnt")
        && has!("sse3")
        && has!("sse4.1")
        && has!("sse4.2")
        && has!("ssse3");
    let v3 = v2
        && has!("avx")
        && has!("avx2")
        && has!("bmi1")
        && has!("bmi2")
        && has!("f16c")
        && has!("fma")
        && has!("lzcnt")
        && has!("movbe")
        && has!("xsave");
    let v4 =
        v3 && has!("avx512f") && has!("avx512bw") && has!("avx512cd") && has!("avx512dq") && has!("avx512vl");
    match level {
        "x86-64-v2" => v2,
        "x86-64-v3" => v3,
        "x86-64-v4" => v4,
        _ => false,
    }
}

/// The folders glibc 2.36 searches for a library of `arch` in a library-path folder `dir`, in
/// order, as its loader prints them (`LD_DEBUG=libs`): the `glibc-hwcaps` levels `levels`
/// ([`hwcap_levels`]), then the legacy folders of `tls` and the platform (`tls/x86_64/x86_64`,
/// `tls/x86_64`, `tls`, `x86_64/x86_64`, `x86_64`), then `dir` itself. Only folders that exist
/// are listed.
fn searched_in(dir: &Path, arch: ImageArch, levels: &[&str]) -> Vec<PathBuf> {
    let platform = glibc_platform(arch);
    let legacy = [
        format!("tls/{platform}/{platform}"),
        format!("tls/{platform}"),
        "tls".to_string(),
        format!("{platform}/{platform}"),
        platform.to_string(),
    ];
    levels
        .iter()
        .map(|l| dir.join("glibc-hwcaps").join(l))
        .chain(legacy.iter().map(|l| dir.join(l)))
        .filter(|d| d.is_dir())
        .chain([dir.to_path_buf()])
        .collect()
}

/// glibc's `$PLATFORM` for `arch` (another machine's: its name).
fn glibc_platform(arch: ImageArch) -> std::borrow::Cow<'static, str> {
    arch.known()
        .map_or_else(|| arch.name(), |a| a.glibc_platform().into())
}

/// The multiarch triplet Debian's glibc searches for `arch`.
fn triplet(arch: ImageArch) -> Option<&'static str> {
    arch.known().and_then(Arch::multiarch_triplet)
}

impl LdSo {
    /// The rules for `image` (its bytes `data`) of `arch` on `machine`.
    pub(super) fn new(image: &Path, data: &[u8], arch: ImageArch, machine: &Machine) -> LdSo {
        let root = machine.sysroot.as_deref();
        let expand = |p: &String| expand_dst(&expand_origin(image, root, p), arch);
        let (rpath, runpath) = elf_paths(data);
        let mut before_cache = Vec::new();
        if runpath.is_empty() {
            before_cache.extend(rpath.iter().map(expand));
        }
        before_cache.extend(machine.path_dirs().iter().map(|d| expand_dst(d, arch)));
        before_cache.extend(runpath.iter().map(expand));
        let mut notes = Vec::new();
        let cache_file = under(root, Path::new("/etc/ld.so.cache"));
        let cache = match aotinterop_model::diag::read_bounded(
            &cache_file,
            "loader cache",
            aotinterop_model::diag::TEXT_LIMIT,
        ) {
            Ok(bytes) => match ld_so_cache::parse(&bytes) {
                Ok(entries) => Some(entries),
                Err(e) => {
                    notes.push(format!(
                        "{}: {}; the folders of /etc/ld.so.conf stand in for it",
                        cache_file.display(),
                        e.diagnostic().message
                    ));
                    None
                }
            },
            Err(_) => None,
        };
        let mut defaults = Vec::new();
        for base in ["/lib", "/usr/lib"] {
            if let Some(t) = triplet(arch) {
                defaults.push(under(root, &Path::new(base).join(t)));
            }
        }
        for base in ["/lib64", "/usr/lib64", "/lib", "/usr/lib"] {
            defaults.push(under(root, Path::new(base)));
        }
        LdSo {
            before_cache,
            conf: if cache.is_none() {
                ld_so_conf(root)
            } else {
                Vec::new()
            },
            cache,
            defaults,
            root: root.map(Path::to_path_buf),
            arch,
            hwcap_levels: hwcap_levels(arch, root.is_none()),
            notes,
        }
    }

    /// The files the loader tries for `name`, in order.
    pub(super) fn candidates(&self, name: &str) -> Vec<PathBuf> {
        if name.contains('/') {
            return vec![under(self.root.as_deref(), Path::new(name))];
        }
        let mut out: Vec<PathBuf> = self
            .before_cache
            .iter()
            .flat_map(|d| {
                searched_in(d, self.arch, &self.hwcap_levels)
                    .into_iter()
                    .map(|f| f.join(name))
            })
            .collect();
        match &self.cache {
            Some(entries) => {
                if let Some(e) = ld_so_cache::lookup(entries, name, self.arch) {
                    out.push(under(self.root.as_deref(), &e.path));
                }
            }
            None => out.extend(self.conf.iter().map(|d| d.join(name))),
        }
        out.extend(self.defaults.iter().map(|d| d.join(name)));
        let mut seen = std::collections::HashSet::new();
        out.retain(|p| seen.insert(p.clone()));
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::ImageArch;
    use aotinterop_model::Arch;
    /// The levels taken as this CPU's are those this machine's own loader says it searches.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn hwcap_levels_here_are_those_ld_so_searches() {
        let out = std::process::Command::new("/lib64/ld-linux-x86-64.so.2")
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let section = text
            .split("Subdirectories of glibc-hwcaps directories, in priority order:\n")
            .nth(1)
            .expect("ld.so --help lists its glibc-hwcaps subdirectories");
        let searched: Vec<&str> = section
            .lines()
            .take_while(|l| l.starts_with("  "))
            .filter(|l| l.contains("supported, searched"))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(
            super::hwcap_levels(ImageArch::Known(Arch::X86_64), true),
            searched
        );
        assert_eq!(
            super::hwcap_levels(ImageArch::Known(Arch::X86_64), false).len(),
            3
        );
    }
}
