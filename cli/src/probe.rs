//! `aotinterop probe`: every candidate the lazy resolver would try for a library name, in
//! order, and which one loads (for the host platform), so a user can see why a library does
//! not load. The candidates are the resolver's own (`aotinterop::probe`).

use super::output::{print_json, Format};
use aotinterop::probe::{probe, ProbeReport};
use aotinterop_model::{DllImportSearchPath, DotNet, LibrarySearch, Platform, Rid};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `aotinterop probe`.
#[derive(Args)]
pub struct ProbeArgs {
    /// The library name as written in `DllImport` (`z`, `libz.so.1`, `user32`, a path...).
    #[arg(value_name = "NAME")]
    name: String,
    /// Runtime identifier whose naming rules apply (default: the host's). Only this machine's
    /// own RID loads its candidates; another's are listed.
    #[arg(long)]
    rid: Option<Rid>,
    /// `DllImportSearchPath` flags: names joined by `|` or `,`, or a number
    /// (default: AssemblyDirectory, as for an import without the attribute).
    #[arg(long, value_name = "FLAGS")]
    search_path: Option<String>,
    /// The folder the image would be in (the AssemblyDirectory step); default: this tool's.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// Whose rules apply: `net8.0` or `net10.0` (a TargetFramework); default .NET 10.
    #[arg(long, value_name = "TFM")]
    target_framework: Option<DotNet>,
    /// Let relative names be looked up from the current directory, as .NET does (aotinterop's
    /// resolver does not by default).
    #[arg(long)]
    search_current_directory: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Runs `aotinterop probe`: exit 0 when a candidate loads (or when listing another platform's
/// candidates), 1 when none does, 2 for bad arguments.
pub fn run(args: &ProbeArgs) -> ExitCode {
    let rid = args.rid;
    let platform = rid.map_or(Platform::host(), |r| r.platform());
    // Only this machine's own RID loads (an x86-64 library is no linux-arm64 one).
    let elsewhere = rid.filter(|r| Some(*r) != Rid::host());
    let dotnet = args.target_framework.unwrap_or_default();
    let search_path = match &args.search_path {
        None => None,
        Some(s) => match DllImportSearchPath::parse(s) {
            Some(sp) => Some(sp.0),
            None => {
                errln!(
                    "error: bad --search-path `{}` (expected flag names such as AssemblyDirectory|System32, or a number)", aotinterop_model::diag::shown(s, 80)
                );
                return ExitCode::from(2);
            }
        },
    };
    if args.name.is_empty() || args.name.contains('\0') {
        errln!("error: the library name is empty or holds a NUL");
        return ExitCode::from(2);
    }
    // On this machine the image's folder is looked in: one that is not there is a mistake.
    if let (None, Some(from)) = (elsewhere, &args.from) {
        if !from.is_dir() {
            let shown = aotinterop_model::diag::shown_path(from, 300);
            errln!(
                "error: --from {shown} is not a folder: the image's folder is where the first candidates are"
            );
            return ExitCode::from(1);
        }
    }
    let search = LibrarySearch::of(search_path, dotnet);
    let report = match elsewhere {
        Some(rid) => aotinterop::probe::listed(
            &args.name,
            search,
            args.search_current_directory,
            args.from.as_deref(),
            platform,
            format!("{rid} is not this machine's RID: the candidates are listed, none is loaded"),
        ),
        None => probe(
            &args.name,
            search,
            args.search_current_directory,
            args.from.as_deref(),
            platform,
        ),
    };
    match args.format {
        Format::Text => out!("{}", render_text(&report)),
        Format::Json => print_json(&to_json(&report)),
    }
    if report.loaded.is_some() || elsewhere.is_some() || platform != Platform::host() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn render_text(r: &ProbeReport) -> String {
    // Names come from the command line and the file system: shown escaped and shortened.
    let v = |name: &str| aotinterop_model::diag::shown(name, 200);
    let mut s = String::new();
    for (i, c) in r.candidates.iter().enumerate() {
        let outcome = match (&c.error, r.loaded.as_deref() == Some(c.path.as_str())) {
            (_, true) => "loaded".to_string(),
            (Some(e), _) => e.clone(),
            (None, _) => "not tried".to_string(),
        };
        s.push_str(&format!(
            "{:>2}. [{}] {}: {}\n",
            i + 1,
            c.via.name(),
            v(&c.path),
            aotinterop_model::diag::shown(&outcome, 1000)
        ));
    }
    match (&r.loaded, &r.error) {
        (Some(p), _) => s.push_str(&format!("loaded: {}\n", v(p))),
        (None, Some(e)) => s.push_str(&format!("not loaded: {}\n", v(e))),
        (None, None) => {}
    }
    s
}

fn to_json(r: &ProbeReport) -> serde_json::Value {
    serde_json::json!({
        "candidates": r.candidates.iter().map(|c| serde_json::json!({
            "path": c.path,
            "via": c.via.name(),
            "error": c.error,
        })).collect::<Vec<_>>(),
        "loaded": r.loaded,
        "error": r.error,
    })
}
