//! The zlib C API (`zlibVersion`, `crc32`, ...) of zlib-rs, exported from a shared library.
//! `no_std`, so that it needs nothing of the C runtime but its allocator (Rust's standard
//! library would bring libgcc_s, which Debian builds for glibc only).
#![no_std]

use core::alloc::{GlobalAlloc, Layout};

pub use libz_rs_sys::*;

extern "C" {
    fn abort() -> !;
    fn aligned_alloc(align: usize, size: usize) -> *mut u8;
    fn free(p: *mut u8);
}

/// Rust's allocations (zlib-rs makes few: its streams use zlib's own `zalloc`) from the C
/// library's allocator.
struct CAllocator;

unsafe impl GlobalAlloc for CAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // aligned_alloc wants a size that is a multiple of the alignment.
        let size = layout.size().next_multiple_of(layout.align());
        // SAFETY: a valid alignment (a power of two) and size.
        unsafe { aligned_alloc(layout.align(), size) }
    }

    unsafe fn dealloc(&self, p: *mut u8, _: Layout) {
        // SAFETY: allocated by `alloc` above.
        unsafe { free(p) }
    }
}

#[global_allocator]
static ALLOCATOR: CAllocator = CAllocator;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: the C library's abort.
    unsafe { abort() }
}
