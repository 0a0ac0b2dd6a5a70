//! What runs inside an aotinterop image, and the data it shares with the stub emitter.
//!
//! - [`abi`]: the import ABI (section names, record layouts), used by the emitter too;
//! - [`resolver`]: the first-call resolver behind the trampolines and its C API
//!   (`aotinterop_*`, declared in `include/aotinterop.h`), see `docs/runtime.md`;
//! - [`probe`]: what `aotinterop probe` prints: the candidates the resolver tries for a name;
//! - the built-in Windows API list.

pub mod abi;
mod arch;
pub mod probe;
pub mod resolver;
pub mod windows_api_list;

/// The C API's header (`include/aotinterop.h`), for hosts a publish writes.
pub const C_HEADER: &str = include_str!("../include/aotinterop.h");
