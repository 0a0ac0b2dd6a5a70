//! The naming rules the resolver applies, from the model crate (where the plan and the policy
//! read them too), and the one step that is the resolver's own: reading an import record's flags.

pub use aotinterop_model::lazy_rules::{has_directory, is_absolute, ordinal, EntryLookup};
#[cfg(feature = "std")]
pub use aotinterop_model::names::library_variations;
use aotinterop_model::Charset;
pub use aotinterop_model::Platform;

/// The lookup an import record's flags ask for on `platform`.
pub fn entry_lookup(entry: &str, flags: u16, platform: Platform) -> EntryLookup {
    use crate::abi::import_flags as f;
    let charset = Charset::from_bits(flags & f::CHARSET_MASK);
    EntryLookup::lazy(entry, charset, flags & f::EXACT_SPELLING != 0, platform)
}

/// The symbol names tried for an entry point, in order (see [`EntryLookup`]; with the stdcall
/// probe each spelling is followed by its decorated `_spelling@N`).
#[cfg(feature = "std")]
pub fn entry_candidates(entry: &str, flags: u16, platform: Platform) -> Vec<String> {
    use crate::abi::import_flags as f;
    let base = entry_lookup(entry, flags, platform).candidates(entry);
    if flags & f::STDCALL_PROBE != 0 {
        aotinterop_model::names::with_stdcall_probes(base, f::stack_bytes(flags))
    } else {
        base
    }
}
