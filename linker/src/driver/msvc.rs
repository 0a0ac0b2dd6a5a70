//! A link.exe-compatible linker (`lld-link`, `link.exe`) for Windows targets.

use super::{joined, push, Flavor, LinkJob, Linker, OutputKind, Staged, Subsystem};
use crate::exports::ExportFileKind;
use crate::target::{Arch, Target};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// `lld-link` (or `link.exe`). System libraries are found as `NAME.lib` or, in MinGW-w64's
/// folders, as `libNAME.a` (MinGW-w64's import libraries work with lld-link), and passed by
/// path; when the `LIB` environment variable is set the linker searches it itself.
#[derive(Clone, Debug)]
pub struct LldLink {
    program: PathBuf,
    machine: &'static str,
    lib_dirs: Vec<PathBuf>,
}

impl LldLink {
    /// A driver for `target`. Without `LIB` in the environment, the MinGW-w64 library folders
    /// for the target (when that toolchain is installed) are searched for system libraries.
    pub fn new(program: PathBuf, target: &Target) -> Self {
        let lib_dirs = if std::env::var_os("LIB").is_some() {
            Vec::new()
        } else {
            super::mingw_lib_dirs(target.triple())
        };
        LldLink::with_lib_dirs(program, target, lib_dirs)
    }

    /// A driver searching `lib_dirs` for system libraries.
    pub fn with_lib_dirs(program: PathBuf, target: &Target, lib_dirs: Vec<PathBuf>) -> Self {
        let machine = match target.arch {
            Arch::X86_64 => "X64",
            Arch::Aarch64 => "ARM64",
            Arch::X86 => "X86",
            Arch::Arm => "ARM",
            Arch::RiscV64 | Arch::LoongArch64 => "UNKNOWN",
        };
        LldLink {
            program,
            machine,
            lib_dirs,
        }
    }

    /// A system library by path when found in the search folders, else `NAME.lib`.
    fn system_lib(&self, job: &LinkJob, name: &str) -> OsString {
        for dir in job.lib_dirs.iter().chain(&self.lib_dirs) {
            for file in [
                format!("{name}.lib"),
                format!("lib{name}.a"),
                format!("lib{name}.dll.a"),
            ] {
                let p = dir.join(&file);
                if p.is_file() {
                    return p.into_os_string();
                }
            }
        }
        format!("{name}.lib").into()
    }
}

impl Linker for LldLink {
    fn flavor(&self) -> Flavor {
        Flavor::LldLink
    }

    fn program(&self) -> &Path {
        &self.program
    }

    fn export_file_kind(&self) -> ExportFileKind {
        ExportFileKind::ModuleDefinition
    }

    fn args(&self, job: &LinkJob, staged: &Staged) -> Vec<OsString> {
        let mut a = Vec::new();
        push(&mut a, "/NOLOGO");
        a.push(joined("/OUT:", &staged.output));
        push(&mut a, format!("/MACHINE:{}", self.machine));
        if job.kind == OutputKind::Shared {
            push(&mut a, "/DLL");
        }
        if let Some(def) = &staged.export_file {
            a.push(joined("/DEF:", def));
            a.push(joined("/IMPLIB:", &staged.output.with_extension("lib")));
        }
        for o in &job.objects {
            push(&mut a, o);
        }
        for arg in &job.linker_args {
            push(&mut a, arg);
        }
        // A `/DEBUG` LinkerArg writes a PDB beside the staged image, whose path the image's
        // CodeView record would give: it names where the PDB is moved to instead.
        let names_pdb = job.linker_args.iter().any(|arg| {
            let upper = arg.to_ascii_uppercase();
            upper
                .strip_prefix(['/', '-'])
                .is_some_and(|o| o.starts_with("PDB:") || o.starts_with("PDBALTPATH:"))
        });
        // A PDB the LinkerArgs name (`/PDB:`) is where they put it.
        if !names_pdb && job.linker_args.iter().any(|arg| is_debug_option(arg)) {
            let pdb = std::path::absolute(&job.output).unwrap_or_else(|_| job.output.clone());
            a.push(joined("/PDBALTPATH:", &pdb.with_extension("pdb")));
        }
        for l in job.native_libraries.iter().chain(&job.runtime_inputs) {
            push(&mut a, l);
        }
        for d in &job.lib_dirs {
            a.push(joined("/LIBPATH:", d));
        }
        push(
            &mut a,
            match job.subsystem {
                Subsystem::Console => "/SUBSYSTEM:CONSOLE",
                Subsystem::Windows => "/SUBSYSTEM:WINDOWS",
            },
        );
        push(&mut a, "/DYNAMICBASE");
        push(&mut a, "/NXCOMPAT");
        if matches!(self.machine, "X64" | "ARM64") {
            push(&mut a, "/HIGHENTROPYVA");
        }
        push(&mut a, "/INCREMENTAL:NO");
        push(&mut a, "/OPT:REF");
        push(&mut a, "/OPT:ICF");
        for l in &job.system_libs {
            a.push(self.system_lib(job, l));
        }
        a
    }

    fn search_dirs(&self, job: &LinkJob) -> crate::diag::Result<Vec<PathBuf>> {
        let mut dirs = job.lib_dirs.clone();
        dirs.extend(self.lib_dirs.iter().cloned());
        if let Some(lib) = std::env::var_os("LIB") {
            dirs.extend(std::env::split_paths(&lib));
        }
        Ok(dirs)
    }

    /// The import library of a DLL with exports, and the PDB a `/DEBUG` LinkerArg makes (each
    /// moved into place only when the link wrote it).
    fn side_outputs(&self, job: &LinkJob) -> Vec<String> {
        let name = Path::new(&job.output_name()).to_path_buf();
        let mut out = vec![name.with_extension("pdb").to_string_lossy().into_owned()];
        if job.wants_export_file() {
            out.push(name.with_extension("lib").to_string_lossy().into_owned());
        }
        out
    }
}

/// Whether `arg` is link.exe's `/DEBUG` option (`-debug`, `/DEBUG:FULL`, in any case), which
/// writes a PDB; `/DEBUG:NONE` writes none.
fn is_debug_option(arg: &str) -> bool {
    let Some(option) = arg.strip_prefix(['/', '-']) else {
        return false;
    };
    let lower = option.to_ascii_lowercase();
    lower == "debug" || (lower.starts_with("debug:") && lower != "debug:none")
}

#[cfg(test)]
mod tests {
    use super::super::vector_test::{args, shared, staged};
    use super::*;
    use crate::target::Format;

    #[test]
    fn dll_vector() {
        let mut job = shared(Format::Coff, Arch::X86_64, "out/app.dll", "a.obj", "shim.lib");
        job.system_libs = vec!["kernel32".into()];
        let staged = staged("s/app.dll", "s/app.def");
        let l = LldLink::with_lib_dirs("lld-link".into(), &job.target, vec![]);
        assert_eq!(
            args(&l, &job, &staged),
            [
                "/NOLOGO",
                "/OUT:s/app.dll",
                "/MACHINE:X64",
                "/DLL",
                "/DEF:s/app.def",
                "/IMPLIB:s/app.lib",
                "a.obj",
                "shim.lib",
                "/SUBSYSTEM:CONSOLE",
                "/DYNAMICBASE",
                "/NXCOMPAT",
                "/HIGHENTROPYVA",
                "/INCREMENTAL:NO",
                "/OPT:REF",
                "/OPT:ICF",
                "kernel32.lib",
            ]
        );
        assert_eq!(l.side_outputs(&job), ["app.pdb", "app.lib"]);
        // With `/DEBUG`, the image's CodeView record names the PDB where it is moved to, not
        // the staging folder.
        job.linker_args = vec!["/debug:full".into()];
        let a = l.args(&job, &staged);
        let alt = std::path::absolute("out/app.pdb").unwrap();
        assert!(a.contains(&joined("/PDBALTPATH:", &alt)), "{a:?}");
        assert!(["/DEBUG", "-debug", "/Debug:FASTLINK"]
            .iter()
            .all(|o| is_debug_option(o)));
        assert!(!["/DEBUG:NONE", "/debugtype:cv", "debug"]
            .iter()
            .any(|o| is_debug_option(o)));
    }
}
