//! aotinterop's vocabulary, defined once for every crate above it: runtime identifiers and the
//! table of supported targets, bindings, charsets and the other DllImport settings, the naming
//! rules of a P/Invoke, linker flavours and the NativeLibrary name rule, diagnostics with the
//! table of their codes, and (with the `serde` feature) the plan.
//!
//! The runtime staticlib depends on this crate without default features, so that it carries only
//! the plain types and rules.

pub mod codes;
pub mod diag;
pub mod dllimport;
pub mod dotnet;
pub mod flavor;
pub mod names;
#[cfg(feature = "serde")]
pub mod plan;
pub mod rid;
pub mod target;

pub use diag::{Diagnostic, Error, Location, Result, Severity};
pub use dllimport::{
    Binding, CallingConvention, Charset, Compiler, DllImportSearchPath, LibrarySearch, OutputKind,
};
pub use dotnet::DotNet;
pub use flavor::Flavor;
pub use names::EntryLookup;
#[cfg(feature = "serde")]
pub use plan::{Plan, PlannedExport, PlannedImport};
pub use rid::{Os, Rid, RidError};
pub use target::{Arch, Format, Libc, Platform, Runner, Target, TargetRow, TARGETS};
