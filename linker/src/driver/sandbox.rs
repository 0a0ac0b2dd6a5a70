//! The linker writes only where a publish lets it: a Landlock ruleset (Linux 5.13 and later)
//! that the linker's process takes on before it starts. Reading stays free; creating, writing,
//! truncating, renaming and removing files is allowed only in the staging folder (its `tmp`
//! folder is the linker's `TMPDIR`, where compiler drivers and LTO put their work files),
//! `/dev/null`, and the files the job's own LinkerArg items name for writing. A LinkerArg option that writes a file no check
//! knows (there are hundreds, across five linkers and the drivers' pass-throughs) then fails the
//! link instead of overwriting an input or the previous image.
//!
//! Hand-written over the three system calls: the `landlock` crate would do the same, but
//! allocates where the child may not (between `fork` and `exec`, only `prctl` and
//! `landlock_restrict_self` run). Without Landlock (an older kernel, or a system that filters
//! the calls) the link runs as before, with the checks of the request alone.

use crate::diag::{codes, Error, Result};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const SYS_CREATE_RULESET: libc::c_long = 444;
const SYS_ADD_RULE: libc::c_long = 445;
const SYS_RESTRICT_SELF: libc::c_long = 446;
const CREATE_RULESET_VERSION: u32 = 1;
const RULE_PATH_BENEATH: u32 = 1;

// `LANDLOCK_ACCESS_FS_*`: what changes files (reading and executing stay unhandled, so free).
const WRITE_FILE: u64 = 1 << 1;
const REMOVE_DIR: u64 = 1 << 4;
const REMOVE_FILE: u64 = 1 << 5;
const MAKE_CHAR: u64 = 1 << 6;
const MAKE_DIR: u64 = 1 << 7;
const MAKE_REG: u64 = 1 << 8;
const MAKE_SOCK: u64 = 1 << 9;
const MAKE_FIFO: u64 = 1 << 10;
const MAKE_BLOCK: u64 = 1 << 11;
const MAKE_SYM: u64 = 1 << 12;
const REFER: u64 = 1 << 13; // ABI 2
const TRUNCATE: u64 = 1 << 14; // ABI 3

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// A Landlock ruleset, made in this process, for a child to take on.
#[derive(Debug)]
pub(crate) struct WriteJail {
    ruleset: OwnedFd,
    /// The files made empty so that a rule could name them.
    made: Vec<PathBuf>,
}

impl WriteJail {
    /// A ruleset that lets a process change files only under `folders` and in `files` (each
    /// created empty first when missing, so that the rule can name it), and `/dev/null`;
    /// `None` when the kernel has no Landlock. An error names a file or folder no rule can be
    /// made for (a folder or FIFO named as a file to write, a file in a missing folder): the
    /// program is then not run, never run unconfined.
    pub(crate) fn new(folders: &[PathBuf], files: &[PathBuf]) -> Result<Option<WriteJail>> {
        // SAFETY: asks for the ABI version only (no attribute).
        let abi = unsafe {
            libc::syscall(
                SYS_CREATE_RULESET,
                std::ptr::null::<RulesetAttr>(),
                0,
                CREATE_RULESET_VERSION,
            )
        };
        if abi < 1 {
            return Ok(None);
        }
        let mut handled = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR | MAKE_REG;
        handled |= MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK | MAKE_SYM;
        if abi >= 2 {
            handled |= REFER;
        }
        if abi >= 3 {
            handled |= TRUNCATE;
        }
        let attr = RulesetAttr {
            handled_access_fs: handled,
        };
        // SAFETY: a valid attribute of its own size.
        let fd = unsafe { libc::syscall(SYS_CREATE_RULESET, &attr, std::mem::size_of::<RulesetAttr>(), 0) };
        let Some(fd) = i32::try_from(fd).ok().filter(|&fd| fd >= 0) else {
            return Ok(None);
        };
        // SAFETY: a new file descriptor that nothing else owns.
        let mut jail = WriteJail {
            ruleset: unsafe { OwnedFd::from_raw_fd(fd) },
            made: Vec::new(),
        };
        let no_rule = "no rule could be made for it";
        for folder in folders {
            jail.allow(folder, handled)
                .ok_or_else(|| cannot(folder, no_rule))?;
        }
        let file_rights = handled & (WRITE_FILE | TRUNCATE);
        for file in files {
            if let Err(e) = jail.allow_file(file, file_rights) {
                jail.remove_unwritten();
                return Err(e);
            }
        }
        let null = Path::new("/dev/null");
        jail.allow(null, file_rights)
            .ok_or_else(|| cannot(null, no_rule))?;
        Ok(Some(jail))
    }

    /// Lets the ruleset's process have `rights` on `file`, made empty first when missing.
    fn allow_file(&mut self, file: &Path, rights: u64) -> Result<()> {
        match std::fs::metadata(file) {
            Ok(m) if !m.is_file() => {
                return Err(cannot(file, "it is a folder, a FIFO or a device, not a file"))
            }
            Ok(_) => {}
            Err(_) if file.is_symlink() => {
                return Err(cannot(
                    file,
                    "it is a symbolic link to a file that does not exist",
                ))
            }
            Err(_) => {
                std::fs::File::create_new(file).map_err(|e| {
                    cannot(
                        file,
                        &format!("it cannot be made ({})", aotinterop_model::diag::io_words(&e)),
                    )
                })?;
                self.made.push(file.to_path_buf());
            }
        }
        self.allow(file, rights)
            .ok_or_else(|| cannot(file, "no rule could be made for it"))
    }

    /// Removes the files made for rules that the program left empty: a link leaves no empty
    /// map file or import library behind.
    pub(crate) fn remove_unwritten(&self) {
        for file in &self.made {
            if std::fs::symlink_metadata(file).is_ok_and(|m| m.is_file() && m.len() == 0) {
                let _ = std::fs::remove_file(file);
            }
        }
    }

    /// Lets the ruleset's process have `rights` beneath `path`.
    fn allow(&self, path: &Path, rights: u64) -> Option<()> {
        let opened = std::fs::File::options()
            .read(true)
            .custom_flags(libc::O_PATH | libc::O_CLOEXEC)
            .open(path)
            .ok()?;
        let rule = PathBeneathAttr {
            allowed_access: rights,
            parent_fd: opened.as_raw_fd(),
        };
        // SAFETY: a ruleset and a rule of the kernel's layout; the path's descriptor is open.
        let added = unsafe {
            libc::syscall(
                SYS_ADD_RULE,
                self.ruleset.as_raw_fd(),
                RULE_PATH_BENEATH,
                &rule,
                0,
            )
        };
        (added == 0).then_some(())
    }

    /// Has `cmd`'s process take the ruleset on before its program starts.
    pub(crate) fn confine(&self, cmd: &mut std::process::Command) {
        use std::os::unix::process::CommandExt;
        let ruleset = self.ruleset.as_raw_fd();
        // SAFETY: between fork and exec the closure makes two system calls and allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                    || libc::syscall(SYS_RESTRICT_SELF, ruleset, 0) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}

/// The error of a file or folder no rule can be made for.
fn cannot(path: &Path, why: &str) -> Error {
    Error::new(
        codes::OUTPUT_UNWRITABLE,
        format!(
            "the linker cannot be confined to write {}: {why}",
            aotinterop_model::diag::shown_path(path, 300)
        ),
    )
    .at(path)
}

#[cfg(test)]
mod tests {
    use super::WriteJail;
    use std::process::Command;

    /// A confined program writes in its folders and files, and nowhere else.
    #[test]
    fn a_confined_program_writes_only_where_it_may() {
        let dir = tempfile::tempdir().unwrap();
        let (inside, outside) = (dir.path().join("in"), dir.path().join("out"));
        std::fs::create_dir(&inside).unwrap();
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("input.o"), "input").unwrap();
        let named = outside.join("app.map");
        let Some(jail) = WriteJail::new(std::slice::from_ref(&inside), std::slice::from_ref(&named)).unwrap()
        else {
            eprintln!("no Landlock here: nothing to check");
            return;
        };
        let sh = |script: &str| {
            let mut cmd = Command::new("/bin/sh");
            cmd.arg("-c").arg(script).current_dir(dir.path());
            jail.confine(&mut cmd);
            cmd.status().unwrap().success()
        };
        assert!(sh(
            "echo x > in/new && mv in/new in/renamed && echo m > out/app.map && echo y > /dev/null"
        ));
        assert!(!sh("echo x > out/input.o"));
        assert!(!sh("echo x > out/other"));
        assert!(!sh("rm out/input.o"));
        assert!(!sh("mv in/renamed out/input.o"));
        assert_eq!(std::fs::read_to_string(outside.join("input.o")).unwrap(), "input");
    }
}
