//! The Windows loader: `LoadLibraryExW`/`GetProcAddress`, the thread's last error, the image's
//! own folder, stderr and abort: kernel32 only. The dozen functions are declared by hand rather
//! than through a Win32 binding crate, which would bring far more than the runtime needs.

use super::buf::PATH_SIZE;
use core::ffi::c_void;

/// A module handle (`HMODULE`).
pub type Handle = *mut c_void;

#[link(name = "kernel32")]
extern "system" {
    fn LoadLibraryExW(name: *const u16, file: *mut c_void, flags: u32) -> Handle;
    fn GetProcAddress(module: Handle, name: *const u8) -> *mut c_void;
    fn FreeLibrary(module: Handle) -> i32;
    fn GetLastError() -> u32;
    fn SetLastError(code: u32);
    fn GetModuleHandleExW(flags: u32, address: *const u16, module: *mut Handle) -> i32;
    fn GetModuleFileNameW(module: Handle, buffer: *mut u16, size: u32) -> u32;
    fn FormatMessageW(
        flags: u32,
        source: *const c_void,
        message: u32,
        language: u32,
        buffer: *mut u16,
        size: u32,
        args: *mut c_void,
    ) -> u32;
    fn GetStdHandle(which: u32) -> *mut c_void;
    fn WriteFile(
        file: *mut c_void,
        buffer: *const u8,
        size: u32,
        written: *mut u32,
        overlapped: *mut c_void,
    ) -> i32;
}

const GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS: u32 = 0x4;
const GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT: u32 = 0x2;
const FORMAT_MESSAGE_FROM_SYSTEM: u32 = 0x1000;
const FORMAT_MESSAGE_IGNORE_INSERTS: u32 = 0x200;
const STD_ERROR_HANDLE: u32 = -12i32 as u32;

/// UTF-16 units of a path, NUL included.
const WIDE_SIZE: usize = PATH_SIZE;

/// A loader error: the Win32 error code, its text made as Rust's `io::Error` shows it
/// (`FormatMessageW`'s text, then ` (os error N)`).
pub struct OsError {
    text: [u8; 512],
    len: usize,
}

impl OsError {
    fn last() -> OsError {
        // SAFETY: no preconditions.
        let code = unsafe { GetLastError() };
        let mut wide = [0u16; 256];
        // SAFETY: `wide` holds 256 units.
        let n = unsafe {
            FormatMessageW(
                FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                core::ptr::null(),
                code,
                0,
                wide.as_mut_ptr(),
                wide.len() as u32,
                core::ptr::null_mut(),
            )
        } as usize;
        let mut e = OsError {
            text: [0; 512],
            len: 0,
        };
        let mut text = super::buf::Buf::<512>::new();
        for c in char::decode_utf16(wide[..n.min(wide.len())].iter().copied()) {
            let mut utf8 = [0u8; 4];
            text.push_str(c.unwrap_or(char::REPLACEMENT_CHARACTER).encode_utf8(&mut utf8));
        }
        let trimmed = text.as_bytes().trim_ascii_end().len();
        text.truncate(trimmed);
        text.push_str(" (os error ")
            .push_u64(u64::from(code))
            .push_str(")");
        e.len = text.len();
        e.text[..e.len].copy_from_slice(text.as_bytes());
        e
    }

    /// The text.
    pub fn as_bytes(&self) -> &[u8] {
        &self.text[..self.len]
    }
}

/// The Windows loader replaces no tokens in a path.
pub fn loader_replaces_tokens(_path: &[u8]) -> bool {
    false
}

/// Unix's `/proc/self/cwd` has no Windows counterpart: an absolute path is the path.
pub fn reaches_current_directory(_path: &[u8]) -> bool {
    false
}

/// Unix's `LD_LIBRARY_PATH` rule has no Windows counterpart here: the resolver's own flags keep
/// `LoadLibraryExW` from the current directory.
pub fn bare_name_search(
    _name: &[u8],
    _out: &mut super::buf::Buf<{ super::buf::PATH_SIZE }>,
) -> super::BareName {
    super::BareName::Loader
}

/// Loads `path` (UTF-8, NUL-terminated) with `LoadLibraryExW(path, NULL, flags)`.
#[allow(clippy::result_large_err)] // the error text stays on the stack: no heap here
pub fn open(path: &[u8], flags: u32) -> Result<Handle, OsError> {
    let text = core::str::from_utf8(path.strip_suffix(&[0]).unwrap_or(path)).unwrap_or("");
    let mut wide = [0u16; WIDE_SIZE];
    // A path that fits PATH_SIZE UTF-8 bytes fits as many UTF-16 units; the last stays NUL.
    for (slot, u) in wide[..WIDE_SIZE - 1].iter_mut().zip(text.encode_utf16()) {
        *slot = u;
    }
    // SAFETY: a NUL-terminated UTF-16 path; loading runs the library's initialisers, as asked.
    let h = unsafe { LoadLibraryExW(wide.as_ptr(), core::ptr::null_mut(), flags) };
    if h.is_null() {
        Err(OsError::last())
    } else {
        Ok(h)
    }
}

/// Looks `name` (NUL-terminated) up with GetProcAddress (`#N`: by ordinal).
#[allow(clippy::result_large_err)] // as for `open`
pub fn symbol(handle: Handle, name: *const core::ffi::c_char) -> Result<usize, OsError> {
    // SAFETY: a NUL-terminated name.
    let name = unsafe { core::ffi::CStr::from_ptr(name) };
    let p = match name.to_str().ok().and_then(super::names::ordinal) {
        // SAFETY: an ordinal is passed as the low word of the name pointer.
        Some(n) => unsafe { GetProcAddress(handle, usize::from(n) as *const u8) },
        // SAFETY: a NUL-terminated name; the handle stays loaded.
        None => unsafe { GetProcAddress(handle, name.as_ptr().cast()) },
    };
    if p.is_null() {
        Err(OsError::last())
    } else {
        Ok(p as usize)
    }
}

/// Releases a handle this thread loaded but lost the race to publish.
pub fn close(handle: Handle) {
    // SAFETY: the handle came from our own LoadLibraryExW and was never published.
    unsafe { FreeLibrary(handle) };
}

/// The folder part of `path` (up to its last `\` or `/`).
fn parent(path: &[u8]) -> Option<&[u8]> {
    let at = path.iter().rposition(|&b| b == b'\\' || b == b'/')?;
    Some(&path[..at])
}

/// The file name of `module` (NULL: the executable) as UTF-8 into `out`.
fn module_path(module: Handle, out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    let mut wide = [0u16; WIDE_SIZE];
    // SAFETY: `wide` holds its length in units.
    let n = unsafe { GetModuleFileNameW(module, wide.as_mut_ptr(), wide.len() as u32) } as usize;
    if n == 0 || n >= wide.len() {
        return None;
    }
    let mut len = 0;
    for c in char::decode_utf16(wide[..n].iter().copied()) {
        let mut utf8 = [0u8; 4];
        let s = c.unwrap_or(char::REPLACEMENT_CHARACTER).encode_utf8(&mut utf8);
        if len + s.len() >= PATH_SIZE {
            return None;
        }
        out[len..len + s.len()].copy_from_slice(s.as_bytes());
        len += s.len();
    }
    Some(len)
}

fn find_image_dir(out: &mut [u8; PATH_SIZE]) -> Option<usize> {
    let mut module: Handle = core::ptr::null_mut();
    let flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT;
    // SAFETY: the address is in this image; module is a valid out-parameter.
    if unsafe { GetModuleHandleExW(flags, find_image_dir as *const u16, &mut module) } == 0 {
        return None;
    }
    let n = module_path(module, out)?;
    parent(&out[..n]).map(<[u8]>::len)
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
    let n = module_path(core::ptr::null_mut(), out)?;
    parent(&out[..n])
}

/// The thread's last-error value, saved before the resolver runs.
#[derive(Clone, Copy, Debug)]
pub struct SavedError(u32);

/// Saves the last error.
pub fn save_error() -> SavedError {
    // SAFETY: no preconditions.
    SavedError(unsafe { GetLastError() })
}

/// Puts the last error back.
pub fn restore_error(saved: SavedError) {
    // SAFETY: no preconditions.
    unsafe { SetLastError(saved.0) }
}

/// Writes `text` to stderr (best effort).
pub fn write_stderr(text: &[u8]) {
    // SAFETY: no preconditions; WriteFile reads `text.len()` bytes from `text`.
    unsafe {
        let h = GetStdHandle(STD_ERROR_HANDLE);
        let mut written = 0u32;
        if !h.is_null() && h as isize != -1 {
            WriteFile(
                h,
                text.as_ptr(),
                text.len() as u32,
                &mut written,
                core::ptr::null_mut(),
            );
        }
    }
}

/// Ends the process as Rust's `abort` does on Windows: `__fastfail(FAST_FAIL_FATAL_APP_EXIT)`.
pub fn abort() -> ! {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    // SAFETY: `int 0x29` with the fail-fast code in ecx ends the process; it does not return.
    unsafe {
        core::arch::asm!("int 0x29", in("ecx") 7u32, options(noreturn, nostack))
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: ARM64's fail-fast trap, the code in x0; it does not return.
    unsafe {
        core::arch::asm!("brk #0xf003", in("x0") 7u64, options(noreturn, nostack))
    }
}
