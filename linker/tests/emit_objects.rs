//! The stub emitter's objects read back with the `object` crate: sections, symbols,
//! relocations, notes, the import table and the per-import byte budget.

use aotinterop_linker::emit::{emit, lazy_cost, StubOptions};
use aotinterop_model::{Arch, Format, Libc, Target};
use aotinterop_model::{Charset, DllImportSearchPath, PlannedImport};
use aotinterop_runtime::abi;
use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget};

const ELF_X64: Target = Target::LINUX_X64;
const ELF_A64: Target = Target::LINUX_ARM64;
const COFF_X64: Target = Target::WIN_X64;
const MACHO_X64: Target = Target::OSX_X64;
const MACHO_A64: Target = Target::OSX_ARM64;
const ALL: [Target; 5] = [ELF_X64, ELF_A64, COFF_X64, MACHO_X64, MACHO_A64];

fn sample() -> Vec<PlannedImport> {
    let mut w = PlannedImport::lazy("pinvoke_User32__MessageBox", "user32", "MessageBox");
    w.charset = Charset::Unicode;
    w.set_last_error = true;
    let mut sp = PlannedImport::lazy("pinvoke_z2", "libz", "inflate");
    sp.search_path = Some(DllImportSearchPath(0x800));
    vec![
        PlannedImport::lazy("pinvoke_z", "libz", "zlibVersion"),
        w,
        sp,
        PlannedImport::lazy("pinvoke_ord", "winmm", "#17"),
        PlannedImport::direct("pinvoke_getpid", "libc", "getpid"),
        PlannedImport::direct("getppid", "libc", "getppid"),
    ]
}

fn many(n: usize) -> Vec<PlannedImport> {
    (0..n)
        .map(|i| {
            PlannedImport::lazy(
                &format!("pinvoke_f{i}"),
                &format!("lib{}", i % 7),
                &format!("f{i}"),
            )
        })
        .collect()
}

fn table_section<'a>(file: &'a object::File<'a>) -> object::Section<'a, 'a> {
    let name = if file.format() == object::BinaryFormat::MachO {
        abi::SECTION_MACHO
    } else {
        abi::SECTION_ELF_COFF
    };
    file.section_by_name(name)
        .unwrap_or_else(|| panic!("no {name} section"))
}

/// The bytes of the `.text` section of an emitted object.
fn text_of(bytes: &[u8]) -> Vec<u8> {
    let file = object::File::parse(bytes).expect("parse");
    let text = file.section_by_name(".text").expect("text");
    text.data().expect("data").to_vec()
}

#[test]
fn every_format_reads_back_with_its_table() {
    for t in ALL {
        let bytes = emit(&t, &sample(), &StubOptions::default()).unwrap_or_else(|e| panic!("{t}: {e}"));
        let file = object::File::parse(&*bytes).unwrap_or_else(|e| panic!("{t}: {e}"));
        let table = table_section(&file);
        let data = table.data().expect("table data");
        let lazy = abi::read_lazy_imports(data).expect("table parses");
        let got: Vec<(&str, &str)> = lazy
            .iter()
            .map(|l| (l.module.as_str(), l.entry.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("libz", "zlibVersion"),
                ("user32", "MessageBox"),
                ("libz", "inflate"),
                ("winmm", "#17")
            ],
            "{t}"
        );
        assert_eq!(
            lazy[1].flags & abi::import_flags::CHARSET_MASK,
            abi::import_flags::CHARSET_UNICODE
        );
        assert_ne!(lazy[1].flags & abi::import_flags::SET_LAST_ERROR, 0);
        assert_eq!(lazy[0].search_path, abi::search_path::ASSEMBLY_DIRECTORY);
        assert_eq!(lazy[2].search_path, 0x800);
        let h = abi::parse_header(data).expect("header");
        // libz with the default search path and libz with System32 are two modules.
        assert_eq!((h.module_count, h.import_count), (4, 4), "{t}");

        // Call symbols are defined in text; the runtime entry and direct targets are undefined.
        let prefix = if t.format == Format::MachO { "_" } else { "" };
        let sym = |n: &str| file.symbol_by_name(&format!("{prefix}{n}"));
        for s in [
            "pinvoke_z",
            "pinvoke_User32__MessageBox",
            "pinvoke_z2",
            "pinvoke_ord",
            "pinvoke_getpid",
        ] {
            let s = sym(s).unwrap_or_else(|| panic!("{t}: no {s}"));
            assert!(s.is_definition(), "{t}: {} undefined", s.name().unwrap_or("?"));
        }
        assert!(
            sym(abi::LAZY_ENTRY_SYMBOL).is_some_and(|s| s.is_undefined()),
            "{t}"
        );
        assert!(sym(abi::TABLE_SYMBOL).is_some_and(|s| s.is_definition()), "{t}");
        // Same call and native name: nothing emitted, compiled code binds straight to it.
        assert!(!matches!(sym("getppid"), Some(s) if s.is_definition()), "{t}");
        let direct_target = if t.format == Format::Coff {
            "__imp_getpid".to_string()
        } else {
            format!("{prefix}getpid")
        };
        let text = file
            .section_by_name(if t.format == Format::MachO {
                "__text"
            } else {
                ".text"
            })
            .expect("text");
        let targets: Vec<String> = text
            .relocations()
            .filter_map(|(_, r)| match r.target() {
                RelocationTarget::Symbol(i) => file.symbol_by_index(i).ok()?.name().ok().map(str::to_string),
                _ => None,
            })
            .collect();
        assert!(targets.contains(&direct_target), "{t}: {targets:?}");
        // Cells are writable data with one relocation each (to the thunk or the common tail).
        let data_name = if t.format == Format::MachO {
            "__data"
        } else {
            ".data"
        };
        let cells = file.section_by_name(data_name).expect("data");
        assert_eq!(cells.size(), 8 * 4 + 8 * 4, "{t}: 4 cells and 4 handle slots");
        assert_eq!(cells.relocations().count(), 4, "{t}");
        // The table's two link-time distances.
        assert!(table.relocations().count() >= 2, "{t}");
    }
}

#[test]
fn elf_objects_carry_the_stack_and_property_notes() {
    for (t, expect) in [(ELF_X64, 0x3u32), (ELF_A64, 0x3u32)] {
        let bytes = emit(&t, &sample(), &StubOptions::default()).expect("emit");
        let file = object::File::parse(&*bytes).expect("parse");
        let stack = file.section_by_name(".note.GNU-stack").expect("GNU-stack note");
        assert_eq!(stack.size(), 0);
        let prop = file
            .section_by_name(".note.gnu.property")
            .expect("property note")
            .data()
            .expect("data");
        // n_namesz 4, n_descsz, NT_GNU_PROPERTY_TYPE_0 (5), "GNU\0", pr_type, pr_datasz 4, value.
        assert_eq!(&prop[8..16], &[5, 0, 0, 0, b'G', b'N', b'U', 0]);
        let pr_type = u32::from_le_bytes(prop[16..20].try_into().expect("4 bytes"));
        let value = u32::from_le_bytes(prop[24..28].try_into().expect("4 bytes"));
        let want_type = if t.arch == Arch::X86_64 {
            0xc000_0002
        } else {
            0xc000_0000
        };
        assert_eq!((pr_type, value), (want_type, expect), "{t}");
    }
}

#[test]
fn x86_64_stubs_are_one_indirect_jump_and_thunks_start_with_endbr64() {
    let bytes = emit(&ELF_X64, &many(40), &StubOptions::default()).expect("emit");
    let file = object::File::parse(&*bytes).expect("parse");
    let text = text_of(&bytes);
    for i in 0..40u64 {
        let s = file.symbol_by_name(&format!("pinvoke_f{i}")).expect("stub");
        let at = s.address() as usize;
        assert_eq!(&text[at..at + 2], &[0xff, 0x25], "stub {i} is jmp *cell(%rip)");
        assert_eq!(s.size(), 6);
    }
    // Thunk group 0 starts after the 40 stubs, 16-aligned: endbr64; push 0; jmp rel8.
    let start = (40 * 6usize).div_ceil(16) * 16;
    assert_eq!(&text[start..start + 6], &[0xf3, 0x0f, 0x1e, 0xfa, 0x6a, 0x00]);
    assert_eq!(text[start + 6], 0xeb);
    // Its jmp lands on the group tail: addq $0, (%rsp).
    let tail = start + 8 + text[start + 7] as usize;
    assert_eq!(&text[tail..tail + 4], &[0x48, 0x81, 0x04, 0x24]);
}

/// Windows x64: thunks pass the index in r10 and touch no stack (leaf code: no `.pdata` needed).
#[test]
fn coff_x86_64_thunks_pass_the_index_in_r10_without_touching_the_stack() {
    let n = 20usize;
    let bytes = emit(&COFF_X64, &many(n), &StubOptions::default()).expect("emit");
    let text = text_of(&bytes);
    let start = (n * 6).div_ceil(16) * 16;
    for i in 0..n {
        // Thunk i: mov $i, %r10d; jmp rel8 to its group's tail (16 thunks per group).
        let at = start + 8 * i + 5 * (i / 16);
        assert_eq!(&text[at..at + 2], &[0x41, 0xba], "thunk {i}");
        let index = u32::from_le_bytes(text[at + 2..at + 6].try_into().expect("4"));
        assert_eq!(index as usize, i);
        assert_eq!(text[at + 6], 0xeb);
        // The group tail is a plain `jmp common` (no stack adjustment to undo).
        let tail = at + 8 + text[at + 7] as usize;
        assert_eq!(text[tail], 0xe9, "thunk {i}'s tail");
    }
    // No push or stack arithmetic anywhere after the stubs: `push imm8`, `add/sub (%rsp)`.
    assert!(!text[start..].windows(4).any(|w| w == [0x48, 0x81, 0x04, 0x24]));
}

/// More than 65,535 relocations in a COFF section: the count moves into the first entry
/// (`IMAGE_SCN_LNK_NRELOC_OVFL`), and a reader sees every one.
#[test]
fn coff_sections_with_more_than_65535_relocations_read_back() {
    use object::ObjectSection;
    let n = 70_000usize;
    let bytes = emit(&COFF_X64, &many(n), &StubOptions::default()).expect("emit");
    let file = object::File::parse(&*bytes).expect("parse");
    // .text: one per stub and the common tail's two; .data: one per cell.
    for (section, want) in [(".text", n + 2), (".data", n)] {
        let s = file.section_by_name(section).expect(section);
        assert_eq!(s.relocations().count(), want, "{section}");
    }
    let table = table_section(&file).data().expect("table");
    assert_eq!(abi::parse_header(table).expect("header").import_count as usize, n);
}

#[test]
fn aarch64_stubs_have_the_plt_shape_behind_bti() {
    let bytes = emit(&ELF_A64, &many(3), &StubOptions::default()).expect("emit");
    let text = text_of(&bytes);
    let words: Vec<u32> = text
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4")))
        .collect();
    assert_eq!(
        &words[..5],
        &[0xd503_245f, 0x9000_0010, 0xf940_0211, 0x9100_0210, 0xd61f_0220]
    );
}

/// Issue 5's budget: per lazy import on x86_64 at most 24 bytes of code + cell and 16 bytes of
/// record, beyond its name string. Measured on a real object of 20,000 imports.
#[test]
fn per_import_bytes_stay_within_budget() {
    let n = 20_000usize;
    let imports = many(n);
    for t in [ELF_X64, COFF_X64, ELF_A64] {
        let started = std::time::Instant::now();
        let bytes = emit(&t, &imports, &StubOptions::default()).expect("emit");
        eprintln!("{t}: emitting {n} imports took {:?}", started.elapsed());
        let file = object::File::parse(&*bytes).expect("parse");
        let text = file.section_by_name(".text").expect("text").size() as f64;
        let data = file.section_by_name(".data").expect("data").size() as f64 - 8.0 * 7.0;
        let table = table_section(&file).data().expect("table");
        let h = abi::parse_header(table).expect("header");
        let strings: usize = imports.iter().map(|i| i.entry.len() + 1).sum::<usize>()
            + (0..7).map(|m| format!("lib{m}").len() + 1).sum::<usize>();
        let records = (table.len() - strings) as f64 - abi::HEADER_SIZE as f64 - 16.0 * h.module_count as f64;
        let per_code_cell = (text + data) / n as f64;
        let per_record = records / n as f64;
        let cost = lazy_cost(&t).expect("cost");
        eprintln!(
            "{t}: {per_code_cell:.2} bytes code+cell, {per_record:.2} record per import; model {cost:?}"
        );
        assert!((per_record - 8.0).abs() < 0.01, "{t}: {per_record}");
        if t.arch == Arch::X86_64 {
            assert!(
                per_code_cell <= 24.0,
                "{t}: {per_code_cell} bytes of code + cell per import"
            );
        }
        assert!(
            (per_code_cell - (cost.code + cost.cell)).abs() < 0.1,
            "{t}: model {cost:?} vs {per_code_cell}"
        );
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let dup = vec![
        PlannedImport::lazy("a", "m", "e"),
        PlannedImport::lazy("a", "m", "f"),
    ];
    assert!(emit(&ELF_X64, &dup, &StubOptions::default())
        .unwrap_err()
        .to_string()
        .contains("given twice"));
    assert!(emit(
        &ELF_X64,
        &[PlannedImport::lazy("", "m", "e")],
        &StubOptions::default()
    )
    .is_err());
    assert!(emit(
        &ELF_X64,
        &[PlannedImport::lazy("a b", "m", "e")],
        &StubOptions::default()
    )
    .is_err());
    assert!(emit(
        &ELF_X64,
        &[PlannedImport::lazy("a", "", "e")],
        &StubOptions::default()
    )
    .is_err());
    assert!(emit(
        &ELF_X64,
        &[PlannedImport::lazy("a", "m", "")],
        &StubOptions::default()
    )
    .is_err());
    assert!(emit(
        &ELF_X64,
        &[PlannedImport::lazy("a", "m\0x", "e")],
        &StubOptions::default()
    )
    .is_err());
    let riscv = Target {
        format: Format::Elf,
        arch: Arch::RiscV64,
        libc: Libc::Gnu,
    };
    assert!(emit(&riscv, &sample(), &StubOptions::default())
        .unwrap_err()
        .to_string()
        .contains("supported"));
    let coff_arm = Target {
        format: Format::Coff,
        arch: Arch::Arm,
        libc: Libc::Other,
    };
    assert!(emit(&coff_arm, &sample(), &StubOptions::default()).is_err());
    // No imports at all is a valid, empty object.
    let empty = emit(&ELF_X64, &[], &StubOptions::default()).expect("empty");
    assert!(object::File::parse(&*empty).is_ok());
    // Direct imports only: forwarders, no import table.
    let direct = emit(
        &ELF_X64,
        &[PlannedImport::direct("pinvoke_getpid", "libc", "getpid")],
        &StubOptions::default(),
    )
    .expect("direct only");
    let file = object::File::parse(&*direct).expect("parse");
    assert!(file.section_by_name(abi::SECTION_ELF_COFF).is_none());
    assert!(file
        .symbol_by_name("pinvoke_getpid")
        .is_some_and(|s| s.is_definition()));
}

/// `.eh_frame` of an x86_64 ELF stub object, as binutils' `readelf -wF` interprets it: the CFA
/// is rsp + 8 in the stubs, rsp + 16 once a thunk has pushed its index, back to rsp + 8 at the
/// next thunk, and rsp + 16 in the common tail.
#[test]
fn x86_64_elf_unwind_table_follows_the_thunks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("stubs.o");
    std::fs::write(
        &path,
        emit(&ELF_X64, &many(20), &StubOptions::default()).expect("emit"),
    )
    .expect("write");
    let out = std::process::Command::new("readelf")
        .arg("-wF")
        .arg(&path)
        .output()
        .expect("readelf (binutils)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let rows: Vec<(u64, String)> = text
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let loc = u64::from_str_radix(w.next()?, 16).ok()?;
            Some((loc, w.next()?.to_string()))
        })
        .collect();
    let cfa_at = |pc: u64| -> String {
        rows.iter()
            .filter(|(loc, _)| *loc <= pc)
            .max_by_key(|(loc, _)| *loc)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    };
    let thunks = (20 * 6u64).div_ceil(16) * 16;
    assert_eq!(cfa_at(0), "rsp+8", "{text}");
    assert_eq!(cfa_at(thunks), "rsp+8", "{text}");
    assert_eq!(cfa_at(thunks + 6), "rsp+16", "{text}");
    assert_eq!(cfa_at(thunks + 8), "rsp+8", "{text}");
    // The last thunk of group 0 (15) keeps rsp+16 into the group tail.
    assert_eq!(cfa_at(thunks + 15 * 8 + 6), "rsp+16", "{text}");
    assert_eq!(cfa_at(thunks + 16 * 8 + 4), "rsp+16", "{text}");
    assert!(
        text.matches("FDE").count() >= 4,
        "stubs, two thunk groups, common tail:\n{text}"
    );
}

/// A direct import defined by a static library (a NativeLibrary archive) is a plain call on
/// Windows: its forwarding stub jumps to the symbol, not through an `__imp_` slot, which no
/// import library provides for it.
#[test]
fn coff_direct_import_of_a_static_symbol_does_not_use_the_iat() {
    let from_archive = PlannedImport::direct("pinvoke_add", "libshim", "Shim_Add");
    let from_dll = PlannedImport::direct("pinvoke_tick", "kernel32", "GetTickCount");
    let options = StubOptions {
        static_symbols: ["Shim_Add".to_string()].into(),
        ..Default::default()
    };
    let bytes = emit(&COFF_X64, &[from_archive, from_dll], &options).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let mut targets = Vec::new();
    for section in file.sections() {
        for (_, r) in section.relocations() {
            if let RelocationTarget::Symbol(i) = r.target() {
                targets.push(file.symbol_by_index(i).unwrap().name().unwrap().to_string());
            }
        }
    }
    assert!(targets.iter().any(|t| t == "Shim_Add"), "{targets:?}");
    assert!(!targets.iter().any(|t| t == "__imp_Shim_Add"), "{targets:?}");
    assert!(targets.iter().any(|t| t == "__imp_GetTickCount"), "{targets:?}");
}

/// The relocations of section `name`: (offset, type, target symbol's name or section's name).
fn relocations(file: &object::File<'_>, name: &str) -> Vec<(u64, object::elf::RelocationType, String)> {
    let section = file.section_by_name(name).unwrap_or_else(|| panic!("no {name}"));
    section
        .relocations()
        .map(|(at, r)| {
            let target = match r.target() {
                RelocationTarget::Symbol(i) => {
                    let s = file.symbol_by_index(i).unwrap();
                    match s.section_index() {
                        Some(sec) if s.name().unwrap_or("").is_empty() => {
                            file.section_by_index(sec).unwrap().name().unwrap().to_string()
                        }
                        _ => s.name().unwrap().to_string(),
                    }
                }
                other => format!("{other:?}"),
            };
            let object::RelocationFlags::Elf { r_type } = r.flags() else {
                panic!("not ELF")
            };
            (at, r_type, target)
        })
        .collect()
}

#[test]
fn elf_arm_objects_are_thumb_with_rel_relocations_and_exidx() {
    let t = Target::LINUX_ARM;
    let imports = [
        PlannedImport::lazy("pinvoke_a", "liba", "a"),
        PlannedImport::lazy("pinvoke_b", "liba", "b"),
        PlannedImport::direct("pinvoke_c", "libc", "c"),
    ];
    let bytes = emit(&t, &imports, &StubOptions::default()).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    assert_eq!(file.architecture(), object::Architecture::Arm);
    assert!(!file.is_64());
    // Call symbols are Thumb functions: odd addresses, 16-byte stubs.
    let sym = |n: &str| file.symbols().find(|s| s.name() == Ok(n)).unwrap().address();
    assert_eq!((sym("pinvoke_a"), sym("pinvoke_b")), (1, 17));
    assert_eq!(sym("pinvoke_c") & 1, 1);
    // Mapping symbols mark the literal words as data.
    assert!(file.symbols().any(|s| s.name() == Ok("$d") && s.address() == 12));
    // REL sections (no RELA on ARM): the literal words to the cells, the branch to the entry,
    // the direct stub's branch, the cells' initial values, the exidx function addresses.
    assert!(file.section_by_name(".rela.text").is_none());
    let text = relocations(&file, ".text");
    assert!(
        text.contains(&(12, object::elf::R_ARM_REL32, ".data".into())),
        "{text:?}"
    );
    assert!(
        text.contains(&(28, object::elf::R_ARM_REL32, ".data".into())),
        "{text:?}"
    );
    assert!(text
        .iter()
        .any(|(_, ty, s)| *ty == object::elf::R_ARM_THM_JUMP24 && s == abi::LAZY_ENTRY_SYMBOL));
    assert!(text
        .iter()
        .any(|(_, ty, s)| *ty == object::elf::R_ARM_THM_JUMP24 && s == "c"));
    let data = relocations(&file, ".data");
    assert_eq!(data.len(), 2);
    assert!(data
        .iter()
        .all(|(_, ty, s)| *ty == object::elf::R_ARM_ABS32 && s == ".text"));
    // The REL addend of the first cell: the common tail's offset with the Thumb bit.
    let data_bytes = file.section_by_name(".data").unwrap().data().unwrap();
    let cell0 = u32::from_le_bytes(data_bytes[0..4].try_into().unwrap());
    assert_eq!(cell0 & 1, 1, "a Thumb address");
    let exidx = relocations(&file, ".ARM.exidx");
    assert!(exidx
        .iter()
        .all(|(_, ty, s)| *ty == object::elf::R_ARM_PREL31 && s == ".text"));
    assert_eq!(
        exidx.len(),
        3,
        "the stubs, then the tail after each of its two pushes"
    );
}

#[test]
fn coff_x86_objects_name_c_symbols_with_an_underscore() {
    let t = Target::WIN_X86;
    let mut direct = PlannedImport::direct("pinvoke_sleep", "kernel32", "Sleep");
    direct.spelling = Some("_Sleep@4".into());
    let imports = [PlannedImport::lazy("pinvoke_a", "liba", "a"), direct];
    let bytes = emit(&t, &imports, &StubOptions::default()).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    assert_eq!(file.architecture(), object::Architecture::I386);
    let names: Vec<&str> = file.symbols().filter_map(|s| s.name().ok()).collect();
    for want in [
        "_pinvoke_a",
        "_pinvoke_sleep",
        "___aotinterop_imports",
        "___aotinterop_lazy_entry",
        "__imp__Sleep@4",
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    // 4-byte cells, no .pdata (x86 unwinds by frames).
    let table = file.section_by_name(".aotimp").unwrap().data().unwrap();
    assert_eq!(abi::parse_header(table).unwrap().arch, abi::arch::X86);
    assert_eq!(file.section_by_name(".data").unwrap().size(), 4 * 2);
    assert!(file.section_by_name(".pdata").is_none());
}
