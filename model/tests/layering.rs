//! The crates' layering, read from their manifests: the `aotinterop` library (and everything it
//! depends on) carries no command-line parsing or progress display, and the runtime staticlib
//! takes the model without its serde support.

use std::collections::BTreeSet;
use std::path::Path;

use aotinterop_testkit::repo_root as repo;

/// The `[dependencies]` lines of a manifest (not dev- or build-dependencies), as (name, rest).
fn normal_dependencies(manifest: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside =
                line == "[dependencies]" || line.starts_with("[target.") && line.ends_with(".dependencies]");
            continue;
        }
        if let (true, Some((name, rest))) = (inside, line.split_once('=')) {
            let name = name.trim().trim_end_matches(".workspace").to_string();
            out.push((name, rest.trim().to_string()));
        }
    }
    out
}

/// Every crate the crate in `dir` depends on, following path dependencies; with `defaults`
/// false (a dependent turned default features off), its optional dependencies are left out.
fn closure(dir: &Path, defaults: bool, seen: &mut BTreeSet<String>) {
    for (name, rest) in normal_dependencies(&dir.join("Cargo.toml")) {
        if (!defaults && rest.contains("optional = true")) || !seen.insert(name) {
            continue;
        }
        if let Some(path) = rest.split("path = \"").nth(1).and_then(|p| p.split('"').next()) {
            closure(&dir.join(path), !rest.contains("default-features = false"), seen);
        }
    }
}

#[test]
fn the_library_carries_no_command_line_parts() {
    let mut deps = BTreeSet::new();
    closure(&repo().join("publish"), true, &mut deps);
    assert!(deps.contains("aotinterop-model"), "{deps:?}");
    for cli_only in ["clap", "indicatif"] {
        assert!(
            !deps.contains(cli_only),
            "the aotinterop library depends on {cli_only}: {deps:?}"
        );
    }
    let mut cli = BTreeSet::new();
    closure(&repo().join("cli"), true, &mut cli);
    assert!(cli.contains("clap") && cli.contains("indicatif"), "{cli:?}");
}

#[test]
fn the_runtime_takes_the_model_without_serde() {
    let deps = normal_dependencies(&repo().join("runtime-stubs/Cargo.toml"));
    let (_, model) = deps
        .iter()
        .find(|(n, _)| n == "aotinterop-model")
        .expect("a model dependency");
    assert!(model.contains("default-features = false"), "{model}");
    let mut all = BTreeSet::new();
    closure(&repo().join("runtime-stubs"), true, &mut all);
    assert!(!all.contains("serde"), "{all:?}");
}
