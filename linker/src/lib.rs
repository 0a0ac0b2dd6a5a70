//! Stub objects, export files, linker drivers, image inspection and verification.

pub mod target;

pub use target::{Arch, Format, Libc, Target};
