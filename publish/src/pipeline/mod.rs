//! `publish`: scan → plan → preflight → emit → link → verify, with one progress event per step.
//!
//! A failure stops at its step with the error and leaves no half-written output: the link writes
//! to a staging file beside the output and renames it into place, and the plan report is written
//! the same way once the image is verified.

mod inputs;
mod report;
mod runtime;
mod steps;

pub use aotinterop_linker::driver::{committed, interrupted, remove_live_staging};
pub use inputs::{check_inputs, check_plan_inputs, is_input, target_of};
pub use report::ReportPaths;
pub use runtime::{find_runtime, RuntimeLibrary};

use crate::request::LoadedRequest;
use aotinterop_linker::driver;
use aotinterop_model::diag::{codes, Diagnostic, Error, Location};
use aotinterop_model::Plan;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The steps of a publish, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// Check the request itself before any work: a RID aotinterop links for, outputs that are
    /// files and not inputs. (It reports only failures: no progress, no summary.)
    Request,
    /// Read the assemblies' P/Invokes and entry points.
    Scan,
    /// Decide direct or lazy for every import.
    Plan,
    /// Check, before linking, that the image will link and start.
    Preflight,
    /// Compile the assemblies ahead of time (`compiler: mono`).
    Compile,
    /// Write the stub object.
    Emit,
    /// Run the linker.
    Link,
    /// Check the image binds what the plan says, and write the plan report.
    Verify,
    /// Put the image, its debug file and the plan reports into place, all or none.
    Commit,
}

impl Step {
    /// The step's name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Step::Request => "request",
            Step::Scan => "scan",
            Step::Plan => "plan",
            Step::Preflight => "preflight",
            Step::Compile => "compile",
            Step::Emit => "emit",
            Step::Link => "link",
            Step::Verify => "verify",
            Step::Commit => "commit",
        }
    }

    /// The process exit code when this step fails (documented in the README).
    pub fn exit_code(self) -> u8 {
        match self {
            Step::Request | Step::Scan | Step::Plan => 1,
            Step::Preflight => 3,
            Step::Compile | Step::Emit | Step::Link | Step::Commit => 4,
            Step::Verify => 5,
        }
    }
}

/// What one finished step did.
#[derive(Clone, Debug, Serialize)]
pub struct StepSummary {
    /// The step.
    pub step: Step,
    /// What it did, in a few words with counts.
    pub detail: String,
    /// How long it took, in milliseconds.
    pub millis: f64,
}

/// Progress of a publish, for a progress display.
#[derive(Clone, Debug)]
pub enum Event<'a> {
    /// A step starts.
    Started(Step),
    /// A long step advanced: `done` of `total` items.
    Progress(Step, usize, usize),
    /// A step finished.
    Finished(&'a StepSummary),
}

/// The result of a successful publish.
#[derive(Clone, Debug, Serialize)]
pub struct PublishReport {
    /// The image (or archive) written.
    pub output: PathBuf,
    /// Other files written next to it (a DLL's import library).
    pub side_outputs: Vec<PathBuf>,
    /// The plan report files.
    pub reports: ReportPaths,
    /// Every step, in order.
    pub steps: Vec<StepSummary>,
    /// Warnings of every step.
    pub diagnostics: Vec<Diagnostic>,
    /// The plan.
    #[serde(skip)]
    pub plan: Plan,
}

/// A publish that stopped at a step.
#[derive(Clone, Debug)]
pub struct PublishFailure {
    /// The step that failed.
    pub step: Step,
    /// Why.
    pub error: Error,
    /// The steps that finished before it.
    pub steps: Vec<StepSummary>,
    /// Warnings found before the failure (and, for preflight, every error after the first).
    pub diagnostics: Vec<Diagnostic>,
}

impl PublishFailure {
    /// The exit code of the failure (README): the step's, but for a file that could not be
    /// written or a linker output that cannot be read, found while verifying (4, not 5).
    pub fn exit_code(&self) -> u8 {
        match self.error.code {
            codes::OUTPUT_UNWRITABLE | codes::LINK_FAILED | codes::LOADS_FROM_CURRENT_DIRECTORY => 4,
            _ => self.step.exit_code(),
        }
    }
}

struct Run<'o> {
    steps: Vec<StepSummary>,
    diagnostics: Vec<Diagnostic>,
    observer: &'o mut dyn FnMut(Event<'_>),
}

impl Run<'_> {
    fn step<T>(
        &mut self,
        step: Step,
        work: impl FnOnce(&mut dyn FnMut(Event<'_>)) -> crate::Result<(T, String)>,
    ) -> Result<T, PublishFailure> {
        (self.observer)(Event::Started(step));
        let start = Instant::now();
        match work(self.observer) {
            Ok((value, detail)) => {
                let summary = StepSummary {
                    step,
                    detail,
                    millis: start.elapsed().as_secs_f64() * 1e3,
                };
                (self.observer)(Event::Finished(&summary));
                self.steps.push(summary);
                Ok(value)
            }
            Err(error) => Err(PublishFailure {
                step,
                error,
                steps: std::mem::take(&mut self.steps),
                diagnostics: std::mem::take(&mut self.diagnostics),
            }),
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Publishes a request: scan, plan, preflight, emit, link, verify; then writes the plan report
/// next to the output. `observer` sees each step start and finish.
pub fn publish(
    loaded: &LoadedRequest,
    observer: &mut dyn FnMut(Event<'_>),
) -> Result<PublishReport, PublishFailure> {
    driver::begin_publish();
    let mut run = Run {
        steps: Vec::new(),
        diagnostics: Vec::new(),
        observer,
    };
    // A RID aotinterop cannot link for, and outputs that would overwrite an input or are not
    // files, are refused before anything is done.
    let linker = steps::check_request(loaded).map_err(|error| PublishFailure {
        step: Step::Request,
        error,
        steps: Vec::new(),
        diagnostics: Vec::new(),
    })?;
    // A dead publish's half-made commit is undone first, whatever happens to this one.
    if let Some(output) = &loaded.request.output {
        driver::recover(output);
    }
    let gathered = run.step(Step::Scan, |obs| steps::scan(loaded, obs))?;
    let crate::Gathered {
        surface,
        diagnostics: scan_diags,
        closure,
        ..
    } = gathered;
    run.diagnostics.extend(scan_diags);
    let plan = run.step(Step::Plan, |_| steps::plan(loaded, surface))?;
    run.diagnostics.extend(plan.diagnostics.iter().cloned());
    let checked = run.step(Step::Preflight, |_| {
        steps::preflight(loaded, linker.as_ref(), &plan)
    })?;
    let steps::Preflighted {
        job,
        stub_options,
        warnings,
        generated,
        native_symbols,
    } = checked;
    // Everything this publish writes goes into a staging folder beside the output first: its
    // work files, the image, its debug file, the plan reports; the finished set is moved into
    // place only once verified (a failed, interrupted or killed publish leaves the old set).
    let staging = driver::Staging::beside(&job.output).map_err(|error| PublishFailure {
        step: Step::Link,
        error,
        steps: std::mem::take(&mut run.steps),
        diagnostics: std::mem::take(&mut run.diagnostics),
    })?;
    let plan = plan.with_generated(generated);
    run.diagnostics.extend(warnings);
    // Mono's AOT compiler: the assemblies' objects and the host join the link.
    let (compile_dir, job) = match loaded.request.compiler {
        aotinterop_model::Compiler::Mono => {
            let (dir, added) = run.step(Step::Compile, |obs| {
                steps::compile(loaded, closure.as_ref(), &plan, &staging, obs)
            })?;
            (Some(dir), job.with(added))
        }
        _ => (None, job),
    };
    let (stub_dir, added) = run.step(Step::Emit, |_| {
        steps::emit(&plan, &stub_options, &staging, &job.target)
    })?;
    let job = job.with(added);
    let staged = run.step(Step::Link, |_| steps::link(linker.as_ref(), &job, &staging))?;
    drop((stub_dir, compile_dir));
    let (moves, reports) = run.step(Step::Verify, |_| {
        steps::verify(
            &job,
            &staged,
            &plan,
            &native_symbols,
            &staging,
            loaded.request.search_current_directory,
        )
    })?;
    let outcome = run.step(Step::Commit, |_| steps::commit(loaded, &staged, &staging, &moves))?;
    Ok(PublishReport {
        output: outcome.output.clone(),
        side_outputs: outcome.side_outputs.clone(),
        reports,
        steps: run.steps,
        diagnostics: run.diagnostics,
        plan,
    })
}

/// Verifies the staged image against the plan: the step's detail, or the differences.
fn verify_staged(
    staged: &driver::StagedLink,
    plan: &Plan,
    native: &BTreeSet<String>,
    allow_cwd: bool,
) -> crate::Result<String> {
    // What the linker wrote cannot be read (cut short, on a full disk say): a failed link.
    let image = aotinterop_image::inspect_linked(&staged.image, staged.debug_file.as_deref()).map_err(|e| {
        Error::new(
            codes::LINK_FAILED,
            format!(
                "the linker reported success, but its output cannot be read (is the disk full?): {}; the previous \
                 output, if any, is unchanged",
                e.diagnostic().message
            ),
        )
        .at(Location::file(&staged.output))
    })?;
    // An executable that needs shared libraries and has no program interpreter (a LinkerArg
    // `-static-pie`, `-static` or `-Wl,--no-dynamic-linker`) crashes as it starts.
    if image.format == aotinterop_image::Format::Elf
        && plan.native_lib == aotinterop_model::OutputKind::Executable
        && image.interpreter.is_none()
        && !image.needed.is_empty()
    {
        return Err(Error::new(
            codes::STATIC_EXECUTABLE_INVALID,
            format!(
                "the linked executable needs shared libraries ({}) but has no program interpreter: it would crash \
                 as it starts. A LinkerArg made it static (`-static`, `-static-pie`, `-Wl,--no-dynamic-linker`): \
                 remove it, or set StaticExecutable (which checks what a static image can bind); the previous \
                 output, if any, is unchanged",
                image.needed.join(", ")
            ),
        )
        .at(Location::file(&staged.output)));
    }
    // Nothing the publish makes loads from the current directory, unless the request asks.
    let image_dir = std::path::absolute(&staged.output).unwrap_or_else(|_| staged.output.clone());
    let image_dir = image_dir.parent().unwrap_or(Path::new("/"));
    let cwd = aotinterop_image::loads_from_current_directory(&image, image_dir);
    if let Some(why) = cwd.filter(|_| !allow_cwd) {
        return Err(Error::new(
            codes::LOADS_FROM_CURRENT_DIRECTORY,
            format!(
                "the linked image would load a library from the process's current directory: {why} (or set \
                 `search_current_directory`); the previous output, if any, is unchanged"
            ),
        )
        .at(Location::file(&staged.output)));
    }
    let report = aotinterop_image::verify::verify(&image, plan, native)?;
    if !report.ok() {
        let lines: Vec<String> = report.differences.iter().map(|d| format!("  {d}")).collect();
        return Err(Error::new(
            codes::VERIFY_MISMATCH,
            format!(
                "the image does not bind what the plan says (the previous output, if any, is unchanged):\n{}",
                lines.join("\n")
            ),
        )
        .at(Location::file(&staged.output)));
    }
    Ok(format!(
        "{} direct, {} lazy, {} checked",
        report.direct,
        report.lazy,
        plural(report.exports, "export", "exports")
    ))
}

fn file_name_of(output: &std::path::Path) -> String {
    let name = output.file_name().unwrap_or_default().to_string_lossy();
    aotinterop_model::diag::shown(&name, 200)
}

fn paths_name(output: &std::path::Path) -> String {
    format!("{}.plan.{{json,md}}", file_name_of(output))
}
