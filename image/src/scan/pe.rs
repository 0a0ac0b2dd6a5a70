//! Finds the ECMA-335 metadata inside a PE image (.dll, .exe, .winmd): DOS header, PE header,
//! the CLI header (data directory 14) and the sections that map its RVAs to file offsets.

use super::fault::{slice, u16_at, u32_at, Fault, FaultKind, ReadResult};

const CLI_DIRECTORY: usize = 14;
const SECTION_HEADER_SIZE: usize = 40;

/// A PE section: where its bytes are in memory (RVA) and in the file.
#[derive(Clone, Copy, Debug)]
struct Section {
    virtual_address: u32,
    virtual_size: u32,
    raw_offset: u32,
    raw_size: u32,
}

/// The PE image: its bytes and sections.
struct Image<'a> {
    bytes: &'a [u8],
    sections_at: usize,
    section_count: usize,
}

impl<'a> Image<'a> {
    fn section(&self, i: usize) -> Section {
        // In bounds: the section table was checked to fit in the file when the image was read.
        let at = self.sections_at + i * SECTION_HEADER_SIZE;
        let r = |o| u32_at(self.bytes, at + o).unwrap_or(0);
        Section {
            virtual_size: r(8),
            virtual_address: r(12),
            raw_size: r(16),
            raw_offset: r(20),
        }
    }

    /// The file bytes of `len` bytes at `rva`, which must lie in one section's raw data.
    fn at_rva(&self, rva: u32, len: u32, what: &str) -> ReadResult<&'a [u8]> {
        for i in 0..self.section_count {
            let s = self.section(i);
            let extent = s.virtual_size.max(s.raw_size);
            if rva < s.virtual_address || rva - s.virtual_address >= extent {
                continue;
            }
            let delta = rva - s.virtual_address;
            if u64::from(delta) + u64::from(len) > u64::from(s.raw_size) {
                return Err(Fault::corrupt(format!(
                    "the {what} (RVA 0x{rva:x}, {len} bytes) extends past the end of its section's data"
                )));
            }
            let offset = s.raw_offset as usize + delta as usize;
            return slice(self.bytes, offset, len as usize)
                .ok_or_else(|| Fault::truncated(&format!("the {what}")));
        }
        Err(Fault::corrupt(format!(
            "the {what} (RVA 0x{rva:x}) is in no section of the image"
        )))
    }
}

/// What the CLI header of a .NET PE image says.
pub struct Cli<'a> {
    /// The metadata blob, starting at its `BSJB` root.
    pub metadata: &'a [u8],
    /// Whether it names an entry point (a `Main` method, or native code): an executable's.
    pub has_entry_point: bool,
}

/// Why a file starting with `head` is not a PE image (empty, or no `MZ`); `None` when it may be.
pub fn signature_fault(head: &[u8]) -> Option<Fault> {
    if head.is_empty() {
        return Some(Fault::new(FaultKind::NotPe, "the file is empty"));
    }
    (head.len() < 2 || &head[..2] != b"MZ").then(|| {
        Fault::new(
            FaultKind::NotPe,
            "not a PE image: it does not start with the `MZ` signature",
        )
    })
}

/// The fault of a file whose first bytes `head` declare a PE header or section table its `len`
/// bytes do not hold.
pub fn extent_fault(head: &[u8], len: u64) -> Option<Fault> {
    use aotinterop_model::extent::Overrun;
    match aotinterop_model::extent::overrun(head, len)? {
        Overrun::CutOff(why) => Some(Fault::new(
            FaultKind::Truncated,
            format!("the file is truncated: {why}"),
        )),
        Overrun::Damaged(why) => Some(Fault::new(FaultKind::NotPe, why)),
    }
}

/// The CLI header of a .NET PE image, and the metadata it points to.
pub fn metadata(bytes: &[u8]) -> ReadResult<Cli<'_>> {
    if let Some(f) = signature_fault(bytes) {
        return Err(f);
    }
    let pe = u32_at(bytes, 0x3c).ok_or_else(|| Fault::truncated("the DOS header"))? as usize;
    let sig = slice(bytes, pe, 4).ok_or_else(|| Fault::truncated("the PE header"))?;
    if sig != b"PE\0\0" {
        return Err(Fault::new(
            FaultKind::NotPe,
            format!("not a PE image: no `PE` signature at offset 0x{pe:x}"),
        ));
    }
    let coff = pe + 4;
    let coff_header = slice(bytes, coff, 20).ok_or_else(|| Fault::truncated("the COFF header"))?;
    let section_count = u16::from_le_bytes([coff_header[2], coff_header[3]]) as usize;
    let optional_size = u16::from_le_bytes([coff_header[16], coff_header[17]]) as usize;
    let optional = coff + 20;
    let optional_header =
        slice(bytes, optional, optional_size).ok_or_else(|| Fault::truncated("the PE optional header"))?;
    let (count_at, dirs_at) = match u16_at(optional_header, 0) {
        Some(0x10b) => (92, 96),
        Some(0x20b) => (108, 112),
        Some(m) => {
            return Err(Fault::corrupt(format!(
                "unknown PE optional header magic 0x{m:x}"
            )))
        }
        None => return Err(Fault::corrupt("the PE optional header is too small")),
    };
    let dir_count = u32_at(optional_header, count_at).unwrap_or(0) as usize;
    let dir = dirs_at + CLI_DIRECTORY * 8;
    let (cli_rva, cli_size) = match (
        dir_count > CLI_DIRECTORY,
        u32_at(optional_header, dir),
        u32_at(optional_header, dir + 4),
    ) {
        (true, Some(rva), Some(size)) => (rva, size),
        _ => (0, 0),
    };
    if cli_rva == 0 || cli_size == 0 {
        return Err(Fault::new(
            FaultKind::NoCliHeader,
            "a PE image without a CLI header: native code, not a .NET assembly",
        ));
    }
    let sections_at = optional + optional_size;
    let table_len = section_count
        .checked_mul(SECTION_HEADER_SIZE)
        .ok_or_else(|| Fault::corrupt("the section count is impossible"))?;
    if slice(bytes, sections_at, table_len).is_none() {
        return Err(Fault::truncated("the section table"));
    }
    let image = Image {
        bytes,
        sections_at,
        section_count,
    };
    // A file cut short loses the end of its last sections, wherever the metadata is.
    for i in 0..section_count {
        let s = image.section(i);
        let end = u64::from(s.raw_offset) + u64::from(s.raw_size);
        if s.raw_size > 0 && end > bytes.len() as u64 {
            return Err(Fault::new(
                FaultKind::Truncated,
                format!(
                    "the file is truncated: section {} ends at byte {end}, but the file has {} bytes",
                    i + 1,
                    bytes.len()
                ),
            ));
        }
    }
    let cli = image.at_rva(cli_rva, cli_size.clamp(16, 72), "CLI header")?;
    let md_rva = u32_at(cli, 8).unwrap_or(0);
    let md_size = u32_at(cli, 12).unwrap_or(0);
    if md_rva == 0 || md_size == 0 {
        return Err(Fault::corrupt("the CLI header points to no metadata"));
    }
    // ECMA-335 II.25.3.3: the EntryPointToken (a MethodDef token, or an RVA with the
    // NATIVE_ENTRYPOINT flag) at offset 20; 0 when there is none.
    let has_entry_point = u32_at(cli, 20).is_some_and(|t| t != 0);
    Ok(Cli {
        metadata: image.at_rva(md_rva, md_size, "metadata")?,
        has_entry_point,
    })
}
