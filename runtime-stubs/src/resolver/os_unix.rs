//! The Unix loader: `dlopen`/`dlsym`, `errno`, the image's own folder, stderr and abort: only
//! what libc and libdl provide (declared by the `libc` crate, used without its std support).

use super::buf::PATH_SIZE;
use core::ffi::{c_char, c_void, CStr};

/// A library handle as returned by `dlopen`.
pub type Handle = *mut c_void;

/// The C library's real file name. `libc.so` is a linker script on glibc systems, so .NET's
/// loader (`SystemNative_LoadLibrary`) maps the exact name `libc` to this file, and so do we.
const LIBC_FILE: &[u8] = if cfg!(target_os = "macos") {
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
    let e = unsafe { libc::dlerror() };
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

/// Loads `path` (NUL-terminated; `RTLD_LAZY | RTLD_LOCAL`, as .NET does).
pub fn open(path: &[u8], _flags: u32) -> Result<Handle, OsError> {
    let path = if path == b"libc\0" { LIBC_FILE } else { path };
    // SAFETY: a NUL-terminated path; loading runs the library's initialisers, as asked.
    let h = unsafe { libc::dlopen(path.as_ptr().cast(), libc::RTLD_LAZY | libc::RTLD_LOCAL) };
    if h.is_null() {
        Err(OsError(dlerror_text()))
    } else {
        Ok(h)
    }
}

/// Looks `name` (NUL-terminated) up exactly with `dlsym`. A symbol whose address is 0 is an
/// error of its own (`dlerror` then reports nothing: glibc's `dlsym` clears the thread's error
/// state when it starts, `elf/dlerror.c` `_dlerror_run`, so no stale error needs clearing first).
pub fn symbol(handle: Handle, name: *const c_char) -> Result<usize, OsError> {
    // SAFETY: the handle came from dlopen or the application's resolver callback and stays
    // loaded (a published handle is never closed); the name is NUL-terminated.
    let p = unsafe { libc::dlsym(handle, name) };
    if !p.is_null() {
        return Ok(p as usize);
    }
    // SAFETY: see dlerror_text.
    let e = unsafe { libc::dlerror() };
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
    unsafe { libc::dlclose(handle) };
}

/// The folder part of `path` (up to its last `/`, which is kept off), if it has one.
fn parent(path: &[u8]) -> Option<&[u8]> {
    let at = path.iter().rposition(|&b| b == b'/')?;
    Some(if at == 0 { b"/" } else { &path[..at] })
}

/// `realpath` of the NUL-terminated `path` into `out`.
fn real_path(path: *const c_char, out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    // SAFETY: `out` holds PATH_MAX bytes, as realpath requires.
    let r = unsafe { libc::realpath(path, out.as_mut_ptr().cast()) };
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
        // SAFETY: `out` holds PATH_SIZE bytes; readlink does not NUL-terminate.
        let n = unsafe { libc::readlink(c"/proc/self/exe".as_ptr(), out.as_mut_ptr().cast(), PATH_SIZE - 1) };
        // A link that fills the buffer may have been cut: no folder rather than a wrong one.
        (n > 0 && (n as usize) < PATH_SIZE - 1).then_some(n as usize)
    }
}

/// The folder of the file this runtime's code is in: `dladdr` of one of its functions, made
/// real (the main executable is reported by the name it was started with: its real path is
/// used).
fn find_image_dir(out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    let mut info: libc::Dl_info = libc::Dl_info {
        dli_fname: core::ptr::null(),
        dli_fbase: core::ptr::null_mut(),
        dli_sname: core::ptr::null(),
        dli_saddr: core::ptr::null_mut(),
    };
    let addr = find_image_dir as *const c_void;
    // SAFETY: dladdr only reads the loader's tables; info is a valid out-parameter.
    let ok = unsafe { libc::dladdr(addr, &mut info) } != 0;
    let absolute = ok
        && !info.dli_fname.is_null()
        // SAFETY: dli_fname is a NUL-terminated path when not NULL.
        && unsafe { *info.dli_fname } == b'/' as c_char;
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

/// The folder of the image holding this runtime, looked up once ([`super::image_dir`]).
pub fn image_dir(scratch: &mut [u8; PATH_SIZE]) -> Option<&[u8]> {
    super::image_dir::cached(find_image_dir, scratch)
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
        let n = unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
        if n <= 0 {
            return;
        }
        text = &text[n as usize..];
    }
}

/// Ends the process (`SIGABRT`).
pub fn abort() -> ! {
    // SAFETY: no preconditions.
    unsafe { libc::abort() }
}
