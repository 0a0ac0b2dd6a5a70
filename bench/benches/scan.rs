//! Scanning the .NET Core 3.1 shared framework (165 assemblies; target: under 300 ms) and its
//! largest assembly, System.Private.CoreLib (9 MB; target: under 50 ms). The corpora come from
//! scripts/fetch-corpora; files are read from the page cache.

use aotinterop::scan::{self, ExportPolicy};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::path::PathBuf;

fn framework() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.cache/corpora/netcore3.1");
    assert!(
        dir.join(".complete").exists(),
        "the .NET Core corpus is missing: run scripts/install-deps (or scripts/fetch-corpora)"
    );
    dir
}

fn bench(c: &mut Criterion) {
    let dir = framework();
    let corelib = dir.join("System.Private.CoreLib.dll");
    let mut group = c.benchmark_group("scan");
    group.sample_size(20);
    group.bench_function("netcore3.1 shared framework folder (165 assemblies)", |b| {
        b.iter(|| {
            black_box(scan::scan(black_box(std::slice::from_ref(&dir)), &ExportPolicy::default()).unwrap())
        })
    });
    group.bench_function("System.Private.CoreLib.dll (9 MB), from the file", |b| {
        b.iter(|| black_box(scan::read_file(black_box(&corelib)).unwrap()))
    });
    let bytes = std::fs::read(&corelib).unwrap();
    group.bench_function("System.Private.CoreLib.dll (9 MB), in memory", |b| {
        b.iter(|| black_box(scan::read_bytes(black_box(&bytes), "System.Private.CoreLib").unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
