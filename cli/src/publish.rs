//! `aotinterop publish`: scan → plan → preflight → emit → link → verify, one line per step.

use super::output::{print_diagnostics, print_json, Format};
use aotinterop::pipeline::{self, Event};
use aotinterop::PublishRequest;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `aotinterop publish`.
#[derive(Args)]
pub struct PublishArgs {
    /// The publish request (JSON). See docs/request.md.
    #[arg(value_name = "REQUEST.json")]
    request: PathBuf,
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    quiet: bool,
    /// Output format: `json` prints one JSON document with every step, the outputs and the
    /// diagnostics.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Runs `aotinterop publish`.
pub fn run(args: &PublishArgs) -> ExitCode {
    if args.format == Format::Json {
        crate::signals::report_as_json();
    }
    let loaded = match PublishRequest::load(&args.request) {
        Ok(l) => l,
        Err(e) => {
            if args.format == Format::Json {
                print_json(&serde_json::json!({"ok": false, "step": "scan", "error": e.diagnostic()}));
            } else {
                errln!("{e}");
            }
            return ExitCode::from(1);
        }
    };
    let text = args.format == Format::Text && !args.quiet;
    let bar_visible = text && std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(
        None,
        if bar_visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{prefix:>9} [{bar:30}] {pos}/{len}")
            .unwrap_or(ProgressStyle::default_bar()),
    );
    let mut observer = |event: Event<'_>| match event {
        Event::Started(step) => bar.set_prefix(step.name()),
        Event::Progress(_, done, total) => {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
        Event::Finished(s) => {
            bar.finish_and_clear();
            bar.reset();
            if text {
                outln!("{:>9}  {} ({:.1} ms)", s.step.name(), s.detail, s.millis);
            }
        }
    };
    let result = pipeline::publish(&loaded, &mut observer);
    bar.finish_and_clear();
    // A failure after a signal is the signal's doing (its handler removed the staging folder
    // under the publish): the handler says so and ends the program, with no error of this one.
    if result.is_err() && pipeline::interrupted() && !pipeline::committed() {
        loop {
            std::thread::park();
        }
    }
    match result {
        Ok(report) => {
            if args.format == Format::Json {
                print_json(&serde_json::json!({"ok": true, "report": report}));
            } else {
                print_diagnostics(&report.diagnostics);
                if !args.quiet {
                    let shown = |p: &std::path::Path| aotinterop_model::diag::shown_path(p, 400);
                    outln!("published {}", shown(&report.output));
                    outln!("plan report {}", shown(&report.reports.markdown));
                }
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            if args.format == Format::Json {
                print_json(&serde_json::json!({
                    "ok": false,
                    "step": failure.step,
                    "error": failure.error.diagnostic(),
                    "steps": failure.steps,
                    "diagnostics": failure.diagnostics,
                }));
            } else {
                print_diagnostics(&failure.diagnostics);
                errln!("{} failed: {}", failure.step.name(), failure.error);
            }
            ExitCode::from(failure.exit_code())
        }
    }
}
