//! Calls through real trampolines on linux-x64, natively: linked by GNU ld and by ld.lld.

mod scenarios;
mod support;

#[test]
fn linux_x64_end_to_end() {
    scenarios::all(support::Plat::LinuxX64);
}

#[test]
fn linux_x64_linked_by_lld() {
    let img = support::build_with(support::Plat::LinuxX64, &["-fuse-ld=lld"]);
    scenarios::image_table(&img);
    scenarios::abi(&img);
    scenarios::threads(&img);
    scenarios::missing(&img);
}
