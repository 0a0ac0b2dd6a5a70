//! The code table is the only list of diagnostic codes: `docs/diagnostics.md` documents every
//! one of them (and no other), and the MSBuild task's C# sources, targets and sample projects
//! use only codes the table has.

use aotinterop_model::codes::{lookup, ALL};
use std::path::{Path, PathBuf};

use aotinterop_testkit::repo_root as repo;

/// Every `AOTIdddd` in `text`.
fn codes_in(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(7))
        .filter(|&i| &b[i..i + 4] == b"AOTI" && b[i + 4..i + 8].iter().all(u8::is_ascii_digit))
        .map(|i| &text[i..i + 8])
        .collect()
}

#[test]
fn docs_list_every_code_and_no_other() {
    let doc = std::fs::read_to_string(repo().join("docs/diagnostics.md")).unwrap();
    for c in ALL {
        let severity = if c.is_warning() {
            "warning"
        } else if c.is_note() {
            "note"
        } else {
            "error"
        };
        assert!(
            doc.contains(&format!("| {} | {severity} |", c.code)),
            "docs/diagnostics.md has no `| {} | {severity} |` row ({})",
            c.code,
            c.meaning
        );
    }
    for code in codes_in(&doc) {
        assert!(
            lookup(code).is_some(),
            "docs/diagnostics.md names {code}, which the table lacks"
        );
    }
}

fn files_under(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if !matches!(p.file_name().and_then(|n| n.to_str()), Some("bin" | "obj")) {
                files_under(&p, exts, out);
            }
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| exts.contains(&x))
        {
            out.push(p);
        }
    }
}

#[test]
fn the_msbuild_task_uses_only_codes_of_the_table() {
    let mut files = Vec::new();
    let exts = ["cs", "targets", "props", "csproj", "proj"];
    for dir in [
        "msbuild-task/task",
        "msbuild-task/build",
        "msbuild-task/tests/projects",
        "samples",
    ] {
        files_under(&repo().join(dir), &exts, &mut files);
    }
    assert!(
        files.iter().any(|f| f.extension().is_some_and(|x| x == "cs")),
        "no C# found"
    );
    let mut seen = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for code in codes_in(&text) {
            seen += 1;
            assert!(
                lookup(code).is_some(),
                "{} uses {code}, which the code table lacks",
                f.display()
            );
        }
    }
    assert!(seen > 0, "the task's sources use no code at all");
}
