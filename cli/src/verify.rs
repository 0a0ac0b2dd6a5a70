//! `aotinterop verify`: checks an image against its plan.

use super::output::{print_json, Format};
use aotinterop::inspect::inspect;
use aotinterop::verify::{native_library_symbols, verify};
use aotinterop_model::Plan;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `aotinterop verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// The image to check.
    #[arg(value_name = "IMAGE")]
    image: PathBuf,
    /// The plan it was built from (`aotinterop plan --format json`).
    #[arg(long, value_name = "PLAN.json")]
    plan: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Runs `aotinterop verify`: exit code 0 when the image matches the plan, 1 when it does not
/// (the differences are listed) or when either file cannot be read.
pub fn run(args: &VerifyArgs) -> ExitCode {
    // A mismatch of target or kind is about the image: named as such.
    let checked = Plan::load(&args.plan).and_then(|plan| {
        let native = native_library_symbols(&plan.link.native_library);
        inspect(&args.image)
            .and_then(|ins| verify(&ins, &plan, &native).map_err(|e| e.at(args.image.as_path())))
    });
    let report = match checked {
        Ok(r) => r,
        Err(e) => {
            errln!("{e}");
            return ExitCode::from(1);
        }
    };
    let ok = report.ok();
    match args.format {
        Format::Json => print_json(&serde_json::json!({ "ok": ok, "report": report })),
        Format::Text if ok => outln!(
            "{}: matches {} ({} direct, {} lazy, {} exports checked)",
            aotinterop_model::diag::shown_path(&args.image, 400),
            aotinterop_model::diag::shown_path(&args.plan, 400),
            report.direct,
            report.lazy,
            report.exports
        ),
        Format::Text => {
            if let Err(e) = report.into_result() {
                errln!("{}: {e}", args.image.display());
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
