//! The first-call resolver: finds an import's library and entry point the way .NET does for
//! a lazy P/Invoke, publishes the handle and the target, and reports failures.
//!
//! Rules (see `docs/runtime.md`): the application's resolver callback is asked first; then, for
//! each name variation, the image's own folder (AssemblyDirectory) and the OS loader; the
//! current directory only when asked. A library handle is published once per module with a
//! compare-and-swap (a losing thread releases its extra handle); the target is stored in the
//! cell with release ordering. errno / last-error is the caller's again when the target runs.
//! Failures are not cached: the next call retries.
//!
//! Nothing here allocates: paths, spellings and messages are built in fixed stack buffers
//! ([`buf`]); a name too long for its buffer fails that attempt with a message naming the limit.

pub mod buf;
mod capi;
pub mod failure;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub mod gnu_hash;
pub mod names;
#[cfg(unix)]
mod os_unix;
#[cfg(windows)]
mod os_windows;
pub mod search;
mod seqlock;
pub mod table;

#[cfg(unix)]
use os_unix as os;
#[cfg(windows)]
use os_windows as os;

use buf::{Buf, ENTRY_SIZE, PATH_SIZE};
pub use capi::{FailureHandler, FailureInfo, ResolverCallback};
use core::ffi::CStr;
use core::sync::atomic::Ordering;
pub use failure::{FailureKind, Report};
use names::Platform;
use search::Via;
use table::TableRef;

/// What an attempt that was not passed to the loader says.
const SKIPPED_CWD: &[u8] = b"not tried: a relative path would be searched from the current directory";
const SKIPPED_CWD_NAMED: &[u8] = SKIPPED_CWD_NAMED_TEXT.as_bytes();
const SKIPPED_TOKENS: &[u8] = SKIPPED_TOKENS_TEXT.as_bytes();
/// What an attempt at a path holding a token the loader would replace says.
pub const SKIPPED_TOKENS_TEXT: &str =
    "not tried: the path holds $ORIGIN, $LIB or $PLATFORM, which the loader would replace (it would open another file)";
/// What an attempt at an absolute path through the current directory by another name says.
pub const SKIPPED_CWD_NAMED_TEXT: &str = "not tried: the path reaches the current directory by another name";
/// What an OS-loader attempt that `LD_LIBRARY_PATH` would send to the current directory says,
/// after the element that would.
const SKIPPED_LD_PATH_CWD: &str = " would lead the loader to a file it must not take: one in the current directory (an empty, relative, $PLATFORM or $LIB element, or one naming the current directory by another name such as /proc/self/cwd) or a FIFO or device";

/// What the OS-loader step does with a bare name (the platform's `bare_name_search`).
pub enum BareName {
    /// Hands it to the loader.
    Loader,
    /// Does not try it: a folder the loader searches holds a file it must not take.
    Refused(Refusal),
    /// The loader's search path holds a folder it must not search (this one): the resolver
    /// searched the others itself and found the file (its path given).
    Found(Refusal),
    /// As [`BareName::Found`], and found nothing.
    NotFound(Refusal),
}

/// The longest search-path element a message shows whole; a longer one is shown by its first
/// and last [`ELEMENT_END`] bytes and its length.
const ELEMENT_SHOWN: usize = 200;
const ELEMENT_END: usize = 90;

/// The search-path element that has the resolver keep a bare name from the loader.
#[derive(Clone, Copy, Debug)]
pub struct Refusal {
    /// The element's first bytes, as the list holds it (all of it, up to [`ELEMENT_SHOWN`]).
    element: [u8; ELEMENT_SHOWN],
    /// Its last [`ELEMENT_END`] bytes, for a longer one.
    tail: [u8; ELEMENT_END],
    /// Its length.
    len: usize,
    /// Whether it is a RUNPATH's or RPATH's (the image's own, or on musl the main
    /// program's; else `LD_LIBRARY_PATH`'s).
    own: bool,
}

impl Refusal {
    /// The refusal by `element` (of the image's own search path when `own`).
    pub fn new(element: &[u8], own: bool) -> Self {
        let mut copy = [0u8; ELEMENT_SHOWN];
        let n = element.len().min(ELEMENT_SHOWN);
        copy[..n].copy_from_slice(&element[..n]);
        let mut tail = [0u8; ELEMENT_END];
        if element.len() > ELEMENT_SHOWN {
            tail.copy_from_slice(&element[element.len() - ELEMENT_END..]);
        }
        Refusal {
            element: copy,
            tail,
            len: element.len(),
            own,
        }
    }

    /// `not tried: LD_LIBRARY_PATH element `…` would lead …`.
    fn write<const N: usize>(&self, out: &mut Buf<N>) {
        out.push_str("not tried: ");
        self.write_element(out);
        out.push_str(SKIPPED_LD_PATH_CWD);
    }

    /// `not found in the folders the loader searches; … element `…` passed over: …`.
    fn write_passed_over<const N: usize>(&self, out: &mut Buf<N>) {
        out.push_str(NOT_FOUND_SEARCHED);
        self.write_element(out);
        out.push_str(PASSED_OVER);
    }

    /// [`Refusal::write`], for tests of the message.
    #[cfg(test)]
    pub(crate) fn write_for_test<const N: usize>(&self, out: &mut Buf<N>) {
        self.write(out);
    }

    /// `LD_LIBRARY_PATH element `…``, the element escaped and shortened.
    fn write_element<const N: usize>(&self, out: &mut Buf<N>) {
        out.push_str(if self.own {
            "RUNPATH element `"
        } else {
            // The list holds the host program's RPATH too (a shared image's), and
            // `ld.so --library-path`'s folders: named by the variable users set most.
            "LD_LIBRARY_PATH (or RPATH) element `"
        });
        let escaped = |out: &mut Buf<N>, bytes: &[u8]| {
            for &b in bytes {
                match b {
                    0x20..=0x7e | 0x80.. => out.push(&[b]),
                    _ => out
                        .push_str("\\x")
                        .push(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]),
                };
            }
        };
        if self.len > ELEMENT_SHOWN {
            escaped(out, &self.element[..ELEMENT_END]);
            out.push_str("...(")
                .push_u64(self.len as u64)
                .push_str(" bytes in all)...");
            escaped(out, &self.tail);
        } else {
            escaped(out, &self.element[..self.len]);
        }
        out.push_str("`");
    }
}

/// What an OS-loader attempt the resolver searched for itself and did not find says.
const NOT_FOUND_SEARCHED: &str = "not found in the folders the loader searches (searched by the resolver itself, by the loader's own list and its cache); ";
/// What it says after the element it passed over.
const PASSED_OVER: &str = " was passed over: it is the current directory (empty, relative, $PLATFORM or $LIB, or the current directory by another name such as /proc/self/cwd)";

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The C library functions the Unix resolver looks up by name when it first needs them
/// (`dlsym(RTLD_DEFAULT, …)`, which would find an image's own function of that name first).
#[cfg(all(feature = "std", unix))]
pub static LATE_BOUND: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    os::late::NAMES
        .iter()
        .filter_map(|n| core::str::from_utf8(n.strip_suffix(b"\0").unwrap_or(n)).ok())
        .collect()
});

/// The file the OS-loader step opens for the exact name `libc` on this platform (as .NET's
/// `SystemNative_LoadLibrary` maps it): `libc.so.6` with glibc, `libc.so` with musl.
#[cfg(all(feature = "std", unix))]
pub fn libc_file() -> &'static str {
    let file = os::LIBC_FILE.strip_suffix(b"\0").unwrap_or(os::LIBC_FILE);
    core::str::from_utf8(file).unwrap_or("libc.so")
}

/// What the OS-loader step does with the bare file name `name` (the platform's `bare_name_search`):
/// `Ok(None)` hands it to the loader, `Ok(Some(path))` loads the path the resolver found
/// itself; `Err` is why it is not tried or not found.
#[cfg(feature = "std")]
pub fn bare_name_search(name: &str) -> Result<Option<String>, String> {
    let mut b = Buf::<PATH_SIZE>::new();
    b.push(name.as_bytes());
    if b.overflowed() {
        return Ok(None);
    }
    let mut found = Buf::<PATH_SIZE>::new();
    let mut text = Buf::<1024>::new();
    match os::bare_name_search(b.as_c_bytes(), &mut found) {
        BareName::Loader => return Ok(None),
        BareName::Found(_) => return Ok(Some(String::from_utf8_lossy(found.as_bytes()).into_owned())),
        BareName::Refused(r) => r.write(&mut text),
        BareName::NotFound(r) => r.write_passed_over(&mut text),
    }
    Err(String::from_utf8_lossy(text.as_bytes()).into_owned())
}
/// The `LD_LIBRARY_PATH` the loader of this process uses (the last entry of the environment
/// it started with; none when set-user-ID): what the resolver checks a bare name against.
#[cfg(all(feature = "std", unix))]
pub fn loader_library_path() -> Option<&'static [u8]> {
    os::loader_library_path()
}

/// The folder of this process's program, as the resolver finds it (the file the kernel or
/// `ld.so` mapped as the program).
#[cfg(all(feature = "std", unix))]
pub fn program_dir() -> Option<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = [0u8; PATH_SIZE];
    os::exe_dir(&mut out).map(|d| std::ffi::OsStr::from_bytes(d).to_os_string())
}

/// Whether the loader would replace a token in `path` (glibc: `$ORIGIN`, `$LIB`, `$PLATFORM`):
/// the resolver does not try it.
#[cfg(feature = "std")]
pub fn loader_replaces_tokens(path: &str) -> bool {
    path.contains('/') && os::loader_replaces_tokens(path.as_bytes())
}

/// Whether the absolute `path` passes through the current directory by another name
/// (`/proc/self/cwd/x.so`), itself or through the links it is: the resolver does not try it.
#[cfg(all(feature = "std", unix))]
pub fn through_current_directory(path: &str) -> bool {
    let mut b = Buf::<PATH_SIZE>::new();
    b.push(path.as_bytes());
    !b.overflowed() && os::reaches_current_directory(b.as_c_bytes())
}

const PATH_TOO_LONG: &[u8] = b"not tried: the path is longer than the runtime's 4096-byte path buffer";
const ENTRY_TOO_LONG: &[u8] = b"not tried: the name is longer than the runtime's 1024-byte name buffer";

/// Loads library `name` by the resolver's rules (the callback aside): each failed attempt is
/// told to `tried` (the path and the loader's text); the path that loaded is left in `path`.
fn load_library_into(
    name: &str,
    search_path: u32,
    module_flags: u32,
    path: &mut Buf<PATH_SIZE>,
    tried: &mut dyn FnMut(&[u8], &[u8]),
) -> Option<os::Handle> {
    let mut scratch = [0u8; PATH_SIZE];
    let dir = if module_flags & crate::abi::module_flags::PROCESS_DIRECTORY != 0 {
        os::exe_dir(&mut scratch)
    } else {
        os::image_dir(&mut scratch)
    };
    let mut handle = None;
    search::each_step(
        name,
        search_path,
        module_flags,
        dir,
        Platform::host(),
        &mut |step| {
            path.truncate(0);
            step.write(&mut |b| {
                path.push(b);
            });
            let flags = match step.via {
                Via::SkippedCurrentDirectory => {
                    tried(path.as_bytes(), SKIPPED_CWD);
                    return true;
                }
                Via::OsLoader { flags }
                    if module_flags & crate::abi::module_flags::ALLOW_CURRENT_DIRECTORY == 0
                        && !path.as_bytes().contains(&b'/')
                        && !path.overflowed() =>
                {
                    let mut found = Buf::<PATH_SIZE>::new();
                    let mut why = Buf::<1024>::new();
                    match os::bare_name_search(path.as_c_bytes(), &mut found) {
                        BareName::Loader => {}
                        BareName::Found(_) => {
                            path.truncate(0);
                            path.push(found.as_bytes());
                            // glibc would replace a token in the folder's name (one that came in
                            // through `$ORIGIN`) and open another file.
                            if os::loader_replaces_tokens(path.as_bytes()) {
                                tried(path.as_bytes(), SKIPPED_TOKENS);
                                return true;
                            }
                        }
                        BareName::Refused(r) => r.write(&mut why),
                        BareName::NotFound(r) => r.write_passed_over(&mut why),
                    }
                    if !why.is_empty() {
                        tried(path.as_bytes(), why.as_bytes());
                        return true;
                    }
                    flags
                }
                // A module named by an absolute path through the current directory by another
                // name (`/proc/self/cwd/x.so`), or a file in the image's folder that is a link
                // there, is the current directory's, as `./x.so` is.
                Via::Absolute { .. } | Via::AssemblyDirectory { .. }
                    if module_flags & crate::abi::module_flags::ALLOW_CURRENT_DIRECTORY == 0
                        && !path.overflowed()
                        && os::reaches_current_directory(path.as_c_bytes()) =>
                {
                    tried(path.as_bytes(), SKIPPED_CWD_NAMED);
                    return true;
                }
                // glibc replaces `$ORIGIN`, `$LIB` and `$PLATFORM` in a path it is handed: the
                // file there is not the one it would open.
                _ if path.as_bytes().contains(&b'/') && os::loader_replaces_tokens(path.as_bytes()) => {
                    tried(path.as_bytes(), SKIPPED_TOKENS);
                    return true;
                }
                Via::Absolute { flags } | Via::AssemblyDirectory { flags } | Via::OsLoader { flags } => flags,
            };
            if path.overflowed() {
                tried(path.as_bytes(), PATH_TOO_LONG);
                return true;
            }
            match os::open(path.as_c_bytes(), flags) {
                Ok(h) => {
                    handle = Some(h);
                    false
                }
                Err(e) => {
                    tried(path.as_bytes(), e.as_bytes());
                    true
                }
            }
        },
    );
    handle
}

/// Loads a library the way the resolver does (callback aside), returning the handle and the
/// path that loaded, or every attempt with the loader's text.
#[cfg(feature = "std")]
pub fn load_library(
    name: &str,
    search_path: u32,
    module_flags: u32,
) -> Result<(usize, String), Vec<(String, String)>> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut path = Buf::new();
    let mut failed = Vec::new();
    match load_library_into(name, search_path, module_flags, &mut path, &mut |what, why| {
        failed.push((text(what), text(failure::without_repeated_path(what, why))))
    }) {
        Some(h) => Ok((h as usize, text(path.as_bytes()))),
        None => Err(failed),
    }
}

/// The module handle of import `index`'s library, loading and publishing it if needed.
// The report is large, and stays on the stack: the runtime has no heap to box it on.
#[allow(clippy::result_large_err)]
fn module_handle(t: &TableRef, m: u16, library: &CStr, entry: &CStr) -> Result<usize, Report> {
    let slot = t.handle(m);
    let h = slot.load(Ordering::Acquire);
    if h != 0 {
        return Ok(h);
    }
    let platform = Platform::host();
    let bad = || {
        Report::new(
            FailureKind::BadImport,
            library.to_bytes(),
            entry.to_bytes(),
            platform,
        )
    };
    let module = t.module(m).ok_or_else(bad)?;
    let (h, owned) = match capi::ask_resolver(t.string(module.name_off), module.search_path) {
        Some(h) => (h, false),
        None => {
            let name = library.to_str().map_err(|_| bad())?;
            let mut report: Option<Report> = None;
            let mut path = Buf::new();
            let loaded = load_library_into(
                name,
                module.search_path,
                module.flags,
                &mut path,
                &mut |what, why| {
                    report
                        .get_or_insert_with(|| {
                            Report::new(
                                FailureKind::DllNotFound,
                                library.to_bytes(),
                                entry.to_bytes(),
                                platform,
                            )
                        })
                        .tried(what, why)
                },
            );
            match loaded {
                Some(h) => (h as usize, true),
                None => {
                    return Err(report.unwrap_or_else(|| {
                        Report::new(
                            FailureKind::DllNotFound,
                            library.to_bytes(),
                            entry.to_bytes(),
                            platform,
                        )
                    }))
                }
            }
        }
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

/// A report for import `index` of a table with `count` imports.
fn bad_index(index: u64, of: &str, count: u64) -> Report {
    let mut entry = Buf::<128>::new();
    entry.push_str("import #").push_u64(index).push_str(of);
    if count != u64::MAX {
        entry.push_u64(count);
    }
    Report::new(FailureKind::BadImport, b"", entry.as_bytes(), Platform::host())
}

/// Binds import `index` of `t`: loads its library, finds its entry point and stores the
/// target in its cell. Returns the target.
#[allow(clippy::result_large_err)] // as for `module_handle`: no heap
pub fn bind(t: &TableRef, index: u32) -> Result<usize, Report> {
    let count = t.header().import_count;
    if index >= count {
        return Err(bad_index(index.into(), " of ", count.into()));
    }
    let rec = t.import(index);
    if u32::from(rec.module) >= t.header().module_count {
        // A damaged table: its handle slot would be outside the slots.
        return Err(bad_index(
            index.into(),
            " names a module the table does not have; imports: ",
            count.into(),
        ));
    }
    let entry_ptr = t.string_ptr(rec.name_off);
    let handle = match t.handle(rec.module).load(Ordering::Acquire) {
        0 => {
            let library = t.module(rec.module).map_or(c"", |m| t.string(m.name_off));
            module_handle(t, rec.module, library, t.string(rec.name_off))?
        }
        h => h,
    };
    let platform = Platform::host();
    // The common case, one exact spelling (always on Unix): the table's own NUL-terminated
    // string goes to the loader as it is, not even measured.
    use crate::abi::import_flags as flags;
    let exact = platform != Platform::Windows
        || rec.flags & (flags::EXACT_SPELLING | flags::STDCALL_PROBE) == flags::EXACT_SPELLING;
    if exact {
        match os::symbol(handle as os::Handle, entry_ptr) {
            Ok(addr) => {
                t.cell(index).store(addr, Ordering::Release);
                return Ok(addr);
            }
            Err(e) => {
                let entry = t.string(rec.name_off);
                let mut r = entry_not_found(t, rec.module, entry);
                r.tried(entry.to_bytes(), e.as_bytes());
                return Err(r);
            }
        }
    }
    bind_by_spellings(t, index, handle)
}

/// Binds import `index` by each spelling its flags ask for (Windows: the `A`/`W` forms, and on
/// win-x86 the decorated `_name@N` after each): the rarer path, kept out of [`bind`] so that the
/// common one stays small.
#[inline(never)]
#[allow(clippy::result_large_err)] // as for `module_handle`: no heap
fn bind_by_spellings(t: &TableRef, index: u32, handle: usize) -> Result<usize, Report> {
    use crate::abi::import_flags as flags;
    let rec = t.import(index);
    let probe = rec.flags & flags::STDCALL_PROBE != 0;
    let platform = Platform::host();
    let entry = t.string(rec.name_off);
    let mut report: Option<Report> = None;
    let mut tried = |what: &[u8], why: &[u8]| {
        report
            .get_or_insert_with(|| entry_not_found(t, rec.module, entry))
            .tried(what, why)
    };
    let text = entry.to_str().unwrap_or("");
    // Each spelling, and with the stdcall probe each one decorated after it: `_name@N`.
    let decorations: &[bool] = if probe { &[false, true] } else { &[false] };
    for suffix in names::entry_lookup(text, rec.flags, platform).suffixes() {
        for &decorated in decorations {
            let mut name = Buf::<ENTRY_SIZE>::new();
            if decorated {
                name.push(b"_");
            }
            name.push(entry.to_bytes());
            if let Some(c) = suffix {
                name.push(c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            if decorated {
                name.push(b"@").push_u64(flags::stack_bytes(rec.flags).into());
            }
            if name.overflowed() {
                tried(entry.to_bytes(), ENTRY_TOO_LONG);
                continue;
            }
            match os::symbol(handle as os::Handle, name.as_c_bytes().as_ptr().cast()) {
                Ok(addr) => {
                    t.cell(index).store(addr, Ordering::Release);
                    return Ok(addr);
                }
                Err(e) => tried(name.as_bytes(), e.as_bytes()),
            }
        }
    }
    Err(report.unwrap_or_else(|| entry_not_found(t, rec.module, entry)))
}

/// An EntryPointNotFound report for `entry` of module `m`.
fn entry_not_found(t: &TableRef, m: u16, entry: &CStr) -> Report {
    let library = t.module(m).map_or(c"", |m| t.string(m.name_off));
    Report::new(
        FailureKind::EntryPointNotFound,
        library.to_bytes(),
        entry.to_bytes(),
        Platform::host(),
    )
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
            Err(f) => capi::report(f, index as u32),
        },
        None => capi::report(
            bad_index(
                index as u64,
                " of a table without the AOTI magic, or with records outside its size",
                u64::MAX,
            ),
            index as u32,
        ),
    };
    os::restore_error(saved);
    target
}

/// What the `no_std` archive's panic handler does: say so on stderr and abort.
#[cfg(not(feature = "std"))]
pub(crate) fn abort_on_panic() -> ! {
    os::write_stderr(b"aotinterop: internal error in the lazy-binding runtime\n");
    os::abort()
}
