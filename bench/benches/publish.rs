//! `publish` of the hello sample (scan, plan, stubs, link, verify), as
//! `cargo run -p aotinterop-samples -- hello` does it, on a copy of the sample in a temporary
//! folder: the managed assembly and the C object are built once, then the pipeline is timed.

use aotinterop_samples::recipes::{self, Options};
use aotinterop_samples::Toolchain;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    aotinterop_bench::native::runtime_archive().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let src = aotinterop_bench::repo_root().join("samples/hello");
    let dst = tmp.path().join("samples/hello");
    std::fs::create_dir_all(&dst).unwrap();
    for f in ["Hello.cs", "hello.c", "request.linux-x64.json"] {
        std::fs::copy(src.join(f), dst.join(f)).unwrap();
    }
    // hello.c includes the runtime's C header
    let inc = tmp.path().join("runtime-stubs/include");
    std::fs::create_dir_all(&inc).unwrap();
    let header = aotinterop_bench::repo_root().join("runtime-stubs/include/aotinterop.h");
    std::fs::copy(header, inc.join("aotinterop.h")).unwrap();
    let tc = Toolchain::for_rid("linux-x64", tmp.path()).unwrap();
    recipes::build(
        "hello",
        &tc,
        Options {
            quiet: true,
            build_only: true,
        },
    )
    .unwrap_or_else(|e| panic!("building the hello sample: {e}"));
    let request = dst.join("request.linux-x64.json");
    let mut g = c.benchmark_group("publish");
    g.sample_size(20).measurement_time(Duration::from_secs(8));
    g.bench_function("hello", |b| {
        b.iter(|| {
            let loaded = aotinterop::PublishRequest::load(&request).unwrap();
            let report = aotinterop::pipeline::publish(&loaded, &mut |_| {}).unwrap();
            black_box(report.output)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
