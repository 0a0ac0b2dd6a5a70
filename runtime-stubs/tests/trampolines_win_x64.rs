//! Calls through real trampolines on win-x64, under wine: linked by mingw's GNU ld and by LLVM's
//! COFF linker.

mod scenarios;
mod support;

#[test]
fn win_x64_end_to_end() {
    scenarios::all(support::Plat::WinX64);
}

#[test]
fn win_x64_linked_by_lld() {
    let img = support::build_with(support::Plat::WinX64, &["-fuse-ld=lld"]);
    scenarios::image_table(&img);
    scenarios::abi(&img);
    scenarios::threads(&img);
    scenarios::missing(&img);
}
