//! Mach-O specifics.

use super::ImageKind;
use object::{Object, ObjectKind};

/// `MH_EXECUTE`, `MH_DYLIB` / `MH_BUNDLE`, `MH_OBJECT`.
pub(super) fn kind(file: &object::File) -> ImageKind {
    match file.kind() {
        ObjectKind::Executable => ImageKind::Executable,
        ObjectKind::Dynamic => ImageKind::Shared,
        ObjectKind::Relocatable => ImageKind::Object,
        _ => ImageKind::Other,
    }
}

/// `MH_DSYM`: a dSYM companion file, debug information for an image, not an image.
pub(super) fn is_dsym(data: &[u8]) -> bool {
    const MH_DSYM: u32 = 10;
    let Some(b) = data.get(..16) else {
        return false;
    };
    let magic = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let le = matches!(magic, 0xCEFA_EDFE | 0xCFFA_EDFE);
    let filetype = if le {
        u32::from_le_bytes([b[12], b[13], b[14], b[15]])
    } else {
        u32::from_be_bytes([b[12], b[13], b[14], b[15]])
    };
    filetype == MH_DSYM
}

/// The slices of a universal (fat) Mach-O: (architecture, bytes) each; `None` when `data` is not
/// one.
pub(super) fn fat_slices(data: &[u8]) -> Option<Vec<(object::Architecture, &[u8])>> {
    use object::read::macho::{FatArch, MachOFatFile32, MachOFatFile64};
    fn slices<'a, A: FatArch>(
        arches: &'a [A],
        data: &'a [u8],
    ) -> Option<Vec<(object::Architecture, &'a [u8])>> {
        arches
            .iter()
            .map(|a| Some((a.architecture(), a.data(data).ok()?)))
            .collect()
    }
    match object::FileKind::parse(data).ok()? {
        object::FileKind::MachOFat32 => slices(MachOFatFile32::parse(data).ok()?.arches(), data),
        object::FileKind::MachOFat64 => slices(MachOFatFile64::parse(data).ok()?.arches(), data),
        _ => None,
    }
}
