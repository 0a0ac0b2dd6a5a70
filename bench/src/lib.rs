//! Benchmarks of aotinterop; see `benches/`.
