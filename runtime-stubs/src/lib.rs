//! What runs inside an aotinterop image, and the data it shares with the stub emitter.
//!
//! For now this crate carries the built-in Windows API list; the lazy-binding resolver and the
//! import ABI land here next.

pub mod windows_api_list;
