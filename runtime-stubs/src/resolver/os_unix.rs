//! The Unix loader: dlopen/dlsym through libloading, errno, and the image's own folder.

use std::ffi::c_void;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A library handle as returned by `dlopen`.
pub type Handle = *mut c_void;

fn error_text(e: &libloading::Error) -> String {
    use std::error::Error;
    match e.source() {
        Some(s) => s.to_string(),
        None => e.to_string(),
    }
}

/// The C library's real file name. `libc.so` is a linker script on glibc systems, so .NET's
/// loader (`SystemNative_LoadLibrary`) maps the exact name `libc` to this file, and so do we.
const LIBC_FILE: &str = if cfg!(target_os = "macos") {
    "/usr/lib/libc.dylib"
} else if cfg!(target_os = "freebsd") {
    "libc.so.7"
} else if cfg!(all(target_os = "linux", target_env = "gnu")) {
    "libc.so.6"
} else {
    "libc.so"
};

/// Loads `path` (`RTLD_LAZY | RTLD_LOCAL`, as .NET does); the error is dlerror's text.
pub fn open(path: &str, _flags: u32) -> Result<Handle, String> {
    use libloading::os::unix::{Library, RTLD_LAZY, RTLD_LOCAL};
    let path = if path == "libc" { LIBC_FILE } else { path };
    // SAFETY: loading a library runs its initialisers; that is what the import asked for.
    unsafe { Library::open(Some(path), RTLD_LAZY | RTLD_LOCAL) }
        .map(Library::into_raw)
        .map_err(|e| error_text(&e))
}

/// Looks `name` (NUL-terminated bytes) up exactly (dlsym); the error is dlerror's text.
pub fn symbol(handle: Handle, name: &[u8]) -> Result<usize, String> {
    use libloading::os::unix::Library;
    // SAFETY: the handle came from dlopen or the application's resolver callback and stays
    // loaded (we never close a published handle); ManuallyDrop keeps it open.
    let lib = std::mem::ManuallyDrop::new(unsafe { Library::from_raw(handle) });
    match unsafe { lib.get::<*const c_void>(name) } {
        Ok(sym) => {
            let p = *sym as usize;
            if p == 0 {
                let shown = String::from_utf8_lossy(name.strip_suffix(&[0]).unwrap_or(name));
                Err(format!("{shown}: symbol resolves to address 0"))
            } else {
                Ok(p)
            }
        }
        Err(e) => Err(error_text(&e)),
    }
}

/// Releases a handle this thread loaded but lost the race to publish.
pub fn close(handle: Handle) {
    // SAFETY: the handle came from our own dlopen and was never published.
    let _ = unsafe { libloading::os::unix::Library::from_raw(handle) }.close();
}

/// The folder of the image holding this runtime (the executable or shared library).
pub fn image_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
        let addr = image_dir as *const c_void;
        // SAFETY: dladdr only reads the loader's tables; info is a valid out-parameter.
        let ok = unsafe { libc::dladdr(addr, &mut info) } != 0;
        let from_dladdr = (ok && !info.dli_fname.is_null())
            .then(|| unsafe { std::ffi::CStr::from_ptr(info.dli_fname) })
            .and_then(|c| c.to_str().ok())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute());
        // The main executable is reported by the name it was started with: use its real path.
        let file = from_dladdr.or_else(|| std::env::current_exe().ok())?;
        let file = std::fs::canonicalize(&file).unwrap_or(file);
        file.parent().map(|p| p.to_path_buf())
    })
    .clone()
}

/// The thread's `errno`, saved before the resolver runs.
#[derive(Clone, Copy, Debug)]
pub struct SavedError(i32);

#[cfg(any(target_os = "linux", target_os = "android"))]
fn errno_ptr() -> *mut i32 {
    // SAFETY: always valid for the calling thread.
    unsafe { libc::__errno_location() }
}

#[cfg(target_vendor = "apple")]
fn errno_ptr() -> *mut i32 {
    // SAFETY: always valid for the calling thread.
    unsafe { libc::__error() }
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
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
