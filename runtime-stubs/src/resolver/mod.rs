//! The first-call resolver: finds an import's library and entry point the way .NET does for
//! a lazy P/Invoke, publishes the handle and the target, and reports failures.
//!
//! Rules (see `docs/runtime.md`): the application's resolver callback is asked first; then, for
//! each name variation, the image's own folder (AssemblyDirectory) and the OS loader; the
//! current directory only when asked. A library handle is published once per module with a
//! compare-and-swap (a losing thread releases its extra handle); the target is stored in the
//! cell with release ordering. errno / last-error is the caller's again when the target runs.
//! Failures are not cached: the next call retries.

mod capi;
pub mod failure;
pub mod names;
#[cfg(unix)]
mod os_unix;
#[cfg(windows)]
mod os_windows;
pub mod search;
pub mod table;

#[cfg(unix)]
use os_unix as os;
#[cfg(windows)]
use os_windows as os;

pub use capi::{FailureHandler, FailureInfo, ResolverCallback};
pub use failure::{Failure, FailureKind};
use names::Platform;
use search::Via;
use std::sync::atomic::Ordering;
use table::TableRef;

/// The folder the AssemblyDirectory step searches: the folder of the image this runtime is in.
pub fn image_dir() -> Option<std::path::PathBuf> {
    os::image_dir()
}

/// Loads a library the way the resolver does (callback aside), returning the handle and the
/// path that loaded, or every attempt with the loader's text.
pub fn load_library(
    name: &str,
    search_path: u32,
    module_flags: u32,
) -> Result<(usize, String), Vec<(String, String)>> {
    let dir = if module_flags & crate::abi::module_flags::PROCESS_DIRECTORY != 0 {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
    } else {
        image_dir()
    };
    let mut tried = Vec::new();
    for a in search::attempts(name, search_path, module_flags, dir.as_deref(), Platform::host()) {
        let flags = match a.via {
            Via::SkippedCurrentDirectory => {
                tried.push((
                    a.path,
                    "not tried: a relative path would be searched from the current directory".into(),
                ));
                continue;
            }
            Via::Absolute { flags } | Via::AssemblyDirectory { flags } | Via::OsLoader { flags } => flags,
        };
        match os::open(&a.path, flags) {
            Ok(h) => return Ok((h as usize, a.path)),
            Err(e) => tried.push((a.path, e)),
        }
    }
    Err(tried)
}

/// The module handle of import `index`'s library, loading and publishing it if needed.
fn module_handle(t: &TableRef, m: u16, library: &str, entry: &str) -> Result<usize, Failure> {
    let slot = t.handle(m);
    let h = slot.load(Ordering::Acquire);
    if h != 0 {
        return Ok(h);
    }
    let module = t.module(m).ok_or_else(|| Failure {
        kind: FailureKind::BadImport,
        lib_name: library.into(),
        entry: entry.into(),
        tried: Vec::new(),
    })?;
    let (h, owned) = match capi::ask_resolver(t.string(module.name_off), module.search_path) {
        Some(h) => (h, false),
        None => match load_library(library, module.search_path, module.flags) {
            Ok((h, _)) => (h, true),
            Err(tried) => {
                return Err(Failure {
                    kind: FailureKind::DllNotFound,
                    lib_name: library.into(),
                    entry: entry.into(),
                    tried,
                })
            }
        },
    };
    match slot.compare_exchange(0, h, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => Ok(h),
        Err(winner) => {
            if owned && winner != h {
                os::close(h as os::Handle);
            }
            Ok(winner)
        }
    }
}

/// Binds import `index` of `t`: loads its library, finds its entry point and stores the
/// target in its cell. Returns the target.
pub fn bind(t: &TableRef, index: u32) -> Result<usize, Failure> {
    let h = t.header();
    if index >= h.import_count {
        return Err(Failure {
            kind: FailureKind::BadImport,
            lib_name: String::new(),
            entry: format!("import #{index} of {}", h.import_count),
            tried: Vec::new(),
        });
    }
    let rec = t.import(index);
    let entry_c = t.string(rec.name_off);
    let library = || {
        t.module(rec.module)
            .map(|m| t.string(m.name_off).to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let entry = || entry_c.to_string_lossy().into_owned();
    let handle = match t.handle(rec.module).load(Ordering::Acquire) {
        0 => module_handle(t, rec.module, &library(), &entry())?,
        h => h,
    };
    // The common case, one exact spelling (always on Unix): look the table's own NUL-terminated
    // string up without allocating.
    let platform = Platform::host();
    let single = platform != Platform::Windows || rec.flags & crate::abi::import_flags::EXACT_SPELLING != 0;
    let mut tried = Vec::new();
    if single {
        match os::symbol(handle as os::Handle, entry_c.to_bytes_with_nul()) {
            Ok(addr) => {
                t.cell(index).store(addr, Ordering::Release);
                return Ok(addr);
            }
            Err(e) => tried.push((entry(), e)),
        }
    } else {
        for name in names::entry_candidates(&entry(), rec.flags, platform) {
            let mut z = name.clone().into_bytes();
            z.push(0);
            match os::symbol(handle as os::Handle, &z) {
                Ok(addr) => {
                    t.cell(index).store(addr, Ordering::Release);
                    return Ok(addr);
                }
                Err(e) => tried.push((name, e)),
            }
        }
    }
    Err(Failure {
        kind: FailureKind::EntryPointNotFound,
        lib_name: library(),
        entry: entry(),
        tried,
    })
}

/// Called by `__aotinterop_lazy_entry` on an import's first call (and on every call while it
/// fails): returns the address the trampoline jumps to.
///
/// # Safety
/// `table` must be an import table emitted for this image and `index` one of its imports.
pub unsafe extern "C" fn resolve_from_stub(table: *const u8, index: usize) -> usize {
    let saved = os::save_error();
    let target = match TableRef::new(table) {
        Some(t) => match bind(&t, index.min(u32::MAX as usize) as u32) {
            Ok(addr) => addr,
            Err(f) => capi::report(&f, index as u32),
        },
        None => capi::report(
            &Failure {
                kind: FailureKind::BadImport,
                lib_name: String::new(),
                entry: format!("import #{index} of a table without the AOTI magic"),
                tried: Vec::new(),
            },
            index as u32,
        ),
    };
    os::restore_error(saved);
    target
}
