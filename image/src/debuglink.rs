//! The debug file a stripped image points at (`.gnu_debuglink`: a file name, padding, and the
//! CRC-32 of that file, as gdb reads it), so that `verify` still sees the symbols the image
//! defines after `StripSymbols` moved them there.

use object::{Object, ObjectSection};
use std::path::{Path, PathBuf};

/// The debug file `data` (the image at `image`) links to, if it lies beside the image and its
/// CRC matches; otherwise why not, in words.
pub(super) fn debug_file(image: &Path, data: &[u8]) -> Option<Result<(PathBuf, Vec<u8>), String>> {
    let file = object::File::parse(data).ok()?;
    let link = file.section_by_name(".gnu_debuglink")?.data().ok()?;
    let end = link.iter().position(|&b| b == 0)?;
    let name = String::from_utf8_lossy(&link[..end]).into_owned();
    // The CRC follows the name's NUL, padded to 4 bytes.
    let at = (end + 1).div_ceil(4) * 4;
    let crc = link.get(at..at + 4)?;
    let crc = u32::from_le_bytes(crc.try_into().ok()?);
    // Shown escaped: the name comes from the file.
    let shown: String = name.chars().take(200).flat_map(char::escape_debug).collect();
    // A file name beside the image, nothing that reaches elsewhere (`../`, an absolute path).
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Some(Err(format!(
            "its debug link names `{shown}`, which is not a file name beside it"
        )));
    }
    let path = image.parent().unwrap_or(Path::new(".")).join(&name);
    // An image's own kind of file: one of another kind is refused on its first bytes.
    let bytes = match super::read_image(&path) {
        Ok(bytes) => bytes,
        // A link there that leads nowhere (or a loop) is named as one.
        Err(_) if !path.exists() && std::fs::symlink_metadata(&path).is_ok() => {
            return Some(Err(format!(
                "its debug link names {shown}, which is a link that leads nowhere, or a loop of links"
            )));
        }
        Err(_) if !path.exists() => {
            return Some(Err(format!(
                "its debug link names {shown}, which is not beside it"
            )));
        }
        Err(e) => {
            return Some(Err(format!(
                "its debug link names {shown}, which cannot be read: {}",
                e.message
            )))
        }
    };
    if crc32fast::hash(&bytes) != crc {
        return Some(Err(format!(
            "its debug link names {shown}, whose CRC does not match: another build's"
        )));
    }
    Some(Ok((path, bytes)))
}

/// The file name the `.gnu_debuglink` of the ELF file at `path` names, reading only its headers
/// and that section; `None` for anything else (no file, not ELF, no link).
pub fn debuglink_name(path: &Path) -> Option<Vec<u8>> {
    debuglink(path).map(|(name, _)| name)
}

/// The file name and CRC-32 the `.gnu_debuglink` of the image at `path` holds, reading only its
/// headers and that section.
pub fn debuglink(path: &Path) -> Option<(Vec<u8>, u32)> {
    read_headers(path, |image| {
        let link = image.section_by_name(".gnu_debuglink")?.data().ok()?;
        let end = link.iter().position(|&b| b == 0)?;
        // The CRC follows the name's NUL, padded to 4 bytes.
        let at = (end + 1).div_ceil(4) * 4;
        let crc = u32::from_le_bytes(link.get(at..at + 4)?.try_into().ok()?);
        Some((link[..end].to_vec(), crc))
    })
}

/// `read` of the image at `path` (a regular file), parsed through a read cache so that only the
/// headers and what `read` asks for are read.
fn read_headers<T>(
    path: &Path,
    read: impl FnOnce(&object::File<'_, &object::ReadCache<std::fs::File>>) -> Option<T>,
) -> Option<T> {
    let file = aotinterop_model::diag::open_regular(path).ok()?;
    let cache = object::ReadCache::new(file);
    let image = object::File::parse(&cache).ok()?;
    read(&image)
}

/// The path the CodeView record of the PE image at `path` gives for its PDB (what a linker's
/// `/DEBUG` wrote), reading only its headers and debug directory; `None` for anything else.
pub fn pdb_path(path: &Path) -> Option<Vec<u8>> {
    read_headers(path, |pe| Some(pe.pdb_info().ok()??.path().to_vec()))
}
