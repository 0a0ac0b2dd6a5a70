//! glibc's `/etc/ld.so.cache` of a sysroot, read by [`aotinterop_model::ld_so_cache`] (the
//! reader the lazy resolver uses too) into owned entries.

use aotinterop_model::ld_so_cache::{flags_for, LdSoCache};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

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
    pub fn is_for(&self, arch: crate::ImageArch) -> bool {
        flags_for(&arch.name()).contains(&self.flags)
    }
}

/// Every entry of a cache file, in the file's order; a cache that cannot be read is an error
/// (`AOTI0505`) saying why.
pub fn parse(data: &[u8]) -> crate::diag::Result<Vec<CacheEntry>> {
    let error = |fault: aotinterop_model::ld_so_cache::CacheFault| {
        crate::diag::Error::new(crate::diag::codes::BAD_FORMAT, fault.to_string())
    };
    let cache = LdSoCache::parse(data).map_err(error)?;
    cache
        .entries()
        .map(|e| {
            let e = e.map_err(error)?;
            Ok(CacheEntry {
                name: String::from_utf8_lossy(e.name).into_owned(),
                path: PathBuf::from(std::ffi::OsStr::from_bytes(e.path)),
                flags: e.flags,
                hwcap: e.hwcap,
            })
        })
        .collect()
}

/// The path `ld.so` of `arch` takes for `name`: the first entry for it without hardware
/// capabilities (entries in `glibc-hwcaps` subfolders depend on the CPU and are passed over).
pub fn lookup<'a>(entries: &'a [CacheEntry], name: &str, arch: crate::ImageArch) -> Option<&'a CacheEntry> {
    entries
        .iter()
        .find(|e| e.name == name && e.hwcap == 0 && e.is_for(arch))
}
