//! ELF specifics.

use super::ImageKind;
use object::{Object, ObjectKind};

/// `ET_DYN` is both a PIE executable and a shared library: an executable has a program
/// interpreter (`.interp`).
pub(super) fn kind(file: &object::File) -> ImageKind {
    match file.kind() {
        ObjectKind::Executable => ImageKind::Executable,
        ObjectKind::Dynamic if file.section_by_name(".interp").is_some() => ImageKind::Executable,
        ObjectKind::Dynamic => ImageKind::Shared,
        ObjectKind::Relocatable => ImageKind::Object,
        _ => ImageKind::Other,
    }
}

/// A version definition's own name (`V1.0` of a version script) is an absolute symbol in the
/// dynamic symbol table; it is not an export.
pub(super) fn is_version_name(exp: &object::read::Export) -> bool {
    matches!(exp.target(), object::read::ExportTarget::Absolute { value: 0 })
}
