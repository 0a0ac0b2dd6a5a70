//! Mono's tools as the tests use them: `mcs` compiles C# into real assemblies, and `monodis`
//! is the independent oracle for what an assembly's ImplMap table holds.

use crate::{require, run};
use std::path::{Path, PathBuf};

/// Compiles C# `sources` (paths under `src_dir`) into the library `out/NAME.dll`, referencing
/// `refs`.
pub fn compile_library(src_dir: &Path, out: &Path, name: &str, sources: &[&str], refs: &[&Path]) -> PathBuf {
    let dll = out.join(format!("{name}.dll"));
    let output = run(std::process::Command::new(require("mcs", "mono-mcs"))
        .arg("-target:library")
        .arg("-nologo")
        .arg(format!("-out:{}", dll.display()))
        .args(refs.iter().map(|r| format!("-r:{}", r.display())))
        .args(sources.iter().map(|s| src_dir.join(s))));
    assert!(
        output.status.success(),
        "mcs failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    dll
}

/// One ImplMap row as `monodis --implmap` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OracleRow {
    /// Declaring type, `Namespace.Outer/Nested`.
    pub type_name: String,
    /// Method name.
    pub method: String,
    /// PInvokeAttributes.
    pub flags: u32,
    /// Import name.
    pub entry: String,
    /// ModuleRef name.
    pub module: String,
}

/// The ImplMap rows of an assembly according to Mono's disassembler, in table order.
pub fn monodis_implmap(path: &Path) -> Vec<OracleRow> {
    let out = run(std::process::Command::new(require("monodis", "mono-utils"))
        .arg("--implmap")
        .arg(path));
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter(|l| l.split_once(": ").is_some_and(|(n, _)| n.parse::<u32>().is_ok()))
        .map(|l| parse_row(l).unwrap_or_else(|| panic!("unexpected monodis line: {l}")))
        .collect()
}

/// `49: int32 class Ns.Type/Nested::Method(args) 320 (Entry Module)`.
fn parse_row(line: &str) -> Option<OracleRow> {
    let open = line.rfind(" (")?;
    let (head, tail) = (&line[..open], &line[open + 2..line.len() - 1]);
    let (entry, module) = tail.split_once(' ')?;
    let (head, flags) = head.rsplit_once(' ')?;
    let head = &head[..head.find('(')?];
    let (ty, method) = head.rsplit_once("::")?;
    let ty = ty.rsplit(' ').next()?;
    let unquote = |s: &str| s.trim_matches('\'').to_string();
    Some(OracleRow {
        type_name: ty.split("::").map(unquote).collect::<Vec<_>>().join("::"),
        method: unquote(method),
        flags: flags.parse().ok()?,
        entry: unquote(entry),
        module: unquote(module),
    })
}
