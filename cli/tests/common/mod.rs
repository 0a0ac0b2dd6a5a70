//! The command-line tests' shared kit: running the `aotinterop` program as a user would.

#![allow(dead_code)]

use aotinterop_testkit::repo_root;
use std::path::Path;
use std::process::{Command, Output};

/// The command `aotinterop ARGS` in `cwd`, with the runtime archives the cargo build made.
pub fn command(args: &[&str], cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aotinterop"));
    c.args(args).current_dir(cwd).env(
        "AOTINTEROP_RUNTIME_DIR",
        repo_root().join("target/aotinterop-runtime"),
    );
    c
}

/// Runs `aotinterop ARGS` in `cwd`, with the runtime archives the cargo build made.
pub fn aotinterop(args: &[&str], cwd: &Path) -> Output {
    command(args, cwd).output().expect("run aotinterop")
}

/// Bytes a program printed, as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
