//! Calls through real trampolines on linux-arm (32-bit ARM, Thumb-2, hard float), under
//! qemu-user: r0–r3 and d0–d7 kept through the slow path, a struct returned through r0, varargs
//! (doubles in core registers), errno, threads, failures, the callback, and a backtrace through
//! the stubs' and the runtime's `.ARM.exidx` entries.

mod scenarios;
mod support;

#[test]
fn linux_arm_end_to_end() {
    scenarios::all(support::Plat::LinuxArm);
}
