// Records the host triple: the cc crate needs it to tell a native build from a cross build.
fn main() {
    println!(
        "cargo:rustc-env=SAMPLES_HOST_TRIPLE={}",
        std::env::var("TARGET").unwrap_or_default()
    );
}
