//! `inspect` of the largest native AOT image of the corpus, acadsharp_native.dll (14 MB, PyPI
//! acadsharp-native 0.1.0; target: under 50 ms with lazy-cell discovery), from the file in the
//! page cache. The corpus comes from scripts/fetch-corpora.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let dll = aotinterop_bench::repo_root().join(".cache/corpora/ilc/win-x64/acadsharp_native.dll");
    assert!(
        dll.exists(),
        "the native AOT corpus is missing: run scripts/install-deps (or scripts/fetch-corpora)"
    );
    let ins = aotinterop::inspect::inspect(&dll).unwrap();
    assert!(!ins.lazy.is_empty(), "no lazy cells found in {}", dll.display());
    let mut g = c.benchmark_group("inspect");
    g.sample_size(20);
    g.bench_function("acadsharp_native.dll (14 MB)", |b| {
        b.iter(|| black_box(aotinterop::inspect::inspect(black_box(&dll)).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
