//! Bytes per lazy import, measured on emitted stub objects, and what the runtime adds to a
//! stripped image.

use crate::native::target;
use crate::startup::{build_image, build_library, ImageBinding};
use aotinterop_linker::emit::{emit, lazy_cost, StubOptions};
use aotinterop_model::PlannedImport;
use object::{Object, ObjectSection};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The sizes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sizes {
    /// Code per lazy import (call stub + thunk + share of the group tail), from the objects.
    pub code: f64,
    /// Cell per lazy import, from the objects.
    pub cell: f64,
    /// Import record per lazy import (without the name string), from the objects.
    pub record: f64,
    /// `.eh_frame` per lazy import, from the objects.
    pub eh_frame: f64,
    /// The emitter's own figures (`lazy_cost`): code, cell, record.
    pub lazy_cost: (f64, f64, f64),
    /// Stripped image with 1 lazy import, bytes.
    pub image_lazy: u64,
    /// Stripped image with 1 direct import, bytes.
    pub image_direct: u64,
}

fn section_sizes(obj: &[u8]) -> Result<[u64; 4], String> {
    let f = object::File::parse(obj).map_err(|e| e.to_string())?;
    let mut s = [0u64; 4];
    for sec in f.sections() {
        let i = match sec.name().unwrap_or("") {
            ".text" => 0,
            ".data" => 1,
            ".aotimp" => 2,
            ".eh_frame" => 3,
            _ => continue,
        };
        s[i] += sec.size();
    }
    Ok(s)
}

/// A stub object of `n` lazy imports of one module, entry names of a fixed 6 characters.
fn stubs(n: usize) -> Result<Vec<u8>, String> {
    let imports: Vec<PlannedImport> = (0..n)
        .map(|i| PlannedImport::lazy(&format!("pinvoke_e{i:05}"), "lib", &format!("e{i:05}")))
        .collect();
    emit(&target(), &imports, &StubOptions::default()).map_err(|e| e.to_string())
}

/// Measures everything; images are built in `dir`.
pub fn measure(dir: &Path) -> Result<Sizes, String> {
    let (a, b) = (10_000usize, 20_000usize);
    let sa = section_sizes(&stubs(a)?)?;
    let sb = section_sizes(&stubs(b)?)?;
    let per = |i: usize| (sb[i] as f64 - sa[i] as f64) / (b - a) as f64;
    let name = "e00000".len() as f64 + 1.0;
    let cost = lazy_cost(&target()).map_err(|e| e.to_string())?;
    build_library(dir)?;
    let lazy = build_image(dir, ImageBinding::Lazy, 1, true, &[])?;
    let direct = build_image(dir, ImageBinding::Direct, 1, true, &[])?;
    let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).map_err(|e| e.to_string());
    Ok(Sizes {
        code: per(0),
        cell: per(1),
        record: per(2) - name,
        eh_frame: per(3),
        lazy_cost: (cost.code, cost.cell, cost.record),
        image_lazy: len(&lazy)?,
        image_direct: len(&direct)?,
    })
}
