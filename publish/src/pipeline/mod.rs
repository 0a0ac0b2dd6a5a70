//! `publish`: scan → plan → preflight → emit → link → verify, with one progress event per step.
//!
//! A failure stops at its step with the error and leaves no half-written output: the link writes
//! to a staging file beside the output and renames it into place, and the plan report is written
//! the same way once the image is verified.

mod inputs;
mod report;
mod runtime;

pub use aotinterop_linker::driver::{interrupted, remove_live_staging};
pub use inputs::target_of;
pub use report::ReportPaths;
pub use runtime::{find_runtime, RuntimeLibrary};

use crate::request::LoadedRequest;
use aotinterop_linker::driver;
use aotinterop_model::diag::{codes, Diagnostic, Error, Location};
use aotinterop_model::{Binding, OutputKind, Plan};
use serde::Serialize;
use std::path::PathBuf;
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

/// A folder for one step's work files inside the staging folder (removed with it).
fn work_folder(staging: &driver::Staging, name: &str) -> crate::Result<PathBuf> {
    let dir = staging.path().join(name);
    std::fs::create_dir(&dir).map_err(|e| {
        Error::new(
            codes::OUTPUT_UNWRITABLE,
            format!("cannot create a work folder: {e}"),
        )
        .at(Location::file(&dir))
    })?;
    Ok(dir)
}

/// Publishes a request: scan, plan, preflight, emit, link, verify; then writes the plan report
/// next to the output. `observer` sees each step start and finish.
pub fn publish(
    loaded: &LoadedRequest,
    observer: &mut dyn FnMut(Event<'_>),
) -> Result<PublishReport, PublishFailure> {
    let req = &loaded.request;
    let mut run = Run {
        steps: Vec::new(),
        diagnostics: Vec::new(),
        observer,
    };

    // A RID aotinterop cannot link for, and outputs that would overwrite an input or are not
    // files, are refused before anything is done.
    let checked = inputs::target_of(loaded.rid)
        .map_err(|e| e.at(loaded.locate_field("rid")))
        .and_then(|target| {
            inputs::check_inputs(loaded)?;
            if let Some(dir) = &req.runtime_dir {
                runtime::find_runtime(&target, Some(dir))
                    .map_err(|e| e.at(loaded.locate_field("runtime_dir")))?;
            }
            inputs::check_outputs(loaded)?;
            inputs::choose_linker(loaded, &target)
        });
    let linker = match checked {
        Ok(linker) => linker,
        Err(error) => {
            return Err(PublishFailure {
                step: Step::Request,
                error,
                steps: Vec::new(),
                diagnostics: Vec::new(),
            })
        }
    };

    let gathered = run.step(Step::Scan, |obs| {
        let listed = req.assemblies.len();
        let g = crate::gather_with_progress(loaded, &mut |done| {
            obs(Event::Progress(Step::Scan, done, done.max(listed)))
        })?;
        let mut detail = format!(
            "{}: {}, {}",
            plural(g.assemblies, "assembly", "assemblies"),
            plural(g.surface.imports.len(), "P/Invoke", "P/Invokes"),
            plural(g.surface.exports.len(), "entry point", "entry points")
        );
        if !g.surface.runtime_imports.is_empty() {
            detail.push_str(&format!(
                " ({} bound by Mono's runtime itself)",
                g.surface.runtime_imports.len()
            ));
        }
        Ok((g, detail))
    })?;
    let crate::Gathered {
        surface,
        diagnostics: scan_diags,
        closure,
        ..
    } = gathered;
    run.diagnostics.extend(scan_diags);

    let mut plan = run.step(Step::Plan, |_| {
        crate::native_library::check_names(loaded)?;
        let plan = crate::plan::plan(loaded, surface)?;
        let detail = format!(
            "{}: {} direct, {} lazy; {}",
            plural(plan.counts.imports, "import", "imports"),
            plan.counts.direct,
            plan.counts.lazy,
            plural(
                plan.exports.symbols.iter().filter(|e| e.exported).count(),
                "export",
                "exports"
            )
        );
        Ok((plan, detail))
    })?;
    run.diagnostics.extend(plan.diagnostics.iter().cloned());

    let (mut job, stubs) = run.step(Step::Preflight, |_| {
        let prepared = inputs::prepare(loaded, &plan)?;
        let mut job = prepared.job;
        let found = aotinterop_linker::preflight::preflight(linker.as_ref(), &job, &plan);
        let generated = found.generated;
        let (errors, warnings): (Vec<_>, Vec<_>) =
            found.diagnostics.into_iter().partition(Diagnostic::is_error);
        // The DirectPInvokeList files its errors name, for the user to take.
        // (Never over one of this publish's own lists or files: the user's file, or the
        // previous image, is left as it is.)
        let mut kept = Vec::new();
        for list in &found.suggested_lists {
            if inputs::is_input(loaded, &list.path) || inputs::is_output(loaded, &list.path) {
                kept.push(inputs::shown_path(&list.path));
                continue;
            }
            if let Some(dir) = list.path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            // One that cannot be written is named with the error, which is the preflight's.
            if let Err(e) = report::write_atomic(&list.path, &list.text()) {
                let why = aotinterop_model::diag::shown(&e.diagnostic().message, 200);
                kept.push(format!("{} ({why})", inputs::shown_path(&list.path)));
            }
        }
        if let Some(first) = errors.first() {
            let mut err = first.clone();
            if !kept.is_empty() {
                err.message.push_str(&format!(
                    " ({} not written: a file this publish reads or writes, left as it is, or one that cannot be written)",
                    kept.join(", ")
                ));
            }
            if errors.len() > 1 {
                err.message
                    .push_str(&format!(" (and {} more preflight errors)", errors.len() - 1));
            }
            return Err(Error::from(err));
        }
        let mut detail = format!(
            "{} with {}: {}, {} checked",
            job.target,
            linker.flavor(),
            plural(
                warnings
                    .iter()
                    .filter(|d| d.severity == aotinterop_model::Severity::Warning)
                    .count(),
                "warning",
                "warnings"
            ),
            plural(
                aotinterop_linker::preflight::direct_imports(&plan).len(),
                "direct import",
                "direct imports"
            ),
        );
        if !generated.is_empty() {
            detail.push_str(&format!(
                "; {} generated for {}",
                plural(generated.len(), "stand-in", "stand-ins"),
                generated
                    .iter()
                    .map(|g| g.file.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        job.exports = prepared.exports;
        Ok(((job, (prepared.stub_options, warnings, generated)), detail))
    })?;
    let (stub_options, preflight_warnings, generated) = stubs;
    // Everything this publish writes goes into a staging folder beside the output first: its
    // work files, the image, its debug file, the plan reports; the finished set is moved into
    // place only once verified (a failed, interrupted or killed publish leaves the old set).
    let staging = driver::Staging::beside(&job.output).map_err(|error| PublishFailure {
        step: Step::Link,
        error,
        steps: std::mem::take(&mut run.steps),
        diagnostics: std::mem::take(&mut run.diagnostics),
    })?;
    plan.link.generated = generated;
    run.diagnostics.extend(preflight_warnings);

    // Mono's AOT compiler: the assemblies' objects and the host join the link.
    let compile_dir = if loaded.request.compiler == aotinterop_model::Compiler::Mono {
        Some(run.step(Step::Compile, |obs| {
            let closure = closure.as_ref().ok_or_else(|| {
                Error::new(
                    codes::AOT_COMPILE_FAILED,
                    "`compiler: mono` needs the app's assemblies (`assemblies`)",
                )
                .at(Location::file(&loaded.origin))
            })?;
            let dir = work_folder(&staging, ".aotinterop-aot")?;
            let compiled = crate::mono::compile(loaded, closure, &plan, &dir, &mut |done, total| {
                obs(Event::Progress(Step::Compile, done, total))
            })?;
            job.objects.extend(compiled.objects);
            job.linker_args.extend(compiled.linker_args);
            for lib in compiled.system_libs {
                if !job.system_libs.contains(&lib) {
                    job.system_libs.push(lib);
                }
            }
            let detail = format!(
                "{} with Mono's AOT compiler ({} from the cache)",
                plural(compiled.compiled, "assembly", "assemblies"),
                compiled.cached
            );
            Ok((dir, detail))
        })?)
    } else {
        None
    };

    let stub_dir = run.step(Step::Emit, |_| {
        let dir = work_folder(&staging, ".aotinterop-stubs")?;
        let bytes = aotinterop_linker::emit::emit(&job.target, &plan.imports, &stub_options)?;
        let path = dir.join(inputs::stub_object_name(&job.target));
        std::fs::write(&path, &bytes).map_err(|e| {
            Error::new(
                codes::OUTPUT_UNWRITABLE,
                format!("cannot write the stub object: {e}"),
            )
            .at(Location::file(&path))
        })?;
        job.objects.push(path);
        // Stand-ins for the libraries the link cannot see, after the user's NativeLibrary items.
        for (i, lib) in plan.link.generated.iter().enumerate() {
            let bytes = aotinterop_linker::import_libraries::write(&job.target, lib)?;
            // Numbered: two libraries' names may reduce to one file name.
            let name = aotinterop_linker::import_libraries::stand_in_file_name(&job.target, lib);
            let path = dir.join(format!("{i}-{name}"));
            std::fs::write(&path, &bytes).map_err(|e| {
                Error::new(
                    codes::OUTPUT_UNWRITABLE,
                    format!("cannot write the stand-in for {}: {e}", lib.file),
                )
                .at(Location::file(&path))
            })?;
            job.native_libraries.push(path);
        }
        let mut call_symbols: Vec<(&str, Binding)> = plan
            .imports
            .iter()
            .map(|i| (i.call_symbol.as_str(), i.binding))
            .collect();
        call_symbols.sort_unstable();
        call_symbols.dedup_by_key(|c| c.0);
        let lazy = call_symbols.iter().filter(|c| c.1 == Binding::Lazy).count();
        let mut detail = format!(
            "{} ({} lazy), {} bytes",
            plural(call_symbols.len(), "stub", "stubs"),
            lazy,
            bytes.len()
        );
        if !plan.link.generated.is_empty() {
            detail.push_str(&format!(
                "; {}",
                plural(
                    plan.link.generated.len(),
                    "generated library stand-in",
                    "generated library stand-ins"
                )
            ));
        }
        Ok((dir, detail))
    })?;

    let staged = run.step(Step::Link, |_| {
        let staged = driver::link_staged(linker.as_ref(), &job, &staging)?;
        let size = std::fs::metadata(&staged.image).map(|m| m.len()).unwrap_or(0);
        let detail = format!(
            "{} ({} bytes) with {}",
            inputs::shown_path(&staged.output),
            size,
            linker.flavor()
        );
        Ok((staged, detail))
    })?;
    drop((stub_dir, compile_dir));

    let (moves, reports) = run.step(Step::Verify, |_| {
        let detail = if job.kind == OutputKind::Static {
            "static archive: nothing is bound until a host links it".to_string()
        } else {
            verify_staged(&staged, &plan)?
        };
        let written = report::write_staged_reports(&plan, staging.path(), &staged.output)?;
        let detail = format!("{detail}; report {}", paths_name(&staged.output));
        Ok((written, detail))
    })?;
    let outcome = run.step(Step::Commit, |_| {
        let outcome = staged.clone().commit(&staging, &moves)?;
        let detail = format!(
            "{} and {} in place",
            file_name_of(&outcome.output),
            plural(
                outcome.side_outputs.len() + moves.len(),
                "other file",
                "other files"
            )
        );
        Ok((outcome, detail))
    })?;

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
fn verify_staged(staged: &driver::StagedLink, plan: &Plan) -> crate::Result<String> {
    let image = aotinterop_image::inspect_linked(&staged.image, staged.debug_file.as_deref())?;
    let report = aotinterop_image::verify::verify(&image, plan)?;
    if !report.ok() {
        let lines: Vec<String> = report.differences.iter().map(|d| format!("  {d}")).collect();
        return Err(Error::new(
            codes::VERIFY_FAILED,
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
