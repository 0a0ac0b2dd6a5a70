//! Linker drivers: one [`Linker`] per flavour, each turning a [`LinkJob`] into an argument
//! vector the way .NET's native AOT build targets do, and [`link`], which runs it into a
//! temporary folder beside the output and moves the result into place.

mod apple;
mod archive;
mod gnu;
mod mingw;
mod msvc;
mod run;
mod sandbox;
mod select;
mod staging;
mod strip;
mod tools;

pub use aotinterop_model::{Flavor, OutputKind};
pub use apple::AppleClang;
pub use archive::Archiver;
pub use gnu::GnuCc;
pub use mingw::MingwGcc;
pub use msvc::LldLink;
pub use run::{link, link_staged, LinkOutcome, StagedLink};
pub use select::{default_flavor, select, LinkerChoice};
pub use staging::{
    begin_publish, committed, interrupted, recover, remove_live as remove_live_staging, run_program, Staging,
};
pub use strip::debug_file_name;
pub use tools::{cc_lib_dirs, cc_machine, find_program, mingw_lib_dirs};

use crate::diag::Result;
use crate::exports::ExportFileKind;
use crate::target::{Format, Libc, Target};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// The Windows subsystem of an image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Subsystem {
    /// A console program.
    #[default]
    Console,
    /// A GUI program.
    Windows,
}

/// Everything a link needs. Build it with [`LinkJob::new`] and fill in the lists.
#[derive(Clone, Debug)]
pub struct LinkJob {
    /// The target.
    pub target: Target,
    /// What is produced.
    pub kind: OutputKind,
    /// The image (or archive) to write.
    pub output: PathBuf,
    /// Object files of compiled code and the import stubs.
    pub objects: Vec<PathBuf>,
    /// `NativeLibrary` items: archives, import libraries, objects.
    pub native_libraries: Vec<PathBuf>,
    /// `LinkerArg` items, passed before the defaults.
    pub linker_args: Vec<String>,
    /// Archives and objects of the runtime, linked after the NativeLibrary items; a static
    /// archive (`NativeLib=Static`) takes in all their members.
    pub runtime_inputs: Vec<PathBuf>,
    /// Symbols the image exports (C names). An export file is written when this is not
    /// empty, and always for a shared library (so that it exports nothing else).
    pub exports: Vec<String>,
    /// System libraries linked by name (`dl`, `m`; `kernel32`).
    pub system_libs: Vec<String>,
    /// More library search folders.
    pub lib_dirs: Vec<PathBuf>,
    /// Sysroot for cross links.
    pub sysroot: Option<PathBuf>,
    /// Windows subsystem.
    pub subsystem: Subsystem,
    /// ELF: link `-rpath $ORIGIN`, so the loader finds libraries beside the image at startup, as
    /// .NET 8's native AOT targets do (.NET 10 removed it: dotnet/runtime#115236).
    pub origin_rpath: bool,
    /// The folder the linker runs in, so relative paths in LinkerArg items mean what they mean
    /// in the project (None: the current directory).
    pub working_dir: Option<PathBuf>,
    /// Files outside the staging folder that LinkerArg items have the linker write (`-Map=`):
    /// the only ones it may change there.
    pub linker_arg_writes: Vec<PathBuf>,
    /// Where the preflight's suggestions for the user go (a DirectPInvokeList of the entries a
    /// module's library defines); None: none are offered.
    pub intermediate_dir: Option<PathBuf>,
    /// `StripSymbols`: move the image's debug information into `IMAGE.dbg` beside it, with a
    /// `.gnu_debuglink` to it (ELF and MinGW images; see `strip.rs` for the others).
    pub strip_symbols: bool,
    /// `StaticExecutable` (ELF executables): link the C library and everything else in, with no
    /// dynamic loader at run time (`-static-pie`, or `-static` when not position independent).
    pub static_executable: bool,
    /// `PositionIndependentExecutable` (ELF executables, default on): `-pie`, else `-no-pie`.
    pub position_independent: bool,
    /// `generate_import_libraries`: preflight plans a generated stand-in (import library, stub
    /// shared object, `.tbd`) for each direct import nothing in the link defines, instead of
    /// failing; the emit step writes them and adds them to `native_libraries`.
    pub generate_import_libraries: bool,
}

/// What a step adds to a link job: the AOT compiler's objects and flags, the stub object, the
/// stand-in import libraries.
#[derive(Clone, Debug, Default)]
pub struct JobInputs {
    /// Objects, after the job's own.
    pub objects: Vec<PathBuf>,
    /// NativeLibrary-like inputs, after the job's own.
    pub native_libraries: Vec<PathBuf>,
    /// Linker flags, after the job's own.
    pub linker_args: Vec<String>,
    /// System libraries, each once.
    pub system_libs: Vec<String>,
}

impl LinkJob {
    /// This job with `more` inputs (a new job; the step that made them does not change the job).
    pub fn with(mut self, more: JobInputs) -> LinkJob {
        self.objects.extend(more.objects);
        self.native_libraries.extend(more.native_libraries);
        self.linker_args.extend(more.linker_args);
        for lib in more.system_libs {
            if !self.system_libs.contains(&lib) {
                self.system_libs.push(lib);
            }
        }
        self
    }

    /// A job with no inputs and the target's default system libraries.
    pub fn new(target: Target, kind: OutputKind, output: impl Into<PathBuf>) -> Self {
        LinkJob {
            target,
            kind,
            output: output.into(),
            objects: Vec::new(),
            native_libraries: Vec::new(),
            linker_args: Vec::new(),
            runtime_inputs: Vec::new(),
            exports: Vec::new(),
            system_libs: default_system_libs(&target),
            lib_dirs: Vec::new(),
            sysroot: None,
            subsystem: Subsystem::Console,
            origin_rpath: true,
            static_executable: false,
            position_independent: true,
            generate_import_libraries: false,
            working_dir: None,
            linker_arg_writes: Vec::new(),
            intermediate_dir: None,
            strip_symbols: false,
        }
    }

    /// The output's file name, as text.
    pub fn output_name(&self) -> String {
        self.output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Whether an export file goes to the linker.
    pub fn wants_export_file(&self) -> bool {
        self.kind == OutputKind::Shared || (self.kind == OutputKind::Executable && !self.exports.is_empty())
    }
}

/// The system libraries linked by default: native AOT's `-ldl -lpthread -lrt -lm` on Linux
/// (with `--as-needed`, so unused ones drop out); on Windows the core import libraries of
/// native AOT's list. Import libraries add a DLL to the image only when one of its symbols is
/// used; the aotinterop runtime itself needs kernel32 only.
pub fn default_system_libs(target: &Target) -> Vec<String> {
    let v: &[&str] = match (target.format, target.libc) {
        (Format::Elf, Libc::Bionic) => &["dl", "m", "log"],
        (Format::Elf, _) => &["dl", "pthread", "rt", "m"],
        (Format::Coff, _) => &[
            "kernel32", "advapi32", "bcrypt", "ntdll", "ole32", "user32", "ws2_32",
        ],
        (Format::MachO, _) => &["dl", "m"],
    };
    v.iter().map(|s| s.to_string()).collect()
}

/// Paths a driver writes its command for: the staged output, the export file and the members
/// of runtime archives unpacked for an archiver.
#[derive(Clone, Debug, Default)]
pub struct Staged {
    /// Where the linker writes the image (in the staging folder, with the output's file name).
    pub output: PathBuf,
    /// The export file, when the job wants one.
    pub export_file: Option<PathBuf>,
    /// For archivers: the members of `runtime_inputs` archives, unpacked.
    pub unpacked: Vec<PathBuf>,
}

/// A program and its argument vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments, never joined into a shell string.
    pub args: Vec<OsString>,
}

impl fmt::Display for LinkCommand {
    /// The command line, quoted for a POSIX shell so it can be pasted to run again; an argument
    /// longer than 4 KB is shown by its start and its length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", shell_quote(&self.program.to_string_lossy()))?;
        for a in &self.args {
            let a = a.to_string_lossy();
            match a.len() > 4096 {
                true => {
                    let start: String = a.chars().take(200).collect();
                    write!(f, " {}...({} bytes)", shell_quote(&start), a.len())?
                }
                false => write!(f, " {}", shell_quote(&a))?,
            }
        }
        Ok(())
    }
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c));
    if plain {
        s.to_string()
    } else if s.chars().any(|c| c.is_control()) {
        // bash's `$'…'`: a control character (a newline) is written as its escape, so that the
        // line stays one line, cannot forge another, and still pastes into a shell.
        let body: String = s
            .chars()
            .map(|c| match c {
                '\'' | '\\' => format!("\\{c}"),
                c if c.is_control() => format!("\\x{:02x}", c as u32 & 0xff),
                c => c.to_string(),
            })
            .collect();
        format!("$'{body}'")
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// One linker flavour: how its argument vector is built. Modelled on rustc's `Linker` trait,
/// with one implementation per flavour, but building the whole vector from a [`LinkJob`].
pub trait Linker: fmt::Debug {
    /// The flavour.
    fn flavor(&self) -> Flavor;
    /// The program run.
    fn program(&self) -> &Path;
    /// The export file this linker reads.
    fn export_file_kind(&self) -> ExportFileKind;
    /// The argument vector producing `staged.output` from `job`.
    fn args(&self, job: &LinkJob, staged: &Staged) -> Vec<OsString>;
    /// Files the linker writes beside the image that are moved next to the output with it
    /// (a DLL's import library), as names relative to the staging folder.
    fn side_outputs(&self, _job: &LinkJob) -> Vec<String> {
        Vec::new()
    }
    /// The target the linker program builds for, as it says (`-dumpmachine` of a compiler
    /// driver); `None` when it cannot say.
    fn machine(&self, _job: &LinkJob) -> Option<String> {
        None
    }
    /// The folders the linker searches for `-l` libraries by default (asked of the compiler
    /// driver where there is one); preflight looks there too. An error (AOTI1521) when they
    /// cannot be learned.
    fn search_dirs(&self, _job: &LinkJob) -> crate::diag::Result<Vec<PathBuf>> {
        Ok(Vec::new())
    }
    /// Produces the output without running a program, when this linker is built in (the
    /// static archive writer); `None` to run [`Linker::command`].
    fn run_builtin(&self, _job: &LinkJob, _staged: &Staged) -> Option<Result<()>> {
        None
    }
    /// The whole command.
    fn command(&self, job: &LinkJob, staged: &Staged) -> LinkCommand {
        LinkCommand {
            program: self.program().to_path_buf(),
            args: self.args(job, staged),
        }
    }
}

/// Pushes `s` onto an argument vector.
pub(crate) fn push(args: &mut Vec<OsString>, s: impl Into<OsString>) {
    args.push(s.into());
}

/// The start of a compiler driver's command line, in native AOT's order: the compiled code's
/// objects, `-o OUTPUT`, then the user's `LinkerArg` and `NativeLibrary` items, then the runtime.
pub(crate) fn driver_inputs(job: &LinkJob, staged: &Staged) -> Vec<OsString> {
    let mut a = Vec::new();
    for o in &job.objects {
        push(&mut a, o);
    }
    push(&mut a, "-o");
    push(&mut a, &staged.output);
    for arg in &job.linker_args {
        push(&mut a, arg);
    }
    for l in job.native_libraries.iter().chain(&job.runtime_inputs) {
        push(&mut a, l);
    }
    a
}

/// `prefix` followed by a path, as one argument.
pub(crate) fn joined(prefix: &str, path: &Path) -> OsString {
    let mut s = OsString::from(prefix);
    s.push(path.as_os_str());
    s
}

/// What the flavours' argument-vector tests share.
#[cfg(test)]
pub(crate) mod vector_test {
    use super::{LinkJob, Linker, OutputKind, Staged};
    use crate::target::{Arch, Format, Libc, Target};
    use std::path::PathBuf;

    /// A shared-library job for `format`/`arch`, with `input` as its object and `native` as
    /// its NativeLibrary.
    pub fn shared(format: Format, arch: Arch, output: &str, input: &str, native: &str) -> LinkJob {
        let t = Target {
            format,
            arch,
            libc: Libc::Other,
        };
        let mut job = LinkJob::new(t, OutputKind::Shared, output);
        job.objects = vec![input.into()];
        job.native_libraries = vec![native.into()];
        job
    }

    /// The staging of an image at `output` with an export file.
    pub fn staged(output: &str, export_file: &str) -> Staged {
        Staged {
            output: output.into(),
            export_file: Some(PathBuf::from(export_file)),
            unpacked: vec![],
        }
    }

    /// The vector `linker` builds, as text.
    pub fn args(linker: &dyn Linker, job: &LinkJob, staged: &Staged) -> Vec<String> {
        let a = linker.args(job, staged);
        a.iter().map(|s| s.to_string_lossy().into_owned()).collect()
    }
}
