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
