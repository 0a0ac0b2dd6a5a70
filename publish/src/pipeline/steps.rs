//! The publish steps, one function each: each takes what the steps before it made and returns
//! its value and the one-line detail its summary shows.

use super::{file_name_of, inputs, paths_name, plural, report, runtime, verify_staged, Event, Step};
use crate::request::LoadedRequest;
use aotinterop_linker::driver::{self, JobInputs, LinkJob, Linker};
use aotinterop_linker::emit::StubOptions;
use aotinterop_linker::preflight::SuggestedList;
use aotinterop_model::diag::{codes, Diagnostic, Error, Location};
use aotinterop_model::plan::GeneratedLibrary;
use aotinterop_model::{Binding, OutputKind, Plan};
use std::collections::BTreeSet;
use std::path::PathBuf;

type Result<T> = crate::Result<T>;

/// Files staged and where each goes: a name in the staging folder, and its destination.
type Moves = Vec<(PathBuf, PathBuf)>;

/// The request's checks before the first step: its RID, its inputs and outputs, its runtime
/// folder; the linker that will link.
pub(super) fn check_request(loaded: &LoadedRequest) -> Result<Box<dyn Linker>> {
    let target = inputs::target_of(loaded.request.rid).map_err(|e| e.at(loaded.locate_field("rid")))?;
    inputs::check_inputs(loaded)?;
    if let Some(dir) = &loaded.request.runtime_dir {
        runtime::find_runtime(&target, Some(dir)).map_err(|e| e.at(loaded.locate_field("runtime_dir")))?;
    }
    inputs::check_outputs(loaded)?;
    let linker = inputs::choose_linker(loaded, &target)?;
    inputs::check_side_output_names(loaded, linker.as_ref())?;
    inputs::check_objects(loaded)?;
    Ok(linker)
}

/// Reads the app's assemblies (or the request's imports).
pub(super) fn scan(
    loaded: &LoadedRequest,
    obs: &mut dyn FnMut(Event<'_>),
) -> Result<(crate::Gathered, String)> {
    let listed = loaded.request.assemblies.len();
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
}

/// Decides each import's binding and the exports.
pub(super) fn plan(loaded: &LoadedRequest, surface: crate::Surface) -> Result<(Plan, String)> {
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
}

/// What the preflight leaves for the steps after it.
pub(super) struct Preflighted {
    /// The link job, its exports set.
    pub job: LinkJob,
    /// How the stubs are emitted.
    pub stub_options: StubOptions,
    /// The preflight's warnings.
    pub warnings: Vec<Diagnostic>,
    /// The stand-ins to generate for libraries the link cannot see.
    pub generated: Vec<GeneratedLibrary>,
    /// What the NativeLibrary items define, for verify.
    pub native_symbols: BTreeSet<String>,
}

/// Checks the link before it runs: every direct import against the libraries the link sees.
pub(super) fn preflight(
    loaded: &LoadedRequest,
    linker: &dyn Linker,
    plan: &Plan,
) -> Result<(Preflighted, String)> {
    let prepared = inputs::prepare(loaded, plan)?;
    let mut job = prepared.job;
    let found = aotinterop_linker::preflight::preflight(linker, &job, plan);
    let (errors, warnings): (Vec<_>, Vec<_>) = found.diagnostics.into_iter().partition(Diagnostic::is_error);
    let kept = write_suggested_lists(loaded, &found.suggested_lists);
    if let Some(first) = errors.first() {
        let mut err = first.clone();
        if !kept.is_empty() {
            // The list the message names was not written after all.
            err.message = err
                .message
                .replace("lists them, written for you;", "would list them;");
            err.message.push_str(&format!(
                " ({} not written: a file this publish reads or writes, left as it is, or one that cannot be written)",
                kept.join(", ")
            ));
        }
        // The others under it, each with its place (a few: a hundred missing entry points are
        // one mistake, said by the first).
        const SHOWN: usize = 10;
        for other in errors.iter().skip(1).take(SHOWN) {
            err.message.push_str(&format!("\nalso: {other}"));
        }
        if errors.len() > SHOWN + 1 {
            err.message.push_str(&format!(
                "\n(and {} more preflight errors)",
                errors.len() - 1 - SHOWN
            ));
        }
        // The warnings too: one may be the cause (an archive cut short, its symbols unread).
        for w in warnings.iter().take(SHOWN) {
            err.message.push_str(&format!("\nalso: {w}"));
        }
        return Err(Error::from(err));
    }
    let generated = found.generated;
    let detail = preflight_detail(&job, linker, plan, &warnings, &generated);
    job.exports = prepared.exports;
    // Direct imports that a NativeLibrary item defines are static calls: on Windows their stubs
    // must not go through the import address table.
    let static_symbols = match job.target.format {
        aotinterop_model::Format::Coff => found.native.strong,
        _ => Default::default(),
    };
    let checked = Preflighted {
        job,
        stub_options: StubOptions {
            static_symbols,
            ..prepared.stub_options
        },
        warnings,
        generated,
        native_symbols: found.native.all,
    };
    Ok((checked, detail))
}

/// Writes the DirectPInvokeList files the preflight's errors name, for the user to take; never
/// over a file this publish reads or writes (the user's list, or the previous image). Returns
/// those not written, with why.
/// How a list the preflight writes starts ([`SuggestedList::text`]).
const SUGGESTED_LIST_HEADER: &str = "# DirectPInvokeList written by aotinterop's preflight";

fn write_suggested_lists(loaded: &LoadedRequest, lists: &[SuggestedList]) -> Vec<String> {
    let mut kept = Vec::new();
    for list in lists {
        if inputs::is_input(loaded, &list.path) || inputs::is_output(loaded, &list.path) {
            kept.push(inputs::shown_path(&list.path));
            continue;
        }
        // A module name a list line cannot hold (a newline in it would make two lines).
        if list.module.chars().any(char::is_control) {
            kept.push(format!(
                "{} (the module name holds a control character)",
                inputs::shown_path(&list.path)
            ));
            continue;
        }
        // Nor over a file of the user's: only a list an earlier preflight wrote is replaced.
        let ours = std::fs::symlink_metadata(&list.path).map_or(true, |m| {
            m.is_file()
                && aotinterop_model::diag::read_bounded(&list.path, "list", 1 << 20)
                    .is_ok_and(|b| b.starts_with(SUGGESTED_LIST_HEADER.as_bytes()))
        });
        if !ours {
            kept.push(format!(
                "{} (a file of yours is there)",
                inputs::shown_path(&list.path)
            ));
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
    kept
}

fn preflight_detail(
    job: &LinkJob,
    linker: &dyn Linker,
    plan: &Plan,
    warnings: &[Diagnostic],
    generated: &[GeneratedLibrary],
) -> String {
    let warned = warnings
        .iter()
        .filter(|d| d.severity == aotinterop_model::Severity::Warning)
        .count();
    let mut detail = format!(
        "{} with {}: {}, {} checked",
        job.target,
        linker.flavor(),
        plural(warned, "warning", "warnings"),
        plural(
            aotinterop_linker::preflight::checked_imports(plan),
            "direct import",
            "direct imports"
        ),
    );
    if !generated.is_empty() {
        let names: Vec<String> = generated
            .iter()
            .map(|g| aotinterop_model::diag::shown(&g.file, 120))
            .collect();
        detail.push_str(&format!(
            "; {} generated for {}",
            plural(generated.len(), "stand-in", "stand-ins"),
            names.join(", ")
        ));
    }
    detail
}

/// Compiles the assemblies with Mono's AOT compiler into a work folder of `staging`; their
/// objects and the host join the link.
pub(super) fn compile(
    loaded: &LoadedRequest,
    closure: Option<&crate::mono::Closure>,
    plan: &Plan,
    staging: &driver::Staging,
    obs: &mut dyn FnMut(Event<'_>),
) -> Result<((PathBuf, JobInputs), String)> {
    let closure = closure.ok_or_else(|| {
        Error::new(
            codes::AOT_COMPILE_FAILED,
            "`compiler: mono` needs the app's assemblies (`assemblies`)",
        )
        .at(Location::file(&loaded.origin))
    })?;
    let dir = staging.subfolder(".aotinterop-aot")?;
    let compiled = crate::mono::compile(loaded, closure, plan, &dir, &mut |done, total| {
        obs(Event::Progress(Step::Compile, done, total))
    })?;
    let detail = format!(
        "{} with Mono's AOT compiler ({} from the cache)",
        plural(compiled.compiled, "assembly", "assemblies"),
        compiled.cached
    );
    let inputs = JobInputs {
        objects: compiled.objects,
        linker_args: compiled.linker_args,
        system_libs: compiled.system_libs,
        ..JobInputs::default()
    };
    Ok(((dir, inputs), detail))
}

/// Writes the stub object and the stand-ins into a work folder of `staging`; both join the link.
pub(super) fn emit(
    plan: &Plan,
    stub_options: &StubOptions,
    staging: &driver::Staging,
    target: &aotinterop_model::Target,
) -> Result<((PathBuf, JobInputs), String)> {
    let dir = staging.subfolder(".aotinterop-stubs")?;
    let bytes = aotinterop_linker::emit::emit(target, &plan.imports, stub_options)?;
    let path = dir.join(inputs::stub_object_name(target));
    write_work_file(&path, &bytes, "the stub object")?;
    let mut added = JobInputs {
        objects: vec![path],
        ..JobInputs::default()
    };
    // Stand-ins for the libraries the link cannot see, after the user's NativeLibrary items.
    for (i, lib) in plan.link.generated.iter().enumerate() {
        let bytes = aotinterop_linker::import_libraries::write(target, lib)?;
        // Numbered: two libraries' names may reduce to one file name.
        let name = aotinterop_linker::import_libraries::stand_in_file_name(target, lib);
        let path = dir.join(format!("{i}-{name}"));
        write_work_file(&path, &bytes, &format!("the stand-in for {}", lib.file))?;
        added.native_libraries.push(path);
    }
    let detail = emit_detail(plan, bytes.len());
    Ok(((dir, added), detail))
}

fn write_work_file(path: &std::path::Path, bytes: &[u8], what: &str) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| {
        Error::new(
            codes::OUTPUT_UNWRITABLE,
            format!("cannot write {what}: {}", aotinterop_model::diag::io_words(&e)),
        )
        .at(Location::file(path))
    })
}

fn emit_detail(plan: &Plan, size: usize) -> String {
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
        size
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
    detail
}

/// Links into `staging`.
pub(super) fn link(
    linker: &dyn Linker,
    job: &LinkJob,
    staging: &driver::Staging,
) -> Result<(driver::StagedLink, String)> {
    let staged = driver::link_staged(linker, job, staging)?;
    let size = std::fs::metadata(&staged.image).map(|m| m.len()).unwrap_or(0);
    let detail = format!(
        "{} ({} bytes) with {}",
        inputs::shown_path(&staged.output),
        size,
        linker.flavor()
    );
    Ok((staged, detail))
}

/// Verifies the staged image against the plan and writes the plan reports beside it; returns
/// the reports' moves and their final paths.
pub(super) fn verify(
    job: &LinkJob,
    staged: &driver::StagedLink,
    plan: &Plan,
    native: &BTreeSet<String>,
    staging: &driver::Staging,
    allow_cwd: bool,
) -> Result<((Moves, report::ReportPaths), String)> {
    let detail = if job.kind == OutputKind::Static {
        "static archive: nothing is bound until a host links it".to_string()
    } else {
        verify_staged(staged, plan, native, allow_cwd)?
    };
    let written = report::write_staged_reports(plan, staging.path(), &staged.output)?;
    let detail = format!("{detail}; report {}", paths_name(&staged.output));
    Ok((written, detail))
}

/// Moves the set into place, all or none.
pub(super) fn commit(
    loaded: &LoadedRequest,
    staged: &driver::StagedLink,
    staging: &driver::Staging,
    moves: &Moves,
) -> Result<(driver::LinkOutcome, String)> {
    // Another publish into the folder may have put a file of its own where this one writes
    // (its image where this one's debug file goes): the output checks again, under the lock.
    let outcome = staged
        .clone()
        .commit_checked(staging, moves, &|| inputs::check_outputs(loaded))?;
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
}
