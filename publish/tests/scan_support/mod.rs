//! Shared by the scan tests: the test kit's corpora, `monodis` oracle and `mcs` compiler, with
//! the assemblies of `publish/tests/assemblies/` and the comparison of a scan with monodis.
#![allow(dead_code)]

use aotinterop::Import;
use aotinterop_model::{CallingConvention, Charset};
use std::path::{Path, PathBuf};

pub use aotinterop_testkit::mono::{monodis_implmap, OracleRow};
#[allow(unused_imports)]
pub use aotinterop_testkit::{corpus, dlls, repo_root};

/// The PInvokeAttributes an import was read from. It re-encodes ECMA-335's PInvokeAttributes
/// bits by hand on purpose: an oracle independent of the scan's decoding, compared with monodis.
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
    let src_dir = repo_root().join("publish/tests/assemblies");
    aotinterop_testkit::mono::compile_library(&src_dir, out, name, sources, refs)
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
