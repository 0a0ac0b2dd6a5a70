//! The MinGW-w64 GCC driver for Windows targets.

use super::{push, Flavor, LinkJob, Linker, OutputKind, Staged, Subsystem};
use crate::exports::ExportFileKind;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// `x86_64-w64-mingw32-gcc`: GNU ld for PE, with the MinGW-w64 C runtime.
#[derive(Clone, Debug)]
pub struct MingwGcc {
    program: PathBuf,
}

impl MingwGcc {
    /// A driver running `program`.
    pub fn new(program: PathBuf) -> Self {
        MingwGcc { program }
    }
}

impl Linker for MingwGcc {
    fn flavor(&self) -> Flavor {
        Flavor::Mingw
    }

    fn program(&self) -> &Path {
        &self.program
    }

    fn export_file_kind(&self) -> ExportFileKind {
        ExportFileKind::ModuleDefinition
    }

    fn machine(&self, _job: &LinkJob) -> Option<String> {
        super::cc_machine(&self.program, &[])
    }

    fn search_dirs(&self, _job: &LinkJob) -> crate::diag::Result<Vec<PathBuf>> {
        super::cc_lib_dirs(&self.program, &[])
    }

    /// Objects, `-o`, `LinkerArg`, `NativeLibrary` (`.a` or `.lib`), the runtime, the `.def`
    /// (GNU ld reads one as an input), then the defaults. `--exclude-all-symbols` stops GNU
    /// ld's auto-export, so a DLL exports what the `.def` lists and nothing else;
    /// `-static-libgcc` keeps the image free of MinGW's runtime DLLs.
    fn args(&self, job: &LinkJob, staged: &Staged) -> Vec<OsString> {
        let mut a = super::driver_inputs(job, staged);
        if let Some(def) = &staged.export_file {
            push(&mut a, def);
        }
        for d in &job.lib_dirs {
            a.push(super::joined("-L", d));
        }
        if job.kind == OutputKind::Shared {
            push(&mut a, "-shared");
        }
        push(&mut a, "-Wl,--exclude-all-symbols");
        // Native AOT images are self-contained: without this a DLL would need MinGW's
        // libgcc_s_seh-1.dll at run time (GCC links it shared for -shared).
        push(&mut a, "-static-libgcc");
        push(
            &mut a,
            match job.subsystem {
                Subsystem::Console => "-mconsole",
                Subsystem::Windows => "-mwindows",
            },
        );
        push(&mut a, "-Wl,--dynamicbase");
        push(&mut a, "-Wl,--nxcompat");
        // 64-bit address space layout randomisation has no meaning for a 32-bit image (i686's
        // ld does not take the option).
        if job.target.arch != crate::target::Arch::X86 {
            push(&mut a, "-Wl,--high-entropy-va");
        }
        for l in &job.system_libs {
            push(&mut a, format!("-l{l}"));
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::super::vector_test::{args, shared, staged};
    use super::*;
    use crate::target::{Arch, Format};

    #[test]
    fn dll_vector() {
        let mut job = shared(Format::Coff, Arch::X86_64, "app.dll", "a.o", "shim.lib");
        job.system_libs = vec!["kernel32".into()];
        let staged = staged("s/app.dll", "s/app.def");
        let mingw = MingwGcc::new("x86_64-w64-mingw32-gcc".into());
        assert_eq!(
            args(&mingw, &job, &staged),
            [
                "a.o",
                "-o",
                "s/app.dll",
                "shim.lib",
                "s/app.def",
                "-shared",
                "-Wl,--exclude-all-symbols",
                "-static-libgcc",
                "-mconsole",
                "-Wl,--dynamicbase",
                "-Wl,--nxcompat",
                "-Wl,--high-entropy-va",
                "-lkernel32",
            ]
        );
    }
}
