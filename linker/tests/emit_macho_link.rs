//! Mach-O stub objects linked by LLVM's ld64 (no Mac needed): the linked dylib's import table
//! parses, its `cells_rel` / `handles_rel` land on the cells and handle slots, and every call
//! stub really loads its own cell.

use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::PlannedImport;
use aotinterop_model::{Arch, Target};
use aotinterop_runtime::abi;
use object::{Object, ObjectSection, ObjectSymbol};
use std::path::Path;

fn link(target: Target, dir: &Path) -> Vec<u8> {
    let imports: Vec<PlannedImport> = (0..40)
        .map(|i| {
            PlannedImport::lazy(
                &format!("pinvoke_f{i}"),
                if i % 2 == 0 { "libz" } else { "libm" },
                &format!("f{i}"),
            )
        })
        .collect();
    let obj = emit(&target, &imports, &StubOptions::default()).expect("emit");
    let o = dir.join("stubs.o");
    std::fs::write(&o, obj).expect("write");
    let arch = if target.arch == Arch::Aarch64 {
        "arm64"
    } else {
        "x86_64"
    };
    let out_path = dir.join("libstubs.dylib");
    let out = aotinterop_testkit::ld64_lld_dylib(arch)
        .args(["-undefined", "dynamic_lookup", "-o"])
        .arg(&out_path)
        .arg(&o)
        .output()
        .expect("ld64.lld");
    assert!(
        out.status.success(),
        "ld64.lld failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(out_path).expect("read dylib")
}

/// The address an aarch64 `adrp` + `ldr`/`add` pair computes at `pc`.
fn a64_target(pc: u64, adrp: u32, lo: u32, scale: u32) -> u64 {
    let immlo = ((adrp >> 29) & 3) as i64;
    let immhi = ((adrp >> 5) & 0x7ffff) as i64;
    let mut page = (immhi << 2) | immlo;
    if page & (1 << 20) != 0 {
        page -= 1 << 21;
    }
    let base = ((pc as i64) & !0xfff) + (page << 12);
    let imm12 = ((lo >> 10) & 0xfff) as i64;
    (base + (imm12 << scale)) as u64
}

fn check(target: Target) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bytes = link(target, tmp.path());
    let file = object::File::parse(&*bytes).expect("parse dylib");
    let table = file
        .section_by_name(abi::SECTION_MACHO)
        .expect("__aotimp in the dylib");
    let data = table.data().expect("data");
    let lazy = abi::read_lazy_imports(data).expect("table parses");
    assert_eq!(lazy.len(), 40);
    assert_eq!((lazy[3].module.as_str(), lazy[3].entry.as_str()), ("libm", "f3"));
    let h = abi::parse_header(data).expect("header");
    let cells = table.address().wrapping_add(h.cells_rel as i64 as u64);
    let handles = table.address().wrapping_add(h.handles_rel as i64 as u64);
    let dsec = file.section_by_name("__data").expect("__data");
    assert_eq!(cells, dsec.address(), "{target}: cells_rel");
    assert_eq!(handles, dsec.address() + 8 * 40, "{target}: handles_rel");
    let text = file.section_by_name("__text").expect("__text");
    let code = text.data().expect("text");
    // Each cell starts out pointing at its resolve thunk (x86_64: endbr64; push) or at the
    // common tail (aarch64: bti c; mov x9, x16; adrp x10).
    let cell_bytes = dsec.data().expect("data");
    for i in [0usize, 17, 39] {
        let init = u64::from_le_bytes(cell_bytes[8 * i..8 * i + 8].try_into().expect("8"));
        let at = (init - text.address()) as usize;
        match target.arch {
            Arch::X86_64 => {
                assert_eq!(
                    &code[at..at + 6],
                    &[0xf3, 0x0f, 0x1e, 0xfa, 0x6a, (i % 16) as u8],
                    "cell {i}"
                )
            }
            _ => {
                let w =
                    |k: usize| u32::from_le_bytes(code[at + 4 * k..at + 4 * k + 4].try_into().expect("4"));
                assert_eq!(w(0), 0xd503_245f, "cell {i}: bti c");
                assert_eq!(w(1), 0xaa10_03e9, "cell {i}: mov x9, x16");
                assert_eq!(w(2) & 0x9f00_001f, 0x9000_000a, "cell {i}: adrp x10");
            }
        }
    }
    for i in [0u64, 1, 39] {
        let sym = file
            .symbol_by_name(&format!("_pinvoke_f{i}"))
            .expect("stub symbol");
        let off = (sym.address() - text.address()) as usize;
        let cell = match target.arch {
            Arch::X86_64 => {
                assert_eq!(&code[off..off + 2], &[0xff, 0x25]);
                let d = i32::from_le_bytes(code[off + 2..off + 6].try_into().expect("4"));
                (sym.address() as i64 + 6 + d as i64) as u64
            }
            _ => {
                let w =
                    |k: usize| u32::from_le_bytes(code[off + 4 * k..off + 4 * k + 4].try_into().expect("4"));
                let via_ldr = a64_target(sym.address() + 4, w(1), w(2), 3);
                let via_add = a64_target(sym.address() + 4, w(1), w(3), 0);
                assert_eq!(via_ldr, via_add, "ldr and add name the same cell");
                via_ldr
            }
        };
        assert_eq!(cell, cells + 8 * i, "{target}: stub {i} loads its own cell");
    }
}

#[test]
fn macho_arm64_links_with_ld64_lld() {
    check(Target::OSX_ARM64);
}

#[test]
fn macho_x86_64_links_with_ld64_lld() {
    check(Target::OSX_X64);
}
