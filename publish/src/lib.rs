//! aotinterop: the native-interop half of publishing a .NET app ahead of time.
//!
//! The pipeline runs one way: scan assemblies for P/Invokes and native exports, plan which
//! imports bind directly (at startup) or lazily (on first call), and later emit stubs, link and
//! verify. The command-line program and the MSBuild task are thin layers over this library.

pub mod diagnostics;
pub mod direct_pinvoke;
pub mod imports;
pub mod plan;
pub mod request;
pub mod rid;
pub mod surface;

pub use diagnostics::{Diagnostic, Error, Location, Result, Severity};
pub use imports::{Charset, Import};
pub use plan::{plan, Binding, Plan};
pub use request::{LoadedRequest, OutputKind, PublishRequest};
pub use rid::Rid;
pub use surface::{NativeExport, Surface};

/// Gathers the interop surface a request describes: its explicit imports and, once scanned, the
/// P/Invokes and entry points of its assemblies.
pub fn surface_of(loaded: &LoadedRequest) -> Result<Surface> {
    let req = &loaded.request;
    if let Some(first) = req.assemblies.first() {
        return Err(Error::new(
            diagnostics::codes::REQUEST_INVALID,
            "scanning assemblies is not available in this build; list the imports under `imports` instead",
        )
        .at(Location::file(first)));
    }
    let mut imports = req.imports.clone();
    for file in &req.imports_file {
        imports.extend(imports::load_imports_file(file)?);
    }
    Ok(Surface {
        imports,
        exports: Vec::new(),
    })
}

/// Loads a request, gathers its surface and plans it.
pub fn plan_request(loaded: &LoadedRequest) -> Result<Plan> {
    let surface = surface_of(loaded)?;
    plan::plan(loaded, surface)
}
