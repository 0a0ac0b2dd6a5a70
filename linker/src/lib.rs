//! Stub objects, export files, linker drivers, preflight, image inspection and verification.
//! Every shared word (target, binding, plan, diagnostic) is the model crate's.

pub mod driver;
pub mod emit;
pub mod exports;
pub mod import_libraries;
pub mod inspect;
pub mod preflight;
pub mod verify;

use aotinterop_model::{diag, target};
