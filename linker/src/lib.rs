//! What writes binaries and runs linkers: stub objects, export files, stand-in import
//! libraries, linker drivers, and the preflight over what `aotinterop-image` reads. Every shared
//! word (target, binding, plan, diagnostic) is the model crate's.

pub mod driver;
pub mod emit;
pub mod exports;
pub mod import_libraries;
pub mod preflight;

use aotinterop_model::{diag, target};
