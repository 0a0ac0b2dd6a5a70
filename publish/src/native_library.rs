//! The NativeLibrary name check run before planning: the model's rule
//! ([`native_library_name_error`]) for the linker the publish would use, so `aotinterop plan`,
//! the library and the MSBuild task give the same answer as the link preflight.

use crate::request::LoadedRequest;
use aotinterop_model::diag::{codes, Error, Location, Result};
use aotinterop_model::flavor::native_library_name_error;

/// Refuses NativeLibrary items whose name says they are not for the RID's target and linker
/// (the request's flavour, else the one the link would pick by default).
pub fn check_names(loaded: &LoadedRequest) -> Result<()> {
    let Some(target) = loaded.request.rid.target() else {
        return Ok(());
    };
    let flavor = match loaded.linker_flavor() {
        Some(f) => f,
        None => aotinterop_linker::driver::default_flavor(&target),
    };
    for lib in &loaded.request.native_library {
        let name = lib
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(what) = native_library_name_error(&name, &target, flavor) {
            return Err(Error::new(
                codes::NATIVE_LIBRARY_WRONG_KIND,
                format!(
                    "NativeLibrary item is {what}, not a library for {}",
                    loaded.request.rid
                ),
            )
            .at(Location::file(lib)));
        }
    }
    Ok(())
}
