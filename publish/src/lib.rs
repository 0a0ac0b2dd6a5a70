//! aotinterop: the native-interop half of publishing a .NET app ahead of time.
//!
//! The pipeline runs one way: scan assemblies for P/Invokes and native exports, plan which
//! imports bind directly (at startup) or lazily (on first call), and later emit stubs, link and
//! verify. The command-line program and the MSBuild task are thin layers over this library.

pub mod direct_pinvoke;
pub mod mono;
mod native_library;
pub mod pipeline;
pub mod plan;
pub mod request;
mod trust;

pub use aotinterop_image as inspect;
pub use aotinterop_image::probe;
pub use aotinterop_image::scan;
pub use aotinterop_image::verify;
pub use aotinterop_model::{imports, surface};
pub use aotinterop_model::{Diagnostic, Error, Location, Result, Severity};
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
    gather_with_progress(loaded, &mut |_| {}).map(|g| (g.surface, g.diagnostics))
}

/// What the scan step found.
pub struct Gathered {
    /// The imports and exports.
    pub surface: Surface,
    /// The scan's warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// How many assemblies were read.
    pub assemblies: usize,
    /// `compiler: mono`: every assembly compiled into the image, as read.
    pub closure: Option<mono::Closure>,
}

/// Gathers the surface of a request and the scan's warnings; `progress` is told how many
/// assemblies have been read so far. For `compiler: mono` the assemblies are the whole closure
/// compiled into the image (the listed ones and every assembly they reference), and the
/// P/Invokes Mono's runtime binds itself are set apart.
pub fn gather_with_progress(loaded: &LoadedRequest, progress: &mut dyn FnMut(usize)) -> Result<Gathered> {
    let req = &loaded.request;
    let mut closure = None;
    let read: Vec<(std::path::PathBuf, scan::AssemblyInterop)> =
        if req.compiler == aotinterop_model::Compiler::Mono && !req.assemblies.is_empty() {
            let found = mono::closure(&req.assemblies, mono::Mono::find()?, progress)?;
            if req.native_lib == aotinterop_model::OutputKind::Executable {
                found.require_entry_point()?;
            }
            let read = found
                .members
                .iter()
                .map(|m| (m.path.clone(), m.interop.clone()))
                .collect();
            closure = Some(found);
            read
        } else {
            let mut read = Vec::with_capacity(req.assemblies.len());
            for path in &req.assemblies {
                read.push((path.clone(), scan::read_file(path)?));
                progress(read.len());
            }
            read
        };
    let assemblies = read.len();
    let (mut surface, diagnostics) = if read.is_empty() {
        (Surface::default(), Vec::new())
    } else {
        let policy = scan::ExportPolicy {
            published: Some(0),
            assemblies: req.exports.assemblies.clone(),
        };
        let report = scan::combine(read, &policy);
        let mut diagnostics = report.diagnostics.clone();
        if let Some(c) = &closure {
            c.drop_framework_warnings(&mut diagnostics);
        }
        (report.surface(), diagnostics)
    };
    if closure.is_some() {
        mono::set_apart_runtime_imports(&mut surface);
    }
    let mut imports = req.imports.clone();
    for file in &req.imports_file {
        imports.extend(imports::load_imports_file(file)?);
    }
    surface.imports.extend(imports);
    Ok(Gathered {
        surface,
        diagnostics,
        assemblies,
        closure,
    })
}

/// Loads a request, checks its NativeLibrary items by name, gathers its surface and plans it.
pub fn plan_request(loaded: &LoadedRequest) -> Result<aotinterop_model::Plan> {
    native_library::check_names(loaded)?;
    // Each file a request file names, at its value's line, before any is read (a request made
    // of command-line options has no lines: its files' own errors name them).
    if loaded.text.is_some() {
        pipeline::check_plan_inputs(loaded)?;
    }
    let (surface, warnings) = gather(loaded)?;
    let mut plan = plan::plan(loaded, surface)?;
    plan.diagnostics.splice(0..0, warnings);
    Ok(plan)
}
