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
    let path = image.parent().unwrap_or(Path::new(".")).join(&name);
    let Ok(bytes) = std::fs::read(&path) else {
        return Some(Err(format!(
            "its debug link names {name}, which is not beside it"
        )));
    };
    if crc32fast::hash(&bytes) != crc {
        return Some(Err(format!(
            "its debug link names {name}, whose CRC does not match: another build's"
        )));
    }
    Some(Ok((path, bytes)))
}
