//! An entry point looked up in the loaded library's own GNU hash table, giving exactly what
//! glibc's `dlsym(handle, name)` gives whenever the library itself defines the name plainly,
//! for a fifth of its cost (no error-catching frame, no loader lock, no caller lookup).
//!
//! `dlsym` searches the handle's local scope, whose first object is the library itself, and
//! accepts the first symbol there that glibc's `check_match` and `do_lookup_x`
//! (`elf/dl-lookup.c`) accept. This module follows those rules for that first object and answers
//! `None` ("ask `dlsym`") for everything it does not reproduce: a name the library does not
//! define itself (it may come from a dependency), weak definitions (`LD_DYNAMIC_WEAK` makes glibc
//! prefer a dependency's global one), GNU indirect functions, TLS, unique and absolute symbols,
//! hidden or protected visibility, a library without a GNU hash table, a load bias that wrapped,
//! and
//! the `RTLD_DEFAULT`/`RTLD_NEXT` pseudo-handles a resolver callback may hand back. The caller
//! then asks `dlsym`, so every answer is `dlsym`'s. (`tests/gnu_hash_lookup.rs` checks this
//! against `dlsym` for every exported name of real libraries.) One difference is documented in
//! docs/runtime.md: `LD_AUDIT` auditors' `la_symbind` hook is not told of these lookups.
//!
//! Written by hand: the runtime is `no_std` and reads the tables of a library already mapped
//! by the loader, which no ELF crate does without allocating or re-parsing the file.

use super::seqlock::SeqWords;
use core::ffi::{c_char, c_void};

/// `struct link_map`'s public head (`<link.h>`): what a glibc `dlopen` handle points to.
#[repr(C)]
struct LinkMap {
    l_addr: usize,
    _l_name: *const c_char,
    l_ld: *const Dyn,
}

/// `ElfW(Dyn)`.
#[repr(C)]
struct Dyn {
    d_tag: isize,
    d_val: usize,
}

/// `ElfW(Sym)`.
#[cfg(target_pointer_width = "64")]
#[repr(C)]
struct Sym {
    st_name: u32,
    st_info: u8,
    st_other: u8,
    st_shndx: u16,
    st_value: u64,
    _st_size: u64,
}

/// `ElfW(Sym)`.
#[cfg(target_pointer_width = "32")]
#[repr(C)]
struct Sym {
    st_name: u32,
    st_value: u32,
    _st_size: u32,
    st_info: u8,
    st_other: u8,
    st_shndx: u16,
}

const DT_NULL: isize = 0;
const DT_STRTAB: isize = 5;
const DT_SYMTAB: isize = 6;
const DT_GNU_HASH: isize = 0x6fff_fef5;
const DT_VERSYM: isize = 0x6fff_fff0;
const DT_VERDEF: isize = 0x6fff_fffc;
const DT_VERNEED: isize = 0x6fff_fffe;

const STT_NOTYPE: u8 = 0;
const STT_OBJECT: u8 = 1;
const STT_FUNC: u8 = 2;
const STT_COMMON: u8 = 5;
const STB_GLOBAL: u8 = 1;
const STV_DEFAULT: u8 = 0;
const SHN_UNDEF: u16 = 0;
const SHN_ABS: u16 = 0xfff1;

/// Bits of a bloom-filter word (`__ELF_NATIVE_CLASS`).
const WORD_BITS: u32 = usize::BITS;

/// The tables of one loaded library, as addresses in this process.
#[derive(Clone, Copy)]
struct Tables {
    base: usize,
    gnu_hash: *const u32,
    symtab: *const Sym,
    strtab: *const u8,
    versym: *const u16,
}

/// The library's tables from its dynamic section. glibc rewrites the pointer entries of a
/// writable dynamic section to run-time addresses when it loads the library, and leaves a
/// read-only one as link-time addresses: an entry below the load bias is the latter.
///
/// # Safety
/// `map` must be a glibc `dlopen` handle of a library that stays loaded.
unsafe fn tables(map: *const LinkMap) -> Option<Tables> {
    // SAFETY: a dlopen handle points to the library's link map, whose head is public ABI.
    let (base, mut d) = unsafe { ((*map).l_addr, (*map).l_ld) };
    if d.is_null() {
        return None;
    }
    let (mut gnu_hash, mut symtab, mut strtab, mut versym, mut versioned) = (0, 0, 0, 0, false);
    loop {
        // SAFETY: the dynamic section ends with DT_NULL.
        let (tag, val) = unsafe { ((*d).d_tag, (*d).d_val) };
        match tag {
            DT_NULL => break,
            DT_GNU_HASH => gnu_hash = val,
            DT_SYMTAB => symtab = val,
            DT_STRTAB => strtab = val,
            DT_VERSYM => versym = val,
            DT_VERDEF | DT_VERNEED => versioned = true,
            _ => {}
        }
        // SAFETY: still inside the section (the terminator is not passed).
        d = unsafe { d.add(1) };
    }
    if gnu_hash == 0 || symtab == 0 || strtab == 0 {
        return None;
    }
    // The dynamic section itself lies at `base` + its link-time address: below `base` only
    // when the load bias wrapped (an object linked above where it was loaded), where the test
    // below cannot tell the two kinds of entry apart; dlsym answers then.
    if (d as usize) < base {
        return None;
    }
    let at = |p: usize| if p < base { p.wrapping_add(base) } else { p };
    Some(Tables {
        base,
        gnu_hash: at(gnu_hash) as *const u32,
        symtab: at(symtab) as *const Sym,
        strtab: at(strtab) as *const u8,
        // glibc keeps the version table only for a library with version definitions or needs
        // (`_dl_check_map_versions`).
        versym: if versym != 0 && versioned {
            at(versym) as *const u16
        } else {
            core::ptr::null()
        },
    })
}

/// The handle and tables of the library looked up last: a run of first calls into one library
/// reads its dynamic section once. A published handle is never closed (and a resolver
/// callback's must stay loaded as long as its imports may bind), so an entry never goes stale.
static LAST: SeqWords<6> = SeqWords::new();

/// The tables of `handle`, from [`LAST`] or its dynamic section.
///
/// # Safety
/// As [`tables`].
unsafe fn tables_of(handle: *mut c_void) -> Option<Tables> {
    if let Some([h, base, gnu_hash, symtab, strtab, versym]) = LAST.try_get() {
        if h == handle as usize {
            return Some(Tables {
                base,
                gnu_hash: gnu_hash as *const u32,
                symtab: symtab as *const Sym,
                strtab: strtab as *const u8,
                versym: versym as *const u16,
            });
        }
    }
    // SAFETY: as the caller promises.
    let t = unsafe { tables(handle as *const LinkMap) }?;
    // Not kept if another thread (or this one, interrupted) is storing: the next lookup reads
    // the dynamic section again.
    LAST.try_set([
        handle as usize,
        t.base,
        t.gnu_hash as usize,
        t.symtab as usize,
        t.strtab as usize,
        t.versym as usize,
    ]);
    Some(t)
}

/// The GNU hash of `name` (NUL-terminated), and its length.
///
/// # Safety
/// `name` must be NUL-terminated.
unsafe fn hash(name: *const c_char) -> (u32, usize) {
    let mut h: u32 = 5381;
    let mut n = 0;
    loop {
        // SAFETY: up to and including the NUL.
        let c = unsafe { *name.cast::<u8>().add(n) };
        if c == 0 {
            return (h, n);
        }
        h = h.wrapping_mul(33).wrapping_add(u32::from(c));
        n += 1;
    }
}

/// Whether the NUL-terminated string at `s` is `name` (`len` bytes before its NUL).
///
/// # Safety
/// `s` and `name` must be NUL-terminated.
unsafe fn same_name(s: *const u8, name: *const c_char, len: usize) -> bool {
    // `len + 1` bytes, the NUL included (an exclusive range: `0..=len` costs more per byte).
    for i in 0..len + 1 {
        // SAFETY: `name` has `len` bytes and a NUL; `s` stops at its own NUL, at which point
        // the two differ or both end.
        if unsafe { *s.add(i) != *name.cast::<u8>().add(i) } {
            return false;
        }
    }
    true
}

/// The address `dlsym(handle, name)` returns, when the library of `handle` defines `name`
/// itself as a plain function or object; `None` when `dlsym` must be asked.
///
/// # Safety
/// `handle` must be a glibc `dlopen` handle (or one of the pseudo-handles) of a library that
/// stays loaded; `name` must be NUL-terminated.
pub unsafe fn lookup(handle: *mut c_void, name: *const c_char) -> Option<usize> {
    // RTLD_DEFAULT (0) and RTLD_NEXT (-1) search other objects: dlsym's business.
    if handle.is_null() || handle as isize == -1 {
        return None;
    }
    // SAFETY: a dlopen handle of a loaded library, as the caller promises.
    let t = unsafe { tables_of(handle) }?;
    // SAFETY: the tables are the loaded library's, laid out as the ELF gABI and the GNU hash
    // format say; every index below comes from them.
    unsafe {
        let (h, len) = hash(name);
        let nbuckets = *t.gnu_hash;
        let symoffset = *t.gnu_hash.add(1);
        let bloom_size = *t.gnu_hash.add(2);
        let bloom_shift = *t.gnu_hash.add(3);
        if nbuckets == 0 || bloom_size == 0 {
            return None;
        }
        let bloom = t.gnu_hash.add(4) as *const usize;
        let word = *bloom.add(((h / WORD_BITS) & (bloom_size - 1)) as usize);
        if (word >> (h % WORD_BITS)) & (word >> ((h >> bloom_shift) % WORD_BITS)) & 1 == 0 {
            return None;
        }
        let buckets = bloom.add(bloom_size as usize) as *const u32;
        let mut idx = *buckets.add((h % nbuckets) as usize);
        if idx == 0 || idx < symoffset {
            return None;
        }
        let chain = buckets.add(nbuckets as usize);
        // check_match: the first unversioned (or base-version) match is taken at once; a
        // non-hidden versioned one only if it is the only one.
        let mut versioned: Option<&Sym> = None;
        let mut versions = 0;
        let found = loop {
            let ch = *chain.add((idx - symoffset) as usize);
            if (ch ^ h) >> 1 == 0 {
                let sym = &*t.symtab.add(idx as usize);
                let stt = sym.st_info & 0xf;
                let plain = (sym.st_value != 0 || sym.st_shndx == SHN_ABS || stt == 6)
                    && (1u32 << stt) & ALLOWED_STT != 0;
                if plain && same_name(t.strtab.add(sym.st_name as usize), name, len) {
                    let ver = if t.versym.is_null() {
                        0
                    } else {
                        *t.versym.add(idx as usize)
                    };
                    if ver & 0x7fff < 2 {
                        break Some(sym);
                    }
                    if ver & 0x8000 == 0 {
                        versions += 1;
                        if versions == 1 {
                            versioned = Some(sym);
                        }
                    }
                }
            }
            if ch & 1 != 0 {
                break if versions == 1 { versioned } else { None };
            }
            idx += 1;
        }?;
        // do_lookup_x and do_sym: what is left is a plain global or weak definition of
        // default visibility; anything else goes to dlsym.
        let bind = found.st_info >> 4;
        let stt = found.st_info & 0xf;
        let simple_type = matches!(stt, STT_NOTYPE | STT_OBJECT | STT_FUNC | STT_COMMON);
        // A weak definition is dlsym's answer too, unless LD_DYNAMIC_WEAK makes glibc look on
        // for a global one in the dependencies: left to dlsym, which knows.
        if !simple_type
            || bind != STB_GLOBAL
            || found.st_other & 3 != STV_DEFAULT
            || found.st_shndx == SHN_UNDEF
            || found.st_shndx == SHN_ABS
        {
            return None;
        }
        Some(t.base.wrapping_add(found.st_value as usize))
    }
}

/// The symbol types glibc's `check_match` lets through: NOTYPE, OBJECT, FUNC, COMMON, TLS (6)
/// and GNU_IFUNC (10). The last two pass the match (as in glibc, so that a versioned TLS or
/// IFUNC symbol counts among the versions) and are then handed to dlsym.
const ALLOWED_STT: u32 =
    (1 << STT_NOTYPE) | (1 << STT_OBJECT) | (1 << STT_FUNC) | (1 << STT_COMMON) | (1 << 6) | (1 << 10);
