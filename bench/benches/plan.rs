//! Planning 100,000 imports against 10,000 DirectPInvokeList entries (target: under 50 ms).

use aotinterop::{Import, LoadedRequest, PublishRequest};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// A request with `imports` imports over 500 modules and a list file of `entries` lines, a third
/// of which name imported entry points, plus 50 whole-module items.
fn request(rid: &str, imports: usize, entries: usize, dir: &std::path::Path) -> LoadedRequest {
    let mut req = PublishRequest::new(rid.parse().unwrap());
    let mut list = String::from("# generated\n");
    for i in 0..entries {
        let j = if i % 3 == 0 { i * 7 % imports } else { imports + i };
        list.push_str(&format!("lib{}!entry{j}\n", j % 500));
    }
    let path = dir.join(format!("{rid}.txt"));
    std::fs::write(&path, list).unwrap();
    req.direct_pinvoke_list.push(path);
    req.direct_pinvoke = (0..50).map(|m| format!("lib{}", 450 + m)).collect();
    req.imports = (0..imports)
        .map(|i| {
            let suffix = if rid.starts_with("win") { "dll" } else { "so" };
            let mut imp = Import::new(format!("lib{}.{suffix}", i % 500), format!("entry{i}"));
            imp.method = Some(format!("Bench.Native{}::Entry{i}", i % 500));
            imp
        })
        .collect();
    req.windows_api_list = aotinterop::request::WindowsApiList::Disabled;
    LoadedRequest::from_request(req, "bench.json").unwrap()
}

fn plan(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("plan");
    group.sample_size(20);
    for rid in ["linux-x64", "win-x64"] {
        let loaded = request(rid, 100_000, 10_000, dir.path());
        group.bench_function(format!("100k imports x 10k list entries ({rid})"), |b| {
            b.iter_batched(
                || aotinterop::surface_of(&loaded).unwrap(),
                |surface| black_box(aotinterop::plan(black_box(&loaded), surface).unwrap()),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, plan);
criterion_main!(benches);
