//! The Windows loader: LoadLibraryExW/GetProcAddress through libloading, the thread's last
//! error, and the image's own folder.

use std::ffi::c_void;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A module handle (`HMODULE`).
pub type Handle = *mut c_void;

// Four kernel32 functions libloading does not wrap, declared by hand rather than pulling in
// a full Win32 binding crate for them.
#[link(name = "kernel32")]
extern "system" {
    fn GetLastError() -> u32;
    fn SetLastError(code: u32);
    fn GetModuleHandleExW(flags: u32, address: *const u16, module: *mut isize) -> i32;
    fn GetModuleFileNameW(module: isize, buffer: *mut u16, size: u32) -> u32;
}

const GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS: u32 = 0x4;
const GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT: u32 = 0x2;

fn error_text(e: &libloading::Error) -> String {
    use std::error::Error;
    match e.source() {
        Some(s) => s.to_string(),
        None => e.to_string(),
    }
}

/// Loads `path` with `LoadLibraryExW(path, NULL, flags)`; the error is FormatMessage's text.
pub fn open(path: &str, flags: u32) -> Result<Handle, String> {
    use libloading::os::windows::Library;
    // SAFETY: loading a library runs its initialisers; that is what the import asked for.
    unsafe { Library::load_with_flags(path, flags) }
        .map(|l| l.into_raw() as Handle)
        .map_err(|e| error_text(&e))
}

/// Looks `name` (NUL-terminated bytes) up with GetProcAddress (`#N`: by ordinal).
pub fn symbol(handle: Handle, name: &[u8]) -> Result<usize, String> {
    use libloading::os::windows::Library;
    // SAFETY: the handle stays loaded (never freed once published); ManuallyDrop keeps it.
    let lib = std::mem::ManuallyDrop::new(unsafe { Library::from_raw(handle as _) });
    let text = std::str::from_utf8(name.strip_suffix(&[0]).unwrap_or(name)).unwrap_or("");
    let r = match super::names::ordinal(text) {
        Some(n) => unsafe { lib.get_ordinal::<*const c_void>(n) },
        None => unsafe { lib.get::<*const c_void>(name) },
    };
    match r {
        Ok(sym) => Ok(*sym as usize),
        Err(e) => Err(error_text(&e)),
    }
}

/// Releases a handle this thread loaded but lost the race to publish.
pub fn close(handle: Handle) {
    // SAFETY: the handle came from our own LoadLibraryExW and was never published.
    let _ = unsafe { libloading::os::windows::Library::from_raw(handle as _) }.close();
}

/// The folder of the image holding this runtime (the .exe or .dll).
pub fn image_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let mut module = 0isize;
        let flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT;
        // SAFETY: the address is in this image; module is a valid out-parameter.
        if unsafe { GetModuleHandleExW(flags, image_dir as *const u16, &mut module) } == 0 {
            return None;
        }
        let mut buf = vec![0u16; 32768];
        // SAFETY: buf holds buf.len() u16s.
        let n = unsafe { GetModuleFileNameW(module, buf.as_mut_ptr(), buf.len() as u32) } as usize;
        if n == 0 || n >= buf.len() {
            return None;
        }
        let path = PathBuf::from(String::from_utf16_lossy(&buf[..n]));
        path.parent().map(|p| p.to_path_buf())
    })
    .clone()
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
