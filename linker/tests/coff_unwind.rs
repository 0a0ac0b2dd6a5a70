//! The win-x64 stub object's unwind information: one RUNTIME_FUNCTION covering every byte of its
//! `.text` (call stubs, forwarding stubs, thunks, tails, the common tail), with an UNWIND_INFO of
//! no codes, since none of that code touches the stack. Read back by `llvm-readobj --unwind` from
//! the object and from an image the MinGW-w64 driver links, which then runs under wine.

mod common;

use aotinterop_linker::driver::{link, select, LinkJob, LinkerChoice, OutputKind};
use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::PlannedImport;
use common::*;
use object::{Object, ObjectSection, ObjectSymbol};
use std::process::Command;

/// `key: value` of `llvm-readobj`'s output, as the numbers after each `key:`.
fn values(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(key)?.strip_prefix(':'))
        .map(|v| v.trim().to_string())
        .collect()
}

fn hex_in(v: &str) -> u64 {
    let h = v.rsplit("0x").next().unwrap_or_default();
    let h: String = h.chars().take_while(char::is_ascii_hexdigit).collect();
    u64::from_str_radix(&h, 16).unwrap_or_else(|_| panic!("no hex number in `{v}`"))
}

#[test]
fn every_byte_of_the_stub_code_has_unwind_information() {
    let dir = tempfile::tempdir().unwrap();
    let t = WIN_X64;
    // Three groups of thunks, a forwarding stub (direct import through the IAT).
    let mut imports = vec![
        PlannedImport::direct("app_puts", "msvcrt", "puts"),
        PlannedImport::lazy("app_compress", "libz", "compress"),
    ];
    imports.extend((0..40).map(|i| PlannedImport::lazy(&format!("app_f{i}"), "many", &format!("f{i}"))));
    let bytes = emit(&t, &imports, &StubOptions::default()).unwrap();
    let stubs = dir.path().join("stubs.obj");
    std::fs::write(&stubs, &bytes).unwrap();
    let obj = object::File::parse(&*bytes).unwrap();
    let text_size = obj.section_by_name(".text").unwrap().size();
    let readobj = require("llvm-readobj", "llvm");

    // The object: one function from .text's start to its end, no unwind codes.
    let out = check(Command::new(&readobj).arg("--unwind").arg(&stubs));
    let starts = values(&out, "StartAddress");
    let ends = values(&out, "EndAddress");
    assert_eq!(starts.len(), 1, "{out}");
    // llvm-readobj names an address by the nearest symbol before it plus an offset
    // (`app_puts +0x16B`), then the entry's own offset in `.pdata` in parentheses.
    let text_offset = |v: &str| {
        let name = v.split([' ', '+']).next().unwrap();
        let symbol = obj
            .symbols()
            .find(|s| s.name() == Ok(name))
            .unwrap_or_else(|| panic!("{v}"));
        symbol.address()
            + v.split_once(" +0x")
                .map_or(0, |(_, o)| hex_in(o.split(' ').next().unwrap()))
    };
    assert_eq!(text_offset(&starts[0]), 0, "{out}");
    assert_eq!(text_offset(&ends[0]), text_size, "{out}");
    assert_eq!(values(&out, "UnwindCodeCount"), ["0"], "{out}");
    assert_eq!(values(&out, "PrologSize"), ["0"], "{out}");

    // An image: the linker keeps the entry, its length the whole stub code, and the program
    // runs through a stub.
    let mut job = LinkJob::new(t, OutputKind::Executable, dir.path().join("app.exe"));
    job.objects = vec![compile(&t, "stubs_main.c", dir.path(), &[]), stubs];
    link(&*select(&t, job.kind, &LinkerChoice::default()).unwrap(), &job).unwrap();
    assert_eq!(run_ok(&t, &job.output, &[]), "called through a stub\n");
    let out = check(Command::new(&readobj).arg("--unwind").arg(&job.output));
    let ranges: Vec<(u64, u64)> = values(&out, "StartAddress")
        .iter()
        .zip(values(&out, "EndAddress"))
        .map(|(s, e)| (hex_in(s), hex_in(&e)))
        .collect();
    assert!(
        ranges.iter().any(|(s, e)| e - s == text_size),
        "no function entry covers the {text_size} bytes of stub code: {ranges:x?}\n{out}"
    );
}
