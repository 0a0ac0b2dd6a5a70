//! The call paths to one native function (`c/callee.c` in `libtarget.so`), side by side in one
//! run: within the image, through the PLT (`-z now`), through our lazy trampoline after
//! resolution, check-then-indirect-call (.NET native AOT's lazy cell shape), a libloading
//! `Symbol`, `dlsym` on every call; then first calls (resolution) into an already-loaded
//! library and into one not loaded yet. Each for `uint64_t f(uint64_t)` (`int`) and for 6
//! integers + 8 doubles (`mix`).
//!
//! The paths live in a C shared library linked like a published image (`c/harness.c`, see
//! `src/native.rs`); each `run_*(n)` makes n calls in the same loop, and the benchmark times
//! one `run_*(iters)` (`iter_custom`), so the figure is the cost of a call plus one loop turn,
//! with no per-call timer or FFI overhead. The libloading path is the same loop in Rust.

use aotinterop_bench::native::{build_callpaths, Options};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::{Duration, Instant};

type RunInt = unsafe extern "C" fn(u64) -> u64;
type RunMix = unsafe extern "C" fn(u64) -> f64;
type CalleeInt = unsafe extern "C" fn(u64) -> u64;
#[allow(clippy::too_many_arguments)]
type CalleeMix =
    unsafe extern "C" fn(i64, i64, i64, i64, i64, i64, f64, f64, f64, f64, f64, f64, f64, f64) -> f64;

/// Distinct lazy imports for the first calls into an already-loaded library.
const MANY: usize = 10_000;

struct Harness {
    _dir: tempfile::TempDir,
    lib: libloading::Library,
    target: libloading::Library,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cp = build_callpaths(
            dir.path(),
            &Options {
                many: MANY,
                slowdown: 0,
                driver: false,
            },
        )
        .unwrap_or_else(|e| panic!("building the call-path harness: {e}"));
        // SAFETY: our own harness; its constructors are the C runtime's and the Rust runtime's.
        let lib = unsafe { libloading::Library::new(&cp.harness) }.unwrap();
        let init: libloading::Symbol<unsafe extern "C" fn() -> i32> =
            unsafe { lib.get(b"harness_init") }.unwrap();
        let rc = unsafe { init() };
        assert_eq!(rc, 0, "harness_init failed");
        // SAFETY: libtarget.so is already loaded by the harness (DT_NEEDED).
        let target = unsafe { libloading::Library::new(&cp.target_lib) }.unwrap();
        Harness {
            _dir: dir,
            lib,
            target,
        }
    }

    fn sym<T: Copy>(&self, name: &str) -> T {
        // SAFETY: the signatures are those of c/harness.c.
        unsafe { *self.lib.get::<T>(name.as_bytes()).unwrap() }
    }
}

const PATHS: &[(&str, &str)] = &[
    ("local", "within the image"),
    ("plt", "direct, PLT (-z now)"),
    ("lazy", "lazy trampoline, bound"),
    ("check", "check + indirect call"),
    ("dlsym", "dlsym every call"),
];

fn steady(c: &mut Criterion, h: &Harness) {
    let mut g = c.benchmark_group("callpaths_int");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (id, _) in PATHS {
        let f: RunInt = h.sym(&format!("run_{id}_int"));
        g.bench_function(*id, |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                black_box(unsafe { f(black_box(iters)) });
                t.elapsed()
            })
        });
    }
    let sym: libloading::Symbol<CalleeInt> = unsafe { h.target.get(b"callee_int") }.unwrap();
    g.bench_function("libloading", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            let mut acc = 0u64;
            for i in 0..iters {
                acc = acc.wrapping_add(unsafe { sym(black_box(i)) });
            }
            black_box(acc);
            t.elapsed()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("callpaths_mix");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (id, _) in PATHS {
        let f: RunMix = h.sym(&format!("run_{id}_mix"));
        g.bench_function(*id, |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                black_box(unsafe { f(black_box(iters)) });
                t.elapsed()
            })
        });
    }
    let sym: libloading::Symbol<CalleeMix> = unsafe { h.target.get(b"callee_mix") }.unwrap();
    g.bench_function("libloading", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            let mut acc = 0f64;
            for i in 0..iters {
                let i = black_box(i);
                acc += unsafe {
                    sym(
                        i as i64,
                        i as i64 + 1,
                        2,
                        3,
                        4,
                        5,
                        i as f64,
                        1.0,
                        2.0,
                        3.0,
                        4.0,
                        5.0,
                        6.0,
                        7.0,
                    )
                };
            }
            black_box(acc);
            t.elapsed()
        })
    });
    g.finish();
}

fn first(c: &mut Criterion, h: &Harness) {
    let mut g = c.benchmark_group("first_call");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.sample_size(30);

    // Distinct imports of an already-loaded library, each called once; between rounds their
    // cells are put back to the resolve thunks (not timed).
    let reset: unsafe extern "C" fn() = h.sym("reset_many");
    let many: unsafe extern "C" fn() -> u32 = h.sym("many_count");
    let first_many: unsafe extern "C" fn(u32, u32) -> u64 = h.sym("run_first_many");
    let count = unsafe { many() } as u64;
    g.bench_function("loaded_int_distinct", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let k = left.min(count);
                unsafe { reset() };
                let t = Instant::now();
                black_box(unsafe { first_many(0, k as u32) });
                total += t.elapsed();
                left -= k;
            }
            total
        })
    });
    // The same import again and again, its cell reset before each call (one store, timed).
    for (id, name) in [
        ("loaded_int_same", "run_first_int"),
        ("loaded_mix_same", "run_first_mix"),
    ] {
        let f: RunInt = h.sym(name);
        g.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                black_box(unsafe { f(black_box(iters)) });
                t.elapsed()
            })
        });
    }
    // A library not loaded yet: unloaded (dlclose, cells and handle slot reset; not timed),
    // then one call that finds, loads and binds it.
    let unload: unsafe extern "C" fn() -> i32 = h.sym("cold_unload");
    assert_eq!(unsafe { unload() }, 0, "libcold.so stays loaded after dlclose");
    let cold_int: RunInt = h.sym("call_cold_int");
    let cold_mix: RunMix = h.sym("call_cold_mix");
    g.bench_function("not_loaded_int", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                assert_eq!(unsafe { unload() }, 0);
                let t = Instant::now();
                black_box(unsafe { cold_int(black_box(i)) });
                total += t.elapsed();
            }
            total
        })
    });
    g.bench_function("not_loaded_mix", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                assert_eq!(unsafe { unload() }, 0);
                let t = Instant::now();
                black_box(unsafe { cold_mix(black_box(i)) });
                total += t.elapsed();
            }
            total
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let h = Harness::new();
    steady(c, &h);
    first(c, &h);
}

criterion_group!(callpaths, benches);
criterion_main!(callpaths);
