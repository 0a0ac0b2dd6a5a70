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

/// The image's sections at their RVAs, and every place its base relocations fix (a pointer the
/// loader rebases; what it points to, as an RVA). `None` when the file is not a PE image this
/// reader takes.
pub(super) fn memory(data: &[u8]) -> Option<super::ilc::Memory<'_>> {
    match object::FileKind::parse(data).ok()? {
        object::FileKind::Pe32 => memory_of::<object::pe::ImageNtHeaders32>(data),
        object::FileKind::Pe64 => memory_of::<object::pe::ImageNtHeaders64>(data),
        _ => None,
    }
}

fn memory_of<Pe: object::read::pe::ImageNtHeaders>(data: &[u8]) -> Option<super::ilc::Memory<'_>> {
    use object::pe;
    use object::read::pe::{ImageOptionalHeader, PeFile};
    use object::LittleEndian as LE;
    let file = PeFile::<Pe>::parse(data).ok()?;
    let base = file.nt_headers().optional_header().image_base();
    let sections = file.section_table();
    let mut ranges = Vec::new();
    for s in sections.iter() {
        let (va, size) = s.pe_address_range();
        let bytes = s.pe_data(data).ok()?;
        let bytes = &bytes[..bytes.len().min(size as usize)];
        let writable = s.characteristics.get(LE).0 & pe::IMAGE_SCN_MEM_WRITE.0 != 0;
        ranges.push((
            u64::from(va),
            bytes,
            u64::from(size.max(bytes.len() as u32)),
            writable,
        ));
    }
    let ptr = if file.is_64() { 8 } else { 4 };
    let mut memory = super::ilc::Memory {
        ptr,
        ranges,
        pointers: Default::default(),
        ordinals: true,
    };
    let want = if ptr == 8 {
        pe::IMAGE_REL_BASED_DIR64
    } else {
        pe::IMAGE_REL_BASED_HIGHLOW
    };
    let mut places = Vec::new();
    if let Some(mut blocks) = file.data_directories().relocation_blocks(data, &sections).ok()? {
        while let Ok(Some(block)) = blocks.next() {
            places.extend(
                block
                    .filter(|r| r.typ == want)
                    .map(|r| u64::from(r.virtual_address)),
            );
        }
    }
    for place in places {
        if let Some(to) = memory.word_at(place).and_then(|v| v.checked_sub(base)) {
            memory.pointers.insert(place, to);
        }
    }
    Some(memory)
}
