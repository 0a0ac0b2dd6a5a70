//! `aotinterop plan`: the DirectPInvoke plan of a request, or of an imports file (quick form).

use super::output::{fail, print_diagnostics, print_json, Format};
use aotinterop::request::WindowsApiList;
use aotinterop::{imports, LoadedRequest, PublishRequest};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `aotinterop plan`.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["request", "imports"])))]
pub struct PlanArgs {
    /// A publish request (JSON). See docs/request.md.
    #[arg(value_name = "REQUEST.json", conflicts_with_all = ["rid", "direct", "direct_list", "imports"])]
    request: Option<PathBuf>,
    /// Quick form: the runtime identifier (linux-x64, win-x64, osx-arm64, ...).
    #[arg(long, value_name = "RID", requires = "imports")]
    rid: Option<aotinterop_model::Rid>,
    /// Quick form: a DirectPInvoke item, `module` or `module!entry` (repeatable).
    #[arg(long, value_name = "ITEM")]
    direct: Vec<String>,
    /// Quick form: a DirectPInvokeList file (repeatable).
    #[arg(long = "direct-list", value_name = "FILE")]
    direct_list: Vec<PathBuf>,
    /// Quick form: a JSON array of imports ({"module", "entry", ...}).
    #[arg(long, value_name = "FILE.json", requires = "rid")]
    imports: Option<PathBuf>,
    /// Quick form, Windows RIDs: the pre-populated API list (WindowsAPIs.txt) to use.
    #[arg(long = "windows-api-list", value_name = "FILE")]
    windows_api_list: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

fn load(args: &PlanArgs) -> aotinterop::Result<LoadedRequest> {
    if let Some(path) = &args.request {
        return PublishRequest::load(path);
    }
    let (Some(rid), Some(imports_file)) = (&args.rid, &args.imports) else {
        unreachable!("clap requires --rid with --imports");
    };
    let mut req = PublishRequest::new(*rid);
    req.direct_pinvoke = args.direct.clone();
    req.direct_pinvoke_list = args.direct_list.clone();
    req.imports = imports::load_imports_file(imports_file)?;
    if let Some(list) = &args.windows_api_list {
        // Read for Windows RIDs only, but a file that is not there is a mistake for every RID.
        if !list.is_file() {
            return Err(aotinterop::Error::new(
                aotinterop_model::codes::FILE_UNREADABLE,
                "--windows-api-list names no file",
            )
            .at(list.as_path()));
        }
        req.windows_api_list = WindowsApiList::File(list.clone());
    }
    LoadedRequest::from_request(req, "<command line>")
}

/// Runs `aotinterop plan`.
pub fn run(args: &PlanArgs) -> ExitCode {
    let plan = match load(args).and_then(|loaded| aotinterop::plan_request(&loaded)) {
        Ok(plan) => plan,
        Err(e) => return fail(&e),
    };
    print_diagnostics(&plan.diagnostics);
    match args.format {
        Format::Json => print_json(&plan),
        Format::Text => out!("{}", aotinterop::plan::render_text(&plan)),
    }
    ExitCode::SUCCESS
}
