//! The staging folder: a folder beside the output that a publish writes everything into — the
//! linked image, its debug file, side outputs, plan reports, and its own work files — so that a
//! failed or interrupted publish never leaves a half-written file where the old one was. The
//! finished set is moved into place with renames on one file system, the image last, holding the
//! lock of the output's folder, so that two publishes to one output never mix their files.
//!
//! Each staging folder holds a lock file its publish keeps locked; a publish to the same output
//! removes the folders of publishes that died (their lock is free), whatever killed them, first
//! rolling back from its journal a commit one died in (`kill -9` between two renames). A
//! signal's clean-up ([`remove_live`]) kills the programs a publish runs ([`run_program`]) and
//! removes its folders, waiting for a commit under way.

use crate::diag::{codes, Diagnostic, Error, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The prefix of staging folders' names.
const PREFIX: &str = ".aotinterop-link-";
/// The prefix of a staging folder being made (renamed to [`PREFIX`] once its lock is held, so
/// that no publish ever sees a staging folder whose lock is not yet taken).
const NEW_PREFIX: &str = ".aotinterop-new-";
/// The lock file inside a staging folder.
const LOCK: &str = ".lock";
/// The journal of a commit under way inside a staging folder (see [`Staging::commit`]).
const JOURNAL: &str = ".journal";

/// What this process's live publishes have made: their staging folders and the programs they
/// run (linker, objcopy, Mono's AOT compiler), for [`remove_live`]; and whether a signal has
/// ended them. One lock: a folder is made, a program started and the finished set committed
/// while holding it, so a signal's clean-up waits for a commit to finish and nothing is made
/// after it.
struct Live {
    dirs: Vec<PathBuf>,
    children: Vec<u32>,
    interrupted: bool,
    /// A commit of this process has put its new output in place.
    committed: bool,
}

static LIVE: std::sync::Mutex<Live> = std::sync::Mutex::new(Live {
    dirs: Vec::new(),
    children: Vec::new(),
    interrupted: false,
    committed: false,
});

fn live() -> std::sync::MutexGuard<'static, Live> {
    LIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Ends what this process's publishes are doing, for a program a signal ends: the programs they
/// run are killed, their staging folders removed (after a commit under way has finished, so the
/// output is the old set or the new one), and no publish starts anything more. Says whether a
/// commit had already put its new output in place (the publish is then done).
pub fn remove_live() -> bool {
    let mut live = live();
    live.interrupted = true;
    for &pid in &live.children {
        kill_group(pid);
    }
    for dir in &live.dirs {
        remove_now(dir);
    }
    live.committed
}

/// Whether a commit of this process has put its new output in place.
pub fn committed() -> bool {
    live().committed
}

/// Removes the staging folder `dir` while the publish that made it may still be writing in it:
/// moved out of the way first (what the publish then writes by its path fails), then removed,
/// again if a file landed in it meanwhile.
fn remove_now(dir: &Path) {
    let mut gone = dir.as_os_str().to_os_string();
    gone.push(".removing");
    let gone = PathBuf::from(gone);
    let at = if std::fs::rename(dir, &gone).is_ok() {
        gone.as_path()
    } else {
        dir
    };
    for _ in 0..5 {
        if std::fs::remove_dir_all(at).is_ok() || !at.exists() {
            return;
        }
    }
}

/// Whether [`remove_live`] has run: a failure seen since is the signal's doing.
pub fn interrupted() -> bool {
    live().interrupted
}

/// A publish starts: when no other is under way, a signal an earlier one was ended by is
/// forgotten (a process that outlives it, a build server say, publishes again).
pub fn begin_publish() {
    let mut live = live();
    if live.dirs.is_empty() && live.children.is_empty() {
        live.interrupted = false;
    }
}

/// A process that ignores SIGCHLD (inherited: an `exec` keeps it), or sets `SA_NOCLDWAIT`,
/// cannot wait for the programs it starts — the kernel reaps them and `waitpid` fails with
/// ECHILD — and neither can those programs (a compiler driver waits for its linker): the
/// default disposition is put back.
#[cfg(unix)]
fn wait_for_children() {
    // SAFETY: zeroed `sigaction`s are valid; SIGCHLD's action is read, and set to the default
    // only when it is "ignore" or reaps children.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGCHLD, std::ptr::null(), &mut old) == 0
            && (old.sa_sigaction == libc::SIG_IGN || old.sa_flags & libc::SA_NOCLDWAIT != 0)
        {
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut default.sa_mask);
            libc::sigaction(libc::SIGCHLD, &default, std::ptr::null_mut());
        }
    }
}

#[cfg(unix)]
fn kill_group(pid: u32) {
    // SAFETY: kill(2) on the process group this process started the program in.
    unsafe { libc::kill(-(pid as libc::pid_t), libc::SIGKILL) };
}

#[cfg(not(unix))]
fn kill_group(_pid: u32) {}

fn interrupted_error() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::Interrupted, "the publish was interrupted")
}

/// Runs `cmd` to its end, as [`std::process::Command::output`] does, in a process group of its
/// own that [`remove_live`] kills (a signal to this process alone left the linker running).
pub fn run_program(cmd: &mut std::process::Command) -> std::io::Result<std::process::Output> {
    run_confined(cmd, None)
}

/// [`run_program`], the program confined to `jail`'s writes when there is one.
pub(crate) fn run_confined(
    cmd: &mut std::process::Command,
    jail: Option<&super::sandbox::WriteJail>,
) -> std::io::Result<std::process::Output> {
    let cmd = &mut super::tools::on_path(cmd)?;
    if let Some(jail) = jail {
        jail.confine(cmd);
    }
    #[cfg(target_os = "linux")]
    end_with_this_process(cmd);
    #[cfg(unix)]
    wait_for_children();
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = {
        let mut live = live();
        if live.interrupted {
            return Err(interrupted_error());
        }
        let child = cmd.spawn()?;
        live.children.push(child.id());
        child
    };
    let id = child.id();
    let out = child.wait_with_output();
    live().children.retain(|&c| c != id);
    out
}

/// Has `cmd`'s program killed when this thread ends (a publish killed with `kill -9`, which no
/// clean-up sees, left Mono's AOT compiler running to its end). The thread that runs a program
/// waits for it, so it outlives the program unless the process dies.
#[cfg(target_os = "linux")]
fn end_with_this_process(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: between fork and exec the closure makes three system calls and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            // The publish ignores SIGXFSZ (a write past `ulimit -f` is its error to report);
            // its programs get the default back, so one that does not check its writes (Mono's
            // compiler) ends on the limit rather than leaving a cut file for the next to trip on.
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // The parent died before the request took hold: end now.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// A staging folder in the output's folder, removed when dropped.
pub struct Staging {
    dir: PathBuf,
    /// Locked while this publish lives.
    lock: Option<File>,
    /// Kept for the next publish: a commit that could not be rolled back left its journal.
    keep: std::sync::atomic::AtomicBool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        let mut live = live();
        if !self.keep.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        live.dirs.retain(|d| d != &self.dir);
        drop(self.lock.take());
    }
}

/// Makes the folder `dir` inside a staging folder.
pub(crate) fn new_folder(dir: &Path) -> Result<()> {
    std::fs::create_dir(dir).map_err(|e| {
        let why = aotinterop_model::diag::io_words(&e);
        Diagnostic::error(
            codes::OUTPUT_UNWRITABLE,
            format!("cannot create a staging folder: {why}"),
        )
        .at(dir)
        .into()
    })
}

fn unwritable(output: &Path, e: std::io::Error) -> Error {
    // tempfile's errors end with ` at path "…"` (a debug form), and Rust's with ` (os error N)`;
    // the location says where.
    let why = aotinterop_model::diag::io_words(&e);
    let why = why.split(" at path ").next().unwrap_or(&why);
    Diagnostic::error(
        codes::OUTPUT_UNWRITABLE,
        format!("cannot create a staging folder for the output: {why}"),
    )
    .at(output)
    .into()
}

/// Undoes the commit a publish died in, from the journal in its staging folder `dir` (none: it
/// died before or after its commit), holding the lock of the output's folder `parent` and, as a
/// commit does, this process's signal clean-up: each destination whose backup is there gets the
/// previous file back, and a destination that had none loses the new file once that file has
/// left the staging folder. The output is then the previous set, whole. The journal is removed
/// last, so a roll-back that is itself cut short is done again by the next publish; `false`
/// when a step failed (the folder, with its backups, is then kept). A journal naming any file
/// outside the output's folder, or a backup or staged file outside `dir`, is not ours: nothing
/// is done by it.
fn roll_back_dead(parent: &Path, dir: &Path) -> bool {
    if std::fs::symlink_metadata(dir.join(JOURNAL)).is_err() {
        return true;
    }
    let Ok(lock) = aotinterop_model::diag::open_folder(parent) else {
        return false;
    };
    // Not waited for: a folder held by another process keeps its dead folders for the next
    // publish (each waited in turn, the waits added up); the commit waits once.
    if lock.try_lock().is_err() {
        return false;
    }
    let live = live();
    let done = replay_journal(parent, dir);
    drop(live);
    done
}

/// [`roll_back_dead`]'s work, the output folder's lock and the signal clean-up held.
fn replay_journal(parent: &Path, dir: &Path) -> bool {
    let journal = dir.join(JOURNAL);
    // Read under the lock: two publishes that both found the folder dead roll it back once.
    let Ok(text) = crate::diag::read_bounded(&journal, "commit journal", crate::diag::TEXT_LIMIT) else {
        return true;
    };
    let Some(entries) = journal_entries(&text, parent, dir) else {
        return true;
    };
    let mut done = true;
    for (to, staged, kept) in entries.iter().rev() {
        let step = match (kept, staged) {
            (Some(kept), _) if kept.exists() && !same_inode(kept, to) => std::fs::rename(kept, to),
            (None, Some(staged)) if !staged.exists() && to.exists() => std::fs::remove_file(to),
            _ => Ok(()),
        };
        done &= step.is_ok();
    }
    if done {
        let _ = std::fs::remove_file(&journal);
    }
    done
}

/// Rolls back, before a commit in `parent` (its lock held), the commit any dead publish of this
/// user's left there half made: a journal replayed later would undo this commit's files too.
/// Its staging folder is left for [`remove_dead`].
fn roll_back_dead_commits(parent: &Path, own: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let name = entry.file_name();
        let staging = name.to_string_lossy().starts_with(PREFIX) && Some(name.as_os_str()) != own.file_name();
        if staging && made_by_this_user(&dir) && lock_is_free(&dir) {
            replay_journal(parent, &dir);
        }
    }
}

/// Whether the lock file of the staging folder `dir` is a file no process holds (a FIFO or
/// anything else there is no publish's: never opened, which could block).
fn lock_is_free(dir: &Path) -> bool {
    let lock = dir.join(LOCK);
    std::fs::symlink_metadata(&lock).is_ok_and(|m| m.is_file())
        && aotinterop_model::diag::open_regular(&lock).is_ok_and(|lock| lock.try_lock().is_ok())
}

/// How long a publish waits for the lock of the output's folder: a commit holds it for a few
/// renames, so a lock held longer is not a publish's (any process that can open the folder can
/// lock it).
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Locks the output's folder `lock` (opened), waiting at most [`LOCK_WAIT`].
fn lock_folder(lock: &File) -> std::io::Result<()> {
    lock_within(lock, LOCK_WAIT)
}

fn lock_within(lock: &File, wait: std::time::Duration) -> std::io::Result<()> {
    let started = std::time::Instant::now();
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(std::io::Error::other(format!(
                    "another process has held the lock of the output's folder for {:.0} s (a publish holds it for \
                     a few renames): nothing was moved; find what holds it (`fuser` or `lsof` on the folder)",
                    wait.as_secs_f64()
                )))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// One journal entry: a destination, its staged file and the previous file's backup.
type JournalEntry = (PathBuf, Option<PathBuf>, Option<PathBuf>);

/// The entries of a journal's `text`; `None` when one names a destination outside `parent` or
/// a staged file or backup outside `dir` (the journal is not one a commit wrote).
fn journal_entries(text: &[u8], parent: &Path, dir: &Path) -> Option<Vec<JournalEntry>> {
    use std::os::unix::ffi::OsStrExt;
    let (parent, dir) = (parent.canonicalize().ok()?, dir.canonicalize().ok()?);
    let inside = |p: &Path, folder: &Path| {
        p.file_name().is_some() && p.parent().and_then(|f| f.canonicalize().ok()).as_deref() == Some(folder)
    };
    let path = |b: &[u8]| (!b.is_empty()).then(|| PathBuf::from(std::ffi::OsStr::from_bytes(b)));
    let parts: Vec<&[u8]> = text.split(|&b| b == 0).collect();
    let mut entries = Vec::new();
    for entry in parts.chunks_exact(3) {
        let (to, staged, kept) = (path(entry[0])?, path(entry[1]), path(entry[2]));
        let backup = |k: &Path| {
            inside(k, &dir)
                && k.file_name()
                    .is_some_and(|n| n.as_bytes().starts_with(b".previous-"))
        };
        if !inside(&to, &parent)
            || !staged.as_deref().is_none_or(|p| inside(p, &dir))
            || !kept.as_deref().is_none_or(backup)
        {
            return None;
        }
        entries.push((to, staged, kept));
    }
    Some(entries)
}

fn same_inode(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::symlink_metadata(a), std::fs::symlink_metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Whether `dir` is a folder (not a link) this user owns that no one else may write in, as
/// staging folders are made (0700), and its journal, if any, is this user's too.
#[cfg(unix)]
fn made_by_this_user(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let private =
        |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.uid() == me && m.mode() & 0o022 == 0);
    let journal = dir.join(JOURNAL);
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
        && private(dir)
        && (std::fs::symlink_metadata(&journal).is_err() || private(&journal))
}

#[cfg(not(unix))]
fn made_by_this_user(_dir: &Path) -> bool {
    true
}

/// Removes the staging folders in `parent` whose publish is gone: their lock is free. (A folder
/// still being made is left alone unless it is over a minute old: its publish died making it.)
/// Puts back the set a dead publish to `output` left half-committed, and removes what dead
/// publishes left beside it: done as a publish starts, so that one failing before its link
/// leaves no mixed set either.
pub fn recover(output: &Path) {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if parent.is_dir() {
        remove_dead(parent);
    }
}

fn remove_dead(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Another user's folder (in a shared folder) is not a publish of this user's: its
        // journal could name any file this user may replace.
        if !made_by_this_user(&entry.path()) {
            continue;
        }
        let age = || {
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            modified
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|a| a.as_secs() > 60)
        };
        // A staging folder that lost its lock file (removed by an interrupted publish while
        // its last files were written) is dead once a minute old, as one still being made.
        let lockless = || std::fs::symlink_metadata(entry.path().join(LOCK)).is_err();
        let dead = if name.starts_with(PREFIX) {
            lock_is_free(&entry.path()) || (lockless() && age())
        } else if name.starts_with(NEW_PREFIX) {
            age()
        } else {
            false
        };
        if dead && roll_back_dead(parent, &entry.path()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Staging {
    /// Creates the output's folder if needed, removes the staging folders of dead publishes to
    /// it, and creates this publish's, locked.
    /// A new folder `name` in the staging folder, for one step's work files (removed with it).
    pub fn subfolder(&self, name: &str) -> Result<PathBuf> {
        let dir = self.dir.join(name);
        new_folder(&dir)?;
        Ok(dir)
    }

    pub fn beside(output: &Path) -> Result<Self> {
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| unwritable(output, e))?;
        remove_dead(&parent);
        let mut live = live();
        if live.interrupted {
            return Err(unwritable(output, interrupted_error()));
        }
        // Private whatever the umask (a group-writable folder would not be taken for this
        // user's own when its publish dies).
        let new = tempfile::Builder::new()
            .prefix(NEW_PREFIX)
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir_in(&parent)
            .map_err(|e| unwritable(output, e))?;
        let lock = File::create(new.path().join(LOCK)).map_err(|e| unwritable(output, e))?;
        lock.lock().map_err(|e| unwritable(output, e))?;
        let suffix = new.path().file_name().unwrap_or_default().to_string_lossy();
        let dir = parent.join(format!("{PREFIX}{}", &suffix[NEW_PREFIX.len()..]));
        std::fs::rename(new.path(), &dir).map_err(|e| unwritable(output, e))?;
        // The folder is this value's now (it removes it when dropped).
        let _ = new.keep();
        live.dirs.push(dir.clone());
        Ok(Staging {
            dir,
            lock: Some(lock),
            keep: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Removes the files of `superseded` (a previous publish's files this one does not make: a
    /// debug file once StripSymbols is off), moves each staged file (a name in the staging
    /// folder) to its destination, then the image, while holding the lock of the output's
    /// folder: all of them or none. Each file already at a
    /// destination is first hard-linked into the staging folder (a file that cannot be, an
    /// immutable one say, stops the commit before anything is moved); when a move fails, the moved
    /// ones go back and the previous files are put back over them.
    pub fn commit(
        &self,
        superseded: &[PathBuf],
        files: &[(PathBuf, PathBuf)],
        image: (&Path, &Path),
    ) -> Result<()> {
        self.commit_checked(&|| superseded.to_vec(), files, image, &|| Ok(()))
    }

    /// [`Staging::commit`], running `check` once the output folder's lock is held, before
    /// anything moves: what was checked at the start (that the files there may be replaced)
    /// is checked again where no other publish to the folder can change it; `superseded` is
    /// asked there too (a previous publish's file may since have been replaced by another's).
    pub fn commit_checked(
        &self,
        superseded: &dyn Fn() -> Vec<PathBuf>,
        files: &[(PathBuf, PathBuf)],
        image: (&Path, &Path),
        check: &dyn Fn() -> Result<()>,
    ) -> Result<()> {
        let (name, dest) = image;
        // The output's folder is the lock (nothing is left beside the output for it); commits
        // are renames, so publishes to other outputs in the folder wait only that long.
        let folder = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let lock = aotinterop_model::diag::open_folder(folder).map_err(|e| move_failed(folder, e))?;
        lock_folder(&lock).map_err(|e| move_failed(folder, e))?;
        let mut live = live();
        if live.interrupted {
            return Err(move_failed(dest, interrupted_error()));
        }
        roll_back_dead_commits(folder, self.path());
        check()?;
        let superseded = superseded();
        // (staged file, destination); no staged file: the destination is removed.
        let moves: Vec<(Option<PathBuf>, &Path)> = superseded
            .iter()
            .map(|d| (None, d.as_path()))
            .chain(
                files
                    .iter()
                    .map(|(n, d)| (n.as_path(), d.as_path()))
                    .chain([(name, dest)])
                    .map(|(n, d)| (Some(self.path().join(n)), d)),
            )
            .collect();
        let previous = self.keep_previous(&moves)?;
        self.write_journal(&moves, &previous)
            .map_err(|e| move_failed(dest, e))?;
        if let Err(e) = self.apply(&moves, &previous, moves.len()) {
            if self.keep.load(std::sync::atomic::Ordering::Relaxed) {
                // Left for the next publish, which rolls it back by its journal; not removed
                // by a signal meanwhile either.
                live.dirs.retain(|d| d != &self.dir);
            }
            return Err(e);
        }
        let _ = std::fs::remove_file(self.path().join(JOURNAL));
        live.committed = true;
        drop(live);
        Ok(())
    }

    /// Makes the first `count` of `moves` (all but in tests), rolling back those made when one
    /// fails.
    fn apply(
        &self,
        moves: &[(Option<PathBuf>, &Path)],
        previous: &[Option<PathBuf>],
        count: usize,
    ) -> Result<()> {
        for (done, ((staged, to), kept)) in moves.iter().zip(previous).enumerate().take(count) {
            let moved = match staged {
                Some(staged) => std::fs::rename(staged, to),
                None if kept.is_none() => Ok(()),
                None => std::fs::remove_file(to),
            };
            if let Err(e) = moved {
                if !self.roll_back(&moves[..done], previous) {
                    self.keep.store(true, std::sync::atomic::Ordering::Relaxed);
                    return Err(roll_back_failed(to, e, self.path()));
                }
                return Err(move_failed(to, e));
            }
        }
        Ok(())
    }

    /// Writes the commit's journal (each move's destination, made absolute, its staged file and
    /// the previous file's backup, NUL-separated), so that the next publish to the output can
    /// roll back a commit its publish died in ([`roll_back_dead`]). Written whole, then renamed.
    fn write_journal(
        &self,
        moves: &[(Option<PathBuf>, &Path)],
        previous: &[Option<PathBuf>],
    ) -> std::io::Result<()> {
        use std::os::unix::ffi::OsStrExt;
        let mut text = Vec::new();
        for ((staged, to), kept) in moves.iter().zip(previous) {
            for part in [Some(*to), staged.as_deref(), kept.as_deref()] {
                let part = part.map(std::path::absolute).transpose()?;
                text.extend_from_slice(part.as_ref().map_or(&b""[..], |p| p.as_os_str().as_bytes()));
                text.push(0);
            }
        }
        let partial = self.path().join(".journal.new");
        let mut file = std::fs::OpenOptions::new();
        std::os::unix::fs::OpenOptionsExt::mode(file.write(true).create(true).truncate(true), 0o600);
        std::io::Write::write_all(&mut file.open(&partial)?, &text)?;
        std::fs::rename(partial, self.path().join(JOURNAL))
    }

    /// Hard links, in the staging folder, of the files the moves will replace (`None` where
    /// there is none yet).
    fn keep_previous(&self, moves: &[(Option<PathBuf>, &Path)]) -> Result<Vec<Option<PathBuf>>> {
        let mut kept = Vec::new();
        for (i, (_, to)) in moves.iter().enumerate() {
            if std::fs::symlink_metadata(to).is_err() {
                kept.push(None);
                continue;
            }
            let keep = self.path().join(format!(".previous-{i}"));
            std::fs::hard_link(to, &keep).map_err(|e| keep_failed(to, e))?;
            kept.push(Some(keep));
        }
        Ok(kept)
    }

    /// Undoes the first moves: each new file goes back into the staging folder and the previous
    /// one, if any, is put back. Says whether every one was undone.
    fn roll_back(&self, moved: &[(Option<PathBuf>, &Path)], previous: &[Option<PathBuf>]) -> bool {
        let mut whole = true;
        for ((staged, to), kept) in moved.iter().zip(previous).rev() {
            let undone = match (kept, staged) {
                (Some(kept), _) => std::fs::rename(kept, to),
                (None, Some(staged)) => std::fs::rename(to, staged),
                (None, None) => Ok(()),
            };
            whole &= undone.is_ok();
        }
        whole
    }
}

/// A move failed and so did putting the previous files back: the output is a mix, which the
/// staging folder's journal, kept, lets the next publish to it undo.
fn roll_back_failed(dest: &Path, e: std::io::Error, staging: &Path) -> Error {
    Diagnostic::error(
        codes::OUTPUT_UNWRITABLE,
        format!(
            "cannot move the published file into place ({}), and putting the previous files back failed too: the \
             output is now part old, part new. The next publish to it puts the previous files back first (their \
             copies and the journal are kept in {})",
            aotinterop_model::diag::io_words(&e),
            aotinterop_model::diag::shown_path(staging, 400)
        ),
    )
    .at(dest)
    .into()
}

/// The previous file at `dest` could not be kept (a hard link in the staging folder, to put it
/// back if the commit fails): nothing was moved.
fn keep_failed(dest: &Path, e: std::io::Error) -> Error {
    Diagnostic::error(
        codes::OUTPUT_UNWRITABLE,
        format!(
            "cannot keep the previous file (a hard link to it beside the output, to put it back if the commit \
             fails): {}; nothing was moved (one cause: a file of another user's, which the kernel's \
             `protected_hardlinks` keeps from being linked)",
            aotinterop_model::diag::io_words(&e)
        ),
    )
    .at(dest)
    .into()
}

fn move_failed(dest: &Path, e: std::io::Error) -> Error {
    Error::new(
        codes::OUTPUT_UNWRITABLE,
        format!(
            "cannot move the published file into place: {}",
            aotinterop_model::diag::io_words(&e)
        ),
    )
    .at(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A commit whose last move fails puts every file back as it was: the previous files over
    /// the new ones, the new ones out of the way (the image of the old set kept a foreign
    /// `.dbg` and new reports).
    #[test]
    fn a_failed_move_rolls_the_whole_set_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        for (name, text) in [("app", "old image"), ("app.dbg", "old debug")] {
            std::fs::write(out.join(name), text).unwrap();
        }
        let staging = Staging::beside(&out.join("app")).unwrap();
        for (name, text) in [
            ("app", "new image"),
            ("app.dbg", "new debug"),
            ("app.plan.md", "new"),
        ] {
            std::fs::write(staging.path().join(name), text).unwrap();
        }
        // The image's move fails: its destination's folder is gone.
        let files = vec![
            (PathBuf::from("app.dbg"), out.join("app.dbg")),
            (PathBuf::from("app.plan.md"), out.join("app.plan.md")),
        ];
        let gone = dir.path().join("gone/app");
        assert!(staging.commit(&[], &files, (Path::new("app"), &gone)).is_err());
        let read = |n: &str| std::fs::read_to_string(out.join(n)).ok();
        assert_eq!(read("app").as_deref(), Some("old image"));
        assert_eq!(read("app.dbg").as_deref(), Some("old debug"));
        assert_eq!(read("app.plan.md"), None, "a new file stayed");
        // And a commit that works replaces them all.
        let files = vec![(PathBuf::from("app.dbg"), out.join("app.dbg"))];
        staging
            .commit(&[], &files, (Path::new("app"), &out.join("app")))
            .unwrap();
        assert_eq!(read("app").as_deref(), Some("new image"));
        assert_eq!(read("app.dbg").as_deref(), Some("new debug"));
    }

    /// Waits (at most 5 s) until no process holds the lock of the staging folder `dir`: a child
    /// another test forks holds a copy of every open file until it runs its program, and with it
    /// the lock a test has just let go.
    fn released(dir: &Path) {
        let started = std::time::Instant::now();
        while !lock_is_free(dir) && started.elapsed().as_secs() < 5 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// A publish killed in the middle of its commit (here: after moving the debug file, before
    /// the image) left the new debug file beside the old image; the next publish to the output,
    /// as it starts, puts the previous set back from the journal and removes the dead folder.
    #[test]
    fn a_commit_its_publish_died_in_is_rolled_back_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("app"), "old image").unwrap();
        std::fs::write(out.join("app.dbg"), "old debug").unwrap();
        let mut staging = Staging::beside(&out.join("app")).unwrap();
        for (name, text) in [
            ("app", "new image"),
            ("app.dbg", "new debug"),
            ("app.plan.md", "new"),
        ] {
            std::fs::write(staging.path().join(name), text).unwrap();
        }
        let (dbg, md, app) = (out.join("app.dbg"), out.join("app.plan.md"), out.join("app"));
        let moves: Vec<(Option<PathBuf>, &Path)> = vec![
            (Some(staging.path().join("app.dbg")), &dbg),
            (Some(staging.path().join("app.plan.md")), &md),
            (Some(staging.path().join("app")), &app),
        ];
        let previous = staging.keep_previous(&moves).unwrap();
        staging.write_journal(&moves, &previous).unwrap();
        staging.apply(&moves, &previous, 2).unwrap();
        // Dead: its lock is free and nothing removes its folder.
        drop(staging.lock.take());
        let dead = staging.path().to_path_buf();
        live().dirs.retain(|d| d != &dead);
        std::mem::forget(staging);
        released(&dead);
        let read = |p: &Path| std::fs::read_to_string(p).ok();
        assert_eq!(read(&dbg).as_deref(), Some("new debug"));
        // What a publish does first, before it fails or links.
        recover(&app);
        assert_eq!(read(&app).as_deref(), Some("old image"));
        assert_eq!(read(&dbg).as_deref(), Some("old debug"));
        assert_eq!(read(&md), None);
        let left: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(PREFIX))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    /// A publish that began before another died in its commit commits its whole set: the dead
    /// commit is undone first, not replayed later over this one's files. Staging folders are
    /// private (0700) whatever the umask.
    #[test]
    fn a_dead_commit_is_undone_before_the_next_commit_not_over_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let (app, dbg) = (out.join("app"), out.join("app.dbg"));
        std::fs::write(&app, "set 0").unwrap();
        std::fs::write(&dbg, "debug 0").unwrap();
        let later = Staging::beside(&app).unwrap();
        let mode = std::fs::metadata(later.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
        std::fs::write(later.path().join("app"), "set 2").unwrap();
        std::fs::write(later.path().join("app.dbg"), "debug 2").unwrap();
        // The other publish dies after moving its debug file.
        let mut dying = Staging::beside(&app).unwrap();
        std::fs::write(dying.path().join("app"), "set 1").unwrap();
        std::fs::write(dying.path().join("app.dbg"), "debug 1").unwrap();
        let moves: Vec<(Option<PathBuf>, &Path)> = vec![
            (Some(dying.path().join("app.dbg")), &dbg),
            (Some(dying.path().join("app")), &app),
        ];
        let previous = dying.keep_previous(&moves).unwrap();
        dying.write_journal(&moves, &previous).unwrap();
        dying.apply(&moves, &previous, 1).unwrap();
        drop(dying.lock.take());
        let dead = dying.path().to_path_buf();
        live().dirs.retain(|d| d != &dead);
        std::mem::forget(dying);
        released(&dead);
        let files = vec![(PathBuf::from("app.dbg"), dbg.clone())];
        later.commit(&[], &files, (Path::new("app"), &app)).unwrap();
        let read = |p: &Path| std::fs::read_to_string(p).unwrap();
        assert_eq!((read(&app), read(&dbg)), ("set 2".into(), "debug 2".into()));
        // A publish after it replays nothing over that set, and removes the dead folder.
        drop(later);
        let _next = Staging::beside(&app).unwrap();
        assert_eq!((read(&app), read(&dbg)), ("set 2".into(), "debug 2".into()));
        assert!(!dead.exists());
    }

    /// A journal planted in a dead-looking staging folder moves nothing outside the output's
    /// folder, and takes no file from elsewhere into it.
    #[test]
    fn a_planted_journal_moves_nothing_outside_the_output_folder() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let (bin, outside) = (dir.path().join("bin"), dir.path().join("outside"));
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("victim"), "precious").unwrap();
        std::fs::write(outside.join("secret"), "secret").unwrap();
        let evil = bin.join(format!("{PREFIX}EVIL"));
        std::fs::create_dir(&evil).unwrap();
        std::fs::write(evil.join(LOCK), "").unwrap();
        std::fs::write(evil.join(".previous-0"), "attacker").unwrap();
        let mut journal = Vec::new();
        for part in [
            outside.join("victim"),
            PathBuf::from("/x"),
            evil.join(".previous-0"),
            bin.join("leaked"),
            PathBuf::from("/y"),
            outside.join("secret"),
        ] {
            journal.extend_from_slice(part.as_os_str().as_bytes());
            journal.push(0);
        }
        std::fs::write(evil.join(JOURNAL), journal).unwrap();
        let _next = Staging::beside(&bin.join("app")).unwrap();
        assert_eq!(
            std::fs::read_to_string(outside.join("victim")).unwrap(),
            "precious"
        );
        assert_eq!(std::fs::read_to_string(outside.join("secret")).unwrap(), "secret");
        assert!(!bin.join("leaked").exists());
    }

    /// In a shared folder, a staging folder another user made (or one others may write in) is
    /// not this user's: its journal is not replayed and it is not removed. (A planted journal
    /// naming files of the output's folder had this user's publish delete and replace them.)
    #[test]
    fn another_users_staging_folder_is_left_alone() {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        std::fs::write(shared.join("precious"), "precious").unwrap();
        std::fs::write(shared.join("other"), "other").unwrap();
        for (name, mode, owner) in [("EVIL", 0o700, Some(65534)), ("OPEN", 0o777, None)] {
            let evil = shared.join(format!("{PREFIX}{name}"));
            std::fs::create_dir(&evil).unwrap();
            std::fs::write(evil.join(LOCK), "").unwrap();
            std::fs::write(evil.join(".previous-x"), "attacker").unwrap();
            let mut journal = Vec::new();
            for part in [
                shared.join("precious"),
                evil.join("gone"),
                PathBuf::new(),
                shared.join("other"),
                evil.join("x"),
                evil.join(".previous-x"),
            ] {
                journal.extend_from_slice(part.as_os_str().as_bytes());
                journal.push(0);
            }
            std::fs::write(evil.join(JOURNAL), journal).unwrap();
            std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(mode)).unwrap();
            if let Some(uid) = owner {
                for p in [
                    evil.join(JOURNAL),
                    evil.join(LOCK),
                    evil.join(".previous-x"),
                    evil.clone(),
                ] {
                    std::os::unix::fs::lchown(&p, Some(uid), Some(uid)).unwrap();
                }
            }
            let _next = Staging::beside(&shared.join("app")).unwrap();
            let read = |n: &str| std::fs::read_to_string(shared.join(n)).unwrap();
            assert_eq!(read("precious"), "precious", "{name}");
            assert_eq!(read("other"), "other", "{name}");
            assert!(evil.join(JOURNAL).exists(), "{name}");
        }
    }

    /// A lock of the output's folder held by another process is waited for a while, then the
    /// commit fails saying so (it waited forever, silently).
    #[test]
    fn a_folder_lock_held_too_long_fails_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let held = File::open(dir.path()).unwrap();
        held.lock().unwrap();
        let mine = File::open(dir.path()).unwrap();
        let e = lock_within(&mine, std::time::Duration::from_millis(100)).unwrap_err();
        assert!(
            e.to_string().contains("held the lock of the output's folder"),
            "{e}"
        );
        drop(held);
        lock_within(&mine, std::time::Duration::from_millis(100)).unwrap();
    }

    #[test]
    fn a_superseded_file_is_removed_with_the_commit_and_put_back_when_it_fails() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("app"), "old image").unwrap();
        std::fs::write(out.join("app.dbg"), "old debug").unwrap();
        let read = |n: &str| std::fs::read_to_string(out.join(n)).ok();
        let superseded = [out.join("app.dbg"), out.join("never-made.dbg")];
        // The image's move fails: the debug file is back.
        let staging = Staging::beside(&out.join("app")).unwrap();
        std::fs::write(staging.path().join("app"), "new image").unwrap();
        let gone = dir.path().join("gone/app");
        assert!(staging
            .commit(&superseded, &[], (Path::new("app"), &gone))
            .is_err());
        assert_eq!(read("app").as_deref(), Some("old image"));
        assert_eq!(read("app.dbg").as_deref(), Some("old debug"));
        // It works: the new image, and no debug file of the old one's beside it.
        staging
            .commit(&superseded, &[], (Path::new("app"), &out.join("app")))
            .unwrap();
        assert_eq!(read("app").as_deref(), Some("new image"));
        assert_eq!(read("app.dbg"), None);
    }
}
