//! aotinterop: the native-interop half of publishing a .NET app ahead of time.
//!
//! The pipeline runs one way: scan assemblies for P/Invokes and native exports, plan which
//! imports bind directly (at startup) or lazily (on first call), and later emit stubs, link and
//! verify. The command-line program and the MSBuild task are thin layers over this library.

pub mod direct_pinvoke;
pub mod imports;
mod native_library;
pub mod pipeline;
pub mod plan;
pub mod request;
pub mod scan;
pub mod surface;

pub use aotinterop_linker::{inspect, verify};
pub use aotinterop_model::{Diagnostic, Error, Location, Result, Severity};
pub use aotinterop_runtime::probe;
pub use imports::Import;
pub use plan::plan;
pub use request::{LoadedRequest, PublishRequest};
pub use surface::{NativeExport, Surface};

/// Gathers the interop surface a request describes: its explicit imports and the P/Invokes and
/// entry points of its assemblies.
pub fn surface_of(loaded: &LoadedRequest) -> Result<Surface> {
    gather(loaded).map(|(surface, _)| surface)
}

/// The surface and the scan's warnings.
fn gather(loaded: &LoadedRequest) -> Result<(Surface, Vec<Diagnostic>)> {
    gather_with_progress(loaded, &mut |_| {})
}

/// Gathers the surface of a request and the scan's warnings; `progress` is told how many
/// assemblies have been read so far.
pub fn gather_with_progress(
    loaded: &LoadedRequest,
    progress: &mut dyn FnMut(usize),
) -> Result<(Surface, Vec<Diagnostic>)> {
    let req = &loaded.request;
    let (mut surface, warnings) = if req.assemblies.is_empty() {
        (Surface::default(), Vec::new())
    } else {
        let mut read = Vec::with_capacity(req.assemblies.len());
        for path in &req.assemblies {
            read.push((path.clone(), scan::read_file(path)?));
            progress(read.len());
        }
        let policy = scan::ExportPolicy {
            published: Some(0),
            assemblies: req.exports.assemblies.clone(),
        };
        let report = scan::combine(read, &policy);
        (report.surface(), report.diagnostics)
    };
    let mut imports = req.imports.clone();
    for file in &req.imports_file {
        imports.extend(imports::load_imports_file(file)?);
    }
    surface.imports.extend(imports);
    Ok((surface, warnings))
}

/// Loads a request, checks its NativeLibrary items by name, gathers its surface and plans it.
pub fn plan_request(loaded: &LoadedRequest) -> Result<aotinterop_model::Plan> {
    native_library::check_names(loaded)?;
    let (surface, warnings) = gather(loaded)?;
    let mut plan = plan::plan(loaded, surface)?;
    plan.diagnostics.splice(0..0, warnings);
    Ok(plan)
}
