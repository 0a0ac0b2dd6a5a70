//! `NativeLib=Static`: an archive of the objects and of every member of the runtime's archives,
//! so that a C host links it and nothing else of ours.
//!
//! By default the archive and its symbol index are written in-process with
//! `ar_archive_writer` (the writer rustc uses), which reads every member's symbols with the
//! `object` crate. GNU `ar` cannot be relied on for this: with an LLVM linker plugin installed
//! (in binutils' `bfd-plugins` folder), it takes objects carrying embedded LLVM bitcode — the
//! Rust standard library, inside the runtime archive — for LTO modules it cannot read, and
//! leaves their symbols out of the index. A request that names an archiver program gets
//! `PROGRAM qcs`.

use super::{push, Flavor, LinkJob, Linker, Staged};
use crate::diag::{codes, read_binary, Error, Result};
use crate::exports::ExportFileKind;
use crate::target::{Format, Target};
use ar_archive_writer::{write_archive_to_stream, ArchiveKind, NewArchiveMember, DEFAULT_OBJECT_READER};
use object::read::archive::ArchiveFile;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The archiver: built in, or an `ar`-compatible program.
#[derive(Clone, Debug)]
pub struct Archiver {
    program: Option<PathBuf>,
    format: Format,
}

/// What [`Archiver::program`] shows for the built-in writer.
const BUILTIN: &str = "(built-in archive writer)";

impl Archiver {
    /// The built-in writer for `target`.
    pub fn builtin(target: &Target) -> Self {
        Archiver {
            program: None,
            format: target.format,
        }
    }

    /// An external `ar`-compatible `program` for `target`.
    pub fn new(program: PathBuf, target: &Target) -> Self {
        Archiver {
            program: Some(program),
            format: target.format,
        }
    }

    fn kind(&self) -> ArchiveKind {
        match self.format {
            Format::MachO => ArchiveKind::Darwin,
            // The GNU format, with its `/` symbol index, is what GNU ld, lld and link.exe read.
            Format::Elf | Format::Coff => ArchiveKind::Gnu,
        }
    }
}

impl Linker for Archiver {
    fn flavor(&self) -> Flavor {
        Flavor::Archive
    }

    fn program(&self) -> &Path {
        self.program.as_deref().unwrap_or(Path::new(BUILTIN))
    }

    fn export_file_kind(&self) -> ExportFileKind {
        ExportFileKind::VersionScript
    }

    /// `qcs OUT objects... members...`: quick-append (members of the same name are all kept),
    /// create, and write the symbol index; for the built-in writer, its inputs in order.
    fn args(&self, job: &LinkJob, staged: &Staged) -> Vec<OsString> {
        let mut a = Vec::new();
        push(&mut a, "qcs");
        push(&mut a, &staged.output);
        for o in job.objects.iter().chain(&staged.unpacked) {
            push(&mut a, o);
        }
        a
    }

    fn run_builtin(&self, job: &LinkJob, staged: &Staged) -> Option<Result<()>> {
        self.program.is_none().then(|| write(self.kind(), job, staged))
    }
}

/// Writes the archive of `job.objects` and `staged.unpacked` to `staged.output`.
fn write(kind: ArchiveKind, job: &LinkJob, staged: &Staged) -> Result<()> {
    let mut members = Vec::new();
    for path in job.objects.iter().chain(&staged.unpacked) {
        let data = read_binary(path, "object", codes::BAD_FORMAT)?;
        // A member name is a line of the archive's name table: a control character (a newline
        // ends the name) or `/` (ends it in GNU's format) is written as `_`.
        let name: String = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "member.o".to_string())
            .chars()
            .map(|c| if c.is_control() || c == '/' { '_' } else { c })
            .collect();
        members.push(NewArchiveMember::new(data, &DEFAULT_OBJECT_READER, name));
    }
    let unwritable = |e: std::io::Error| {
        Error::new(
            codes::OUTPUT_UNWRITABLE,
            format!(
                "cannot write the archive: {}",
                aotinterop_model::diag::io_words(&e)
            ),
        )
        .at(&job.output)
    };
    let file = std::fs::File::create(&staged.output).map_err(unwritable)?;
    let mut out = std::io::BufWriter::new(file);
    write_archive_to_stream(&mut out, &members, kind, false, None).map_err(unwritable)?;
    std::io::Write::flush(&mut out).map_err(unwritable)
}

/// Unpacks the members of `inputs` into `dir` (objects are taken as they are) and returns the
/// files to archive, in order. Member files are numbered so that equal names stay distinct.
pub(crate) fn unpack(inputs: &[PathBuf], dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        let data = read_binary(input, "runtime archive", codes::BAD_FORMAT)?;
        let Ok(archive) = ArchiveFile::parse(&*data) else {
            out.push(input.clone());
            continue;
        };
        for member in archive.members() {
            let bad = |e: object::read::Error| {
                Error::new(codes::BAD_FORMAT, format!("cannot read an archive member: {e}")).at(input)
            };
            let member = member.map_err(bad)?;
            let bytes = member.data(&*data).map_err(bad)?;
            let name = String::from_utf8_lossy(member.name());
            let base = name.rsplit(['/', '\\']).next().unwrap_or("member.o");
            let path = dir.join(format!("{:05}-{base}", out.len()));
            std::fs::write(&path, bytes).map_err(|e| {
                Error::new(
                    codes::OUTPUT_UNWRITABLE,
                    format!("cannot unpack an archive member: {e}"),
                )
                .at(&path)
            })?;
            out.push(path);
        }
    }
    Ok(out)
}
