//! glibc's `/etc/ld.so.cache`, as `ld.so` reads it (glibc `sysdeps/generic/dl-cache.h` and
//! `elf/dl-cache.c`; the per-architecture ids from `sysdeps/unix/sysv/linux/*/dl-cache.h`):
//! read by `inspect --check` for a sysroot and by the lazy resolver, which looks a bare name up
//! itself when the loader's search path holds a folder it must not search.
//!
//! Read by hand: no maintained crate reads this format (and the resolver has no allocator),
//! and the part `ld.so` uses is a header, a table of fixed-size entries and a string table.
//! Only the "new" format (`glibc-ld.so.cache1.1`, alone or after the old `ld.so-1.7.0` table,
//! which glibc 2.32 and later no longer write) is read; the old table alone carries no
//! architecture and is not read.

use core::fmt;

/// The magic and version of the new format.
const MAGIC_NEW: &[u8] = b"glibc-ld.so.cache1.1";
/// The magic of the old format.
const MAGIC_OLD: &[u8] = b"ld.so-1.7.0";
/// Header of the new format: magic and version (20), `nlibs`, `len_strings`, `flags` and
/// padding, `extension_offset`, three unused words.
const HEADER_NEW: usize = 48;
/// One new-format entry: `flags`, `key`, `value`, `osversion` (u32 each), `hwcap` (u64).
const ENTRY_NEW: usize = 24;
/// One old-format entry: `flags`, `key`, `value`.
const ENTRY_OLD: usize = 12;
/// The magic of the extension directory (`cache_extension`, glibc 2.33 and later).
const EXTENSION_MAGIC: u32 = 0xEAA4_2174;

/// `FLAG_ELF_LIBC6`: an ELF library for glibc (the low byte of an entry's flags).
const FLAG_ELF_LIBC6: i32 = 0x0003;

/// The flags `ld.so` of `arch` (Rust's `target_arch` names) takes (`_DL_CACHE_DEFAULT_ID` and
/// `_dl_cache_check_flags`): `FLAG_ELF_LIBC6` with the architecture's `FLAG_*` bits
/// (`FLAG_X8664_LIB64` 0x0300, `FLAG_AARCH64_LIB64` 0x0a00, `FLAG_ARM_LIBHF` 0x0900; i386 has
/// none and also takes the bare `FLAG_ELF` 1).
pub fn flags_for(arch: &str) -> &'static [i32] {
    match arch {
        "x86_64" => &[0x0300 | FLAG_ELF_LIBC6],
        "aarch64" => &[0x0a00 | FLAG_ELF_LIBC6],
        "arm" => &[0x0900 | FLAG_ELF_LIBC6],
        "x86" => &[1, FLAG_ELF_LIBC6],
        _ => &[],
    }
}

/// Why a cache cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheFault {
    /// Neither magic.
    NoMagic,
    /// The old table only.
    OldOnly,
    /// The old table's count runs past any size.
    OldTableTooBig(u32),
    /// The old header is cut.
    OldHeaderCut,
    /// The new header is cut: the bytes there are.
    HeaderCut(usize),
    /// `nlibs` entries do not fit in the table's bytes.
    EntriesDoNotFit(usize, usize),
    /// The string table ends past the table's bytes.
    StringsPastEnd(usize, usize),
    /// The extension directory at this offset does not fit.
    ExtensionCut(usize, usize),
    /// No extension directory at this offset (the magic found).
    NotExtension(usize, u32),
    /// Extension section `i` ends past the table.
    SectionPastEnd(usize, u64, usize),
    /// Entry `i` names a string outside the file.
    StringOutside(usize),
}

impl fmt::Display for CacheFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NoMagic => f.write_str("not an ld.so.cache (no glibc-ld.so.cache1.1 or ld.so-1.7.0 magic)"),
            Self::OldOnly => f.write_str("old-format cache only (no architecture recorded): not read"),
            Self::OldTableTooBig(n) => write!(f, "old table of {n} entries does not fit"),
            Self::OldHeaderCut => f.write_str("truncated in the old header"),
            Self::HeaderCut(len) => write!(f, "truncated: {len} bytes, the header needs {HEADER_NEW}"),
            Self::EntriesDoNotFit(n, len) => write!(f, "truncated: {n} entries do not fit in {len} bytes"),
            Self::StringsPastEnd(end, len) => {
                write!(
                    f,
                    "truncated: the string table ends at byte {end}, the file at {len}"
                )
            }
            Self::ExtensionCut(at, len) => write!(
                f,
                "truncated: the extension directory at byte {at} does not fit in {len} bytes"
            ),
            Self::NotExtension(at, magic) => {
                write!(f, "byte {at}: not an extension directory (magic {magic:#x})")
            }
            Self::SectionPastEnd(i, end, len) => {
                write!(
                    f,
                    "truncated: extension section {i} ends at byte {end}, the file at {len}"
                )
            }
            Self::StringOutside(i) => write!(f, "entry {i}: a string offset is outside the file"),
        }
    }
}

/// One entry of the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheEntry<'a> {
    /// The name looked up (a soname: `libz.so.1`).
    pub name: &'a [u8],
    /// The library's path on the machine the cache describes.
    pub path: &'a [u8],
    /// The entry's flags (file type and architecture).
    pub flags: i32,
    /// The entry's hardware capabilities (`glibc-hwcaps` subfolders); 0 for a plain entry.
    pub hwcap: u64,
}

/// A cache whose header, entry table and string table were checked against its size.
#[derive(Clone, Copy, Debug)]
pub struct LdSoCache<'a> {
    /// The new-format table, up to the end of its strings.
    table: &'a [u8],
    nlibs: usize,
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        data.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        data.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// The NUL-terminated string at `at`.
fn str_at(data: &[u8], at: usize) -> Option<&[u8]> {
    let rest = data.get(at..)?;
    Some(&rest[..rest.iter().position(|&b| b == 0)?])
}

/// Where the new-format table starts: at 0, or after the old table (aligned to 8).
fn new_table_start(data: &[u8]) -> Result<usize, CacheFault> {
    if data.starts_with(MAGIC_NEW) {
        return Ok(0);
    }
    if !data.starts_with(MAGIC_OLD) {
        return Err(CacheFault::NoMagic);
    }
    // `struct cache_file`: the 11-byte magic, `nlibs` aligned to 4 (offset 12), the entries at 16.
    let n = u32_at(data, 12).ok_or(CacheFault::OldHeaderCut)?;
    let end = (n as usize)
        .checked_mul(ENTRY_OLD)
        .and_then(|t| t.checked_add(16))
        .ok_or(CacheFault::OldTableTooBig(n))?;
    let start = end.checked_add(7).map(|e| e & !7).unwrap_or(usize::MAX);
    match data.get(start..).is_some_and(|d| d.starts_with(MAGIC_NEW)) {
        true => Ok(start),
        false => Err(CacheFault::OldOnly),
    }
}

/// Checks that the extension directory the header points at (if any) and its sections lie
/// inside the file: their contents (the `glibc-hwcaps` subfolder names) are not needed here.
fn check_extensions(table: &[u8]) -> Result<(), CacheFault> {
    let at = u32_at(table, 32).unwrap_or(0) as usize;
    if at == 0 {
        return Ok(());
    }
    let cut = CacheFault::ExtensionCut(at, table.len());
    let magic = u32_at(table, at).ok_or(cut)?;
    if magic != EXTENSION_MAGIC {
        return Err(CacheFault::NotExtension(at, magic));
    }
    let count = u32_at(table, at + 4).ok_or(cut)? as usize;
    for i in 0..count.min(1 << 16) {
        // `cache_extension_section`: tag, flags, offset, size (u32 each).
        let s = at + 8 + i * 16;
        let (Some(offset), Some(size)) = (u32_at(table, s + 8), u32_at(table, s + 12)) else {
            return Err(cut);
        };
        if (offset as usize).saturating_add(size as usize) > table.len() {
            let end = offset as u64 + size as u64;
            return Err(CacheFault::SectionPastEnd(i, end, table.len()));
        }
    }
    Ok(())
}

impl<'a> LdSoCache<'a> {
    /// Checks a cache file's header and tables against its size (little-endian caches only,
    /// as the architectures aotinterop targets write them).
    pub fn parse(data: &'a [u8]) -> Result<Self, CacheFault> {
        let table = &data[new_table_start(data)?..];
        if table.len() < HEADER_NEW {
            return Err(CacheFault::HeaderCut(table.len()));
        }
        let nlibs = u32_at(table, 20).unwrap_or(0) as usize;
        let fits = nlibs
            .checked_mul(ENTRY_NEW)
            .and_then(|t| t.checked_add(HEADER_NEW))
            .is_some_and(|end| end <= table.len());
        if !fits {
            return Err(CacheFault::EntriesDoNotFit(nlibs, table.len()));
        }
        let len_strings = u32_at(table, 24).unwrap_or(0) as usize;
        let strings_end = (HEADER_NEW + nlibs * ENTRY_NEW).saturating_add(len_strings);
        if strings_end > table.len() {
            return Err(CacheFault::StringsPastEnd(strings_end, table.len()));
        }
        check_extensions(table)?;
        Ok(Self {
            table: &table[..strings_end],
            nlibs,
        })
    }

    /// Every entry, in the file's order; an entry whose strings lie outside the file is an error.
    pub fn entries(&self) -> impl Iterator<Item = Result<CacheEntry<'a>, CacheFault>> + 'a {
        let table = self.table;
        (0..self.nlibs).map(move |i| {
            let e = HEADER_NEW + i * ENTRY_NEW;
            let word = |at: usize| u32_at(table, e + at).unwrap_or(0) as usize;
            // String offsets count from the start of the new-format table (dl-cache.c).
            match (str_at(table, word(4)), str_at(table, word(8))) {
                (Some(name), Some(path)) => Ok(CacheEntry {
                    name,
                    path,
                    flags: word(0) as i32,
                    hwcap: u64_at(table, e + 16).unwrap_or(0),
                }),
                _ => Err(CacheFault::StringOutside(i)),
            }
        })
    }

    /// The path `ld.so` taking the entry flags `flags` ([`flags_for`]) finds for `name`: the
    /// first entry for it without hardware capabilities (entries in `glibc-hwcaps` subfolders
    /// depend on the CPU and are passed over). Broken entries are passed over.
    pub fn lookup(&self, name: &[u8], flags: &[i32]) -> Option<&'a [u8]> {
        self.entries()
            .filter_map(Result::ok)
            .find(|e| e.name == name && e.hwcap == 0 && flags.contains(&e.flags))
            .map(|e| e.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_caches_are_errors_not_panics() {
        assert_eq!(LdSoCache::parse(b"").unwrap_err(), CacheFault::NoMagic);
        assert_eq!(
            LdSoCache::parse(b"glibc-ld.so.cache1.1").unwrap_err(),
            CacheFault::HeaderCut(20)
        );
        let mut header = MAGIC_NEW.to_vec();
        header.resize(HEADER_NEW, 0);
        header[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            LdSoCache::parse(&header),
            Err(CacheFault::EntriesDoNotFit(..))
        ));
        let mut old = MAGIC_OLD.to_vec();
        old.push(0);
        old.extend(0u32.to_le_bytes());
        assert_eq!(LdSoCache::parse(&old).unwrap_err(), CacheFault::OldOnly);
        // The old table (one 12-byte entry) then the new one, 8-aligned at 32: read as new.
        let mut both = MAGIC_OLD.to_vec();
        both.push(0);
        both.extend(1u32.to_le_bytes());
        both.extend([0u8; 12]);
        both.resize(32, 0);
        let mut new = MAGIC_NEW.to_vec();
        new.resize(HEADER_NEW, 0);
        both.extend(new);
        assert_eq!(LdSoCache::parse(&both).unwrap().entries().count(), 0);
    }

    /// A one-entry cache: `name` → `path` under `flags`, and a string offset out of range.
    #[test]
    fn entries_and_lookup() {
        let mut c = MAGIC_NEW.to_vec();
        c.resize(HEADER_NEW, 0);
        c[20..24].copy_from_slice(&2u32.to_le_bytes());
        let strings = HEADER_NEW + 2 * ENTRY_NEW;
        let text = b"libz.so.1\0/opt/z/libz.so.1\0";
        c[24..28].copy_from_slice(&(text.len() as u32).to_le_bytes());
        for (flags, key, value) in [(0x303u32, strings, strings + 10), (0x303, strings, 9999)] {
            c.extend(flags.to_le_bytes());
            c.extend((key as u32).to_le_bytes());
            c.extend((value as u32).to_le_bytes());
            c.extend([0u8; 12]);
        }
        c.extend(text);
        let cache = LdSoCache::parse(&c).unwrap();
        assert_eq!(
            cache.lookup(b"libz.so.1", flags_for("x86_64")),
            Some(&b"/opt/z/libz.so.1"[..])
        );
        assert_eq!(cache.lookup(b"libz.so.1", flags_for("aarch64")), None);
        assert_eq!(cache.entries().nth(1), Some(Err(CacheFault::StringOutside(1))));
    }
}
