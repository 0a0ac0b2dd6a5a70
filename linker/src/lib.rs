//! Stub objects, export files, linker drivers, image inspection and verification.

pub mod diag;
pub mod driver;
pub mod emit;
pub mod exports;
pub mod inspect;
pub mod plan_view;
pub mod preflight;
pub mod target;
pub mod verify;

pub use target::{Arch, Format, Libc, Target};
