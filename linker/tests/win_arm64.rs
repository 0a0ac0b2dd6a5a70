//! win-arm64, where nothing can run an image here: the ARM64 COFF stub object, the runtime
//! archive (`aarch64-pc-windows-gnullvm`) and freestanding C compiled by clang are linked by
//! lld-link (kernel32's import library made by `llvm-dlltool` from a module-definition file, as
//! no ARM64 Windows SDK or MinGW libraries are packaged here), then read back: `inspect`'s lazy
//! imports and needed DLLs, `verify` against the plan, and `llvm-readobj` for the machine, the
//! import table and the unwind information of the stub code and of the runtime's entry.

mod common;

use aotinterop_image::inspect;
use aotinterop_linker::driver::{link, select, Flavor, LinkJob, LinkerChoice, OutputKind};
use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::{Plan, PlannedImport, Target, TargetRow};
use common::*;
use object::{Object, ObjectSection};
use std::path::Path;
use std::process::Command;

const WIN_ARM64: Target = Target::WIN_ARM64;

/// What the runtime and the program import from kernel32.
const KERNEL32: &str = "LIBRARY kernel32.dll\nEXPORTS\n  FormatMessageW\n  FreeLibrary\n  \
    GetCurrentProcessId\n  GetLastError\n  GetModuleFileNameW\n  GetModuleHandleExW\n  GetProcAddress\n  \
    GetStdHandle\n  LoadLibraryExW\n  SetLastError\n  WriteFile\n";

/// A freestanding program: a lazy import it calls, a direct one, and what a C runtime would
/// otherwise bring (the memory functions the runtime's compiled code calls, and ARM64's stack
/// probe `__chkstk`: x15 = bytes / 16, touching each page below sp).
const MAIN_C: &str = r#"
typedef unsigned long long u64;
u64 pinvoke_liba__a0(u64);
unsigned int pinvoke_kernel32__GetCurrentProcessId(void);
void *memcpy(void *d, const void *s, u64 n) { char *o = d; const char *i = s; while (n--) *o++ = *i++; return d; }
void *memset(void *d, int c, u64 n) { char *o = d; while (n--) *o++ = (char)c; return d; }
int memcmp(const void *a, const void *b, u64 n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) if (*x != *y) return *x - *y;
    return 0;
}
u64 strlen(const char *s) { u64 n = 0; while (s[n]) n++; return n; }
__asm__(".globl __chkstk\n__chkstk:\n  lsl x16, x15, #4\n  mov x17, sp\n"
        "1:\n  sub x17, x17, #4096\n  ldr xzr, [x17]\n  subs x16, x16, #4096\n  b.gt 1b\n  ret\n");
int start(void) { return (int)(pinvoke_liba__a0(1) + pinvoke_kernel32__GetCurrentProcessId()); }
"#;

fn readobj(args: &[&str], file: &Path) -> String {
    check(Command::new(require("llvm-readobj", "llvm")).args(args).arg(file))
}

/// 600 lazy imports: the later cells lie past the first page of `.data`, so the stubs'
/// instructions carry addends beyond a page offset.
const LAZY: u64 = 600;

/// Links, in `d`, an ARM64 image of a freestanding `main.c`, the stub object of [`LAZY`] lazy
/// imports and one direct kernel32 import, and the runtime; the image and the size of the stub
/// object's code.
fn link_image(d: &Path) -> (std::path::PathBuf, u64) {
    let mut imports: Vec<PlannedImport> = (0..LAZY)
        .map(|i| PlannedImport::lazy(&format!("pinvoke_liba__a{i}"), "liba", &format!("a{i}")))
        .collect();
    imports.push(PlannedImport::direct(
        "pinvoke_kernel32__GetCurrentProcessId",
        "kernel32",
        "GetCurrentProcessId",
    ));
    let stubs = emit(&WIN_ARM64, &imports, &StubOptions::default()).unwrap();
    let stub_text = object::File::parse(&*stubs)
        .unwrap()
        .section_by_name(".text")
        .unwrap()
        .size();
    std::fs::write(d.join("stubs.obj"), &stubs).unwrap();

    std::fs::write(d.join("kernel32.def"), KERNEL32).unwrap();
    check(
        Command::new(require("llvm-dlltool", "llvm"))
            .args(["-m", "arm64", "-d"])
            .arg(d.join("kernel32.def"))
            .arg("-l")
            .arg(d.join("kernel32.lib")),
    );
    std::fs::write(d.join("main.c"), MAIN_C).unwrap();
    check(
        Command::new(require("clang", "clang"))
            .args([
                "--target=aarch64-pc-windows-msvc",
                "-O1",
                "-ffreestanding",
                "-fno-builtin",
                "-c",
            ])
            .arg(d.join("main.c"))
            .arg("-o")
            .arg(d.join("main.obj")),
    );

    let row = TargetRow::of_rid("win-arm64").expect("a row of the target table");
    let mut job = LinkJob::new(WIN_ARM64, OutputKind::Executable, d.join("app.exe"));
    job.objects = vec![d.join("main.obj"), d.join("stubs.obj")];
    job.native_libraries = vec![d.join("kernel32.lib")];
    job.runtime_inputs = vec![aotinterop_testkit::runtime_archive(row)];
    job.system_libs.clear();
    job.linker_args = vec!["/entry:start".into(), "/nodefaultlib".into()];
    let choice = LinkerChoice {
        flavor: Some(Flavor::LldLink),
        program: None,
    };
    link(&*select(&WIN_ARM64, job.kind, &choice).unwrap(), &job).unwrap();
    (job.output, stub_text)
}

#[test]
fn stubs_and_runtime_link_into_an_arm64_image_that_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let (image, stub_text) = link_image(dir.path());
    let image = &image;

    // inspect: the machine, the lazy import from the stub records, kernel32 bound at startup.
    let ins = inspect(image).unwrap();
    assert_eq!(ins.arch.name(), "aarch64");
    assert_eq!(ins.lazy.len() as u64, LAZY);
    assert!(ins.lazy.iter().any(|l| l.module == "liba" && l.entry == "a599"));
    assert!(
        ins.needed.iter().any(|n| n.eq_ignore_ascii_case("kernel32.dll")),
        "{:?}",
        ins.needed
    );
    assert!(ins.imports_symbol("GetCurrentProcessId").is_some());
    assert!(
        ins.imports_symbol("a0").is_none(),
        "a lazy import is not in the import table"
    );
    // The whole plan, as the test built the image: verify also checks that every stub record
    // of the image is planned.
    let mut imports: Vec<String> = (0..LAZY)
        .map(|i| format!(r#"{{"module": "liba", "entry": "a{i}", "binding": "lazy", "symbol": "a{i}"}}"#))
        .collect();
    imports.push(
        r#"{"module": "kernel32", "entry": "GetCurrentProcessId", "binding": "direct", "symbol": "GetCurrentProcessId"}"#
            .to_string(),
    );
    let plan = Plan::parse(
        &format!(r#"{{"rid": "win-arm64", "imports": [{}]}}"#, imports.join(",")),
        Path::new("plan.json"),
    )
    .unwrap();
    let report = verify(&ins, &plan).unwrap();
    assert!(report.ok(), "{report:?}");

    // The linked code reaches what the relocations name: decoded from the image, the common
    // tail's `adrp`+`add` give the table, the stub's `adrp`+`ldr` and `adrp`+`add` its cell.
    let data = std::fs::read(image).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let section = |name: &str| file.section_by_name(name).unwrap();
    let table_at = section(".aotimp").address();
    let cells_rel = i32::from_le_bytes(section(".aotimp").data().unwrap()[28..32].try_into().unwrap());
    let cell0 = (table_at as i64 + cells_rel as i64) as u64;
    let read_u64 = |va: u64| {
        let s = file
            .sections()
            .find(|s| (s.address()..s.address() + s.size()).contains(&va))
            .unwrap();
        let at = (va - s.address()) as usize;
        u64::from_le_bytes(s.data().unwrap()[at..at + 8].try_into().unwrap())
    };
    let insn = |va: u64| read_u64(va) as u32;
    let adrp = |va: u64| {
        let i = insn(va);
        let imm = (((i >> 29) & 3) | (((i >> 5) & 0x7ffff) << 2)) as i64;
        let imm = (imm << 43) >> 43; // 21-bit signed
        ((va & !0xfff) as i64 + (imm << 12)) as u64
    };
    let lo12 = |va: u64| u64::from((insn(va) >> 10) & 0xfff);
    // The cell holds the common tail's address (ADDR64, rebased by the loader).
    let common = read_u64(cell0);
    assert_eq!(
        adrp(common + 8) + lo12(common + 12),
        table_at,
        "the common tail reaches the table"
    );
    // The lazy stubs (20 bytes each), one forwarding stub (8), then the tail.
    for i in [0, 1, 511, 512, LAZY - 1] {
        let stub = common - 8 - 20 * (LAZY - i);
        let cell = cell0 + 8 * i;
        assert_eq!(
            adrp(stub + 4) + 8 * lo12(stub + 8),
            cell,
            "stub {i} loads its cell"
        );
        assert_eq!(
            adrp(stub + 4) + lo12(stub + 12),
            cell,
            "stub {i} passes its cell's address"
        );
    }

    // llvm-readobj: an ARM64 image importing kernel32, one unwind entry as long as the stub code
    // (its only code is `end`), and the runtime's entry with its 224-byte frame.
    let headers = readobj(&["--file-headers"], image);
    assert!(headers.contains("IMAGE_FILE_MACHINE_ARM64"), "{headers}");
    let imports_text = readobj(&["--coff-imports"], image);
    assert!(imports_text.contains("GetCurrentProcessId"), "{imports_text}");
    let unwind = readobj(&["--unwind"], image);
    let lengths: Vec<u64> = unwind
        .lines()
        .filter_map(|l| l.trim().strip_prefix("FunctionLength:"))
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    assert!(
        lengths.contains(&stub_text),
        "no unwind entry covers the {stub_text} bytes of stub code: {lengths:?}\n{unwind}"
    );
    assert!(unwind.contains("FrameSize: 224"), "{unwind}");
}
