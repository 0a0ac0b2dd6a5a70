//! Clang driving ld64 for Apple targets. No Apple machine runs the tests: the vectors are
//! checked as vectors.

use super::{joined, push, Flavor, LinkJob, Linker, OutputKind, Staged};
use crate::exports::ExportFileKind;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The macOS version native AOT targets by default.
pub const MIN_MACOS: &str = "12.0";

/// `clang -target ARCH-apple-macosVER`, linking with ld64.
#[derive(Clone, Debug)]
pub struct AppleClang {
    program: PathBuf,
}

impl AppleClang {
    /// A driver running `program`.
    pub fn new(program: PathBuf) -> Self {
        AppleClang { program }
    }
}

impl Linker for AppleClang {
    fn flavor(&self) -> Flavor {
        Flavor::Apple
    }

    fn program(&self) -> &Path {
        &self.program
    }

    fn export_file_kind(&self) -> ExportFileKind {
        ExportFileKind::AppleList
    }

    fn search_dirs(&self, job: &LinkJob) -> crate::diag::Result<Vec<PathBuf>> {
        Ok(job
            .sysroot
            .iter()
            .map(|s| s.join("usr/lib"))
            .filter(|d| d.is_dir())
            .collect())
    }

    fn args(&self, job: &LinkJob, staged: &Staged) -> Vec<OsString> {
        let mut a = super::driver_inputs(job, staged);
        if let Some(s) = &job.sysroot {
            push(&mut a, "-isysroot");
            push(&mut a, s);
        }
        let arch = match job.target.arch {
            crate::target::Arch::Aarch64 => "arm64",
            _ => "x86_64",
        };
        push(&mut a, "-target");
        push(&mut a, format!("{arch}-apple-macos{MIN_MACOS}"));
        for d in &job.lib_dirs {
            a.push(joined("-L", d));
        }
        if job.kind == OutputKind::Shared {
            push(&mut a, "-dynamiclib");
            push(&mut a, format!("-Wl,-install_name,@rpath/{}", job.output_name()));
            push(&mut a, "-Wl,-rpath,@loader_path");
        } else {
            push(&mut a, "-Wl,-rpath,@executable_path");
        }
        push(&mut a, "-Wl,-dead_strip");
        for l in &job.system_libs {
            push(&mut a, format!("-l{l}"));
        }
        if let Some(e) = &staged.export_file {
            a.push(joined("-Wl,-exported_symbols_list,", e));
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
    fn dylib_vector() {
        let job = shared(
            Format::MachO,
            Arch::Aarch64,
            "out/libapp.dylib",
            "a.o",
            "libshim.a",
        );
        let staged = staged("s/libapp.dylib", "s/libapp.exports");
        assert_eq!(
            args(&AppleClang::new("clang".into()), &job, &staged),
            [
                "a.o",
                "-o",
                "s/libapp.dylib",
                "libshim.a",
                "-target",
                "arm64-apple-macos12.0",
                "-dynamiclib",
                "-Wl,-install_name,@rpath/libapp.dylib",
                "-Wl,-rpath,@loader_path",
                "-Wl,-dead_strip",
                "-ldl",
                "-lm",
                "-Wl,-exported_symbols_list,s/libapp.exports",
            ]
        );
    }
}
