//! Bytes per lazy import, measured on emitted stub objects, and what the runtime adds to a
//! stripped image.

use crate::native::target;
use crate::startup::{build_image, build_library, ImageBinding};
use aotinterop_linker::emit::{emit, lazy_cost, StubOptions};
use aotinterop_model::{Arch, Format, Libc, PlannedImport, Target};
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
    /// win-x64 (MinGW-w64): stripped executable with 1 lazy import, bytes.
    #[serde(default)]
    pub win_lazy: u64,
    /// win-x64: stripped executable with 1 direct import, bytes.
    #[serde(default)]
    pub win_direct: u64,
    /// win-x64: the DLLs the lazy image imports (`inspect`).
    #[serde(default)]
    pub win_lazy_dlls: Vec<String>,
    /// Per object format and architecture, from the objects: (format, code, cell, record) bytes
    /// per lazy import.
    #[serde(default)]
    pub per_format: Vec<(String, f64, f64, f64)>,
    /// win-x64: the DLLs the direct image imports.
    #[serde(default)]
    pub win_direct_dlls: Vec<String>,
}

fn section_sizes(obj: &[u8]) -> Result<[u64; 4], String> {
    let f = object::File::parse(obj).map_err(|e| e.to_string())?;
    let mut s = [0u64; 4];
    for sec in f.sections() {
        // ELF and COFF names, then Mach-O's.
        let i = match sec.name().unwrap_or("") {
            ".text" | "__text" => 0,
            ".data" | "__data" => 1,
            ".aotimp" | "__aotimp" => 2,
            ".eh_frame" | "__eh_frame" => 3,
            _ => continue,
        };
        s[i] += sec.size();
    }
    Ok(s)
}

/// A stub object for `target` of `n` lazy imports of one module, entry names of a fixed 6
/// characters.
fn stubs(target: &Target, n: usize) -> Result<Vec<u8>, String> {
    let imports: Vec<PlannedImport> = (0..n)
        .map(|i| PlannedImport::lazy(&format!("pinvoke_e{i:05}"), "lib", &format!("e{i:05}")))
        .collect();
    emit(target, &imports, &StubOptions::default()).map_err(|e| e.to_string())
}

/// (code, cell, data-section, table, `.eh_frame`) bytes per lazy import on `target`: the
/// difference between objects of 10,000 and 20,000 imports.
fn per_import(target: &Target) -> Result<[f64; 4], String> {
    let (a, b) = (10_000usize, 20_000usize);
    let sa = section_sizes(&stubs(target, a)?)?;
    let sb = section_sizes(&stubs(target, b)?)?;
    Ok(std::array::from_fn(|i| {
        (sb[i] as f64 - sa[i] as f64) / (b - a) as f64
    }))
}

/// The object formats and architectures with stubs, as RESULTS.md names them.
const FORMATS: [(&str, Format, Arch); 8] = [
    ("ELF x86_64", Format::Elf, Arch::X86_64),
    ("ELF aarch64", Format::Elf, Arch::Aarch64),
    ("ELF ARM (Thumb-2)", Format::Elf, Arch::Arm),
    ("COFF x86_64", Format::Coff, Arch::X86_64),
    ("COFF x86", Format::Coff, Arch::X86),
    ("COFF arm64", Format::Coff, Arch::Aarch64),
    ("Mach-O x86_64", Format::MachO, Arch::X86_64),
    ("Mach-O arm64", Format::MachO, Arch::Aarch64),
];

/// Measures everything; images are built in `dir`.
pub fn measure(dir: &Path) -> Result<Sizes, String> {
    let p = per_import(&target())?;
    let per = |i: usize| p[i];
    let name = "e00000".len() as f64 + 1.0;
    let mut per_format = Vec::new();
    for (label, format, arch) in FORMATS {
        let libc = if format == Format::Elf {
            Libc::Gnu
        } else {
            Libc::Other
        };
        let q = per_import(&Target { format, arch, libc })?;
        per_format.push((label.to_string(), q[0], q[1], q[2] - name));
    }
    let cost = lazy_cost(&target()).map_err(|e| e.to_string())?;
    build_library(dir)?;
    let lazy = build_image(dir, ImageBinding::Lazy, 1, true, &[])?;
    let direct = build_image(dir, ImageBinding::Direct, 1, true, &[])?;
    let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).map_err(|e| e.to_string());
    let win = windows_images(&dir.join("win-x64"))?;
    let dlls = |p: &Path| -> Result<Vec<String>, String> {
        Ok(aotinterop_image::inspect(p).map_err(|e| e.to_string())?.needed)
    };
    Ok(Sizes {
        win_lazy: len(&win.0)?,
        win_direct: len(&win.1)?,
        win_lazy_dlls: dlls(&win.0)?,
        win_direct_dlls: dlls(&win.1)?,
        code: per(0),
        cell: per(1),
        record: per(2) - name,
        eh_frame: per(3),
        lazy_cost: (cost.code, cost.cell, cost.record),
        per_format,
        image_lazy: len(&lazy)?,
        image_direct: len(&direct)?,
    })
}

/// A stripped win-x64 executable calling `f0` of `many.dll` lazily, and one calling it directly
/// (linked against the DLL), both by aotinterop's MinGW-w64 driver: (lazy, direct).
fn windows_images(dir: &Path) -> Result<(std::path::PathBuf, std::path::PathBuf), String> {
    use aotinterop_linker::driver::{link, select, LinkJob, LinkerChoice, OutputKind};
    use aotinterop_model::TargetRow;
    use std::process::Command;
    let row = TargetRow::of_rid("win-x64").ok_or("win-x64 is not in the target table")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let run = |c: &mut Command| crate::run_ok(c).map(|_| ());
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).map_err(|e| e.to_string());
    write(
        "many.c",
        "#include <stdint.h>\n__declspec(dllexport) uint64_t f0(uint64_t x) { return x; }\n",
    )?;
    run(Command::new(row.cc)
        .args(["-O2", "-shared", "-o"])
        .arg(dir.join("many.dll"))
        .arg(dir.join("many.c")))?;
    let mut out = Vec::new();
    for (name, call) in [("lazy", "pinvoke_f0"), ("direct", "f0")] {
        write(
            &format!("{name}.c"),
            &format!(
                "#include <stdint.h>\nuint64_t {call}(uint64_t);\n\
                 int main(int argc, char **argv) {{ (void)argv; return argc > 1000 ? (int){call}(1) : 0; }}\n"
            ),
        )?;
        let obj = dir.join(format!("{name}.o"));
        run(Command::new(row.cc)
            .args(["-O2", "-c", "-o"])
            .arg(&obj)
            .arg(dir.join(format!("{name}.c"))))?;
        let exe = dir.join(format!("{name}.exe"));
        let mut job = LinkJob::new(row.target, OutputKind::Executable, &exe);
        job.objects.push(obj);
        if name == "lazy" {
            let imports = [PlannedImport::lazy("pinvoke_f0", "many", "f0")];
            let stubs = emit(&row.target, &imports, &StubOptions::default()).map_err(|e| e.to_string())?;
            std::fs::write(dir.join("stubs.o"), stubs).map_err(|e| e.to_string())?;
            job.objects.push(dir.join("stubs.o"));
            job.runtime_inputs.push(aotinterop_testkit::runtime_archive(row));
        } else {
            job.native_libraries.push(dir.join("many.dll"));
        }
        let linker = select(&row.target, job.kind, &LinkerChoice::default()).map_err(|e| e.to_string())?;
        link(linker.as_ref(), &job).map_err(|e| e.to_string())?;
        run(Command::new("x86_64-w64-mingw32-strip").arg(&exe))?;
        out.push(exe);
    }
    Ok((out[0].clone(), out[1].clone()))
}
