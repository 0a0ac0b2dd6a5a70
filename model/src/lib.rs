//! aotinterop's vocabulary, defined once for every crate above it: runtime identifiers and the
//! table of supported targets, bindings, charsets and the other DllImport settings, the naming
//! rules of a P/Invoke, linker flavours and the NativeLibrary name rule, diagnostics with the
//! table of their codes, and (with the `serde` feature) the plan.
//!
//! The runtime inside an image depends on this crate without its `std` feature: it is then
//! `no_std` and holds only [`lazy_rules`], the rules the lazy resolver applies, [`ld_so_cache`] and
//! [`file_kind`].
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
pub mod codes;
#[cfg(feature = "std")]
pub mod diag;
#[cfg(feature = "std")]
pub mod dllimport;
#[cfg(feature = "std")]
pub mod dotnet;
#[cfg(feature = "std")]
pub mod extent;
/// What a file is, by its first bytes.
pub mod file_kind;
#[cfg(feature = "std")]
pub mod flavor;
#[cfg(feature = "serde")]
pub mod imports;
#[cfg(feature = "serde")]
pub mod json_input;
pub mod lazy_rules;
pub mod ld_so_cache;
#[cfg(feature = "std")]
pub mod names;
#[cfg(feature = "serde")]
pub mod plan;
#[cfg(feature = "std")]
pub mod rid;
#[cfg(feature = "serde")]
pub mod surface;
#[cfg(feature = "std")]
pub mod target;

#[cfg(feature = "std")]
pub use diag::{Diagnostic, Error, Location, Result, Severity};
#[cfg(feature = "std")]
pub use dllimport::{
    Binding, CallingConvention, Compiler, DllImportSearchPath, LibrarySearch, MonoAotMode, OutputKind,
};
#[cfg(feature = "std")]
pub use dotnet::DotNet;
pub use file_kind::FileKind;
#[cfg(feature = "std")]
pub use flavor::Flavor;
pub use lazy_rules::{Charset, EntryLookup, Platform};
#[cfg(feature = "serde")]
pub use plan::{GeneratedLibrary, GeneratedSymbol, Plan, PlannedExport, PlannedImport, RuntimeImport};
#[cfg(feature = "std")]
pub use rid::{Os, Rid, RidError};
#[cfg(feature = "std")]
pub use target::{Arch, Format, Libc, Runner, Target, TargetRow, TARGETS};
