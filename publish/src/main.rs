//! The `aotinterop` command-line program: a thin layer over the `aotinterop` library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
