//! Running a link: export file, staging folder, the linker, and the move into place.

use super::staging::Staging;
use super::{archive, Flavor, LinkCommand, LinkJob, Linker, Staged};
use crate::diag::{codes, Diagnostic, Error, Result};
use crate::exports;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a successful link did.
#[derive(Clone, Debug)]
pub struct LinkOutcome {
    /// The image written.
    pub output: PathBuf,
    /// Other files moved next to it (a DLL's import library).
    pub side_outputs: Vec<PathBuf>,
    /// The command that ran (its paths point into the staging folder, since removed).
    pub command: LinkCommand,
    /// The export file's text, when one was used.
    pub export_file: Option<String>,
    /// What the linker printed (warnings), stdout then stderr.
    pub linker_output: String,
}

/// A link done in a staging folder, not yet moved into place.
#[derive(Clone, Debug)]
pub struct StagedLink {
    /// The image, in the staging folder.
    pub image: PathBuf,
    /// Where it goes.
    pub output: PathBuf,
    /// Other files (the debug file, a DLL's import library): name in the staging folder, and
    /// where it goes.
    pub side_outputs: Vec<(PathBuf, PathBuf)>,
    /// StripSymbols' debug file, in the staging folder (also among `side_outputs`).
    pub debug_file: Option<PathBuf>,
    /// The image's format: which files beside the output a previous image made (superseded,
    /// decided under the folder's lock, where no other publish changes them).
    pub format: crate::target::Format,
    /// The command that ran.
    pub command: LinkCommand,
    /// The export file's text, when one was used.
    pub export_file: Option<String>,
    /// What the linker printed (warnings), stdout then stderr.
    pub linker_output: String,
}

impl StagedLink {
    /// Moves the side outputs, `extra` (more staged files: plan reports) and the image into
    /// place, the image last (see [`Staging::commit`]).
    pub fn commit(self, staging: &Staging, extra: &[(PathBuf, PathBuf)]) -> Result<LinkOutcome> {
        self.commit_checked(staging, extra, &|| Ok(()))
    }

    /// [`StagedLink::commit`], with `check` run under the output folder's lock before anything
    /// moves ([`Staging::commit_checked`]).
    pub fn commit_checked(
        self,
        staging: &Staging,
        extra: &[(PathBuf, PathBuf)],
        check: &dyn Fn() -> Result<()>,
    ) -> Result<LinkOutcome> {
        let mut files = self.side_outputs.clone();
        files.extend(extra.iter().cloned());
        let name = self.image.file_name().map(PathBuf::from).unwrap_or_default();
        // Decided under the lock: the image there now may be another publish's, committed
        // since this one linked (its debug file is then superseded too).
        let superseded = || superseded(&self.output, self.format, &files);
        staging.commit_checked(&superseded, &files, (&name, &self.output), check)?;
        Ok(LinkOutcome {
            output: self.output,
            side_outputs: self.side_outputs.into_iter().map(|(_, d)| d).collect(),
            command: self.command,
            export_file: self.export_file,
            linker_output: self.linker_output,
        })
    }
}

/// What a program printed, each line indented under the message that quotes it: a line it
/// prints (or echoes from an argument) never stands as a message of its own.
fn indented(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The staging folder's room the linker writes in.
const LINK_ROOM: &str = "link";

/// The ruleset that has the linker write only in `room` (its `tmp` folder, made the linker's
/// temporary folder here) and the files `job`'s LinkerArg items name for writing, where the
/// kernel can see to it.
fn confine(cmd: &mut Command, room: &Path, job: &LinkJob) -> Result<Option<super::sandbox::WriteJail>> {
    let tmp = room.join("tmp");
    super::staging::new_folder(&tmp)?;
    for var in ["TMPDIR", "TMP", "TEMP"] {
        cmd.env(var, &tmp);
    }
    super::sandbox::WriteJail::new(&[room.to_path_buf()], &job.linker_arg_writes)
}

/// Copies the file the linker left at `from` (in its room) to `to` (a new file in the staging
/// folder), refusing anything but a regular file: a link would have the publish write, or
/// publish, whatever it names. A copy, so that a program the linker left running cannot change
/// the file verified and published.
fn take_out(from: &Path, to: &Path, job: &LinkJob) -> Result<PathBuf> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let refused = |why: String| {
        Error::new(
            codes::LINK_FAILED,
            format!("the linker's output {why}; the previous output, if any, is unchanged"),
        )
        .at(&job.output)
    };
    let meta = std::fs::symlink_metadata(from).map_err(|e| {
        refused(format!(
            "cannot be read: {}",
            aotinterop_model::diag::io_words(&e)
        ))
    })?;
    if !meta.is_file() {
        return Err(refused(format!(
            "{} is no regular file (a link, a folder or a device)",
            from.display()
        )));
    }
    let copy = || -> std::io::Result<()> {
        // Never blocks (a FIFO swapped in after the check), and what was opened is checked.
        let mut source = std::fs::File::options()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(from)?;
        if !source.metadata()?.is_file() {
            return Err(std::io::Error::other("it is no regular file"));
        }
        let mut target = std::fs::File::options()
            .write(true)
            .create_new(true)
            .mode(meta.mode() & 0o777)
            .open(to)?;
        std::io::copy(&mut source, &mut target).map(drop)
    };
    copy().map_err(|e| {
        refused(format!(
            "cannot be copied out of the linker's folder (is the disk full?): {e}"
        ))
    })?;
    Ok(to.to_path_buf())
}

/// Links `job` with `linker` into a staging folder beside the output and moves the result into
/// place ([`link_staged`], then [`StagedLink::commit`]).
pub fn link(linker: &dyn Linker, job: &LinkJob) -> Result<LinkOutcome> {
    let staging = Staging::beside(&job.output)?;
    link_staged(linker, job, &staging)?.commit(&staging, &[])
}

/// Links `job` with `linker` into `staging`: writes the export file, runs the linker, strips
/// (StripSymbols). On failure the error shows the full command line and everything the linker
/// printed; nothing outside `staging` is touched.
pub fn link_staged(linker: &dyn Linker, job: &LinkJob, staging: &Staging) -> Result<StagedLink> {
    let name = job.output.file_name().ok_or_else(|| {
        Diagnostic::error(codes::OUTPUT_UNWRITABLE, "the output path names no file").at(&job.output)
    })?;
    // The linker writes in a room of its own (`link/`): what it leaves there is copied out
    // only as regular files, so nothing it does there (a link planted where the publish writes
    // next, a journal of its own, a program still running) reaches the publish's files.
    let room = staging.subfolder(LINK_ROOM)?;
    let mut staged = Staged {
        output: room.join(name),
        ..Staged::default()
    };
    let mut export_text = None;
    if linker.flavor() == Flavor::Archive {
        let dir = staging.subfolder("members")?;
        staged.unpacked = archive::unpack(&job.runtime_inputs, &dir)?;
    } else if job.wants_export_file() {
        let kind = linker.export_file_kind();
        let stem = Path::new(name)
            .file_stem()
            .unwrap_or(name)
            .to_string_lossy()
            .into_owned();
        let image_name = (job.kind == super::OutputKind::Shared).then(|| job.output_name());
        let path = exports::write(kind, &job.exports, image_name.as_deref(), staging.path(), &stem)?;
        export_text = std::fs::read_to_string(&path).ok();
        staged.export_file = Some(path);
    }
    let command = linker.command(job, &staged);
    if let Some(done) = linker.run_builtin(job, &staged) {
        done?;
        return Ok(StagedLink {
            image: take_out(&staged.output, &staging.path().join(name), job)?,
            output: job.output.clone(),
            side_outputs: Vec::new(),
            debug_file: None,
            format: job.target.format,
            command,
            export_file: None,
            linker_output: String::new(),
        });
    }
    let mut cmd = Command::new(&command.program);
    cmd.args(&command.args);
    if let Some(dir) = &job.working_dir {
        cmd.current_dir(dir);
    }
    let jail = confine(&mut cmd, &room, job)?;
    let ran = super::staging::run_confined(&mut cmd, jail.as_ref());
    let failed = ran
        .as_ref()
        .map_or(true, |out| !out.status.success() || !staged.output.is_file());
    // The files made for LinkerArg outputs the linker left empty (a failed link, or an option
    // that wrote elsewhere: `-Map=-` to standard output, an import library of nothing).
    if let Some(jail) = jail.as_ref() {
        jail.remove_unwritten();
    }
    let out = ran.map_err(|e| {
        Diagnostic::error(
            codes::LINKER_NOT_FOUND,
            format!(
                "cannot run the {} linker: {e}\ncommand: {command}",
                linker.flavor()
            ),
        )
        .at(&job.output)
    })?;
    let mut printed = String::from_utf8_lossy(&out.stdout).into_owned();
    printed.push_str(&String::from_utf8_lossy(&out.stderr));
    if failed {
        let why = if out.status.success() {
            // A driver that adds `.exe` (MinGW's) to an output named without it.
            let mut exe = staged.output.as_os_str().to_os_string();
            exe.push(".exe");
            match Path::new(&exe).is_file() {
                true => "wrote the image with `.exe` added to its name: name the output with its `.exe`"
                    .to_string(),
                false => "reported success but wrote no output".to_string(),
            }
        } else {
            format!("failed ({})", out.status)
        };
        return Err(Error::new(
            codes::LINK_FAILED,
            format!(
                "the {} linker {why}; the previous output, if any, is unchanged\ncommand: {command}\n{}",
                linker.flavor(),
                indented(printed.trim_end())
            ),
        )
        .at(&job.output));
    }
    staged.output = take_out(&staged.output, &staging.path().join(name), job)?;
    if job.static_executable {
        check_static(&staged.output, &command, job)?;
    }
    let dest_dir = job.output.parent().unwrap_or(Path::new(""));
    let mut side_outputs = Vec::new();
    let mut debug_file = None;
    if job.strip_symbols && super::strip::applies(linker.flavor()) {
        let debug = super::strip::strip(job, &command, &staged.output)?;
        let debug_name = PathBuf::from(debug.file_name().unwrap_or_default());
        side_outputs.push((debug_name.clone(), dest_dir.join(debug_name)));
        debug_file = Some(debug);
    }
    for side in linker.side_outputs(job) {
        if std::fs::symlink_metadata(room.join(&side)).is_ok() {
            take_out(&room.join(&side), &staging.path().join(&side), job)?;
            side_outputs.push((PathBuf::from(&side), dest_dir.join(&side)));
        }
    }
    Ok(StagedLink {
        image: staged.output,
        output: job.output.clone(),
        side_outputs,
        debug_file,
        format: job.target.format,
        command,
        export_file: export_text,
        linker_output: printed,
    })
}

/// A `StaticExecutable` must come out with no program interpreter and no needed library: a C
/// compiler driver whose specs drop `-static-pie` (Debian's `musl-gcc` wrappers replace the link
/// spec that handles it) links a dynamic executable instead, without a word. Checked before the
/// image is put in place.
fn check_static(image: &Path, command: &LinkCommand, job: &LinkJob) -> Result<()> {
    use object::{Object, ObjectSection};
    let data = std::fs::read(image).map_err(|e| {
        Error::new(
            codes::LINK_FAILED,
            format!("{}: {}", image.display(), aotinterop_model::diag::io_words(&e)),
        )
    })?;
    // As `inspect` tells an executable from a shared library: by its `.interp` section.
    let interp = object::File::parse(&*data)
        .ok()
        .map(|f| f.section_by_name(".interp").is_some_and(|s| s.size() > 0));
    if interp == Some(true) {
        let hint = if job.position_independent {
            "the C compiler driver did not honour -static-pie (Debian's musl-gcc specs do not); set \
             PositionIndependentExecutable=false to link with -static, or use a compiler whose \
             specs know -static-pie"
        } else {
            "the C compiler driver did not honour -static"
        };
        return Err(Error::new(
            codes::LINK_FAILED,
            format!(
                "StaticExecutable: the linked image still names a dynamic loader (PT_INTERP): {hint}; \
                 the previous output, if any, is unchanged\ncommand: {command}"
            ),
        )
        .at(&job.output));
    }
    // Nor may it need a shared library: with no loader, nothing would map it (a LinkerArg
    // `-Wl,-Bdynamic -lz` made one that crashed at start).
    let needed = aotinterop_image::inspect_bytes(&data)
        .map(|i| i.needed)
        .unwrap_or_default();
    if let Some(first) = needed.first() {
        return Err(Error::new(
            codes::LINK_FAILED,
            format!(
                "StaticExecutable: the linked image needs shared libraries ({} first), which no loader will map: \
                 link their static archives instead (a LinkerArg `-Bdynamic` brings them in); the previous output, \
                 if any, is unchanged\ncommand: {command}",
                aotinterop_model::diag::shown(first, 120)
            ),
        )
        .at(&job.output));
    }
    Ok(())
}

/// The files beside the output that the image being replaced made and this publish does not
/// (`made`: its side outputs, staged name and destination): the previous image's debug file
/// (once StripSymbols is off, or the linker or output kind changed), a DLL's import library
/// for the image's own file name that this linker does not write, and the PDB the previous
/// image's CodeView record names when this link writes none.
fn superseded(output: &Path, format: crate::target::Format, made: &[(PathBuf, PathBuf)]) -> Vec<PathBuf> {
    let mut gone = previous_files(output, format, made);
    // In a shared folder, another user's file of such a name is not the previous publish's.
    gone.retain(|p| owned_by_this_user(p));
    gone
}

#[cfg(unix)]
fn owned_by_this_user(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    std::fs::symlink_metadata(path).is_ok_and(|m| m.uid() == me)
}

#[cfg(not(unix))]
fn owned_by_this_user(_path: &Path) -> bool {
    true
}

/// The files [`superseded`] names, whoever owns them.
fn previous_files(output: &Path, format: crate::target::Format, made: &[(PathBuf, PathBuf)]) -> Vec<PathBuf> {
    let makes = |dest: &Path| made.iter().any(|(_, d)| d == dest);
    let mut gone: Vec<PathBuf> = previous_debug_file(output, &makes).into_iter().collect();
    if format != crate::target::Format::Coff {
        return gone;
    }
    let lib = output.with_extension("lib");
    let name = output.file_name().unwrap_or_default().to_string_lossy();
    if !makes(&lib) && imports_from(&lib, &name) {
        gone.push(lib);
    }
    let pdb = output.with_extension("pdb");
    if !makes(&pdb) && pdb.is_file() && names_its_pdb(output, &pdb) {
        gone.push(pdb);
    }
    gone
}

/// Whether the PE image now at `image` names `pdb` (by its file name, in any case) as its PDB.
fn names_its_pdb(image: &Path, pdb: &Path) -> bool {
    let Some(named) = aotinterop_image::pdb_path(image) else {
        return false;
    };
    let named = String::from_utf8_lossy(&named);
    let file = named.rsplit(['/', '\\']).next().unwrap_or_default();
    pdb.file_name()
        .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(file))
}

/// Whether `lib` is an import library (short import members, as lld-link and MSVC write) of
/// the DLL named `dll` (in any case).
fn imports_from(lib: &Path, dll: &str) -> bool {
    let Ok(data) = crate::diag::read_binary(lib, "import library", crate::diag::codes::BAD_FORMAT) else {
        return false;
    };
    let Ok(archive) = object::read::archive::ArchiveFile::parse(&*data) else {
        return false;
    };
    archive.members().flatten().any(|m| {
        m.data(&*data)
            .ok()
            .and_then(|d| object::read::coff::ImportFile::parse(d).ok())
            .is_some_and(|i| i.dll().eq_ignore_ascii_case(dll.as_bytes()))
    })
}

/// The debug file beside `output` that the image now there links to by its `.gnu_debuglink`
/// (`IMAGE.dbg`, a StripSymbols publish's): a file of another name, or one the image does not
/// link to, is the user's and stays.
fn previous_debug_file(output: &Path, makes: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    let name = super::strip::debug_file_name(&output.file_name()?.to_string_lossy());
    let debug = output.with_file_name(&name);
    if makes(&debug) {
        return None;
    }
    let (linked, crc) = aotinterop_image::debuglink(output)?;
    if linked != name.as_bytes() || !debug.is_file() {
        return None;
    }
    // The debug file the link's CRC names: a file of that name put there since (another
    // publish's image, say) is not the previous image's.
    let bytes = crate::diag::read_binary(&debug, "debug file", crate::diag::codes::BAD_FORMAT).ok()?;
    (crc32fast::hash(&bytes) == crc).then_some(debug)
}
