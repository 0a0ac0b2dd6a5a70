//! The plan as a readable table, grouped by module, with totals.

use super::Plan;
use aotinterop_model::diag::shown;
use aotinterop_model::plan::WindowsListOrigin;
use aotinterop_model::OutputKind;
use std::fmt::Write;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Renders a plan as text.
pub fn render_text(plan: &Plan) -> String {
    // Names come from assemblies and requests: each is shown escaped (a newline in one cannot
    // forge a line) and shortened.
    let v = |name: &str| shown(name, 200);
    let mut out = String::new();
    let kind = match plan.native_lib {
        OutputKind::Executable => "executable",
        OutputKind::Shared => "NativeLib=Shared",
        OutputKind::Static => "NativeLib=Static",
    };
    let _ = write!(out, "Plan for {} ({kind}, {} rules", plan.rid, plan.rules);
    if let Some(o) = &plan.output {
        let _ = write!(out, ", {}", v(&o.to_string_lossy()));
    }
    out.push_str(")\n");
    match &plan.windows_api_list {
        Some(WindowsListOrigin::Request { path }) | Some(WindowsListOrigin::NugetCache { path }) => {
            let _ = writeln!(out, "Windows API list: {}", path.display());
        }
        Some(WindowsListOrigin::BuiltIn) => out.push_str("Windows API list: built-in\n"),
        Some(WindowsListOrigin::Disabled) => out.push_str("Windows API list: off\n"),
        None => {}
    }

    let w_entry = plan
        .imports
        .iter()
        .map(|i| v(&i.entry).chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let w_sym = plan
        .imports
        .iter()
        .map(|i| v(i.symbol()).chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    // The imports grouped by module once (a filter per module was quadratic: 100,000 modules
    // took a minute).
    let mut by_module: std::collections::HashMap<&str, Vec<&aotinterop_model::plan::PlannedImport>> =
        std::collections::HashMap::new();
    for imp in &plan.imports {
        by_module.entry(imp.module.as_str()).or_default().push(imp);
    }
    for (module, counts) in &plan.modules {
        let _ = writeln!(
            out,
            "\n{} — {}: {} direct, {} lazy",
            v(module),
            plural(counts.imports, "import", "imports"),
            counts.direct,
            counts.lazy
        );
        let _ = writeln!(
            out,
            "  {:<w_entry$}  {:<7} {:<w_sym$}  REASON",
            "ENTRY", "BINDING", "SYMBOL"
        );
        for imp in by_module.get(module.as_str()).into_iter().flatten() {
            let binding = imp.binding.name();
            let _ = writeln!(
                out,
                "  {:<w_entry$}  {:<7} {:<w_sym$}  {}",
                v(&imp.entry),
                binding,
                v(imp.symbol()),
                shown(&imp.reason, usize::MAX)
            );
        }
    }
    let c = &plan.counts;
    let _ = writeln!(
        out,
        "\nTotal: {} in {}: {} direct, {} lazy",
        plural(c.imports, "import", "imports"),
        plural(plan.modules.len(), "module", "modules"),
        c.direct,
        c.lazy
    );
    let l = &plan.link;
    let _ = writeln!(
        out,
        "Link: {}, {}, {}",
        plural(l.objects.len(), "object", "objects"),
        plural(l.native_library.len(), "NativeLibrary", "NativeLibrary items"),
        plural(l.linker_arg.len(), "LinkerArg", "LinkerArg items"),
    );
    if !l.direct_modules.is_empty() {
        let modules: Vec<String> = l.direct_modules.iter().map(|m| v(m)).collect();
        let _ = writeln!(out, "Loaded at startup: {}", modules.join(", "));
    }
    let exported: Vec<String> = plan
        .exports
        .symbols
        .iter()
        .filter(|e| e.exported)
        .map(|e| v(&e.name))
        .collect();
    let not: usize = plan.exports.symbols.len() - exported.len();
    let _ = write!(out, "Exports: ");
    if exported.is_empty() {
        out.push_str("none");
    } else {
        out.push_str(&exported.join(", "));
    }
    if not > 0 {
        let _ = write!(
            out,
            " ({} not exported)",
            plural(not, "entry point", "entry points")
        );
    }
    let _ = writeln!(
        out,
        "{}",
        if plan.exports.unmanaged_entrypoints {
            ""
        } else {
            " (IlcExportUnmanagedEntrypoints off)"
        }
    );
    if !plan.diagnostics.is_empty() {
        let _ = writeln!(out, "{}", plural(plan.diagnostics.len(), "warning", "warnings"));
    }
    out
}
