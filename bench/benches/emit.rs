//! Emitting the stub object for 20,000 imports (target: under 20 ms), lazy, for each format.

use aotinterop_linker::emit::{emit, StubOptions};
use aotinterop_model::PlannedImport;
use aotinterop_model::Target;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// 20,000 lazy imports over 200 libraries, with names of a realistic length.
fn imports() -> Vec<PlannedImport> {
    (0..20_000)
        .map(|i| {
            PlannedImport::lazy(
                &format!("Bench_Native{}__Entry{i}", i % 200),
                &format!("libnative{}", i % 200),
                &format!("native_entry_point_{i}"),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let imports = imports();
    let mut g = c.benchmark_group("emit");
    g.sample_size(30);
    for (id, target) in [
        ("elf-x86_64", Target::LINUX_X64),
        ("elf-aarch64", Target::LINUX_ARM64),
        ("coff-x86_64", Target::WIN_X64),
    ] {
        g.bench_function(format!("20k_{id}"), |b| {
            b.iter(|| black_box(emit(&target, black_box(&imports), &StubOptions::default()).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
