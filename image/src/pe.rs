//! PE specifics: delay-load imports are bound on first call, not at startup.

use object::read::{Import, ImportFlags, ImportLibrary, ImportLibraryFlags};
use object::Object;

/// Whether a library comes from the delay-load import table.
pub(super) fn is_delay_library(lib: &ImportLibrary) -> bool {
    matches!(lib.flags(), ImportLibraryFlags::Pe { delay: true })
}

/// Whether an import comes from the delay-load import table.
pub(super) fn is_delay_import(imp: &Import) -> bool {
    matches!(imp.flags(), ImportFlags::Pe { delay: true })
}

/// The image's sections at their RVAs, and every place its base relocations fix (a pointer the
/// loader rebases; what it points to, as an RVA). `None` when the file is not a PE image this
/// reader takes; `Err` saying how when its base relocation directory is damaged (the places
/// would be partial: what they prove is not read at all).
pub(super) fn memory(data: &[u8]) -> Result<Option<super::ilc::Memory<'_>>, RelocationsDamaged> {
    match object::FileKind::parse(data) {
        Ok(object::FileKind::Pe32) => memory_of::<object::pe::ImageNtHeaders32>(data),
        Ok(object::FileKind::Pe64) => memory_of::<object::pe::ImageNtHeaders64>(data),
        _ => Ok(None),
    }
}

/// A PE image's base relocation directory that cannot be read whole: why.
#[derive(Debug)]
pub(super) struct RelocationsDamaged(pub(super) object::read::Error);

fn memory_of<Pe: object::read::pe::ImageNtHeaders>(
    data: &[u8],
) -> Result<Option<super::ilc::Memory<'_>>, RelocationsDamaged> {
    use object::pe;
    use object::read::pe::{ImageOptionalHeader, PeFile};
    use object::LittleEndian as LE;
    let Ok(file) = PeFile::<Pe>::parse(data) else {
        return Ok(None);
    };
    let base = file.nt_headers().optional_header().image_base();
    let sections = file.section_table();
    let mut ranges = Vec::new();
    for s in sections.iter() {
        let (va, size) = s.pe_address_range();
        let Ok(bytes) = s.pe_data(data) else {
            return Ok(None);
        };
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
    let blocks = file
        .data_directories()
        .relocation_blocks(data, &sections)
        .map_err(RelocationsDamaged)?;
    if let Some(mut blocks) = blocks {
        while let Some(block) = blocks.next().map_err(RelocationsDamaged)? {
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
    Ok(Some(memory))
}

/// The export names as the Windows loader reads them: from the export directory's RVA, with its
/// name pointer table wherever it points, not bounded by the directory's Size (which some
/// linkers set to the directory header alone; the `object` crate then refuses the table). The
/// Size still bounds what Windows takes for forwarders, but forwarders are exports by name too.
/// Hand-written because it must accept what `object`'s checked reader rightly flags.
pub(super) fn exports_as_windows_reads(data: &[u8]) -> Option<Vec<String>> {
    match object::FileKind::parse(data).ok()? {
        object::FileKind::Pe32 => exports_of::<object::pe::ImageNtHeaders32>(data),
        object::FileKind::Pe64 => exports_of::<object::pe::ImageNtHeaders64>(data),
        _ => None,
    }
}

fn exports_of<Pe: object::read::pe::ImageNtHeaders>(data: &[u8]) -> Option<Vec<String>> {
    use object::read::pe::PeFile;
    let file = PeFile::<Pe>::parse(data).ok()?;
    let sections = file.section_table();
    let dir = file
        .data_directories()
        .get(object::pe::IMAGE_DIRECTORY_ENTRY_EXPORT)?;
    let at = |rva: u32, len: usize| sections.pe_data_at(data, rva).and_then(|d| d.get(..len));
    let u32_at = |rva: u32| at(rva, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let header = dir.virtual_address.get(object::LittleEndian);
    let names = u32_at(header.checked_add(24)?)?;
    let name_table = u32_at(header.checked_add(32)?)?;
    let mut out = Vec::new();
    for i in 0..names.min(65_536) {
        let name_rva = u32_at(name_table.checked_add(i.checked_mul(4)?)?)?;
        let bytes = sections.pe_data_at(data, name_rva)?;
        let end = bytes.iter().take(4096).position(|&b| b == 0)?;
        out.push(String::from_utf8_lossy(&bytes[..end]).into_owned());
    }
    Some(out)
}

/// Whether the image is an IL-only .NET assembly: a CLI header (`IMAGE_COR20_HEADER`) whose
/// flags have `COMIMAGE_FLAGS_ILONLY` (its code is IL, its P/Invokes metadata).
pub(super) fn il_only(data: &[u8]) -> bool {
    match object::FileKind::parse(data) {
        Ok(object::FileKind::Pe32) => il_only_of::<object::pe::ImageNtHeaders32>(data),
        Ok(object::FileKind::Pe64) => il_only_of::<object::pe::ImageNtHeaders64>(data),
        _ => false,
    }
}

fn il_only_of<Pe: object::read::pe::ImageNtHeaders>(data: &[u8]) -> bool {
    const COMIMAGE_FLAGS_ILONLY: u32 = 1;
    let Ok(file) = object::read::pe::PeFile::<Pe>::parse(data) else {
        return false;
    };
    let Some(dir) = file.data_directory(object::pe::IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR) else {
        return false;
    };
    let rva = dir.virtual_address.get(object::LittleEndian);
    // The flags follow cb, the runtime version and the metadata directory.
    file.section_table()
        .pe_data_at(data, rva)
        .and_then(|h| h.get(16..20))
        .is_some_and(|f| u32::from_le_bytes([f[0], f[1], f[2], f[3]]) & COMIMAGE_FLAGS_ILONLY != 0)
}

/// Merges import descriptors that name one DLL (the loader matches names case-insensitively and
/// loads it once), keeping the first spelling; one note per DLL that had several.
pub(super) fn merge_repeated_descriptors(needed: &mut Vec<String>) -> Vec<String> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    needed.retain(|n| {
        let key = n.to_ascii_lowercase();
        match seen.iter_mut().find(|(k, _)| *k == key) {
            Some((_, count)) => {
                *count += 1;
                false
            }
            None => {
                seen.push((key, 1));
                true
            }
        }
    });
    needed
        .iter()
        .zip(&seen)
        .filter(|(_, (_, count))| *count > 1)
        .map(|(name, (_, count))| {
            format!("{name} has {count} import descriptors; the loader loads it once (merged here)")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeated_import_descriptors_are_merged_with_a_note() {
        let mut needed: Vec<String> = ["KERNEL32.dll", "ws2_32.dll", "kernel32.DLL", "KERNEL32.dll"]
            .map(String::from)
            .into();
        let notes = super::merge_repeated_descriptors(&mut needed);
        assert_eq!(needed, ["KERNEL32.dll", "ws2_32.dll"]);
        assert_eq!(
            notes,
            ["KERNEL32.dll has 3 import descriptors; the loader loads it once (merged here)"]
        );
    }
}
