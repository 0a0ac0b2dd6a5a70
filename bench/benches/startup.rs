//! Process start of images with 0, 1,000 and 10,000 imports of a library exporting 10,000
//! functions, bound directly (PLT, `-z now`) or lazily (emitted stubs + runtime), linked by
//! aotinterop's driver (`src/startup.rs`). One iteration is one spawn-to-exit of the image;
//! criterion runs each many times. RESULTS.md reports medians and the per-import slope.

use aotinterop_bench::startup::build_all;
use criterion::{criterion_group, criterion_main, Criterion};
use std::process::{Command, Stdio};
use std::time::Duration;

fn startup(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let images = build_all(dir.path()).unwrap_or_else(|e| panic!("building the startup images: {e}"));
    let mut g = c.benchmark_group("startup");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.sample_size(60);
    for (binding, n, path) in &images {
        let st = Command::new(path).status().unwrap();
        assert!(st.success(), "{} failed: {st}", path.display());
        g.bench_function(format!("{}-{n}", binding.name()), |b| {
            b.iter(|| {
                let st = Command::new(path)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert!(st.success());
            })
        });
    }
    g.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);
