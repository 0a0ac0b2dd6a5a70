//! Output helpers shared by the subcommands.

use aotinterop::Diagnostic;
use clap::ValueEnum;
use std::process::ExitCode;

/// Output format of a subcommand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable text.
    #[default]
    Text,
    /// JSON on standard output.
    Json,
}

/// Writes `text` to standard output (or error), control characters other than line breaks and
/// tabs escaped (names taken from images and requests reach the terminal as text). A write
/// that fails ends the program: a full disk with exit 1 and one line on standard error (`print!`
/// panicked); a closed pipe (`| head`) quietly with 141, as SIGPIPE ends other tools.
pub fn write(to_stderr: bool, text: &str) {
    write_raw(to_stderr, &aotinterop_model::diag::printable(text));
}

/// Writes `text`, already printable, as [`write()`] does.
fn write_raw(to_stderr: bool, text: &str) {
    use std::io::Write;
    let written = if to_stderr {
        std::io::stderr().lock().write_all(text.as_bytes())
    } else {
        std::io::stdout().lock().write_all(text.as_bytes())
    };
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe && !to_stderr {
            let _ = writeln!(std::io::stderr(), "error: cannot write the output: {e}");
        }
        // A publish under way leaves no staging folder (nothing unwinds past `exit`).
        aotinterop::pipeline::remove_live_staging();
        let closed = e.kind() == std::io::ErrorKind::BrokenPipe;
        std::process::exit(if closed { 128 + libc::SIGPIPE } else { 1 });
    }
}

/// Prints diagnostics to standard error, one per line.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        errln!("{d}");
    }
}

/// Prints an error and returns exit code 1.
pub fn fail(err: &aotinterop::Error) -> ExitCode {
    errln!("{err}");
    ExitCode::from(1)
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) {
    print_json_of(value, [])
}

/// [`print_json`] of a value that holds the names of `files`: one whose name is not UTF-8 is
/// named when the JSON cannot be written.
pub fn print_json_of<'a, T: serde::Serialize>(
    value: &T,
    files: impl IntoIterator<Item = &'a std::path::Path>,
) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => write_raw(false, &(aotinterop_model::diag::printable_json(&s) + "\n")),
        Err(e) => {
            // JSON holds only UTF-8: a file name that is not cannot be written in it.
            match files.into_iter().find(|f| f.to_str().is_none()) {
                Some(f) => errln!(
                    "{}: error: cannot write JSON: the file's name is not UTF-8; use `--format text`",
                    aotinterop_model::diag::shown_path(f, usize::MAX)
                ),
                None => errln!(
                    "error: cannot write JSON: {e}; use `--format text` for files whose names are not UTF-8"
                ),
            }
            std::process::exit(1);
        }
    }
}
