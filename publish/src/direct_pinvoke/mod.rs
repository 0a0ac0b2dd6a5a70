//! DirectPInvoke: which P/Invokes the OS loader binds at startup instead of on first call.

pub mod hints;
pub mod item;
mod policy;
pub mod windows_list;

pub use item::{parse_item, DirectItem};
pub use policy::{Decision, DirectPInvokePolicy, Source, SourceId, SourceKind};
