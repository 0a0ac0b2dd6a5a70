//! DirectPInvoke: which P/Invokes the OS loader binds at startup instead of on first call.

pub mod builtin_windows_list;
pub mod hints;
pub mod item;
pub mod list_file;
mod policy;
pub mod sdk_defaults;
pub mod windows_list;

pub use item::{parse_item, DirectItem};
pub use policy::{Decision, DirectPInvokePolicy, Source, SourceId, SourceKind};
