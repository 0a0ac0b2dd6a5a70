//! GCC and Clang driving the linker for Linux (ELF) targets.

use super::{joined, push, Flavor, LinkJob, Linker, OutputKind, Staged};
use crate::exports::ExportFileKind;
use crate::target::{Libc, Target};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// `gcc` / `clang` (or a cross `aarch64-linux-gnu-gcc`) for ELF targets.
#[derive(Clone, Debug)]
pub struct GnuCc {
    flavor: Flavor,
    program: PathBuf,
    /// `--target=` for clang when the target is not the host.
    clang_target: Option<String>,
    libc: Libc,
}

impl GnuCc {
    /// A driver for `target`; `flavor` is [`Flavor::Gcc`] or [`Flavor::Clang`].
    pub fn new(flavor: Flavor, program: PathBuf, target: &Target) -> Self {
        let cross = Target::host().map(|h| h != *target).unwrap_or(true);
        GnuCc {
            flavor,
            program,
            clang_target: (flavor == Flavor::Clang && cross).then(|| target.triple().to_string()),
            libc: target.libc,
        }
    }
}

impl Linker for GnuCc {
    fn flavor(&self) -> Flavor {
        self.flavor
    }

    fn program(&self) -> &Path {
        &self.program
    }

    fn export_file_kind(&self) -> ExportFileKind {
        ExportFileKind::VersionScript
    }

    fn machine(&self, _job: &LinkJob) -> Option<String> {
        let target: Vec<String> = self
            .clang_target
            .iter()
            .map(|t| format!("--target={t}"))
            .collect();
        super::cc_machine(&self.program, &target)
    }

    fn search_dirs(&self, job: &LinkJob) -> crate::diag::Result<Vec<PathBuf>> {
        let mut args = Vec::new();
        if let Some(s) = &job.sysroot {
            args.push(format!("--sysroot={}", s.display()));
        }
        if let Some(t) = &self.clang_target {
            args.push(format!("--target={t}"));
        }
        super::cc_lib_dirs(&self.program, &args)
    }

    /// In native AOT's order: objects, `-o`, then the user's `LinkerArg` and `NativeLibrary`
    /// items, then the runtime and the defaults.
    fn args(&self, job: &LinkJob, staged: &Staged) -> Vec<OsString> {
        let mut a = super::driver_inputs(job, staged);
        if let Some(s) = &job.sysroot {
            a.push(joined("--sysroot=", s));
        }
        if let Some(t) = &self.clang_target {
            push(&mut a, format!("--target={t}"));
        }
        for d in &job.lib_dirs {
            a.push(joined("-L", d));
        }
        push(&mut a, "-Wl,--build-id=sha1");
        push(&mut a, "-Wl,--as-needed");
        // As native AOT links: unreferenced sections (most of the runtime's standard library)
        // are dropped. The runtime's unwinder comes from libgcc_eh, so a start does not load
        // libgcc_s.so for it (a C++ NativeLibrary still brings libstdc++ and libgcc_s).
        push(&mut a, "-Wl,--gc-sections");
        push(&mut a, "-static-libgcc");
        if job.kind == OutputKind::Shared {
            push(&mut a, "-Wl,-e,0x0");
        }
        if self.libc != Libc::Bionic {
            push(&mut a, "-pthread");
        }
        // A LinkerArg `-Wl,-Bstatic` left on would have the C library itself linked statically
        // into an image that still has a program interpreter (it crashes as it starts).
        if !job.static_executable {
            push(&mut a, "-Wl,-Bdynamic");
        }
        for l in &job.system_libs {
            push(&mut a, format!("-l{l}"));
        }
        // As native AOT's targets: StaticExecutable is `-static-pie` (or `-static` when
        // PositionIndependentExecutable is off), else `-pie -Wl,-pie` or `-Wl,-no-pie`.
        match job.kind {
            OutputKind::Shared => push(&mut a, "-shared"),
            _ if job.static_executable => push(
                &mut a,
                if job.position_independent {
                    "-static-pie"
                } else {
                    "-static"
                },
            ),
            _ if job.position_independent => {
                push(&mut a, "-pie");
                push(&mut a, "-Wl,-pie");
            }
            _ => push(&mut a, "-Wl,-no-pie"),
        }
        push(&mut a, "-Wl,-z,relro");
        push(&mut a, "-Wl,-z,now");
        push(&mut a, "-Wl,--eh-frame-hdr");
        if job.origin_rpath {
            push(&mut a, "-Wl,-rpath,$ORIGIN");
        }
        if let Some(e) = &staged.export_file {
            a.push(joined("-Wl,--version-script=", e));
            // Only an executable needs its exports put in the dynamic symbol table (a shared
            // library's are there already; the version script limits both).
            if job.kind == OutputKind::Executable {
                push(&mut a, "-Wl,--export-dynamic");
            }
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: &[OsString]) -> Vec<String> {
        v.iter().map(|s| s.to_string_lossy().into_owned()).collect()
    }

    const ARM64: Target = Target::LINUX_ARM64;

    #[test]
    fn shared_library_vector() {
        let mut job = LinkJob::new(ARM64, OutputKind::Shared, "out/libapp.so");
        job.objects = vec!["app.o".into()];
        job.native_libraries = vec!["libshim.a".into()];
        job.linker_args = vec!["-Wl,-rpath,$ORIGIN/sub".into()];
        job.runtime_inputs = vec!["libaotinterop_runtime.a".into()];
        job.exports = vec!["add".into()];
        let staged = Staged {
            output: "stage/libapp.so".into(),
            export_file: Some("stage/libapp.exports.map".into()),
            unpacked: vec![],
        };
        let gcc = GnuCc::new(Flavor::Gcc, "aarch64-linux-gnu-gcc".into(), &ARM64);
        assert_eq!(
            strs(&gcc.args(&job, &staged)),
            [
                "app.o",
                "-o",
                "stage/libapp.so",
                "-Wl,-rpath,$ORIGIN/sub",
                "libshim.a",
                "libaotinterop_runtime.a",
                "-Wl,--build-id=sha1",
                "-Wl,--as-needed",
                "-Wl,--gc-sections",
                "-static-libgcc",
                "-Wl,-e,0x0",
                "-pthread",
                "-Wl,-Bdynamic",
                "-ldl",
                "-lpthread",
                "-lrt",
                "-lm",
                "-shared",
                "-Wl,-z,relro",
                "-Wl,-z,now",
                "-Wl,--eh-frame-hdr",
                "-Wl,-rpath,$ORIGIN",
                "-Wl,--version-script=stage/libapp.exports.map",
            ]
        );
        // An executable with exports: `--export-dynamic`; .NET 10's jobs have no `$ORIGIN` rpath.
        let mut exe = LinkJob::new(ARM64, OutputKind::Executable, "out/app");
        exe.origin_rpath = false;
        let staged = Staged {
            output: "stage/app".into(),
            export_file: Some("stage/app.exports.map".into()),
            ..Default::default()
        };
        let a = strs(&gcc.args(&exe, &staged));
        assert!(a.contains(&"-Wl,--export-dynamic".to_string()), "{a:?}");
        assert!(!a.iter().any(|s| s.contains("rpath")), "{a:?}");
    }

    #[test]
    fn static_and_non_pie_executables() {
        let staged = Staged {
            output: "s/app".into(),
            ..Default::default()
        };
        let gcc = GnuCc::new(Flavor::Gcc, "aarch64-linux-gnu-gcc".into(), &ARM64);
        let mut job = LinkJob::new(ARM64, OutputKind::Executable, "app");
        job.static_executable = true;
        let a = strs(&gcc.args(&job, &staged));
        assert!(
            a.contains(&"-static-pie".to_string()) && !a.contains(&"-pie".to_string()),
            "{a:?}"
        );
        job.position_independent = false;
        let a = strs(&gcc.args(&job, &staged));
        assert!(
            a.contains(&"-static".to_string()) && !a.iter().any(|s| s.contains("pie")),
            "{a:?}"
        );
        // A static link is not switched back to shared libraries.
        assert!(!a.contains(&"-Wl,-Bdynamic".to_string()), "{a:?}");
        job.static_executable = false;
        let a = strs(&gcc.args(&job, &staged));
        assert!(
            a.contains(&"-Wl,-no-pie".to_string()) && !a.contains(&"-pie".to_string()),
            "{a:?}"
        );
    }

    #[test]
    fn clang_cross_gets_a_target_and_executables_are_pie() {
        let mut job = LinkJob::new(ARM64, OutputKind::Executable, "app");
        job.sysroot = Some("/sysroot".into());
        let staged = Staged {
            output: "s/app".into(),
            ..Default::default()
        };
        let clang = GnuCc::new(Flavor::Clang, "clang".into(), &ARM64);
        let a = strs(&clang.args(&job, &staged));
        if super::Target::host() != Some(ARM64) {
            assert!(a.contains(&"--target=aarch64-linux-gnu".to_string()), "{a:?}");
        }
        assert!(a.contains(&"--sysroot=/sysroot".to_string()));
        assert!(a.contains(&"-pie".to_string()) && !a.contains(&"-shared".to_string()));
        assert!(!a.iter().any(|s| s.contains("version-script")));
    }
}
