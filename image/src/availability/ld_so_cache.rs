//! glibc's `/etc/ld.so.cache`, as `ld.so` reads it (glibc `sysdeps/generic/dl-cache.h` and
//! `elf/dl-cache.c`; the per-architecture ids from `sysdeps/unix/sysv/linux/*/dl-cache.h`).
//!
//! Read by hand: no maintained crate reads this format, and the part `ld.so` uses is a header,
//! a table of fixed-size entries and a string table. Only the "new" format
//! (`glibc-ld.so.cache1.1`, alone or after the old `ld.so-1.7.0` table, which glibc 2.32 and
//! later no longer write) is read; the old table alone carries no architecture and is ignored.

use std::path::PathBuf;

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

/// `FLAG_ELF_LIBC6`: an ELF library for glibc (the low byte of an entry's flags).
const FLAG_ELF_LIBC6: i32 = 0x0003;
/// The flags `ld.so` takes for an architecture (`_DL_CACHE_DEFAULT_ID` and
/// `_dl_cache_check_flags`): `FLAG_ELF_LIBC6` with the architecture's `FLAG_*` bits
/// (`FLAG_X8664_LIB64` 0x0300, `FLAG_AARCH64_LIB64` 0x0a00, `FLAG_ARM_LIBHF` 0x0900; i386 has
/// none and also takes the bare `FLAG_ELF` 1).
fn flags_for(arch: &str) -> &'static [i32] {
    match arch {
        "x86_64" => &[0x0300 | FLAG_ELF_LIBC6],
        "aarch64" => &[0x0a00 | FLAG_ELF_LIBC6],
        "arm" => &[0x0900 | FLAG_ELF_LIBC6],
        "x86" => &[1, FLAG_ELF_LIBC6],
        _ => &[],
    }
}

/// One entry of the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntry {
    /// The name looked up (a soname: `libz.so.1`).
    pub name: String,
    /// The library's path on the machine the cache describes.
    pub path: PathBuf,
    /// The entry's flags (file type and architecture).
    pub flags: i32,
    /// The entry's hardware capabilities (`glibc-hwcaps` subfolders); 0 for a plain entry.
    pub hwcap: u64,
}

impl CacheEntry {
    /// Whether `ld.so` of `arch` takes this entry.
    pub fn is_for(&self, arch: &str) -> bool {
        flags_for(arch).contains(&self.flags)
    }
}

/// The error for a loader cache that cannot be read (`AOTI0505`), saying why.
fn cache_error(why: String) -> crate::diag::Error {
    crate::diag::Error::new(crate::diag::codes::BAD_FORMAT, why)
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
fn str_at(data: &[u8], at: usize) -> Option<String> {
    let rest = data.get(at..)?;
    let end = rest.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// Where the new-format table starts: at 0, or after the old table (aligned to 8).
fn new_table_start(data: &[u8]) -> crate::diag::Result<usize> {
    if data.starts_with(MAGIC_NEW) {
        return Ok(0);
    }
    if !data.starts_with(MAGIC_OLD) {
        return Err(cache_error(
            "not an ld.so.cache (no glibc-ld.so.cache1.1 or ld.so-1.7.0 magic)".into(),
        ));
    }
    // `struct cache_file`: the 11-byte magic, `nlibs` aligned to 4 (offset 12), the entries at 16.
    let n = u32_at(data, 12).ok_or_else(|| cache_error("truncated in the old header".into()))?;
    let end = (n as usize)
        .checked_mul(ENTRY_OLD)
        .and_then(|t| t.checked_add(16))
        .ok_or_else(|| cache_error(format!("old table of {n} entries does not fit")))?;
    let start = end.checked_add(7).map(|e| e & !7).unwrap_or(usize::MAX);
    if data.get(start..).is_some_and(|d| d.starts_with(MAGIC_NEW)) {
        Ok(start)
    } else {
        Err(cache_error(
            "old-format cache only (no architecture recorded): not read".into(),
        ))
    }
}

/// The magic of the extension directory (`cache_extension`, glibc 2.33 and later).
const EXTENSION_MAGIC: u32 = 0xEAA4_2174;

/// Checks that the extension directory the header points at (if any) and its sections lie
/// inside the file: its contents (the `glibc-hwcaps` subfolder names) are not needed here.
fn check_extensions(table: &[u8]) -> crate::diag::Result<()> {
    let at = u32_at(table, 32).unwrap_or(0) as usize;
    if at == 0 {
        return Ok(());
    }
    let truncated = || {
        cache_error(format!(
            "truncated: the extension directory at byte {at} does not fit in {} bytes",
            table.len()
        ))
    };
    let magic = u32_at(table, at).ok_or_else(truncated)?;
    if magic != EXTENSION_MAGIC {
        return Err(cache_error(format!(
            "byte {at}: not an extension directory (magic {magic:#x})"
        )));
    }
    let count = u32_at(table, at + 4).ok_or_else(truncated)? as usize;
    for i in 0..count.min(1 << 16) {
        // `cache_extension_section`: tag, flags, offset, size (u32 each).
        let s = at + 8 + i * 16;
        let (Some(offset), Some(size)) = (u32_at(table, s + 8), u32_at(table, s + 12)) else {
            return Err(truncated());
        };
        if (offset as usize).saturating_add(size as usize) > table.len() {
            return Err(cache_error(format!(
                "truncated: extension section {i} ends at byte {}, the file at {}",
                offset as u64 + size as u64,
                table.len()
            )));
        }
    }
    Ok(())
}

/// Every entry of a cache file, in the file's order (little-endian caches only, as the
/// architectures aotinterop targets write them).
pub fn parse(data: &[u8]) -> crate::diag::Result<Vec<CacheEntry>> {
    let base = new_table_start(data)?;
    let table = &data[base..];
    if table.len() < HEADER_NEW {
        return Err(cache_error(format!(
            "truncated: {} bytes, the header needs {HEADER_NEW}",
            table.len()
        )));
    }
    let nlibs = u32_at(table, 20).unwrap_or(0) as usize;
    let fits = nlibs
        .checked_mul(ENTRY_NEW)
        .and_then(|t| t.checked_add(HEADER_NEW))
        .is_some_and(|end| end <= table.len());
    if !fits {
        return Err(cache_error(format!(
            "truncated: {nlibs} entries do not fit in {} bytes",
            table.len()
        )));
    }
    let len_strings = u32_at(table, 24).unwrap_or(0) as usize;
    let strings_end = (HEADER_NEW + nlibs * ENTRY_NEW).saturating_add(len_strings);
    if strings_end > table.len() {
        return Err(cache_error(format!(
            "truncated: the string table ends at byte {strings_end}, the file at {}",
            table.len()
        )));
    }
    check_extensions(table)?;
    let strings = &table[..strings_end];
    let mut out = Vec::with_capacity(nlibs);
    for i in 0..nlibs {
        let e = HEADER_NEW + i * ENTRY_NEW;
        let flags = u32_at(table, e).unwrap_or(0) as i32;
        let key = u32_at(table, e + 4).unwrap_or(0) as usize;
        let value = u32_at(table, e + 8).unwrap_or(0) as usize;
        let hwcap = u64_at(table, e + 16).unwrap_or(0);
        // String offsets count from the start of the new-format table (dl-cache.c).
        let (Some(name), Some(path)) = (str_at(strings, key), str_at(strings, value)) else {
            return Err(cache_error(format!(
                "entry {i}: a string offset is outside the file"
            )));
        };
        out.push(CacheEntry {
            name,
            path: PathBuf::from(path),
            flags,
            hwcap,
        });
    }
    Ok(out)
}

/// The path `ld.so` of `arch` takes for `name`: the first entry for it without hardware
/// capabilities (entries in `glibc-hwcaps` subfolders depend on the CPU and are passed over).
pub fn lookup<'a>(entries: &'a [CacheEntry], name: &str, arch: &str) -> Option<&'a CacheEntry> {
    entries
        .iter()
        .find(|e| e.name == name && e.hwcap == 0 && e.is_for(arch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_caches_are_errors_not_panics() {
        assert!(parse(b"").is_err());
        assert!(parse(b"glibc-ld.so.cache1.1")
            .unwrap_err()
            .diagnostic()
            .message
            .contains("truncated"));
        let mut header = MAGIC_NEW.to_vec();
        header.resize(HEADER_NEW, 0);
        header[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&header)
            .unwrap_err()
            .diagnostic()
            .message
            .contains("do not fit"));
        let mut old = MAGIC_OLD.to_vec();
        old.push(0);
        old.extend(0u32.to_le_bytes());
        assert!(parse(&old)
            .unwrap_err()
            .diagnostic()
            .message
            .contains("old-format"));
        // The old table (one 12-byte entry) then the new one, 8-aligned at 32: read as new.
        let mut both = MAGIC_OLD.to_vec();
        both.push(0);
        both.extend(1u32.to_le_bytes());
        both.extend([0u8; 12]);
        both.resize(32, 0);
        let mut new = MAGIC_NEW.to_vec();
        new.resize(HEADER_NEW, 0);
        both.extend(new);
        assert_eq!(parse(&both), Ok(Vec::new()));
    }
}
