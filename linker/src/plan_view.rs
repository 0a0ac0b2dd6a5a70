//! The part of a publish plan (`aotinterop plan --format json`) that `verify` reads. Defined
//! here so that this crate does not depend on the one that writes it; unknown fields are
//! ignored.

use crate::diag::{codes, read_file, Diagnostic, Result};
use crate::driver::OutputKind;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// How an import binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Binding {
    /// By the OS loader at startup.
    Direct,
    /// On first call, through the stub records.
    Lazy,
}

/// One import of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PlanImport {
    /// DllImport module.
    pub module: String,
    /// Entry point as declared.
    pub entry: String,
    /// Direct or lazy.
    pub binding: Binding,
    /// The native symbol.
    pub symbol: String,
}

/// The link part of the plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PlanLink {
    /// `NativeLibrary` items.
    #[serde(default)]
    pub native_library: Vec<PathBuf>,
}

/// One export of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PlanExport {
    /// The symbol.
    pub name: String,
    /// Whether the image exports it.
    pub exported: bool,
}

/// The export part of the plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PlanExports {
    /// Every entry point and requested symbol.
    #[serde(default)]
    pub symbols: Vec<PlanExport>,
}

/// What `verify` reads of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PlanView {
    /// The runtime identifier.
    pub rid: String,
    /// What was produced.
    #[serde(default)]
    pub native_lib: OutputKind,
    /// Every import.
    #[serde(default)]
    pub imports: Vec<PlanImport>,
    /// What was linked.
    #[serde(default)]
    pub link: PlanLink,
    /// What is exported.
    #[serde(default)]
    pub exports: PlanExports,
}

impl PlanView {
    /// Parses plan JSON; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| {
            Diagnostic::error(
                codes::PLAN_MALFORMED,
                format!("not a plan (line {}, column {}): {e}", e.line(), e.column()),
            )
            .at(origin)
        })
    }

    /// The direct imports, as preflight takes them.
    pub fn direct_imports(&self) -> Vec<crate::preflight::DirectImport> {
        self.imports
            .iter()
            .filter(|i| i.binding == Binding::Direct)
            .map(|i| crate::preflight::DirectImport {
                module: i.module.clone(),
                symbol: i.symbol.clone(),
            })
            .collect()
    }

    /// The symbols the image exports, as a link job takes them.
    pub fn exported_symbols(&self) -> Vec<String> {
        self.exports
            .symbols
            .iter()
            .filter(|e| e.exported)
            .map(|e| e.name.clone())
            .collect()
    }

    /// Reads a plan file.
    pub fn load(path: &Path) -> Result<Self> {
        let data = read_file(path, "plan")?;
        let text = String::from_utf8(data)
            .map_err(|_| Diagnostic::error(codes::PLAN_MALFORMED, "the plan is not UTF-8 text").at(path))?;
        PlanView::parse(&text, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_it_needs_and_ignores_the_rest() {
        let p = PlanView::parse(
            r#"{"rid": "linux-x64", "native_lib": "shared", "counts": {"imports": 1},
                "imports": [{"module": "libz", "entry": "compress", "binding": "lazy", "symbol": "compress",
                             "call_symbol": "x", "reason": "default: lazy"}],
                "link": {"objects": [], "native_library": ["a.a"]},
                "exports": {"unmanaged_entrypoints": true, "symbols": [{"name": "f", "exported": true, "reason": ""}]}}"#,
            Path::new("plan.json"),
        )
        .unwrap();
        assert_eq!(p.native_lib, OutputKind::Shared);
        assert_eq!(p.imports[0].binding, Binding::Lazy);
        assert_eq!(p.link.native_library, [PathBuf::from("a.a")]);
        assert!(p.exports.symbols[0].exported);
        assert!(p.direct_imports().is_empty());
        assert_eq!(p.exported_symbols(), ["f"]);
    }

    #[test]
    fn bad_plans_name_the_file_and_place() {
        let e = PlanView::parse("{\"rid\": 3}", Path::new("p.json")).unwrap_err();
        assert_eq!(e.code, codes::PLAN_MALFORMED);
        assert!(
            e.to_string()
                .starts_with("p.json: error AOTI0506: not a plan (line 1"),
            "{e}"
        );
    }
}
