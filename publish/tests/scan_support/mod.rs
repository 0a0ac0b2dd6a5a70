//! Shared by the scan tests: the corpora, the `monodis` oracle and the `mcs` compiler.
#![allow(dead_code)]

use aotinterop::imports::CallingConvention;
use aotinterop::{Charset, Import};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A downloaded corpus folder; fails (never skips) when it is missing.
pub fn corpus(name: &str) -> PathBuf {
    let dir = repo_root().join(".cache/corpora").join(name);
    assert!(
        dir.join(".complete").exists(),
        "corpus `{name}` is missing from {}: run scripts/install-deps (or scripts/fetch-corpora)",
        dir.display()
    );
    dir
}

/// Every `.dll` of a folder, sorted.
pub fn dlls(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "dll"))
        .collect();
    v.sort();
    v
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

fn tool(name: &str, package: &str) -> Command {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "`{name}` is not installed (Debian package {package}): run scripts/install-deps"
    );
    Command::new(name)
}

/// The ImplMap rows of an assembly according to Mono's disassembler, in table order.
pub fn monodis_implmap(path: &Path) -> Vec<OracleRow> {
    let out = tool("monodis", "mono-utils")
        .arg("--implmap")
        .arg(path)
        .output()
        .unwrap();
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

/// The PInvokeAttributes an import was read from.
pub fn flags_of(i: &Import) -> u32 {
    let mut f = 0;
    if i.exact_spelling {
        f |= 0x1;
    }
    f |= match i.charset {
        Charset::None => 0,
        Charset::Ansi => 2,
        Charset::Unicode => 4,
        Charset::Auto => 6,
    };
    f |= match i.best_fit_mapping {
        Some(true) => 0x10,
        Some(false) => 0x20,
        None => 0,
    };
    if i.set_last_error {
        f |= 0x40;
    }
    f |= match i.calling_convention {
        Some(CallingConvention::Winapi) => 0x100,
        Some(CallingConvention::Cdecl) => 0x200,
        Some(CallingConvention::Stdcall) => 0x300,
        Some(CallingConvention::Thiscall) => 0x400,
        Some(CallingConvention::Fastcall) => 0x500,
        None => 0,
    };
    f |= match i.throw_on_unmappable_char {
        Some(true) => 0x1000,
        Some(false) => 0x2000,
        None => 0,
    };
    f
}

/// Compiles C# sources from `publish/tests/assemblies/` into `out/NAME.dll` with Mono's mcs.
pub fn compile(out: &Path, name: &str, sources: &[&str]) -> PathBuf {
    compile_with(out, name, sources, &[])
}

/// Like [`compile`], referencing other assemblies.
pub fn compile_with(out: &Path, name: &str, sources: &[&str], refs: &[&Path]) -> PathBuf {
    let dll = out.join(format!("{name}.dll"));
    let src_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assemblies");
    let output = tool("mcs", "mono-mcs")
        .arg("-target:library")
        .arg("-nologo")
        .arg(format!("-out:{}", dll.display()))
        .args(refs.iter().map(|r| format!("-r:{}", r.display())))
        .args(sources.iter().map(|s| src_dir.join(s)))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "mcs failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    dll
}

/// Compares the scan of each assembly with monodis, row by row; returns the number of rows.
pub fn check_against_monodis(files: &[PathBuf]) -> usize {
    let mut rows = 0;
    let mut problems = Vec::new();
    for file in files {
        let oracle = monodis_implmap(file);
        let ours = aotinterop::scan::read_file(file).unwrap_or_else(|e| panic!("{e}"));
        rows += oracle.len();
        if oracle.len() != ours.imports.len() {
            problems.push(format!(
                "{}: monodis lists {} ImplMap rows, the scan {}",
                file.display(),
                oracle.len(),
                ours.imports.len()
            ));
            continue;
        }
        for (o, s) in oracle.iter().zip(&ours.imports) {
            let i = &s.import;
            let got = OracleRow {
                type_name: i.type_name.clone().unwrap_or_default(),
                method: i.method.clone().unwrap_or_default(),
                flags: flags_of(i),
                entry: i.entry.clone(),
                module: i.module.clone(),
            };
            if &got != o {
                problems.push(format!("{}: monodis {o:?}, scan {got:?}", file.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
    rows
}
