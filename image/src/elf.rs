//! ELF specifics.

use super::ImageKind;
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::{Object, ObjectKind, ObjectSection};

/// `ET_DYN` is both a PIE executable and a shared library: an executable has a program
/// interpreter (`PT_INTERP`, or a `.interp` section), or is flagged PIE (`DF_1_PIE`).
pub(super) fn kind(file: &object::File, view: &ProgramView) -> ImageKind {
    // A static PIE has no interpreter, but its dynamic section says PIE (`DF_1_PIE`).
    let executable = file.section_by_name(".interp").is_some() || view.interp || view.pie;
    match file.kind() {
        ObjectKind::Executable => ImageKind::Executable,
        ObjectKind::Dynamic if executable => ImageKind::Executable,
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
/// `DT_RELR` packed relative relocations (`-z pack-relative-relocs`) are read too.
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
    places.extend(relr_places(file, &memory).into_iter().map(|p| (p, None)));
    for (place, addend) in places {
        if let Some(to) = addend.or_else(|| memory.word_at(place)) {
            memory.pointers.insert(place, to);
        }
    }
    Some(memory)
}

/// The `DT_RELR`, `DT_RELRSZ` values of the `.dynamic` section (little-endian words of the
/// image's pointer size). Read by hand: `memory` has the format-generic `object::File`, and the
/// two tags are a scan of (tag, value) word pairs.
fn relr_table(file: &object::File, ptr: usize) -> Option<(u64, u64)> {
    use object::ObjectSection;
    let dynamic = file.section_by_name(".dynamic")?.data().ok()?;
    let word = |b: &[u8]| match ptr {
        4 => u32::from_le_bytes(b.try_into().unwrap_or_default()) as u64,
        _ => u64::from_le_bytes(b.try_into().unwrap_or_default()),
    };
    let (mut at, mut size) = (None, None);
    for entry in dynamic.chunks_exact(2 * ptr) {
        let (tag, value) = (word(&entry[..ptr]), word(&entry[ptr..]));
        match tag {
            t if t == object::elf::DT_RELR.0 as u64 => at = Some(value),
            t if t == object::elf::DT_RELRSZ.0 as u64 => size = Some(value),
            0 => break,
            _ => {}
        }
    }
    Some((at?, size?))
}

/// The places `DT_RELR` relocates, decoded as the gABI describes the format: an even word is
/// an address (relocated, and the next place is one word on); an odd word is a bitmap of the
/// following `8 * ptr - 1` words, bit `i + 1` for the word `i` places on.
fn relr_places(file: &object::File, memory: &super::ilc::Memory) -> Vec<u64> {
    let ptr = memory.ptr;
    let Some((table, size)) = relr_table(file, memory.ptr as usize) else {
        return Vec::new();
    };
    let mut places = Vec::new();
    let mut next = 0u64;
    // Bounded by the table's size; a word that cannot be read ends the table.
    for i in 0..size / ptr {
        let Some(entry) = memory.word_at(table.wrapping_add(i * ptr)) else {
            break;
        };
        if entry & 1 == 0 {
            places.push(entry);
            next = entry.wrapping_add(ptr);
        } else {
            let bits = 8 * ptr - 1;
            for b in 0..bits {
                if (entry >> (b + 1)) & 1 != 0 {
                    places.push(next.wrapping_add(b * ptr));
                }
            }
            next = next.wrapping_add(bits * ptr);
        }
    }
    places
}

/// What an ELF image's program headers say, for an image without section headers (the loader
/// needs none): whether it has a program interpreter, and the libraries its dynamic segment
/// names (`DT_NEEDED`).
#[derive(Default)]
pub(super) struct ProgramView {
    pub interp: bool,
    /// The program interpreter `PT_INTERP` names.
    pub interp_path: Option<String>,
    /// The auditor libraries `DT_AUDIT`/`DT_DEPAUDIT` name.
    pub audit: Vec<String>,
    /// The filtee libraries `DT_AUXILIARY`/`DT_FILTER` name, loaded as needed libraries are.
    pub filters: Vec<String>,
    /// `DT_FLAGS_1` holds `DF_1_PIE`.
    pub pie: bool,
    pub needed: Vec<String>,
}

/// Whether the ELF `file` has no section headers (only the null one, or none).
pub(super) fn sectionless(file: &object::File) -> bool {
    file.sections()
        .all(|s| s.size() == 0 && s.name().unwrap_or("").is_empty())
}

/// [`ProgramView`] of the ELF image `data` (32- or 64-bit); empty when it cannot be read.
pub(super) fn from_program_headers(data: &[u8]) -> ProgramView {
    use object::read::elf::{ElfFile32, ElfFile64};
    match object::FileKind::parse(data) {
        Ok(object::FileKind::Elf32) => ElfFile32::<object::Endianness>::parse(data).map(|f| view(&f, data)),
        Ok(object::FileKind::Elf64) => ElfFile64::<object::Endianness>::parse(data).map(|f| view(&f, data)),
        _ => return ProgramView::default(),
    }
    .unwrap_or_default()
}

fn view<H: FileHeader<Endian = object::Endianness>>(
    file: &object::read::elf::ElfFile<H>,
    data: &[u8],
) -> ProgramView {
    let endian = file.endian();
    let headers = file.elf_program_headers();
    let interp_path = headers
        .iter()
        .find(|p| p.p_type(endian) == object::elf::PT_INTERP)
        .and_then(|p| p.interpreter(endian, data).ok().flatten())
        .map(|i| String::from_utf8_lossy(i).into_owned());
    let interp = headers.iter().any(|p| p.p_type(endian) == object::elf::PT_INTERP);
    // A virtual address's place in the file, through the loadable segment that holds it.
    let offset_of = |addr: u64| {
        headers.iter().find_map(|p| {
            let (vaddr, filesz) = (p.p_vaddr(endian).into(), p.p_filesz(endian).into());
            (p.p_type(endian) == object::elf::PT_LOAD && addr >= vaddr && addr - vaddr < filesz)
                .then(|| p.p_offset(endian).into() + (addr - vaddr))
        })
    };
    let entries = headers
        .iter()
        .find_map(|p| p.dynamic(endian, data).ok().flatten())
        .unwrap_or(&[]);
    let strtab = entries
        .iter()
        .find(|d| d.tag(endian) == object::elf::DT_STRTAB)
        .and_then(|d| offset_of(d.d_val(endian).into()));
    let string = |at: u64| {
        let start = usize::try_from(strtab? + at).ok()?;
        let rest = data.get(start..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        Some(String::from_utf8_lossy(&rest[..end]).into_owned())
    };
    let needed = entries
        .iter()
        .filter(|d| d.tag(endian) == object::elf::DT_NEEDED)
        .filter_map(|d| string(d.d_val(endian).into()))
        .collect();
    let pie = entries.iter().any(|d| {
        d.tag(endian) == object::elf::DT_FLAGS_1
            && Into::<u64>::into(d.d_val(endian)) & object::elf::DF_1_PIE.0 != 0
    });
    // `DT_AUDIT` and `DT_DEPAUDIT`: libraries glibc loads as auditors.
    let audit = entries
        .iter()
        .filter(|d| matches!(d.tag(endian), object::elf::DT_AUDIT | object::elf::DT_DEPAUDIT))
        .filter_map(|d| string(d.d_val(endian).into()))
        .flat_map(|s| s.split(':').map(String::from).collect::<Vec<_>>())
        .collect();
    let filters = entries
        .iter()
        .filter(|d| matches!(d.tag(endian), object::elf::DT_AUXILIARY | object::elf::DT_FILTER))
        .filter_map(|d| string(d.d_val(endian).into()))
        .collect();
    ProgramView {
        interp,
        interp_path,
        pie,
        needed,
        audit,
        filters,
    }
}
