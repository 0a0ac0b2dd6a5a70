//! Text-based stubs (`.tbd`, TAPI version 4): the YAML document Apple's SDKs ship in place of
//! dylibs, which ld64 and ld64.lld link against. Written by hand: the format needs a handful of
//! keys, and no crate writes it.

use crate::target::{Arch, Target};
use aotinterop_model::GeneratedLibrary;
use std::fmt::Write;

/// A YAML single-quoted scalar.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The `.tbd` for `lib`: its install name and its symbols (with Mach-O's `_` prefix).
pub(super) fn text_stub(target: &Target, lib: &GeneratedLibrary) -> String {
    let arch = match target.arch {
        Arch::Aarch64 => "arm64",
        _ => "x86_64",
    };
    let targets = format!("[ {arch}-macos ]");
    let mut out = String::new();
    let _ = writeln!(out, "--- !tapi-tbd");
    let _ = writeln!(out, "tbd-version:     4");
    let _ = writeln!(out, "targets:         {targets}");
    let _ = writeln!(out, "install-name:    {}", quoted(&lib.file));
    let _ = writeln!(out, "current-version: 0");
    let _ = writeln!(out, "compatibility-version: 0");
    if !lib.symbols.is_empty() {
        let symbols: Vec<String> = lib
            .symbols
            .iter()
            .map(|s| quoted(&format!("_{}", s.symbol)))
            .collect();
        let _ = writeln!(out, "exports:");
        let _ = writeln!(out, "  - targets:         {targets}");
        let _ = writeln!(out, "    symbols:         [ {} ]", symbols.join(", "));
    }
    out.push_str("...\n");
    out
}
