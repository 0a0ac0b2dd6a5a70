//! Calls through real trampolines on linux-arm64, under qemu-user.

mod scenarios;
mod support;

#[test]
fn linux_arm64_end_to_end() {
    scenarios::all(support::Plat::LinuxArm64);
}
