//! Calls through real trampolines on musl: linux-musl-x64 natively (musl's own loader) and
//! linux-musl-arm64 under qemu-user.

mod scenarios;
mod support;

#[test]
fn linux_musl_x64_end_to_end() {
    scenarios::all(support::Plat::LinuxMuslX64);
}

#[test]
fn linux_musl_arm64_end_to_end() {
    scenarios::all(support::Plat::LinuxMuslArm64);
}
