//! musl's dynamic loader (`ldso/dynlink.c`, `load_library`): the names of its own libraries
//! (`libc.so`, `libdl.so`, `libpthread.so`, `librt.so`, `libm.so`, `libutil.so`, `libxnet.so`,
//! any suffix) are the loader itself; otherwise `LD_LIBRARY_PATH`, the `DT_RPATH`/`DT_RUNPATH`
//! folders (musl treats the two alike), then the folders of `/etc/ld-musl-ARCH.path`, or
//! `/lib:/usr/local/lib:/usr/lib` without that file. `$ORIGIN` is the image's folder. There is no
//! cache and no multiarch search.

use super::{expand_origin, ld_so::elf_paths, under, Machine};
use std::path::{Path, PathBuf};

/// musl's loader rules for one image.
pub(super) struct LdMusl {
    /// The loader itself (the program interpreter), under the root.
    loader: PathBuf,
    /// The folders searched, in order.
    dirs: Vec<PathBuf>,
    root: Option<PathBuf>,
    /// What the rules could not settle.
    pub(super) notes: Vec<String>,
}

/// The program interpreter an ELF image names (its `.interp`), if any.
pub(super) fn interpreter(data: &[u8]) -> Option<String> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(data).ok()?;
    let bytes = file.section_by_name(".interp")?.data().ok()?;
    let text = bytes.split(|&b| b == 0).next()?;
    Some(String::from_utf8_lossy(text).into_owned())
}

/// Whether `interp` is musl's loader (`/lib/ld-musl-ARCH.so.1`).
pub(super) fn is_musl_loader(interp: &str) -> bool {
    Path::new(interp)
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("ld-musl-"))
}

/// The libraries musl's loader answers with itself (`ldso/dynlink.c`'s `reserved` list): `lib`,
/// then one of these names, then a `.`.
const RESERVED: [&str; 7] = ["c", "pthread", "rt", "m", "dl", "util", "xnet"];

fn is_reserved(name: &str) -> bool {
    name.strip_prefix("lib").is_some_and(|rest| {
        RESERVED
            .iter()
            .any(|r| rest.strip_prefix(r).is_some_and(|after| after.starts_with('.')))
    })
}

impl LdMusl {
    /// The rules for `image` (its bytes `data`, its interpreter `interp`) on `machine`.
    pub(super) fn new(image: &Path, data: &[u8], interp: &str, machine: &Machine) -> LdMusl {
        let root = machine.sysroot.as_deref();
        let expand = |p: &String| expand_origin(image, root, p);
        let mut dirs = machine.path_dirs();
        let (rpath, runpath) = elf_paths(data);
        dirs.extend(rpath.iter().chain(&runpath).map(expand));
        // `ld-musl-x86_64.so.1` reads `/etc/ld-musl-x86_64.path`: folders one per line or
        // separated by `:`.
        let arch = Path::new(interp)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .and_then(|n| {
                n.strip_prefix("ld-musl-")
                    .and_then(|r| r.strip_suffix(".so.1"))
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let path_file = under(root, Path::new(&format!("/etc/ld-musl-{arch}.path")));
        match aotinterop_model::diag::read_text(&path_file, "loader path file") {
            Ok(text) => dirs.extend(
                text.split(['\n', ':'])
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(|d| under(root, Path::new(d))),
            ),
            Err(_) => dirs.extend(
                ["/lib", "/usr/local/lib", "/usr/lib"]
                    .iter()
                    .map(|d| under(root, Path::new(d))),
            ),
        }
        LdMusl {
            loader: under(root, Path::new(interp)),
            dirs,
            root: root.map(Path::to_path_buf),
            notes: Vec::new(),
        }
    }

    /// The files the loader tries for `name`, in order.
    pub(super) fn candidates(&self, name: &str) -> Vec<PathBuf> {
        if is_reserved(name) {
            return vec![self.loader.clone()];
        }
        if name.contains('/') {
            return vec![under(self.root.as_deref(), Path::new(name))];
        }
        let mut out: Vec<PathBuf> = self.dirs.iter().map(|d| d.join(name)).collect();
        let mut seen = std::collections::HashSet::new();
        out.retain(|p| seen.insert(p.clone()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loaders_own_names() {
        for n in [
            "libc.so",
            "libc.so.6",
            "libm.so.6",
            "libpthread.so.0",
            "libdl.so.2",
            "librt.so.1",
        ] {
            assert!(is_reserved(n), "{n}");
        }
        for n in [
            "libcrypto.so.3",
            "libz.so.1",
            "libcallee.so",
            "libmagic.so",
            "c.so",
            "libc",
        ] {
            assert!(!is_reserved(n), "{n}");
        }
    }
}
