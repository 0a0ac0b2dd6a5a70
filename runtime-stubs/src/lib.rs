//! What runs inside an aotinterop image, and the data it shares with the stub emitter.
//!
//! - [`abi`]: the import ABI (section names, record layouts), used by the emitter too;
//! - [`resolver`]: the first-call resolver behind the trampolines and its C API
//!   (`aotinterop_*`, declared in `include/aotinterop.h`), see `docs/runtime.md`.
//!
//! The archive linked into images is built without the `std` feature: the crate is then
//! `no_std`, allocates nothing, and needs only libc and libdl (Unix) or kernel32 (Windows). The
//! toolkit uses it with `std`, which adds the readers.
#![cfg_attr(not(feature = "std"), no_std)]

pub mod abi;
mod arch;
pub mod resolver;

/// The C API's header (`include/aotinterop.h`), for hosts a publish writes.
pub const C_HEADER: &str = include_str!("../include/aotinterop.h");

/// A panic in the image's runtime ends the process: the runtime has no unwinding (its archive
/// is built with `panic = "abort"`), and nothing in it is meant to panic.
#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    resolver::abort_on_panic()
}

/// The precompiled `core` refers to Rust's unwinding personality from the unwind tables of
/// functions it was built with landing pads for; the runtime never unwinds (panics abort), so
/// the symbol only has to exist. It is never called.
#[cfg(not(feature = "std"))]
#[no_mangle]
extern "C" fn rust_eh_personality() {}
