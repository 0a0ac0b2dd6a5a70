//! x86_64 code: `jmp *cell(%rip)` call stubs, grouped resolve thunks and the common tail
//! (layout in `docs/import-abi.md`). Hand-assembled: the handful of fixed encodings below is
//! all the stubs need, and no assembler crate writes relocatable output for `object`.

use super::code::{Code, RelocKind, RelocTarget, UnwindRegion};
use super::{emit_error, StubOptions};
use crate::target::Format;
use aotinterop_model::PlannedImport;

const STUB_SIZE: u64 = 6;
const ENDBR64: [u8; 4] = [0xf3, 0x0f, 0x1e, 0xfa];
const COMMON_SIZE: u64 = 12;
const FORWARD_SIZE: u64 = 8;

/// How the resolve thunks hand the import index to the common tail.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ThunkShape {
    /// System V (ELF, Mach-O): `endbr64; push $k; jmp tail` (8 bytes) in groups of 16; the group
    /// tail `addq $base, (%rsp); jmp common` (13 bytes) completes the index on the stack.
    PushIndex,
    /// Windows x64 (COFF): `mov $i, %r10d; jmp tail` (8 bytes) in groups of 16; the group tail
    /// is `jmp common` (5 bytes). Nothing touches the stack, so one `.pdata` entry with no
    /// unwind codes covers all of the code (`coff.rs`), and Windows uses CFG rather than IBT
    /// (no `endbr64`).
    IndexInR10,
}

impl ThunkShape {
    fn of(format: Format) -> Self {
        if format == Format::Coff {
            ThunkShape::IndexInR10
        } else {
            ThunkShape::PushIndex
        }
    }

    /// Bytes per thunk, thunks per group (both keep the `jmp rel8` to the group tail in range)
    /// and bytes per group tail.
    fn sizes(self) -> (u64, usize, u64) {
        match self {
            ThunkShape::PushIndex => (8, 16, 13),
            ThunkShape::IndexInR10 => (8, 16, 5),
        }
    }
}

/// Code bytes per lazy import in a full group (stub + thunk + share of the tail).
pub fn per_import_code_bytes(format: Format) -> f64 {
    let (thunk, group, tail) = ThunkShape::of(format).sizes();
    STUB_SIZE as f64 + thunk as f64 + tail as f64 / group as f64
}

fn rel32(from_end: u64, to: u64) -> crate::diag::Result<[u8; 4]> {
    let d = to as i64 - from_end as i64;
    i32::try_from(d)
        .map(i32::to_le_bytes)
        .map_err(|_| emit_error("stub code larger than 2 GiB".into()))
}

/// Generates the text for `lazy` and the forwarding stubs of `direct`.
pub fn generate(
    format: Format,
    lazy: &[&PlannedImport],
    direct: &[&PlannedImport],
    options: &StubOptions,
) -> crate::diag::Result<Code> {
    let shape = ThunkShape::of(format);
    let (thunk, _, _) = shape.sizes();
    let mut c = Code::default();
    c.text
        .reserve(lazy.len() * (STUB_SIZE + thunk) as usize + direct.len() * 8 + 64);
    c.text_relocs.reserve(lazy.len() + direct.len() + 2);
    c.symbols.reserve(lazy.len() + direct.len());
    c.cell_init.reserve(lazy.len());
    call_stubs(&mut c, lazy);
    forwarding_stubs(&mut c, format, direct, options);
    // Stubs and forwarders only jump: the CFA stays at rsp + 8 (the return address).
    c.unwind_whole(8);
    if lazy.is_empty() {
        return Ok(c);
    }
    align(&mut c.text, 16);
    // Thunk groups; the tails' `jmp common` is patched once common's offset is known.
    let mut tail_jumps = Vec::new();
    let indices: Vec<usize> = (0..lazy.len()).collect();
    for (g, chunk) in indices.chunks(shape.sizes().1).enumerate() {
        tail_jumps.push(thunk_group(&mut c, shape, g, chunk)?);
    }
    common_tail(&mut c, shape, &tail_jumps)?;
    Ok(c)
}

/// Call stubs: `jmp *cell_i(%rip)`.
fn call_stubs(c: &mut Code, lazy: &[&PlannedImport]) {
    for (i, imp) in lazy.iter().enumerate() {
        let at = c.text.len() as u64;
        c.text.extend_from_slice(&[0xff, 0x25, 0, 0, 0, 0]);
        c.reloc(at + 2, RelocTarget::Cell(i), -4, RelocKind::Pc32);
        c.symbol(imp, at, STUB_SIZE);
    }
}

/// Forwarding stubs of direct imports: through the `__imp_` slot in COFF (but for symbols a
/// static library defines), else a `jmp` to the symbol.
fn forwarding_stubs(c: &mut Code, format: Format, direct: &[&PlannedImport], options: &StubOptions) {
    for imp in direct {
        align(&mut c.text, 8);
        let at = c.text.len() as u64;
        if format == Format::Coff && !options.static_symbols.contains(imp.symbol()) {
            // jmp *__imp_symbol(%rip)
            c.text.extend_from_slice(&[0xff, 0x25, 0, 0, 0, 0]);
            let slot = RelocTarget::ImpSlot(imp.symbol().to_string());
            c.reloc(at + 2, slot, -4, RelocKind::Pc32);
        } else {
            // jmp symbol (through the PLT when it lives in a shared library)
            c.text.push(0xe9);
            c.text.extend_from_slice(&[0; 4]);
            let native = RelocTarget::Native(imp.symbol().to_string());
            c.reloc(at + 1, native, -4, RelocKind::Plt32);
        }
        c.symbol(imp, at, FORWARD_SIZE);
    }
}

/// Thunk group `g` (lazy imports `chunk`) and its tail; returns where the tail's `jmp common`
/// displacement is, to patch.
fn thunk_group(c: &mut Code, shape: ThunkShape, g: usize, chunk: &[usize]) -> crate::diag::Result<u64> {
    let (thunk, group, tail_size) = shape.sizes();
    let start = c.text.len() as u64;
    let tail = start + thunk * chunk.len() as u64;
    if shape == ThunkShape::PushIndex {
        // Each thunk pushes one word (CFA rsp + 16 after the push, back to rsp + 8 at the next
        // thunk); the group tail runs with the index pushed.
        let mut region = UnwindRegion {
            start,
            end: tail + tail_size,
            cfa_offset: 8,
            steps: vec![],
        };
        for k in 0..chunk.len() as u64 {
            let at = start + thunk * k;
            region.steps.push((at + thunk - 2, 16));
            if k + 1 < chunk.len() as u64 {
                region.steps.push((at + thunk, 8));
            }
        }
        c.unwind.push(region);
    }
    for (k, &i) in chunk.iter().enumerate() {
        let at = c.text.len() as u64;
        c.cell_init.push(at);
        debug_assert_eq!(i, g * group + k);
        let disp = (tail - (at + thunk)) as u8;
        match shape {
            // endbr64; push $k; jmp rel8 tail  (k < 16 and disp <= 120 by construction)
            ThunkShape::PushIndex => {
                c.text.extend_from_slice(&ENDBR64);
                c.text.extend_from_slice(&[0x6a, k as u8, 0xeb, disp]);
            }
            // mov $i, %r10d; jmp rel8 tail
            ThunkShape::IndexInR10 => {
                let index = u32::try_from(i).map_err(|_| emit_error("more than 2^32 lazy imports".into()))?;
                c.text.extend_from_slice(&[0x41, 0xba]);
                c.text.extend_from_slice(&index.to_le_bytes());
                c.text.extend_from_slice(&[0xeb, disp]);
            }
        }
    }
    if shape == ThunkShape::PushIndex {
        let base = u32::try_from(g * group)
            .ok()
            .filter(|b| *b <= i32::MAX as u32)
            .ok_or_else(|| emit_error("more than 2^31 lazy imports".into()))?;
        // addq $base, (%rsp)
        c.text.extend_from_slice(&[0x48, 0x81, 0x04, 0x24]);
        c.text.extend_from_slice(&base.to_le_bytes());
    }
    // jmp common
    c.text.push(0xe9);
    let jump = c.text.len() as u64;
    c.text.extend_from_slice(&[0; 4]);
    Ok(jump)
}

/// The common tail every group tail jumps to (`tail_jumps`, patched here): `lea
/// __aotinterop_imports(%rip), %r11; jmp __aotinterop_lazy_entry`.
fn common_tail(c: &mut Code, shape: ThunkShape, tail_jumps: &[u64]) -> crate::diag::Result<()> {
    let common = c.text.len() as u64;
    if shape == ThunkShape::PushIndex {
        c.unwind.push(UnwindRegion {
            start: common,
            end: common + COMMON_SIZE,
            cfa_offset: 16,
            steps: vec![],
        });
    }
    for &at in tail_jumps {
        let d = rel32(at + 4, common)?;
        c.text[at as usize..at as usize + 4].copy_from_slice(&d);
    }
    c.text.extend_from_slice(&[0x4c, 0x8d, 0x1d, 0, 0, 0, 0]);
    c.reloc(common + 3, RelocTarget::Table, -4, RelocKind::Pc32);
    c.text.extend_from_slice(&[0xe9, 0, 0, 0, 0]);
    c.reloc(common + 8, RelocTarget::LazyEntry, -4, RelocKind::Plt32);
    debug_assert_eq!(c.text.len() as u64, common + COMMON_SIZE);
    Ok(())
}

/// Pads with `int3` to a multiple of `n`.
fn align(text: &mut Vec<u8>, n: usize) {
    while !text.len().is_multiple_of(n) {
        text.push(0xcc);
    }
}
