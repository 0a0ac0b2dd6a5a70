//! The C API an application uses to steer the resolver (declared in `include/aotinterop.h`).

use super::buf::Buf;
use super::failure::{FailureKind, Report};
use super::names::Platform;
use super::seqlock::SeqWords;
use super::table::TableRef;
use core::ffi::{c_char, c_void, CStr};

/// `void *resolver(const char *library, uint32_t search_path, void *user)`: returns a library
/// handle (`dlopen` / `LoadLibrary` result) or NULL to let the normal search run.
pub type ResolverCallback =
    unsafe extern "C" fn(library: *const c_char, search_path: u32, user: *mut c_void) -> *mut c_void;

/// What a failure handler is told (strings valid during the call only).
#[repr(C)]
#[derive(Debug)]
pub struct FailureInfo {
    /// [`FailureKind`] as a number: 1 library not found, 2 entry point not found, 3 bad import.
    pub kind: u32,
    /// Index of the import in its table.
    pub index: u32,
    /// Library as written.
    pub library: *const c_char,
    /// Entry point as declared.
    pub entry: *const c_char,
    /// The full message.
    pub message: *const c_char,
}

/// `const void *handler(const aotinterop_failure *info, void *user)`: returns a function the
/// failed call jumps to instead (with the call's own arguments), or NULL for a function that
/// returns 0.
pub type FailureHandler = unsafe extern "C" fn(info: *const FailureInfo, user: *mut c_void) -> *const c_void;

/// A registered function and its user pointer, read and written as one ([`SeqWords`]). No
/// lock is held while the function runs, so a callback may register another, or make a first
/// call.
struct Registration(SeqWords<2>);

impl Registration {
    const fn new() -> Self {
        Registration(SeqWords::new())
    }

    fn set(&self, function: usize, user: usize) {
        self.0.set([function, user]);
    }

    fn get(&self) -> Option<(usize, usize)> {
        let [f, u] = self.0.get();
        (f != 0).then_some((f, u))
    }
}

static RESOLVER: Registration = Registration::new();
static HANDLER: Registration = Registration::new();

/// Registers (or, with NULL, removes) the resolver callback asked first for every library.
#[no_mangle]
pub extern "C" fn aotinterop_set_resolver(callback: Option<ResolverCallback>, user: *mut c_void) {
    RESOLVER.set(callback.map_or(0, |c| c as usize), user as usize);
}

/// Registers (or, with NULL, removes) the failure handler. Without one, a failed first call
/// prints the message to stderr and aborts.
#[no_mangle]
pub extern "C" fn aotinterop_set_failure_handler(handler: Option<FailureHandler>, user: *mut c_void) {
    HANDLER.set(handler.map_or(0, |c| c as usize), user as usize);
}

pub(super) fn ask_resolver(library: &CStr, search_path: u32) -> Option<usize> {
    let (f, user) = RESOLVER.get()?;
    // SAFETY: only `aotinterop_set_resolver` stores a non-zero function, a ResolverCallback.
    let f: ResolverCallback = unsafe { core::mem::transmute::<usize, ResolverCallback>(f) };
    // SAFETY: the application registered this callback for exactly this call.
    let h = unsafe { f(library.as_ptr(), search_path, user as *mut c_void) };
    (!h.is_null()).then_some(h as usize)
}

/// What a failed call returns when the handler gives no fallback.
extern "C" fn failed_call() -> usize {
    0
}

/// `s` into `buf`, cut where it does not fit (these are the handler's copies of names already
/// whole in the message).
fn c_copy<const N: usize>(s: &[u8], buf: &mut Buf<N>) {
    buf.push(&s[..s.len().min(N - 1)]);
}

/// Reports a failure to the handler (or prints and aborts) and returns where the call goes.
pub(super) fn report(mut f: Report, index: u32) -> usize {
    let kind = f.kind;
    // The handler's copies of the names (the message has them whole), taken before the message
    // is finished.
    let (mut lib_buf, mut entry_buf) = (Buf::<1024>::new(), Buf::<1024>::new());
    c_copy(f.lib_name(), &mut lib_buf);
    c_copy(f.entry(), &mut entry_buf);
    let message = f.message(Platform::host());
    let Some((h, user)) = HANDLER.get() else {
        super::os::write_stderr(message.strip_suffix(&[0]).unwrap_or(message));
        super::os::write_stderr(b"\n");
        super::os::abort();
    };
    // SAFETY: only `aotinterop_set_failure_handler` stores a non-zero function.
    let h: FailureHandler = unsafe { core::mem::transmute::<usize, FailureHandler>(h) };
    let info = FailureInfo {
        kind: kind as u32,
        index,
        library: lib_buf.as_c_bytes().as_ptr().cast(),
        entry: entry_buf.as_c_bytes().as_ptr().cast(),
        message: message.as_ptr().cast(),
    };
    // SAFETY: the application registered this handler for exactly this call.
    let fallback = unsafe { h(&info, user as *mut c_void) };
    if fallback.is_null() {
        failed_call as *const () as usize
    } else {
        fallback as usize
    }
}

/// Copies `text` into a caller buffer, NUL-terminated and truncated to fit.
unsafe fn copy_out(text: &[u8], buf: *mut c_char, size: usize) {
    if buf.is_null() || size == 0 {
        return;
    }
    let text = text.strip_suffix(&[0]).unwrap_or(text);
    let n = text.len().min(size - 1);
    core::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
    *buf.add(n) = 0;
}

/// Number of imports in `table` (0 when it is not an import table).
///
/// # Safety
/// `table` must be NULL or `&__aotinterop_imports` of a linked image.
#[no_mangle]
pub unsafe extern "C" fn aotinterop_import_count(table: *const c_void) -> u32 {
    TableRef::new(table.cast()).map_or(0, |t| t.header().import_count)
}

/// Index of the import of `entry` in `library` (names as written), or `UINT32_MAX`.
///
/// # Safety
/// `table` as for [`aotinterop_import_count`]; the names NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn aotinterop_find_import(
    table: *const c_void,
    library: *const c_char,
    entry: *const c_char,
) -> u32 {
    let Some(t) = TableRef::new(table.cast()) else {
        return u32::MAX;
    };
    if library.is_null() || entry.is_null() {
        return u32::MAX;
    }
    let (library, entry) = (CStr::from_ptr(library), CStr::from_ptr(entry));
    (0..t.header().import_count)
        .find(|&i| {
            let r = t.import(i);
            t.string(r.name_off) == entry
                && t.module(r.module)
                    .is_some_and(|m| t.string(m.name_off) == library)
        })
        .unwrap_or(u32::MAX)
}

/// Binds import `index` now, without calling it and without the failure handler: returns 0 when
/// it can be called, else a failure kind (1 library, 2 entry point, 3 bad table or index), with
/// the message copied into `message` (may be NULL).
///
/// # Safety
/// `table` as for [`aotinterop_import_count`]; `message` NULL or `message_size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn aotinterop_bind(
    table: *const c_void,
    index: u32,
    message: *mut c_char,
    message_size: usize,
) -> i32 {
    let Some(t) = TableRef::new(table.cast()) else {
        copy_out(b"aotinterop: not an import table", message, message_size);
        return FailureKind::BadImport as i32;
    };
    match super::bind(&t, index) {
        Ok(_) => {
            copy_out(b"", message, message_size);
            0
        }
        Err(mut f) => {
            copy_out(f.message(Platform::host()), message, message_size);
            f.kind as i32
        }
    }
}

/// Binds every import of `table` now; returns how many failed (they stay lazy and are retried
/// on their first call).
///
/// # Safety
/// `table` as for [`aotinterop_import_count`].
#[no_mangle]
pub unsafe extern "C" fn aotinterop_bind_all(table: *const c_void) -> u32 {
    let Some(t) = TableRef::new(table.cast()) else {
        return u32::MAX;
    };
    (0..t.header().import_count)
        .filter(|&i| super::bind(&t, i).is_err())
        .count() as u32
}
