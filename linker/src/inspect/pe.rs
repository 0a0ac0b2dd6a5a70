//! PE specifics: delay-load imports are bound on first call, not at startup.

use super::ImageKind;
use object::read::{Import, ImportFlags, ImportLibrary, ImportLibraryFlags};
use object::{Object, ObjectKind};

/// Whether a library comes from the delay-load import table.
pub(super) fn is_delay_library(lib: &ImportLibrary) -> bool {
    matches!(lib.flags(), ImportLibraryFlags::Pe { delay: true })
}

/// Whether an import comes from the delay-load import table.
pub(super) fn is_delay_import(imp: &Import) -> bool {
    matches!(imp.flags(), ImportFlags::Pe { delay: true })
}

/// `IMAGE_FILE_DLL` makes a DLL.
pub(super) fn kind(file: &object::File) -> ImageKind {
    match file.kind() {
        ObjectKind::Executable => ImageKind::Executable,
        ObjectKind::Dynamic => ImageKind::Shared,
        ObjectKind::Relocatable => ImageKind::Object,
        _ => ImageKind::Other,
    }
}
