//! Mach-O specifics.

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

/// Whether a 64-bit image's exports trie is empty (`LC_DYLD_INFO` or `LC_DYLD_EXPORTS_TRIE` of size
/// 0, or neither): the `object` crate then reports a malformed trie for an image that simply
/// exports nothing (ld64.lld writes a dylib without exports that way).
pub(super) fn exports_trie_empty(data: &[u8]) -> bool {
    use object::macho;
    use object::read::macho::{LoadCommandVariant, MachHeader, MachOFile64};
    let Ok(file) = MachOFile64::<object::Endianness>::parse(data) else {
        return false;
    };
    let endian = file.endian();
    let Ok(mut commands) = file.macho_header().load_commands(endian, data, 0) else {
        return false;
    };
    let mut size = 0;
    while let Ok(Some(cmd)) = commands.next() {
        match cmd.variant() {
            Ok(LoadCommandVariant::DyldInfo(info)) => size += info.export_size.get(endian),
            Ok(LoadCommandVariant::LinkeditData(l)) if cmd.cmd() == macho::LC_DYLD_EXPORTS_TRIE => {
                size += l.datasize.get(endian)
            }
            _ => {}
        }
    }
    size == 0
}

/// The slices of a universal (fat) Mach-O: (architecture, bytes) each; `None` when `data` is not
/// one.
pub fn fat_slices(data: &[u8]) -> Option<Vec<(object::Architecture, &[u8])>> {
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

/// The image's segments at their VM offsets (from `__TEXT`'s address), and every place the loader
/// rebases, with what it points to as a VM offset: chained fixups (`LC_DYLD_CHAINED_FIXUPS`, any
/// pointer format the `object` crate decodes) or the older rebase opcodes (`LC_DYLD_INFO`, the
/// place then holding the unslid address). `None` for 32-bit images and images with neither.
pub(super) fn memory(data: &[u8]) -> Option<super::ilc::Memory<'_>> {
    use object::macho;
    use object::read::macho::{LoadCommandVariant, MachHeader, MachOFile64};
    let file = MachOFile64::<object::Endianness>::parse(data).ok()?;
    let endian = file.endian();
    let mut commands = file.macho_header().load_commands(endian, data, 0).ok()?;
    let mut segments = Vec::new();
    let mut fixups = None;
    let mut dyld_info = None;
    while let Ok(Some(cmd)) = commands.next() {
        match cmd.variant().ok()? {
            LoadCommandVariant::Segment64(seg, _) => segments.push(seg),
            LoadCommandVariant::LinkeditData(l) if cmd.cmd() == macho::LC_DYLD_CHAINED_FIXUPS => {
                fixups = Some(l.chained_fixups(endian, data).ok()?)
            }
            LoadCommandVariant::DyldInfo(info) => dyld_info = Some(info),
            _ => {}
        }
    }
    if fixups.is_none() && dyld_info.is_none() {
        return None;
    }
    let text = segments
        .iter()
        .find(|s| &s.segname[..6] == b"__TEXT")?
        .vmaddr
        .get(endian);
    let seg_data = |s: &macho::SegmentCommand64<object::Endianness>| {
        let (off, size) = (s.fileoff.get(endian), s.filesize.get(endian));
        data.get(usize::try_from(off).ok()?..usize::try_from(off.checked_add(size)?).ok()?)
    };
    let mut ranges = Vec::new();
    for s in &segments {
        let bytes = seg_data(s)?;
        let writable = s.initprot.get(endian).0 & macho::VM_PROT_WRITE.0 != 0;
        let at = s.vmaddr.get(endian).wrapping_sub(text);
        ranges.push((at, bytes, s.vmsize.get(endian).max(bytes.len() as u64), writable));
    }
    let mut memory = super::ilc::Memory {
        ptr: 8,
        ranges,
        pointers: Default::default(),
        ordinals: false,
    };
    if let Some(fixups) = fixups {
        let mut chains = fixups.segments(endian).ok()?;
        while let Ok(Some(chain)) = chains.next() {
            let seg = segments.get(chain.index() as usize)?;
            let base = seg.vmaddr.get(endian).wrapping_sub(text);
            let mut it = chain.fixups(endian, text, seg_data(seg)?);
            while let Ok(Some((offset, fixup))) = it.next() {
                if let object::read::macho::Fixup::Rebase(r) = fixup {
                    memory.pointers.insert(base.wrapping_add(offset), r.target_offset);
                }
            }
        }
    }
    if let Some(info) = dyld_info {
        let mut places = Vec::new();
        let mut rebases = info.rebases(endian, data, 8).ok()?;
        while let Ok(Some(r)) = rebases.next() {
            if r.kind == macho::REBASE_TYPE_POINTER {
                let seg = segments.get(usize::from(r.segment_index))?;
                places.push(
                    seg.vmaddr
                        .get(endian)
                        .wrapping_sub(text)
                        .wrapping_add(r.segment_offset),
                );
            }
        }
        for place in places {
            if let Some(to) = memory.word_at(place).and_then(|v| v.checked_sub(text)) {
                memory.pointers.insert(place, to);
            }
        }
    }
    Some(memory)
}
