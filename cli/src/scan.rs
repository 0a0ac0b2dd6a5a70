//! `aotinterop scan`: the P/Invokes and native entry points of .NET assemblies.

use super::output::{fail, print_diagnostics, print_json_of, Format};
use aotinterop::scan::{self, ExportPolicy};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `aotinterop scan`.
#[derive(Args)]
pub struct ScanArgs {
    /// Assemblies (.dll, .exe, .winmd) or folders of them. When the first is a file, it is the
    /// published assembly, whose entry points are exported.
    #[arg(value_name = "FILE_OR_DIR", required = true)]
    inputs: Vec<PathBuf>,
    /// An assembly (simple name) whose entry points are exported too
    /// (`UnmanagedEntryPointsAssembly`; repeatable).
    #[arg(long = "export-assembly", value_name = "NAME")]
    export_assembly: Vec<String>,
    /// Search the folders' subfolders too (symbolic links to folders are not followed).
    #[arg(long, short = 'r')]
    recursive: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Runs `aotinterop scan`.
pub fn run(args: &ScanArgs) -> ExitCode {
    let policy = ExportPolicy {
        published: args.inputs.first().filter(|p| !p.is_dir()).map(|_| 0),
        assemblies: args.export_assembly.clone(),
    };
    let folders = if args.recursive {
        scan::Folders::Recursive
    } else {
        scan::Folders::TopLevel
    };
    let report = match scan::scan_folders(&args.inputs, &policy, folders) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    print_diagnostics(&report.diagnostics);
    match args.format {
        Format::Json => print_json_of(&report, report.assemblies.iter().map(|a| a.path.as_path())),
        Format::Text => out!("{}", scan::text::render_text(&report)),
    }
    ExitCode::SUCCESS
}
