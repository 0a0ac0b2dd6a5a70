//! The native-interop surface of an app: the imports it makes and the entry points it offers.
//! A scan of its assemblies fills it, and so do the request's explicit imports and exports.

use crate::imports::Import;
use serde::{Deserialize, Serialize};

/// An `[UnmanagedCallersOnly(EntryPoint = "...")]` method, or an export the request names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeExport {
    /// The exported symbol (`EntryPoint`).
    pub name: String,
    /// The managed method (`Namespace.Type::Method`), when it comes from an assembly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The declaring assembly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assembly: Option<String>,
    /// `CallConvs` types named by the attribute (`CallConvCdecl`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_convs: Vec<String>,
    /// Whether native AOT exports it: the published assembly's entry points and those of the
    /// assemblies named as unmanaged-entry-point assemblies.
    pub exported: bool,
}

/// Imports and exports gathered from assemblies and the request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Surface {
    /// Every P/Invoke.
    pub imports: Vec<Import>,
    /// Every UnmanagedCallersOnly entry point with a name.
    pub exports: Vec<NativeExport>,
    /// P/Invokes the AOT compiler's runtime binds itself (Mono's `__Internal` and native shims).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_imports: Vec<crate::RuntimeImport>,
}
