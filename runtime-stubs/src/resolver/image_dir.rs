//! The image's own folder, looked up once and kept (the AssemblyDirectory step's folder), for
//! both loaders: each `os_*` module says how to find it, this module keeps it without a lock.

use super::buf::PATH_SIZE;
use core::sync::atomic::{AtomicU8, Ordering};

/// 0: not looked up yet; 1: being looked up; 2: in `DIR`; 3: not found.
static STATE: AtomicU8 = AtomicU8::new(0);
static mut DIR: [u8; PATH_SIZE] = [0; PATH_SIZE];
static mut LEN: usize = 0;

/// The folder `find` writes (returning its length), looked up once. A thread that finds the
/// lookup in progress (another thread's, or its own interrupted by a signal) looks it up itself
/// into `scratch` rather than wait.
pub(super) fn cached(
    find: fn(&mut [u8; PATH_SIZE]) -> Option<usize>,
    scratch: &mut [u8; PATH_SIZE],
) -> Option<&[u8]> {
    match STATE.load(Ordering::Acquire) {
        // SAFETY: written once before the state became 2, never again.
        2 => return Some(unsafe { &(&*core::ptr::addr_of!(DIR))[..LEN] }),
        3 => return None,
        _ => {}
    }
    if STATE
        .compare_exchange(0, 1, Ordering::Acquire, Ordering::Acquire)
        .is_ok()
    {
        // SAFETY: state 1 gives this thread sole access to DIR until it publishes.
        let dir = unsafe { &mut *core::ptr::addr_of_mut!(DIR) };
        return match find(dir) {
            Some(n) => {
                // SAFETY: as above.
                unsafe { LEN = n };
                STATE.store(2, Ordering::Release);
                Some(&dir[..n])
            }
            None => {
                STATE.store(3, Ordering::Release);
                None
            }
        };
    }
    let n = find(scratch)?;
    Some(&scratch[..n])
}
