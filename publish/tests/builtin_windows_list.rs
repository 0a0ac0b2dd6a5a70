//! Every entry of the built-in Windows list must be in .NET's own pre-populated list, kept as a
//! test oracle in `../shared/reference/WindowsAPIs.txt` beside the repository.

use std::collections::HashSet;
use std::path::PathBuf;

#[test]
fn builtin_list_is_a_subset_of_dotnets_windows_api_list() {
    let oracle = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/WindowsAPIs.txt");
    let text = std::fs::read_to_string(&oracle)
        .unwrap_or_else(|e| panic!("the test oracle {} must exist: {e}", oracle.display()));
    let reference: HashSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert!(reference.len() > 2000, "oracle looks truncated");
    let missing: Vec<&&str> = aotinterop::direct_pinvoke::builtin_windows_list::BUILTIN_WINDOWS_APIS
        .iter()
        .filter(|e| !reference.contains(**e))
        .collect();
    assert!(missing.is_empty(), "not in WindowsAPIs.txt: {missing:?}");
}
