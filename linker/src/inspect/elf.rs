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

/// The image's `PT_LOAD` segments at their addresses, and every place an `R_*_RELATIVE`
/// dynamic relocation fixes (what it points to: the addend, or for `REL` the word in the file).
/// `DT_RELR` packed relocations are not read (yet): images linked with
/// `-z pack-relative-relocs` show no ILC cells.
pub(super) fn memory<'a>(file: &object::File<'a>) -> Option<super::ilc::Memory<'a>> {
    use object::elf;
    use object::{ObjectSegment, RelocationFlags, SegmentFlags};
    let (ptr, relative) = match file.architecture() {
        object::Architecture::X86_64 => (8, elf::R_X86_64_RELATIVE),
        object::Architecture::Aarch64 => (8, elf::R_AARCH64_RELATIVE),
        object::Architecture::I386 => (4, elf::R_386_RELATIVE),
        object::Architecture::Arm => (4, elf::R_ARM_RELATIVE),
        _ => return None,
    };
    let mut ranges = Vec::new();
    for seg in file.segments() {
        let SegmentFlags::Elf { p_type, p_flags } = seg.flags() else {
            continue;
        };
        if p_type != elf::PT_LOAD {
            continue;
        }
        let data = seg.data().ok()?;
        let writable = p_flags.0 & elf::PF_W.0 != 0;
        ranges.push((seg.address(), data, seg.size().max(data.len() as u64), writable));
    }
    let mut memory = super::ilc::Memory {
        ptr,
        ranges,
        pointers: Default::default(),
        ordinals: false,
    };
    let mut places = Vec::new();
    for (place, reloc) in file.dynamic_relocations().into_iter().flatten() {
        if !matches!(reloc.flags(), RelocationFlags::Elf { r_type } if r_type == relative) {
            continue;
        }
        places.push((
            place,
            (!reloc.has_implicit_addend()).then(|| reloc.addend() as u64),
        ));
    }
    for (place, addend) in places {
        if let Some(to) = addend.or_else(|| memory.word_at(place)) {
            memory.pointers.insert(place, to);
        }
    }
    Some(memory)
}
