//! The Unix loader: `dlopen`/`dlsym`, `errno`, the image's own folder, stderr and abort: only
//! what libc and libdl provide (declared by the `libc` crate, used without its std support).
//!
//! Only `dlsym` and `errno`'s accessor, which every first call uses, are imports the loader
//! binds. The functions needed only to load a library or to report a failure are looked up by
//! name the first time one is needed ([`late`]): under `-z now` every import an image does not
//! otherwise have costs each process start a symbol lookup, and most starts never load a
//! library lazily.

use super::buf::PATH_SIZE;
#[cfg(not(target_env = "musl"))]
use aotinterop_model::lazy_rules::ld_path_elements;
use aotinterop_model::lazy_rules::{LdPathElement, GLIBC_HWCAPS, LEGACY_HWCAP_DEPTH, LEGACY_HWCAP_FOLDERS};
use core::ffi::{c_char, c_int, c_void, CStr};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The C library's functions bound on first use: `dlsym(RTLD_DEFAULT, name)` finds what the
/// loader would have bound (the first definition in the global scope). All are looked up
/// together, before the first `dlopen` or failed `dlsym`, so that looking up `dlerror` never
/// clears the error it is about to read.
pub(super) mod late {
    use super::*;

    /// The names, NUL-terminated, in the order of [`ADDRS`].
    pub(in super::super) const NAMES: [&[u8]; 21] = [
        b"dlopen\0",
        b"dlclose\0",
        b"dlerror\0",
        b"dladdr\0",
        b"realpath\0",
        b"readlink\0",
        b"write\0",
        b"abort\0",
        b"getenv\0",
        b"access\0",
        b"getauxval\0",
        b"stat\0",
        b"dl_iterate_phdr\0",
        b"dladdr1\0",
        b"dlinfo\0",
        b"open\0",
        b"read\0",
        b"close\0",
        b"mmap\0",
        b"munmap\0",
        b"fstat\0",
    ];
    static ADDRS: [AtomicUsize; 21] = [const { AtomicUsize::new(0) }; 21];
    static READY: AtomicBool = AtomicBool::new(false);

    /// Looks every function up, once (threads that race look them up alike).
    pub(super) fn ensure() {
        if READY.load(Ordering::Acquire) {
            return;
        }
        for (name, addr) in NAMES.iter().zip(&ADDRS) {
            // SAFETY: a NUL-terminated name; RTLD_DEFAULT searches the global scope.
            let a = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr().cast()) };
            addr.store(a as usize, Ordering::Relaxed);
        }
        READY.store(true, Ordering::Release);
    }

    /// The address of function `i` of [`NAMES`], 0 if the C library lacks it.
    fn address(i: usize) -> usize {
        ensure();
        ADDRS[i].load(Ordering::Relaxed)
    }

    macro_rules! late_bound {
        ($($(#[$attr:meta])* $i:literal: fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty, else $missing:expr;)*) => {$(
            /// The C library's function of this name, bound on first use; without it, the
            /// value after `else`.
            ///
            /// # Safety
            /// As the C function's.
            $(#[$attr])*
            pub(super) unsafe fn $name($($arg: $ty),*) -> $ret {
                match address($i) {
                    0 => $missing,
                    // SAFETY: the C library's function of this name, with its C signature.
                    f => unsafe {
                        core::mem::transmute::<usize, unsafe extern "C" fn($($ty),*) -> $ret>(f)($($arg),*)
                    },
                }
            }
        )*};
    }

    late_bound! {
        0: fn dlopen(path: *const c_char, flags: c_int) -> *mut c_void, else core::ptr::null_mut();
        1: fn dlclose(handle: *mut c_void) -> c_int, else 0;
        2: fn dlerror() -> *mut c_char, else core::ptr::null_mut();
        3: fn dladdr(addr: *const c_void, info: *mut libc::Dl_info) -> c_int, else 0;
        4: fn realpath(path: *const c_char, out: *mut c_char) -> *mut c_char, else core::ptr::null_mut();
        5: fn readlink(path: *const c_char, out: *mut c_char, size: usize) -> isize, else -1;
        6: fn write(fd: c_int, buf: *const c_void, count: usize) -> isize, else -1;
        8: fn getenv(name: *const c_char) -> *mut c_char, else core::ptr::null_mut();
        9: fn access(path: *const c_char, mode: c_int) -> c_int, else -1;
        10: fn getauxval(kind: core::ffi::c_ulong) -> core::ffi::c_ulong, else 0;
        // glibc exports `stat` itself from 2.33 on (before, only `__xstat`): older ones skip the check.
        11: fn stat(path: *const c_char, out: *mut libc::stat) -> c_int, else -1;
        12: fn dl_iterate_phdr(callback: super::PhdrCallback, data: *mut c_void) -> c_int, else 0;
        // glibc's: the link map of an address, and a library's origin folder.
        13: fn dladdr1(addr: *const c_void, info: *mut libc::Dl_info, extra: *mut *mut c_void, flags: c_int) -> c_int, else 0;
        14: fn dlinfo(handle: *mut c_void, request: c_int, info: *mut c_void) -> c_int, else -1;
        // `open` without a mode: never with O_CREAT.
        15: fn open(path: *const c_char, flags: c_int) -> c_int, else -1;
        16: fn read(fd: c_int, buf: *mut c_void, count: usize) -> isize, else -1;
        17: fn close(fd: c_int) -> c_int, else -1;
        // The loader cache's reader: glibc's only.
        #[cfg_attr(not(target_env = "gnu"), allow(dead_code))]
        18: fn mmap(addr: *mut c_void, len: usize, prot: c_int, flags: c_int, fd: c_int, offset: libc::off_t) -> *mut c_void, else libc::MAP_FAILED;
        #[cfg_attr(not(target_env = "gnu"), allow(dead_code))]
        19: fn munmap(addr: *mut c_void, len: usize) -> c_int, else -1;
        // As `stat`: glibc exports it from 2.33 on; older ones skip the loader cache.
        #[cfg_attr(not(target_env = "gnu"), allow(dead_code))]
        20: fn fstat(fd: c_int, out: *mut libc::stat) -> c_int, else -1;
    }

    /// `abort`; a trap where the C library has none.
    pub(super) fn abort() -> ! {
        if let f @ 1.. = address(7) {
            // SAFETY: the C library's `abort`, which does not return.
            unsafe { core::mem::transmute::<usize, unsafe extern "C" fn() -> !>(f)() }
        }
        trap()
    }

    #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
    fn trap() -> ! {
        // SAFETY: raises SIGILL.
        unsafe { core::arch::asm!("ud2", options(noreturn)) }
    }

    #[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
    fn trap() -> ! {
        // SAFETY: a permanently undefined instruction: raises SIGILL.
        unsafe { core::arch::asm!("udf #0", options(noreturn)) }
    }
}

/// A library handle as returned by `dlopen`.
pub type Handle = *mut c_void;

/// The C library's real file name. `libc.so` is a linker script on glibc systems, so .NET's
/// loader (`SystemNative_LoadLibrary`) maps the exact name `libc` to this file, and so do we.
pub const LIBC_FILE: &[u8] = if cfg!(target_os = "macos") {
    b"/usr/lib/libc.dylib\0"
} else if cfg!(target_os = "freebsd") {
    b"libc.so.7\0"
} else if cfg!(all(target_os = "linux", target_env = "gnu")) {
    b"libc.so.6\0"
} else {
    b"libc.so\0"
};

/// `dlerror`'s text, valid until the next `dl*` call of this thread.
fn dlerror_text() -> &'static [u8] {
    // SAFETY: dlerror returns NULL or a NUL-terminated string owned by the loader.
    let e = unsafe { late::dlerror() };
    if e.is_null() {
        b"unknown dlopen error"
    } else {
        // SAFETY: see above.
        unsafe { CStr::from_ptr(e) }.to_bytes()
    }
}

/// A loader error: `dlerror`'s text.
pub struct OsError(&'static [u8]);

impl OsError {
    /// The text.
    pub fn as_bytes(&self) -> &[u8] {
        self.0
    }
}

/// What the OS-loader step does with a bare file name (NUL-terminated): hand it to the loader
/// when the loader's search path holds only folders it may search, else search those itself
/// and hand the loader the path found. A folder the loader must not search is the current
/// directory by any name: an element that is empty (glibc and musl read one as `.`: what
/// `LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/x` gives when it was unset), relative, starting with
/// `$PLATFORM` or `$LIB` (glibc expands them to relative folders), or naming the current
/// directory by another name (`/proc/self/cwd`). With glibc the list is the loader's own
/// (`dlinfo(RTLD_DI_SERINFO)`: `ld.so --library-path` included, whatever the environment now
/// holds); elsewhere it is `LD_LIBRARY_PATH` as the process started and the image's own
/// `DT_RUNPATH`/`DT_RPATH`, and such a folder has the step refused when it holds the file. A
/// FIFO or device of that name in a folder searched has the step refused (`dlopen` would block).
pub fn bare_name_search(name: &[u8], out: &mut super::buf::Buf<PATH_SIZE>) -> super::BareName {
    late::ensure();
    let name = name.strip_suffix(b"\0").unwrap_or(name);
    if name.is_empty() {
        return super::BareName::Loader;
    }
    // `libc` is opened as the C library's file ([`open`]): searched for by that name too.
    let libc = LIBC_FILE.strip_suffix(b"\0").unwrap_or(LIBC_FILE);
    let name = if name == b"libc" && !libc.contains(&b'/') {
        libc
    } else {
        name
    };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if let Some(answer) = serinfo::search(name, out) {
        return answer;
    }
    let _ = out;
    match environment_refusal(name) {
        Some(r) => super::BareName::Refused(r),
        None => super::BareName::Loader,
    }
}

/// The refusal by `LD_LIBRARY_PATH` as the process started and the image's own search path,
/// where the loader's own list cannot be asked for.
fn environment_refusal(name: &[u8]) -> Option<super::Refusal> {
    let refusal =
        |own: bool| move |dir: &[u8]| element_refused(dir, name, own).then(|| super::Refusal::new(dir, own));
    let list = loader_library_path();
    // glibc searches the image's own search path for a `dlopen` it makes; musl the main
    // program's (`dlopen` loads on behalf of `head`), `$ORIGIN` its folder, and reads every
    // list its own way (no empty elements, no `;`).
    #[cfg(target_env = "musl")]
    {
        let elements = aotinterop_model::lazy_rules::musl_ld_path_elements;
        if let Some(r) = list.and_then(|list| elements(list).find_map(refusal(false))) {
            return Some(r);
        }
        let main = |dir: &[u8]| element_refused(dir, name, false).then(|| super::Refusal::new(dir, true));
        search_path_of(true).and_then(|list| elements(list).find_map(main))
    }
    #[cfg(not(target_env = "musl"))]
    {
        if let Some(r) = list.and_then(|list| ld_path_elements(list).find_map(refusal(false))) {
            return Some(r);
        }
        own_search_path().and_then(|list| ld_path_elements(list).find_map(refusal(true)))
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
/// Whether the loader may search the folder `dir` of its search path: an absolute folder that
/// is not the current directory by another name.
fn searchable(dir: &[u8]) -> bool {
    let mut path = super::buf::Buf::<PATH_SIZE>::new();
    path.push(dir);
    LdPathElement::of(dir) == LdPathElement::Absolute
        && !path.overflowed()
        && !folder_through_current_directory(&path)
}

/// Whether `dir` is one of glibc's built-in system folders (`SYSTEM_DIRS`: `/lib`, `/usr/lib`,
/// their `64`/`32`/`x32` forms and multiarch folders such as `/usr/lib/x86_64-linux-gnu`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn is_system_folder(dir: &[u8]) -> bool {
    let dir = dir.strip_suffix(b"/").unwrap_or(dir);
    let rest = dir.strip_prefix(b"/usr").unwrap_or(dir);
    match rest.strip_prefix(b"/lib") {
        Some(b"" | b"64" | b"32" | b"x32") => true,
        Some(multiarch) => multiarch
            .strip_prefix(b"/")
            .is_some_and(|t| !t.contains(&b'/') && t.windows(7).any(|w| w == b"-linux-")),
        None => false,
    }
}

/// `dir` without trailing slashes (the root kept).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trimmed(mut dir: &[u8]) -> &[u8] {
    while dir.len() > 1 && dir.ends_with(b"/") {
        dir = &dir[..dir.len() - 1];
    }
    dir
}

/// Whether the folder `dir` of the loader's list is one the image's own `DT_RUNPATH` (or
/// `DT_RPATH`) names, `$ORIGIN` expanded.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn in_own_search_path(dir: &[u8]) -> bool {
    let dir = trimmed(dir);
    let mut scratch = [0u8; PATH_SIZE];
    let origin = image_dir(&mut scratch);
    let Some(list) = own_search_path() else {
        return false;
    };
    ld_path_elements(list).any(|e| {
        let mut path = super::buf::Buf::<PATH_SIZE>::new();
        match (LdPathElement::of(e), origin) {
            (LdPathElement::Origin, Some(origin)) => {
                let rest = e
                    .strip_prefix(b"${ORIGIN}")
                    .or_else(|| e.strip_prefix(b"$ORIGIN"));
                path.push(origin).push(rest.unwrap_or_default())
            }
            _ => path.push(e),
        };
        trimmed(path.as_bytes()) == dir
    })
}

/// glibc's own search list, and the resolver's search by it when it holds a folder the loader
/// must not search.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod serinfo {
    use super::super::buf::Buf;
    use super::super::{BareName, Refusal};
    use super::{late, searchable, PATH_SIZE};
    use core::ffi::{c_char, c_uint, c_void, CStr};

    const RTLD_DL_LINKMAP: core::ffi::c_int = 2;
    /// `DF_1_NODEFLIB` of `DT_FLAGS_1`.
    const DF_1_NODEFLIB: usize = 0x800;
    const RTLD_DI_SERINFO: core::ffi::c_int = 4;
    const RTLD_DI_SERINFOSIZE: core::ffi::c_int = 5;

    /// `Dl_serpath`.
    #[repr(C)]
    struct SerPath {
        name: *const c_char,
        flags: c_uint,
    }

    /// `Dl_serinfo`, its paths following.
    #[repr(C)]
    struct SerInfo {
        size: usize,
        count: c_uint,
        paths: [SerPath; 0],
    }

    /// Room the loader's list is copied into (its strings follow its table): pages of their
    /// own, however long the list, given back when dropped.
    struct Mapped {
        at: *mut u8,
        len: usize,
    }

    impl Drop for Mapped {
        fn drop(&mut self) {
            // SAFETY: the mapping `list` made, used no more.
            unsafe { late::munmap(self.at.cast(), self.len) };
        }
    }

    /// What the loader says of its list.
    enum Listed {
        /// No `dlinfo` of glibc's: the list is not to be had this way.
        Unknown,
        /// The loader has the list but it could not be copied (no memory for it).
        Unreadable,
        /// The list: its room, its paths and their count.
        Paths(Mapped, *const SerPath, usize),
    }

    /// The answer for `name` by the loader's list for this image, `None` where the loader cannot
    /// give it (no `dlinfo`). A list it has but that cannot be read has the name refused: never
    /// handed to the loader unchecked.
    pub(super) fn search(name: &[u8], out: &mut Buf<PATH_SIZE>) -> Option<BareName> {
        let (_room, table, count) = match list() {
            Listed::Unknown => return None,
            Listed::Unreadable => {
                return Some(BareName::NotFound(Refusal::new(
                    b"(the loader's search list, which could not be read)",
                    false,
                )))
            }
            Listed::Paths(room, table, count) => (room, table, count),
        };
        let element = |i: usize| -> &[u8] {
            // SAFETY: `list` checked `i` is below the count the loader filled; each name is a
            // NUL-terminated string inside `space`.
            unsafe { CStr::from_ptr((*table.add(i)).name) }.to_bytes()
        };
        let all = (0..count).map(element);
        // glibc's list does not say where each folder comes from (`dls_flags` is always 0,
        // `_dl_rtld_di_serinfo` in `elf/dl-load.c`): an element is the image's own when its
        // RUNPATH names it, and the loader's system folders are the list's tail of them.
        let refusal = |dir: &[u8]| Refusal::new(dir, super::in_own_search_path(dir));
        let Some(skipped) = all.clone().find(|dir| !searchable(dir)) else {
            // Every folder may be searched: only a FIFO or device there stops the step.
            return Some(
                match all.clone().find(|dir| super::element_refused(dir, name, false)) {
                    Some(dir) => BareName::Refused(refusal(dir)),
                    None => BareName::Loader,
                },
            );
        };
        let skipped = refusal(skipped);
        // A library already loaded under that name (its SONAME) is the one the loader takes,
        // matching loaded objects before it opens any file: the bare name is safe then.
        if super::loaded_by_soname(name, out) {
            out.truncate(0);
            return Some(BareName::Loader);
        }
        // An image linked `-z nodefaultlib`: the loader reads neither its cache nor the system
        // folders (the list names none of its own then).
        let nodefaultlib = super::own_flags_1() & DF_1_NODEFLIB != 0;
        let system_from = (0..count)
            .rev()
            .take_while(|&i| super::is_system_folder(element(i)))
            .last()
            .unwrap_or(count);
        for (i, dir) in all.enumerate().chain([(count, &b""[..])]) {
            // The loader cache is read between the other folders and the system ones (not at
            // all for an image linked `-z nodefaultlib`, whose list has no system folders).
            if i == system_from && i < count && !nodefaultlib && super::cache_lookup(name, out) {
                return Some(BareName::Found(skipped));
            }
            if i == count || !searchable(dir) {
                continue;
            }
            out.truncate(0);
            out.push(dir).push(b"/").push(name);
            if out.overflowed() {
                continue;
            }
            if super::is_regular_file(out.as_c_bytes()) {
                // A link into the current directory (`lib.so -> /proc/self/cwd/lib.so`) is its file.
                if super::reaches_current_directory(out.as_c_bytes()) {
                    return Some(BareName::Refused(refusal(dir)));
                }
                // The loader passes over a file it cannot open or of another class or machine
                // (`open_verify`: a 32-bit `lib32` folder before the 64-bit one) and goes on.
                if super::elf_of_this_machine(out.as_c_bytes()) {
                    return Some(BareName::Found(skipped));
                }
                continue;
            }
            // A FIFO or device the loader would have opened (and blocked on).
            if !super::regular_or_absent(out.as_c_bytes()) {
                return Some(BareName::Refused(refusal(dir)));
            }
        }
        out.truncate(0);
        Some(BareName::NotFound(skipped))
    }

    /// The loader's search list for a `dlopen` this image makes: its paths and their count.
    fn list() -> Listed {
        let Some(map) = own_link_map() else {
            return Listed::Unknown;
        };
        let mut size = SerInfo {
            size: 0,
            count: 0,
            paths: [],
        };
        // SAFETY: `size` is a `Dl_serinfo` the loader fills with the size and count needed.
        if unsafe { late::dlinfo(map, RTLD_DI_SERINFOSIZE, (&mut size as *mut SerInfo).cast()) } != 0 {
            return Listed::Unknown;
        }
        let len = size.size;
        let paths = core::mem::offset_of!(SerInfo, paths);
        let count = size.count as usize;
        if len < core::mem::size_of::<SerInfo>() || paths + count * core::mem::size_of::<SerPath>() > len {
            return Listed::Unreadable;
        }
        let (prot, flags) = (
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
        );
        // SAFETY: a new private anonymous mapping of `len` bytes.
        let at = unsafe { late::mmap(core::ptr::null_mut(), len, prot, flags, -1, 0) };
        if at == libc::MAP_FAILED {
            return Listed::Unreadable;
        }
        let room = Mapped { at: at.cast(), len };
        let info = room.at.cast::<SerInfo>();
        // SAFETY: the mapping is page-aligned and holds `len` bytes, as asked.
        unsafe {
            (*info).size = len;
            (*info).count = size.count;
            if late::dlinfo(map, RTLD_DI_SERINFO, info.cast()) != 0 {
                return Listed::Unreadable;
            }
        }
        // SAFETY: the table lies inside the mapping (checked above).
        let table = unsafe { room.at.add(paths) }.cast();
        Listed::Paths(room, table, count)
    }

    /// The loader's link map of the image holding this runtime (the object a `dlopen` it makes
    /// is made from).
    fn own_link_map() -> Option<*mut c_void> {
        // SAFETY: a zeroed Dl_info is a valid out-parameter.
        let mut info: libc::Dl_info = unsafe { core::mem::zeroed() };
        let mut map: *mut c_void = core::ptr::null_mut();
        let addr = own_link_map as *const c_void;
        // SAFETY: dladdr1 reads the loader's tables and fills both out-parameters.
        let ok = unsafe { late::dladdr1(addr, &mut info, &mut map, RTLD_DL_LINKMAP) } != 0;
        (ok && !map.is_null()).then_some(map)
    }
}

/// The loader cache's path for `name` (glibc's `/etc/ld.so.cache`, mapped as `ld.so` maps it),
/// into `out`, when it names a regular file.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn cache_lookup(name: &[u8], out: &mut super::buf::Buf<PATH_SIZE>) -> bool {
    use aotinterop_model::ld_so_cache::{flags_for, LdSoCache};
    const ARCH: &str = if cfg!(target_arch = "x86_64") {
        "x86_64"
    } else if cfg!(target_arch = "aarch64") {
        "aarch64"
    } else if cfg!(target_arch = "arm") {
        "arm"
    } else {
        "x86"
    };
    // SAFETY: a NUL-terminated path, opened read-only.
    let fd = unsafe { late::open(c"/etc/ld.so.cache".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return false;
    }
    // SAFETY: a zeroed `stat` is a valid out-parameter.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: our descriptor; `fstat` only fills `st`.
    let size = match unsafe { late::fstat(fd, &mut st) } {
        0 if st.st_mode & libc::S_IFMT == libc::S_IFREG => st.st_size as usize,
        _ => 0,
    };
    let map = match size {
        // A cache is some kilobytes; one of more than 64 MB is not read.
        1..=0x400_0000 => {
            // SAFETY: a private read-only mapping of our descriptor's `size` bytes.
            unsafe {
                late::mmap(
                    core::ptr::null_mut(),
                    size,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE,
                    fd,
                    0,
                )
            }
        }
        _ => libc::MAP_FAILED,
    };
    // SAFETY: our own descriptor, closed once (the mapping stays).
    unsafe { late::close(fd) };
    if map == libc::MAP_FAILED {
        return false;
    }
    // SAFETY: the mapping's `size` bytes, read only until it is unmapped below.
    let data = unsafe { core::slice::from_raw_parts(map.cast::<u8>(), size) };
    out.truncate(0);
    if let Some(path) = LdSoCache::parse(data)
        .ok()
        .and_then(|c| c.lookup(name, flags_for(ARCH)))
    {
        out.push(path);
    }
    // SAFETY: the mapping made above; `data` is not used after this.
    unsafe { late::munmap(map, size) };
    !out.is_empty() && !out.overflowed() && is_regular_file(out.as_c_bytes())
}

/// Whether `path` (NUL-terminated) is a regular file (links followed).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn is_regular_file(path: &[u8]) -> bool {
    // SAFETY: a zeroed `stat` is a valid out-parameter.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: a NUL-terminated path; `stat` only fills `st`.
    unsafe { late::stat(path.as_ptr().cast(), &mut st) == 0 && st.st_mode & libc::S_IFMT == libc::S_IFREG }
}

/// The `LD_LIBRARY_PATH` the loader uses: the one the process started with (the loader reads
/// it once, at start, whatever the program later sets; of several entries, glibc's loader takes
/// the last and musl's the first), none for a secure (set-user-ID) process, whose loader
/// ignores it. Where
/// the start-up environment cannot be found, the variable as it is now.
pub(super) fn loader_library_path() -> Option<&'static [u8]> {
    /// `AT_SECURE`, the same on every Linux architecture.
    const AT_SECURE: core::ffi::c_ulong = 23;
    // SAFETY: getauxval reads the process's auxiliary vector.
    if cfg!(target_os = "linux") && unsafe { late::getauxval(AT_SECURE) } != 0 {
        return None;
    }
    #[cfg(target_os = "linux")]
    if let Some(area) = startup_environment() {
        let key = b"LD_LIBRARY_PATH=";
        // glibc's loader takes the last entry (`_dl_next_ld_env_entry`), musl's the first
        // (`getenv` in `ldso/dynlink.c`).
        return match cfg!(target_env = "musl") {
            true => area.split(|&b| b == 0).find_map(|e| e.strip_prefix(key)),
            false => area.rsplit(|&b| b == 0).find_map(|e| e.strip_prefix(key)),
        };
    }
    // SAFETY: a NUL-terminated name; the environment is only read.
    let value = unsafe { late::getenv(c"LD_LIBRARY_PATH".as_ptr()) };
    // SAFETY: getenv returned a NUL-terminated string that lives as long as the environment.
    (!value.is_null()).then(|| unsafe { CStr::from_ptr(value) }.to_bytes())
}

/// The environment strings the process started with, in its own memory: `env_start` and
/// `env_end`, fields 50 and 51 of `/proc/self/stat` (Linux 3.5 and later).
#[cfg(target_os = "linux")]
fn startup_environment() -> Option<&'static [u8]> {
    // SAFETY: a NUL-terminated path, opened read-only.
    let fd = unsafe { late::open(c"/proc/self/stat".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return None;
    }
    let mut buf = [0u8; 1024];
    let mut have = 0;
    while have < buf.len() {
        // SAFETY: reads into the free end of `buf`.
        let n = unsafe { late::read(fd, buf[have..].as_mut_ptr().cast(), buf.len() - have) };
        if n <= 0 {
            break;
        }
        have += n as usize;
    }
    // SAFETY: our own descriptor, closed once.
    unsafe { late::close(fd) };
    // The fields after the command name, whose parentheses may hold anything: from `state`
    // (field 3) on.
    let after = &buf[buf[..have].iter().rposition(|&b| b == b')')? + 1..have];
    let mut fields = after.split(|&b| b == b' ').filter(|f| !f.is_empty());
    let number = |f: &[u8]| core::str::from_utf8(f).ok()?.trim_end().parse::<usize>().ok();
    let start = number(fields.nth(50 - 3)?)?;
    let end = number(fields.next()?)?;
    // SAFETY: the kernel's bounds of the environment strings of this process, mapped for
    // its life (the top of the initial stack).
    (start != 0 && start < end)
        .then(|| unsafe { core::slice::from_raw_parts(start as *const u8, end - start) })
}

/// Whether the loader, searching the search-path element `dir` for `name`, could take a file
/// it must not. `$ORIGIN` is the image's folder in its own search path (`own`), the program's
/// in `LD_LIBRARY_PATH`.
fn element_refused(dir: &[u8], name: &[u8], own: bool) -> bool {
    let kind = LdPathElement::of(dir);
    let mut path = super::buf::Buf::<PATH_SIZE>::new();
    match kind {
        LdPathElement::Substituted => return true,
        LdPathElement::Origin => {
            // glibc expands `$ORIGIN` in the image's own search path to its folder, and in
            // `LD_LIBRARY_PATH` (at start, `_dl_init_paths`) to the program's.
            let mut scratch = [0u8; PATH_SIZE];
            let origin = if own {
                image_dir(&mut scratch)
            } else {
                exe_dir(&mut scratch)
            };
            let Some(origin) = origin else {
                return false;
            };
            let rest = dir
                .strip_prefix(b"${ORIGIN}")
                .or_else(|| dir.strip_prefix(b"$ORIGIN"));
            path.push(origin).push(rest.unwrap_or_default());
        }
        LdPathElement::Absolute | LdPathElement::CurrentDirectory => {
            path.push(if dir.is_empty() { b"." } else { dir });
        }
    }
    if path.overflowed() {
        return false;
    }
    // A relative folder's file of that name is refused, an absolute folder's if it is no
    // regular file; in the element or any folder glibc searches inside it. An absolute folder
    // that is the current directory by another name (`/proc/self/cwd`) is a relative one.
    let absolute = kind != LdPathElement::CurrentDirectory && !folder_through_current_directory(&path);
    let refused = |file: &[u8]| {
        if absolute {
            !regular_or_absent(file) || (exists(file) && reaches_current_directory(file))
        } else {
            exists(file)
        }
    };
    searched_inside(&mut path, name, LEGACY_HWCAP_DEPTH, &refused)
}

/// `dl_iterate_phdr`'s callback type.
type PhdrCallback =
    Option<unsafe extern "C" fn(info: *mut libc::dl_phdr_info, size: usize, data: *mut c_void) -> c_int>;

/// One entry of an ELF dynamic section (`Elf32_Dyn`/`Elf64_Dyn`: two words).
#[repr(C)]
struct Dyn {
    tag: isize,
    val: usize,
}

const DT_NULL: isize = 0;
const DT_STRTAB: isize = 5;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const DT_SONAME: isize = 14;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const DT_FLAGS_1: isize = 0x6fff_fffb;
const DT_RPATH: isize = 15;
const DT_RUNPATH: isize = 29;

/// The search path of the image holding this runtime, as its dynamic section (in memory) names
/// it: `DT_RUNPATH`, or `DT_RPATH` when it has none. `None` without either, or on a system
/// without `dl_iterate_phdr`.
#[cfg(not(target_env = "musl"))]
fn own_search_path() -> Option<&'static [u8]> {
    search_path_of(false)
}

/// The search path of the main program (`main`: the first object the loader lists) or of the
/// image holding this runtime.
fn search_path_of(main: bool) -> Option<&'static [u8]> {
    let mut query: (bool, Option<&'static [u8]>) = (main, None);
    // SAFETY: the callback only reads the loader's program headers and the object's mapped
    // dynamic section; `query` outlives the call.
    unsafe {
        late::dl_iterate_phdr(
            Some(search_path_of_object),
            (&mut query as *mut (bool, Option<&[u8]>)).cast(),
        )
    };
    query.1
}

/// `dl_iterate_phdr`'s callback: for the first object (`data`'s flag set: the main program) or
/// the one whose loaded segments hold this function, its search path into `data` (a
/// `(bool, Option<&[u8]>)`), and stop.
unsafe extern "C" fn search_path_of_object(
    info: *mut libc::dl_phdr_info,
    _size: usize,
    data: *mut c_void,
) -> c_int {
    // SAFETY: the loader passes a valid `dl_phdr_info` whose program headers are mapped.
    let object = unsafe { Object::of(&*info) };
    // SAFETY: `data` is the query of `search_path_of`.
    let query = unsafe { &mut *data.cast::<(bool, Option<&'static [u8]>)>() };
    if !query.0 && !object.holds(search_path_of_object as *const () as usize) {
        return 0;
    }
    query.1 = object
        .dynamic_string(DT_RUNPATH)
        .or_else(|| object.dynamic_string(DT_RPATH));
    1
}

/// A program header of this machine's word size.
#[cfg(target_pointer_width = "64")]
type Phdr = libc::Elf64_Phdr;
#[cfg(target_pointer_width = "32")]
type Phdr = libc::Elf32_Phdr;

/// A loaded object as `dl_iterate_phdr` shows it: its program headers and load bias.
struct Object {
    phdrs: &'static [Phdr],
    bias: usize,
}

impl Object {
    /// # Safety
    /// `info` is the loader's, its program headers mapped.
    unsafe fn of(info: &libc::dl_phdr_info) -> Object {
        Object {
            // SAFETY: `dlpi_phnum` headers at `dlpi_phdr`, mapped while the object is.
            phdrs: unsafe { core::slice::from_raw_parts(info.dlpi_phdr, info.dlpi_phnum as usize) },
            bias: info.dlpi_addr as usize,
        }
    }

    /// Whether `addr` lies in one of its loaded segments.
    fn holds(&self, addr: usize) -> bool {
        self.phdrs.iter().filter(|p| p.p_type == libc::PT_LOAD).any(|p| {
            let start = self.bias + p.p_vaddr as usize;
            (start..start + p.p_memsz as usize).contains(&addr)
        })
    }

    /// The value of its dynamic section's entry `tag` (`DT_STRTAB`, `DT_FLAGS_1`).
    fn dynamic_value(&self, tag: isize) -> Option<usize> {
        let dynamic = self.phdrs.iter().find(|p| p.p_type == libc::PT_DYNAMIC)?;
        let mut entry = (self.bias + dynamic.p_vaddr as usize) as *const Dyn;
        loop {
            // SAFETY: the mapped dynamic section, not past its DT_NULL.
            let e = unsafe { &*entry };
            match e.tag {
                DT_NULL => return None,
                t if t == tag => return Some(e.val),
                // SAFETY: not past DT_NULL.
                _ => entry = unsafe { entry.add(1) },
            }
        }
    }

    /// The string its dynamic section's entry `tag` names (`DT_RUNPATH`, `DT_SONAME`).
    fn dynamic_string(&self, tag: isize) -> Option<&'static [u8]> {
        let (strtab, offset) = (self.dynamic_value(DT_STRTAB)?, self.dynamic_value(tag)?);
        // glibc relocates DT_STRTAB in place (where the dynamic section is writable), musl does not.
        let strtab = if self.holds(strtab) {
            strtab
        } else {
            self.bias + strtab
        };
        if !self.holds(strtab + offset) {
            return None;
        }
        // SAFETY: a NUL-terminated string in the object's mapped string table.
        Some(unsafe { CStr::from_ptr((strtab + offset) as *const c_char) }.to_bytes())
    }
}

/// The `DT_FLAGS_1` of the image holding this runtime (0 without).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn own_flags_1() -> usize {
    unsafe extern "C" fn visit(info: *mut libc::dl_phdr_info, _size: usize, data: *mut c_void) -> c_int {
        // SAFETY: the loader passes a valid `dl_phdr_info`; `data` is the `usize` below.
        let object = unsafe { Object::of(&*info) };
        if !object.holds(own_flags_1 as *const () as usize) {
            return 0;
        }
        // SAFETY: as above.
        unsafe { *data.cast::<usize>() = object.dynamic_value(DT_FLAGS_1).unwrap_or(0) };
        1
    }
    let mut flags = 0usize;
    // SAFETY: the callback reads the loader's objects and writes `flags` only.
    unsafe { late::dl_iterate_phdr(Some(visit), (&mut flags as *mut usize).cast()) };
    flags
}

/// Whether `path` (NUL-terminated) can be opened and is an ELF file of this process's class and
/// machine: what glibc's loader checks before it takes a file its search found.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn elf_of_this_machine(path: &[u8]) -> bool {
    const EM: u16 = if cfg!(target_arch = "x86_64") {
        62
    } else if cfg!(target_arch = "aarch64") {
        183
    } else if cfg!(target_arch = "arm") {
        40
    } else {
        3
    };
    let class = if cfg!(target_pointer_width = "64") { 2 } else { 1 };
    // SAFETY: a NUL-terminated path, opened read-only.
    let fd = unsafe { late::open(path.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return false;
    }
    let mut head = [0u8; 20];
    // SAFETY: reads into `head`.
    let n = unsafe { late::read(fd, head.as_mut_ptr().cast(), head.len()) };
    // SAFETY: our own descriptor, closed once.
    unsafe { late::close(fd) };
    n == 20
        && head.starts_with(b"\x7fELF")
        && head[4] == class
        && u16::from_le_bytes([head[18], head[19]]) == EM
}

/// The path of the loaded object whose `DT_SONAME` is `name`, in `out`: glibc's loader takes such
/// an object for a bare name before it searches any folder.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn loaded_by_soname(name: &[u8], out: &mut super::buf::Buf<PATH_SIZE>) -> bool {
    unsafe extern "C" fn visit(info: *mut libc::dl_phdr_info, _size: usize, data: *mut c_void) -> c_int {
        // SAFETY: `data` is the query below; the loader passes a valid `dl_phdr_info`.
        let (name, out) = unsafe { &mut *data.cast::<(&[u8], &mut super::buf::Buf<PATH_SIZE>)>() };
        let info = unsafe { &*info };
        // SAFETY: as above.
        let object = unsafe { Object::of(info) };
        if object.dynamic_string(DT_SONAME) != Some(*name) || info.dlpi_name.is_null() {
            return 0;
        }
        // SAFETY: the object's name as the loader keeps it, NUL-terminated.
        let path = unsafe { CStr::from_ptr(info.dlpi_name) }.to_bytes();
        out.truncate(0);
        out.push(path);
        1
    }
    let mut query: (&[u8], &mut super::buf::Buf<PATH_SIZE>) = (name, out);
    // SAFETY: the callback reads the loader's objects and writes `query`'s buffer only.
    let found = unsafe {
        late::dl_iterate_phdr(
            Some(visit),
            (&mut query as *mut (&[u8], &mut super::buf::Buf<PATH_SIZE>)).cast(),
        )
    };
    found == 1 && !query.1.overflowed()
}

/// Whether `refused` holds for `folder/name`, or for `name` in a folder glibc searches inside
/// `folder` (`glibc-hwcaps/*`, and the legacy hwcap folders nested up to `depth`); a folder that
/// does not exist is not entered. A path too long to build is passed over (the loader could not
/// open it either).
fn searched_inside(
    folder: &mut super::buf::Buf<PATH_SIZE>,
    name: &[u8],
    depth: usize,
    refused: &dyn Fn(&[u8]) -> bool,
) -> bool {
    let at = folder.len();
    let check = |folder: &mut super::buf::Buf<PATH_SIZE>, sub: &[&[u8]]| {
        for part in sub {
            folder.push(b"/").push(part);
        }
        folder.push(b"/").push(name);
        let hit = !folder.overflowed() && refused(folder.as_c_bytes());
        folder.truncate(at);
        hit
    };
    if check(folder, &[]) {
        return true;
    }
    if GLIBC_HWCAPS
        .iter()
        .any(|hw| check(folder, &[b"glibc-hwcaps", hw]))
    {
        return true;
    }
    if depth == 0 {
        return false;
    }
    for sub in LEGACY_HWCAP_FOLDERS {
        folder.push(b"/").push(sub);
        let enter = !folder.overflowed() && exists(folder.as_c_bytes());
        if enter && searched_inside(folder, name, depth - 1, refused) {
            folder.truncate(at);
            return true;
        }
        folder.truncate(at);
    }
    false
}

/// Whether something is at `path` (NUL-terminated).
/// Whether the folder in `path` is the current directory reached by another name
/// (`/proc/self/cwd`, `/dev/fd/../cwd`, a link to it): the same folder as `.`, named otherwise
/// than by its own path. The loader would search the current directory there.
fn current_directory_by_another_name(path: &mut super::buf::Buf<PATH_SIZE>) -> bool {
    let (Some(folder), Some(here)) = (file_id(path.as_c_bytes()), file_id(b".\0")) else {
        return false;
    };
    if folder != here {
        return false;
    }
    let mut cwd = [0u8; PATH_SIZE];
    // SAFETY: a NUL-terminated path and an output of PATH_MAX bytes.
    if unsafe { late::realpath(c".".as_ptr(), cwd.as_mut_ptr().cast()) }.is_null() {
        return true;
    }
    let len = cwd.iter().position(|&b| b == 0).unwrap_or(0);
    let mut text = path.as_bytes();
    while text.len() > 1 && text.ends_with(b"/") {
        text = &text[..text.len() - 1];
    }
    text != &cwd[..len]
}

/// Whether the folder `path`, or a folder along it, is the current directory by another name
/// (`/proc/self/cwd/sub`, `/proc/self/cwd/..`, a link to a folder of it): a search-path element
/// like that is relative.
fn folder_through_current_directory(path: &super::buf::Buf<PATH_SIZE>) -> bool {
    let mut inside = super::buf::Buf::<PATH_SIZE>::new();
    inside.push(path.as_bytes()).push(b"/x");
    !inside.overflowed() && through_current_directory(inside.as_bytes())
        || resolves_through_current_directory(path.as_bytes())
}

/// Whether glibc's loader, handed `path` (holding a `/`), replaces a dynamic string token in it
/// (`_dl_dst_count`/`is_dst` in `elf/dl-load.c`): `$ORIGIN`, `$LIB` or `$PLATFORM`, bare (not
/// followed by a letter, digit or `_`) or in braces. musl replaces none in `dlopen`'s paths.
pub fn loader_replaces_tokens(path: &[u8]) -> bool {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        return false;
    }
    let token = |rest: &[u8], name: &[u8]| match rest.strip_prefix(b"{") {
        Some(braced) => braced
            .strip_prefix(name)
            .is_some_and(|r| r.first() == Some(&b'}')),
        None => rest
            .strip_prefix(name)
            .is_some_and(|r| !r.first().is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')),
    };
    path.iter().enumerate().any(|(i, &b)| {
        let rest = &path[i + 1..];
        b == b'$'
            && [&b"ORIGIN"[..], b"PLATFORM", b"LIB"]
                .iter()
                .any(|name| token(rest, name))
    })
}

/// Whether the absolute `path` (NUL-terminated or not) reaches the current directory by another
/// name on its way, resolved as the kernel resolves it, component by component (so also through
/// a link to a folder inside it, which the path as written does not show): a folder along
/// it, or the file itself, that is the current directory named otherwise than by its own path
/// (`/proc/self/cwd`, `/dev/fd/../cwd`, a bind mount), or a link along it or at its end that
/// leads there (`lib.so -> /proc/self/cwd/lib.so`, `/opt/libs -> /proc/self/cwd/sub`). A module
/// or folder named so is the current directory's, as `./x.so` is. Links are followed up to 40,
/// Linux's limit (a longer chain, which the kernel refuses too, counts as reaching it).
fn resolves_through_current_directory(path: &[u8]) -> bool {
    use super::buf::Buf;
    let path = path.strip_suffix(b"\0").unwrap_or(path);
    // What is left to walk, and the folder walked so far (links resolved; empty for `/`).
    let (mut rest, mut done) = (Buf::<PATH_SIZE>::new(), Buf::<PATH_SIZE>::new());
    rest.push(path);
    let mut links = 0;
    loop {
        let left = rest.as_bytes();
        let start = left.iter().position(|&b| b != b'/').unwrap_or(left.len());
        let end = left[start..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(left.len(), |e| start + e);
        if start == end {
            return false;
        }
        let mut next = Buf::<PATH_SIZE>::new();
        next.push(&left[end..]);
        let mut at = Buf::<PATH_SIZE>::new();
        match &left[start..end] {
            b"." => {}
            b".." => {
                let up = parent(done.as_bytes())
                    .filter(|p| *p != b"/")
                    .map_or(0, <[u8]>::len);
                done.truncate(up);
            }
            name => {
                at.push(done.as_bytes()).push(b"/").push(name);
                if at.overflowed() || current_directory_by_another_name(&mut at) {
                    return !at.overflowed();
                }
                let mut target = [0u8; PATH_SIZE];
                let n = link_target(&mut at, &mut target);
                if n > 0 {
                    links += 1;
                    if links > 40 {
                        return true;
                    }
                    let target = &target[..n as usize];
                    next.truncate(0);
                    next.push(target).push(b"/").push(&left[end..]);
                    if target.first() == Some(&b'/') {
                        done.truncate(0);
                    }
                } else {
                    done.truncate(0);
                    done.push(at.as_bytes());
                }
            }
        }
        if next.overflowed() {
            return false;
        }
        rest = next;
    }
}

/// Whether the absolute `path` (NUL-terminated) passes through the current directory by
/// another name (`/proc/self/cwd/x.so`, `/dev/fd/../cwd/x.so`, a link to the current
/// directory): a folder along it is the current directory, named otherwise than by its own
/// path. A module named so is the current directory's, as `./x.so` is.
fn through_current_directory(path: &[u8]) -> bool {
    let path = path.strip_suffix(b"\0").unwrap_or(path);
    let mut folder = super::buf::Buf::<PATH_SIZE>::new();
    path.iter().enumerate().skip(1).any(|(i, &b)| {
        if b != b'/' {
            return false;
        }
        folder.truncate(0);
        folder.push(&path[..i]);
        !folder.overflowed() && current_directory_by_another_name(&mut folder)
    })
}

/// Whether the absolute `path` (NUL-terminated) reaches the current directory by another name
/// as written ([`through_current_directory`]: `/abs/bin/../run` is the current directory named
/// otherwise than by its own path), itself or through the links it is (`lib.so ->
/// /proc/self/cwd/lib.so`), followed as the kernel follows them (40 at most, Linux's limit: a
/// longer chain, which the kernel refuses too, counts as reaching it).
fn named_through_current_directory(path: &[u8]) -> bool {
    let mut at = super::buf::Buf::<PATH_SIZE>::new();
    at.push(path.strip_suffix(b"\0").unwrap_or(path));
    for _ in 0..=40 {
        if at.overflowed() || through_current_directory(at.as_c_bytes()) {
            return !at.overflowed();
        }
        let mut target = [0u8; PATH_SIZE];
        let n = link_target(&mut at, &mut target);
        if n <= 0 {
            return false;
        }
        let target = &target[..n as usize];
        let mut next = super::buf::Buf::<PATH_SIZE>::new();
        if target.first() != Some(&b'/') {
            next.push(parent(at.as_bytes()).unwrap_or(b"/")).push(b"/");
        }
        next.push(target);
        at = next;
    }
    true
}

/// Whether the absolute `path` reaches the current directory by another name: as written
/// ([`named_through_current_directory`]) or as resolved ([`resolves_through_current_directory`]).
pub fn reaches_current_directory(path: &[u8]) -> bool {
    named_through_current_directory(path) || resolves_through_current_directory(path)
}

/// `readlink` of `at` into `target` (not NUL-terminated): its length, 0 or less when `at` is no
/// link.
fn link_target(at: &mut super::buf::Buf<PATH_SIZE>, target: &mut [u8; PATH_SIZE]) -> isize {
    // SAFETY: a NUL-terminated path; `target` holds PATH_SIZE bytes.
    unsafe {
        late::readlink(
            at.as_c_bytes().as_ptr().cast(),
            target.as_mut_ptr().cast(),
            PATH_SIZE - 1,
        )
    }
}

/// The device and inode of the file at `path` (NUL-terminated), links followed.
fn file_id(path: &[u8]) -> Option<(u64, u64)> {
    // SAFETY: a zeroed `stat` is a valid out-parameter.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: a NUL-terminated path; `stat` only fills `st`.
    let found = unsafe { late::stat(path.as_ptr().cast(), &mut st) } == 0;
    #[allow(clippy::unnecessary_cast)] // the field types differ between targets
    found.then_some((st.st_dev as u64, st.st_ino as u64))
}

fn exists(path: &[u8]) -> bool {
    // SAFETY: a NUL-terminated path; `access` only looks.
    unsafe { late::access(path.as_ptr().cast(), libc::F_OK) == 0 }
}

/// Loads `path` (NUL-terminated; `RTLD_LAZY | RTLD_LOCAL`, as .NET does).
pub fn open(path: &[u8], _flags: u32) -> Result<Handle, OsError> {
    let path = if path == b"libc\0" { LIBC_FILE } else { path };
    late::ensure();
    if path.contains(&b'/') && !regular_or_absent(path) {
        return Err(OsError(NOT_A_FILE));
    }
    // SAFETY: a NUL-terminated path; loading runs the library's initialisers, as asked.
    let h = unsafe { late::dlopen(path.as_ptr().cast(), libc::RTLD_LAZY | libc::RTLD_LOCAL) };
    if h.is_null() {
        Err(OsError(dlerror_text()))
    } else {
        Ok(h)
    }
}

/// Why a candidate path is not loaded when it is there but no regular file.
const NOT_A_FILE: &[u8] = b"not a regular file (a FIFO, a device or a folder): not opened";

/// Whether `path` (NUL-terminated) is a regular file or not there at all: `dlopen` would block
/// on a FIFO planted where a library is looked for. (Where the C library has no `stat`, yes.)
fn regular_or_absent(path: &[u8]) -> bool {
    // SAFETY: a zeroed `stat` is a valid out-parameter.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: a NUL-terminated path; `stat` only fills `st`.
    let found = unsafe { late::stat(path.as_ptr().cast(), &mut st) } == 0;
    !found || st.st_mode & libc::S_IFMT == libc::S_IFREG
}

/// Looks `name` (NUL-terminated) up exactly with `dlsym`. A symbol whose address is 0 is an
/// error of its own (`dlerror` then reports nothing: glibc's `dlsym` clears the thread's error
/// state when it starts, `elf/dlerror.c` `_dlerror_run`, so no stale error needs clearing first).
pub fn symbol(handle: Handle, name: *const c_char) -> Result<usize, OsError> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: as below; the library's own tables are read only while it stays loaded.
    if let Some(addr) = unsafe { super::gnu_hash::lookup(handle, name) } {
        return Ok(addr);
    }
    late::ensure();
    // SAFETY: the handle came from dlopen or the application's resolver callback and stays
    // loaded (a published handle is never closed); the name is NUL-terminated.
    let p = unsafe { libc::dlsym(handle, name) };
    if !p.is_null() {
        return Ok(p as usize);
    }
    // SAFETY: see dlerror_text.
    let e = unsafe { late::dlerror() };
    if e.is_null() {
        Err(OsError(b"symbol resolves to address 0"))
    } else {
        // SAFETY: see dlerror_text.
        Err(OsError(unsafe { CStr::from_ptr(e) }.to_bytes()))
    }
}

/// Releases a handle this thread loaded but lost the race to publish.
pub fn close(handle: Handle) {
    // SAFETY: the handle came from our own dlopen and was never published.
    unsafe { late::dlclose(handle) };
}

/// The folder part of `path` (up to its last `/`, which is kept off), if it has one.
fn parent(path: &[u8]) -> Option<&[u8]> {
    let at = path.iter().rposition(|&b| b == b'/')?;
    Some(if at == 0 { b"/" } else { &path[..at] })
}

/// `realpath` of the NUL-terminated `path` into `out`.
fn real_path(path: *const c_char, out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    // SAFETY: `out` holds PATH_MAX bytes, as realpath requires.
    let r = unsafe { late::realpath(path, out.as_mut_ptr().cast()) };
    (!r.is_null()).then(|| out.iter().position(|&b| b == 0).unwrap_or(0))
}

/// The executable's path into `out` (Linux: `/proc/self/exe`; Apple: `_NSGetExecutablePath`).
fn exe_path(out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    #[cfg(target_vendor = "apple")]
    {
        extern "C" {
            fn _NSGetExecutablePath(buf: *mut c_char, size: *mut u32) -> i32;
        }
        let mut raw = [0u8; PATH_SIZE];
        let mut size = PATH_SIZE as u32;
        // SAFETY: `raw` holds `size` bytes.
        if unsafe { _NSGetExecutablePath(raw.as_mut_ptr().cast(), &mut size) } != 0 {
            return None;
        }
        real_path(raw.as_ptr().cast(), out)
    }
    #[cfg(not(target_vendor = "apple"))]
    {
        // The main program's file as the kernel mapped it: `/proc/self/exe` names `ld.so` in a
        // program started as `ld.so PROGRAM`, whose loader maps the program itself.
        #[cfg(target_os = "linux")]
        if let Some(n) = main_program_headers().and_then(|at| mapped_path(at, out)) {
            return Some(n);
        }
        // SAFETY: `out` holds PATH_SIZE bytes; readlink does not NUL-terminate.
        let n = unsafe { late::readlink(c"/proc/self/exe".as_ptr(), out.as_mut_ptr().cast(), PATH_SIZE - 1) };
        // A link that fills the buffer may have been cut: no folder rather than a wrong one.
        (n > 0 && (n as usize) < PATH_SIZE - 1).then_some(n as usize)
    }
}

/// The address of the main program's program headers (the first object the loader lists),
/// which lie in its first mapped segment.
#[cfg(target_os = "linux")]
fn main_program_headers() -> Option<usize> {
    unsafe extern "C" fn first(info: *mut libc::dl_phdr_info, _size: usize, data: *mut c_void) -> c_int {
        // SAFETY: the loader passes a valid `dl_phdr_info`; `data` is the `usize` below.
        unsafe { *data.cast::<usize>() = (*info).dlpi_phdr as usize };
        1
    }
    let mut at = 0usize;
    // SAFETY: the callback only reads the first object's program-header address.
    unsafe { late::dl_iterate_phdr(Some(first), (&mut at as *mut usize).cast()) };
    (at != 0).then_some(at)
}

/// The folder of the file this runtime's code is in: `dladdr` of one of its functions, made
/// real (the main executable is reported by the name it was started with: its real path is
/// used).
fn find_image_dir(out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    let addr = find_image_dir as *const c_void;
    // Linux: the file the kernel mapped this code from, by the path it opened it by, whatever
    // name the loader keeps (a library's through `/proc/self/cwd` or a link would be read again
    // from wherever the process is now; a program started as `ld.so ./app` is not ld.so's).
    #[cfg(target_os = "linux")]
    if let Some(n) = mapped_path(addr as usize, out) {
        return parent(&out[..n]).map(<[u8]>::len);
    }
    let mut info: libc::Dl_info = libc::Dl_info {
        dli_fname: core::ptr::null(),
        dli_fbase: core::ptr::null_mut(),
        dli_sname: core::ptr::null(),
        dli_saddr: core::ptr::null_mut(),
    };
    // SAFETY: dladdr only reads the loader's tables; info is a valid out-parameter.
    let ok = unsafe { late::dladdr(addr, &mut info) } != 0;
    let absolute = ok
        // The main executable is named by what it was started as (`argv[0]`, which its
        // caller chooses): its real path comes from the kernel instead.
        && !in_main_executable(&info)
        && !info.dli_fname.is_null()
        // SAFETY: dli_fname is a NUL-terminated path when not NULL.
        && unsafe { *info.dli_fname } == b'/' as c_char;
    let library = ok && !in_main_executable(&info) && !info.dli_fname.is_null();
    // A library loaded by a relative path (`dlopen("./bin/libapp.so")`): its folder as the
    // loader took it when it loaded (glibc's origin), else its path made real from here.
    if library && !absolute {
        if let Some(n) = loader_origin(addr, out) {
            return Some(n);
        }
        let n = real_path(info.dli_fname, out)?;
        return parent(&out[..n]).map(<[u8]>::len);
    }
    let n = if absolute {
        // The real path; where `realpath` fails, the path as the loader reports it.
        match real_path(info.dli_fname, out) {
            Some(n) => n,
            None => {
                // SAFETY: dli_fname is a NUL-terminated path.
                let raw = unsafe { CStr::from_ptr(info.dli_fname) }.to_bytes();
                if raw.len() >= PATH_SIZE {
                    return None;
                }
                out[..raw.len()].copy_from_slice(raw);
                raw.len()
            }
        }
    } else {
        exe_path(out)?
    };
    parent(&out[..n]).map(<[u8]>::len)
}

/// The path of the file mapped at `addr`, as the kernel opened it (`/proc/self/maps`), in
/// `out`; `None` when it cannot be read, or the file is gone or its name holds an escape.
#[cfg(target_os = "linux")]
fn mapped_path(addr: usize, out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    // SAFETY: a NUL-terminated path, opened read-only.
    let fd = unsafe { late::open(c"/proc/self/maps".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return None;
    }
    let mut buf = [0u8; 2 * PATH_SIZE];
    let (mut have, mut found) = (0usize, None);
    while found.is_none() && have < buf.len() {
        // SAFETY: reads into the free end of `buf`.
        let n = unsafe { late::read(fd, buf[have..].as_mut_ptr().cast(), buf.len() - have) };
        if n <= 0 {
            break;
        }
        have += n as usize;
        let mut start = 0;
        while let Some(end) = buf[start..have].iter().position(|&b| b == b'\n') {
            found = maps_line_path(&buf[start..start + end], addr, out);
            start += end + 1;
            if found.is_some() {
                break;
            }
        }
        buf.copy_within(start..have, 0);
        have -= start;
    }
    // SAFETY: our own descriptor, closed once.
    unsafe { late::close(fd) };
    found
}

/// The path of a `/proc/self/maps` line (`START-END PERMS OFFSET DEV INODE PATH`) whose range
/// holds `addr`, in `out`.
#[cfg(target_os = "linux")]
fn maps_line_path(line: &[u8], addr: usize, out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    let hex = |b: &[u8]| {
        let s = core::str::from_utf8(b).ok()?;
        usize::from_str_radix(s, 16).ok()
    };
    let dash = line.iter().position(|&b| b == b'-')?;
    let space = line.iter().position(|&b| b == b' ')?;
    let (start, end) = (hex(line.get(..dash)?)?, hex(line.get(dash + 1..space)?)?);
    if !(start <= addr && addr < end) {
        return None;
    }
    let at = space + line[space..].iter().position(|&b| b == b'/')?;
    let path = &line[at..];
    // The kernel writes a newline in a name as `\012` (and nothing else escaped), and a removed
    // file with ` (deleted)`: such a name is taken only when it, or it with `\012` read as a
    // newline, is the file of the line's device and inode.
    if !path.contains(&b'\\') && !path.ends_with(b" (deleted)") {
        return copy_path(path, false, out);
    }
    let mut fields = line[space..at].split(|&b| b == b' ').filter(|f| !f.is_empty());
    let (dev, inode) = (fields.nth(2)?, fields.next()?);
    let colon = dev.iter().position(|&b| b == b':')?;
    let (major, minor) = (hex(&dev[..colon])? as u64, hex(&dev[colon + 1..])? as u64);
    // glibc's `makedev`.
    let dev = ((major & 0xffff_f000) << 32)
        | ((major & 0xfff) << 8)
        | ((minor & 0xffff_ff00) << 12)
        | (minor & 0xff);
    let inode = core::str::from_utf8(inode).ok()?.parse::<u64>().ok()?;
    [false, true].into_iter().find_map(|newlines| {
        let n = copy_path(path, newlines, out)?;
        (file_id(&out[..=n]) == Some((dev, inode))).then_some(n)
    })
}

/// `path` into `out`, NUL-terminated; with `newlines`, each `\012` as a newline.
#[cfg(target_os = "linux")]
fn copy_path(path: &[u8], newlines: bool, out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    let (mut i, mut n) = (0, 0);
    while i < path.len() {
        let (byte, used) = match path[i..].starts_with(b"\\012") && newlines {
            true => (b'\n', 4),
            false => (path[i], 1),
        };
        *out.get_mut(n)? = byte;
        (i, n) = (i + used, n + 1);
    }
    *out.get_mut(n)? = 0;
    Some(n)
}

/// The folder the loader took the file holding `addr` from when it loaded it (glibc's
/// `dlinfo(RTLD_DI_ORIGIN)` of its link map, absolute even for a library loaded by a relative
/// path), in `out`; `None` without glibc's `dladdr1`/`dlinfo`.
fn loader_origin(addr: *const c_void, out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    const RTLD_DL_LINKMAP: c_int = 2;
    const RTLD_DI_ORIGIN: c_int = 6;
    // SAFETY: a zeroed Dl_info is a valid out-parameter.
    let mut info: libc::Dl_info = unsafe { core::mem::zeroed() };
    let mut map: *mut c_void = core::ptr::null_mut();
    // SAFETY: dladdr1 reads the loader's tables and fills both out-parameters.
    if unsafe { late::dladdr1(addr, &mut info, &mut map, RTLD_DL_LINKMAP) } == 0 || map.is_null() {
        return None;
    }
    // SAFETY: glibc copies the origin, at most PATH_MAX bytes with its NUL, into `out`.
    if unsafe { late::dlinfo(map, RTLD_DI_ORIGIN, out.as_mut_ptr().cast()) } != 0 {
        return None;
    }
    let n = out.iter().position(|&b| b == 0)?;
    (n > 0 && out[0] == b'/').then_some(n)
}

/// Whether `info` (dladdr's answer for this runtime's code) is the main executable's: the
/// program headers the kernel mapped for it (`AT_PHDR`) lie in the same file. Apple's dladdr
/// names the executable by its real path already.
fn in_main_executable(info: &libc::Dl_info) -> bool {
    if cfg!(target_vendor = "apple") {
        return false;
    }
    /// `AT_PHDR`, the same on every Linux architecture (the `libc` crate has no Apple value).
    const AT_PHDR: core::ffi::c_ulong = 3;
    // SAFETY: getauxval reads the process's auxiliary vector.
    let phdr = unsafe { late::getauxval(AT_PHDR) };
    if phdr == 0 {
        return false;
    }
    let mut main = libc::Dl_info {
        dli_fname: core::ptr::null(),
        dli_fbase: core::ptr::null_mut(),
        dli_sname: core::ptr::null(),
        dli_saddr: core::ptr::null_mut(),
    };
    // SAFETY: dladdr only reads the loader's tables; main is a valid out-parameter.
    let found = unsafe { late::dladdr(phdr as usize as *const c_void, &mut main) } != 0;
    found && main.dli_fbase == info.dli_fbase
}

/// The folder of the image holding this runtime, into `out`. Looked up on every library
/// load rather than kept: a 4 KB static cache would put a page of `.bss` in every image, which
/// costs each process start an extra mapping (about 3 µs), while a lookup costs a library load,
/// already a file search and an `open`, a few system calls more.
pub fn image_dir(out: &mut [u8; PATH_SIZE]) -> Option<&[u8]> {
    let n = find_image_dir(out)?;
    Some(&out[..n])
}

/// The folder of the process's executable, into `out`.
pub fn exe_dir(out: &mut [u8; PATH_SIZE]) -> Option<&[u8]> {
    let n = exe_path(out)?;
    parent(&out[..n])
}

/// The thread's `errno`, saved before the resolver runs.
#[derive(Clone, Copy, Debug)]
pub struct SavedError(i32);

#[cfg(target_vendor = "apple")]
fn errno_ptr() -> *mut i32 {
    // SAFETY: always valid for the calling thread.
    unsafe { libc::__error() }
}

#[cfg(not(target_vendor = "apple"))]
fn errno_ptr() -> *mut i32 {
    // SAFETY: always valid for the calling thread.
    unsafe { libc::__errno_location() }
}

/// Saves errno.
pub fn save_error() -> SavedError {
    // SAFETY: see errno_ptr.
    SavedError(unsafe { *errno_ptr() })
}

/// Puts errno back as it was.
pub fn restore_error(saved: SavedError) {
    // SAFETY: see errno_ptr.
    unsafe { *errno_ptr() = saved.0 }
}

/// Writes `text` to stderr (best effort: a closed stderr is not an error here).
pub fn write_stderr(mut text: &[u8]) {
    while !text.is_empty() {
        // SAFETY: writes from a valid buffer.
        let n = unsafe { late::write(2, text.as_ptr().cast(), text.len()) };
        if n <= 0 {
            return;
        }
        text = &text[n as usize..];
    }
}

/// Ends the process (`SIGABRT`).
pub fn abort() -> ! {
    late::abort()
}
