//! What a binary file's first bytes declare about the rest: the header fields every reader
//! trusts first (ELF's class and table offsets, the PE signature and section table, Mach-O's
//! load commands, an archive's first member), checked against the file's length before the
//! rest is read. A file that starts with a known signature and then does not hold what it
//! declares (`\x7fELF` then zeros, a cut-off archive) is refused after one small read, whatever
//! its size; one that does is read whole, up to [`READ_LIMIT`](crate::diag::READ_LIMIT).
//!
//! Only fields inside the first bytes are checked; what lies further in is the parsers' to
//! check (every one bounds-checks its reads).

use crate::FileKind;

/// Why a file cannot be what its signature says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overrun {
    /// A structure it declares runs past its end: it was cut off (the sentence says which).
    CutOff(String),
    /// A field no such file has: it is damaged, or of another kind.
    Damaged(String),
}

impl std::fmt::Display for Overrun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Overrun::CutOff(why) | Overrun::Damaged(why) => f.write_str(why),
        }
    }
}

/// Why `head` (a file's first bytes) and `len` (its length) cannot be the file its signature
/// says it is; `None` when they can, or when the signature is none of those checked here.
pub fn overrun(head: &[u8], len: u64) -> Option<Overrun> {
    match FileKind::identify(head) {
        FileKind::Elf => elf(head, len),
        FileKind::Pe => pe(head, len),
        FileKind::MachO if head[0] == 0xfe => mach_o(head, len, u32::from_be_bytes),
        FileKind::MachO => mach_o(head, len, u32::from_le_bytes),
        FileKind::FatMachO => fat(head, len),
        FileKind::Archive | FileKind::ThinArchive => archive(head, len),
        _ => None,
    }
}

/// `count` entries of `size` bytes at `offset` fit in a file of `len` bytes.
fn fits(offset: u64, count: u64, size: u64, len: u64) -> bool {
    count
        .checked_mul(size)
        .and_then(|n| n.checked_add(offset))
        .is_some_and(|end| end <= len)
}

fn cut_off(what: &str, len: u64) -> Option<Overrun> {
    Some(Overrun::CutOff(format!(
        "{what} runs past the end of the file ({len} bytes): cut off or damaged"
    )))
}

fn damaged(why: impl Into<String>) -> Option<Overrun> {
    Some(Overrun::Damaged(why.into()))
}

fn elf(head: &[u8], len: u64) -> Option<Overrun> {
    let wide = match head.get(4) {
        Some(1) => false,
        Some(2) => true,
        Some(c) => return damaged(format!("an ELF file of unknown class {c}: damaged")),
        None => return cut_off("the ELF header", len),
    };
    let little = match head.get(5) {
        Some(1) => true,
        Some(2) => false,
        Some(d) => return damaged(format!("an ELF file of unknown byte order {d}: damaged")),
        None => return cut_off("the ELF header", len),
    };
    if head.get(6) != Some(&1) {
        return damaged("an ELF file whose version is not 1: damaged");
    }
    let header = if wide { 64 } else { 52 };
    let Some(h) = head.get(..header) else {
        return cut_off("the ELF header", len);
    };
    let int = |at: usize, n: usize| {
        let b = &h[at..at + n];
        b.iter().enumerate().fold(0u64, |v, (i, &x)| {
            let shift = if little { i } else { n - 1 - i } * 8;
            v | u64::from(x) << shift
        })
    };
    let (phoff, shoff, rest) = if wide {
        (int(32, 8), int(40, 8), 52)
    } else {
        (int(28, 4), int(32, 4), 40)
    };
    // ET_REL, ET_EXEC, ET_DYN or ET_CORE: nothing else is a file any tool writes.
    let kind = int(16, 2);
    if !(1..=4).contains(&kind) {
        return damaged(format!(
            "an ELF file of type {kind}, which no linker writes: damaged"
        ));
    }
    let (phentsize, phnum) = (int(rest + 2, 2), int(rest + 4, 2));
    let (shentsize, shnum) = (int(rest + 6, 2), int(rest + 8, 2));
    // 0xffff program headers (PN_XNUM) and no section count with a table (the count is in its
    // first entry) are escapes for large counts: the first entry is checked then.
    let phnum = if phnum == 0xffff { 0 } else { phnum };
    if phnum > 0 && !fits(phoff, phnum, phentsize, len) {
        return cut_off("its program header table", len);
    }
    if shoff != 0 && !fits(shoff, shnum.max(1), shentsize, len) {
        return cut_off("its section header table", len);
    }
    None
}

fn pe(head: &[u8], len: u64) -> Option<Overrun> {
    let Some(at) = head.get(0x3c..0x40) else {
        return cut_off("the DOS header", len);
    };
    let pe = u64::from(u32::from_le_bytes(at.try_into().ok()?));
    if !fits(pe, 1, 24, len) {
        return cut_off("the PE header the DOS header points to", len);
    }
    // Beyond the first bytes (a long DOS stub): the parser checks it.
    let coff = head.get(pe as usize..pe as usize + 24)?;
    if &coff[..4] != b"PE\0\0" {
        return damaged(format!(
            "no `PE` signature at offset 0x{pe:x}: not a PE image, or damaged"
        ));
    }
    let sections = u64::from(u16::from_le_bytes([coff[6], coff[7]]));
    let optional = u64::from(u16::from_le_bytes([coff[20], coff[21]]));
    if !fits(pe + 24 + optional, sections, 40, len) {
        return cut_off("its section table", len);
    }
    None
}

fn mach_o(head: &[u8], len: u64, int: fn([u8; 4]) -> u32) -> Option<Overrun> {
    let header = if head[0] == 0xcf || head[3] == 0xcf {
        32
    } else {
        28
    };
    let Some(h) = head.get(..header) else {
        return cut_off("the Mach-O header", len);
    };
    if int(h[4..8].try_into().ok()?) == 0 || int(h[12..16].try_into().ok()?) == 0 {
        return damaged("a Mach-O file of no CPU type or file type: damaged");
    }
    let commands = u64::from(int(h[20..24].try_into().ok()?));
    if !fits(header as u64, 1, commands, len) {
        return cut_off("its load commands", len);
    }
    None
}

fn fat(head: &[u8], len: u64) -> Option<Overrun> {
    let entry = if head[3] == 0xbf { 32 } else { 20 };
    let Some(count) = head.get(4..8) else {
        return cut_off("the universal (fat) header", len);
    };
    let count = u64::from(u32::from_be_bytes(count.try_into().ok()?));
    if !fits(8, count, entry, len) {
        return cut_off("its table of architectures", len);
    }
    // Each architecture's slice, where the table lies in the first bytes.
    for i in 0..count as usize {
        let Some(e) = head.get(8 + i * entry as usize..8 + (i + 1) * entry as usize) else {
            break;
        };
        let (offset, size) = if entry == 32 {
            (
                u64::from_be_bytes(e[8..16].try_into().ok()?),
                u64::from_be_bytes(e[16..24].try_into().ok()?),
            )
        } else {
            (
                u64::from(u32::from_be_bytes(e[8..12].try_into().ok()?)),
                u64::from(u32::from_be_bytes(e[12..16].try_into().ok()?)),
            )
        };
        if !fits(offset, 1, size, len) {
            return cut_off(&format!("architecture {}'s slice", i + 1), len);
        }
    }
    None
}

fn archive(head: &[u8], len: u64) -> Option<Overrun> {
    if len == 8 {
        return None; // an empty archive
    }
    let Some(member) = head.get(8..68) else {
        return cut_off("its first member's header", len);
    };
    if &member[58..60] != b"`\n" {
        return damaged("its first member's header does not end with \"`\\n\": not an archive, or damaged");
    }
    let size = std::str::from_utf8(&member[48..58])
        .ok()
        .and_then(|s| s.trim_end_matches(' ').parse::<u64>().ok());
    let Some(size) = size else {
        return damaged("its first member's size is not a decimal number: damaged");
    };
    // A thin archive holds its symbol and name tables; its other members lie elsewhere.
    let held = head.starts_with(b"!<arch>\n") || member.starts_with(b"/");
    if held && !fits(68, 1, size, len) {
        return cut_off("its first member", len);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::overrun;

    #[test]
    fn a_signature_followed_by_nothing_it_declares_is_refused() {
        let zeros = |magic: &[u8]| {
            let mut v = magic.to_vec();
            v.resize(4096, 0);
            v
        };
        let huge = 1u64 << 31;
        for magic in [&b"\x7fELF"[..], b"MZ", b"!<arch>\n", b"!<thin>\n"] {
            assert!(overrun(&zeros(magic), huge).is_some(), "{magic:?}");
        }
        assert!(overrun(&zeros(b"\xcf\xfa\xed\xfe"), huge).is_some());
        assert!(overrun(&zeros(b"\x7fELF\x02\x01\x01"), huge).is_some());
        assert!(overrun(b"!<arch>\n", 8).is_none());
        assert!(overrun(b"text", 4).is_none());
    }

    #[test]
    fn tables_past_the_end_are_refused() {
        // An ELF64 header whose section table lies past the end.
        let mut elf = vec![0u8; 64];
        elf[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
        elf[16] = 3; // ET_DYN
        elf[40..48].copy_from_slice(&1000u64.to_le_bytes());
        elf[58..60].copy_from_slice(&64u16.to_le_bytes());
        elf[60..62].copy_from_slice(&3u16.to_le_bytes());
        assert!(overrun(&elf, 1000 + 3 * 64).is_none());
        assert!(overrun(&elf, 1000 + 3 * 64 - 1)
            .unwrap()
            .to_string()
            .contains("section header table"));
        // An archive whose first member is longer than the file.
        let mut ar = b"!<arch>\n".to_vec();
        ar.extend_from_slice(
            format!("{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n", "a.o/", 0, 0, 0, 644, 100).as_bytes(),
        );
        assert!(overrun(&ar, 168).is_none());
        assert!(overrun(&ar, 167).unwrap().to_string().contains("first member"));
    }
}
