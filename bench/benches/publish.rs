//! `publish` of the hello sample, as `cargo run -p aotinterop-samples -- hello` does it, on a copy
//! of the sample in a temporary folder: on linux-x64 its request compiles the C# with Mono's AOT
//! compiler (scan, plan, preflight, AOT compile, stubs, link, verify). `hello` publishes with a
//! warm cache of Mono's framework objects (the app's own assembly is compiled every time);
//! `hello-cold` with an empty cache, so mscorlib is AOT-compiled too. `sqlite`: the sqlite
//! sample (13 assemblies, every one from the warm cache) published again, as a user republishes.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let request = aotinterop_bench::mono::hello_sample(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
    let publish = |cache: &std::path::Path| {
        let loaded = aotinterop_bench::mono::publish_request(&request, cache).unwrap();
        let report = aotinterop::pipeline::publish(&loaded, &mut |_| {}).unwrap();
        black_box(report.output)
    };
    let mut g = c.benchmark_group("publish");
    let warm = aotinterop_bench::mono::cache_dir();
    g.sample_size(20).measurement_time(Duration::from_secs(20));
    g.bench_function("hello", |b| b.iter(|| publish(&warm)));
    let sqlite = aotinterop_bench::mono::sqlite_sample(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("sqlite", |b| {
        b.iter(|| {
            let loaded = aotinterop_bench::mono::publish_request(&sqlite, &warm).unwrap();
            black_box(
                aotinterop::pipeline::publish(&loaded, &mut |_| {})
                    .unwrap()
                    .output,
            )
        })
    });
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function("hello-cold", |b| {
        b.iter_batched(
            || tempfile::tempdir_in(tmp.path()).unwrap(),
            // The folder is returned, so that removing it is not timed.
            |cache| (publish(cache.path()), cache),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
