//! The plan report written next to the output: `<image>.plan.json` and a readable
//! `<image>.plan.md` table (module, entry, binding, reason).

use aotinterop_model::diag::shown;
use aotinterop_model::diag::{codes, Error, Location, Result};
use aotinterop_model::Plan;
use serde::Serialize;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The report files of a publish.
#[derive(Clone, Debug, Serialize)]
pub struct ReportPaths {
    /// The plan as JSON.
    pub json: PathBuf,
    /// The plan as a markdown table.
    pub markdown: PathBuf,
}

/// The P/Invokes the AOT compiler's runtime binds itself, each with the reason.
fn runtime_section(md: &mut String, plan: &Plan) {
    if plan.runtime_imports.is_empty() {
        return;
    }
    let cell = |s: &str| shown(s, usize::MAX).replace('|', "\\|");
    let _ = writeln!(
        md,
        "\n{} P/Invokes are bound by the AOT compiler's runtime itself, not by aotinterop:\n\n\
         | module | entry | assembly | method | reason |\n|---|---|---|---|---|",
        plan.runtime_imports.len()
    );
    for r in &plan.runtime_imports {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            cell(&r.module),
            cell(&r.entry),
            cell(r.assembly.as_deref().unwrap_or("")),
            cell(r.method.as_deref().unwrap_or("")),
            cell(&r.reason)
        );
    }
}

/// The plan as a markdown document.
pub fn markdown(plan: &Plan) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# P/Invoke plan for {} ({} rules)\n", plan.rid, plan.rules);
    let c = &plan.counts;
    let _ = writeln!(
        md,
        "{} imports: {} direct (bound by the loader at startup), {} lazy (bound on first call).\n",
        c.imports, c.direct, c.lazy
    );
    md.push_str("| module | entry | binding | symbol | reason |\n|---|---|---|---|---|\n");
    let cell = |s: &str| shown(s, usize::MAX).replace('|', "\\|");
    for imp in &plan.imports {
        let binding = imp.binding.name();
        let _ = writeln!(
            md,
            "| {} | {} | {binding} | {} | {} |",
            cell(&imp.module),
            cell(&imp.entry),
            cell(imp.symbol()),
            cell(&imp.reason)
        );
    }
    runtime_section(&mut md, plan);
    if !plan.link.generated.is_empty() {
        md.push_str(
            "\nLinked against generated stand-ins (`generate_import_libraries`); the loader binds the real \
             libraries at startup:\n\n| module | library | symbols | read from |\n|---|---|---|---|\n",
        );
        for g in &plan.link.generated {
            let symbols: Vec<String> = g
                .symbols
                .iter()
                .map(|s| {
                    let mut t = s.symbol.clone();
                    if let Some(n) = s.ordinal {
                        t.push_str(&format!(" (ordinal {n})"));
                    } else if let Some(e) = &s.export {
                        t.push_str(&format!(" (as {e})"));
                    }
                    if let Some(v) = &s.version {
                        t.push_str(&format!("@{v}"));
                    }
                    t
                })
                .collect();
            let from = g
                .read_from
                .as_ref()
                .map_or("not found at publish time".to_string(), |p| {
                    p.display().to_string()
                });
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                cell(&g.module),
                cell(&g.file),
                cell(&symbols.join(", ")),
                cell(&from)
            );
        }
    }
    let exported: Vec<&str> = plan
        .exports
        .symbols
        .iter()
        .filter(|e| e.exported)
        .map(|e| e.name.as_str())
        .collect();
    if !plan.exports.symbols.is_empty() {
        md.push_str("\n| export | exported | reason |\n|---|---|---|\n");
        for e in &plan.exports.symbols {
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                cell(&e.name),
                if e.exported { "yes" } else { "no" },
                cell(&e.reason)
            );
        }
    } else {
        let _ = writeln!(md, "\nExports: {}", if exported.is_empty() { "none" } else { "" });
    }
    if !plan.diagnostics.is_empty() {
        md.push_str("\n## Warnings\n\n");
        for d in &plan.diagnostics {
            let _ = writeln!(md, "- {}", d.to_string().replace('\n', " "));
        }
    }
    md
}

/// Writes `text` to `path` through a temporary file in the same folder, so a reader never sees
/// half of it. The file gets the mode an ordinary one would (0666 less the umask), not the
/// private 0600 of a temporary file: a report is for other users and CI uploaders too.
pub(super) fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let err = |e: std::io::Error| {
        Error::new(
            codes::OUTPUT_UNWRITABLE,
            format!(
                "cannot write the suggested DirectPInvokeList: {}",
                // Without Rust's ` (os error N)` and tempfile's ` at path "…"`.
                e.to_string()
                    .split(" (os error ")
                    .next()
                    .and_then(|w| w.split(" at path ").next())
                    .unwrap_or_default()
            ),
        )
        .at(Location::file(path))
    };
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(err)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// The report paths beside `output`: `NAME.plan.json`, `NAME.plan.md`.
fn report_paths(dir: &Path, output: &Path) -> ReportPaths {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ReportPaths {
        json: dir.join(format!("{name}.plan.json")),
        markdown: dir.join(format!("{name}.plan.md")),
    }
}

/// The plan as the JSON report holds it.
fn plan_json(plan: &Plan) -> Result<String> {
    serde_json::to_string_pretty(plan).map(|j| j + "\n").map_err(|e| {
        Error::new(
            codes::OUTPUT_UNWRITABLE,
            format!("cannot write the plan as JSON: {e}"),
        )
    })
}

/// Writes the plan reports of `output` into the staging folder `staging`; returns each staged
/// file's name with where it goes, and the reports' final paths.
pub(super) fn write_staged_reports(
    plan: &Plan,
    staging: &Path,
    output: &Path,
) -> Result<(Vec<(std::path::PathBuf, std::path::PathBuf)>, ReportPaths)> {
    let staged = report_paths(staging, output);
    let finals = report_paths(output.parent().unwrap_or(Path::new(".")), output);
    // Named by where it goes (the staging folder is gone when the error is read).
    let write = |p: &Path, dest: &Path, text: &str| {
        std::fs::write(p, text).map_err(|e| {
            Error::new(
                codes::OUTPUT_UNWRITABLE,
                format!(
                    "cannot write the plan report (in the staging folder beside it): {}; the previous output, \
                     if any, is unchanged",
                    e.to_string().split(" (os error ").next().unwrap_or_default()
                ),
            )
            .at(Location::file(dest))
        })
    };
    write(&staged.json, &finals.json, &plan_json(plan)?)?;
    write(&staged.markdown, &finals.markdown, &markdown(plan))?;
    let name = |p: &Path| std::path::PathBuf::from(p.file_name().unwrap_or_default());
    let moves = vec![
        (name(&staged.json), finals.json.clone()),
        (name(&staged.markdown), finals.markdown.clone()),
    ];
    Ok((moves, finals))
}
