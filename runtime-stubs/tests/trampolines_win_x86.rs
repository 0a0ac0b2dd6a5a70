//! Calls through real trampolines on win-x86 (i386), under 32-bit wine: the i386 stubs and
//! thunks, the runtime's x86 slow path (the index and table passed on the stack, `ret 4` to the
//! target), cdecl calls of every argument shape, last-error, threads, failures and callbacks.

mod scenarios;
mod support;

#[test]
fn win_x86_end_to_end() {
    scenarios::all(support::Plat::WinX86);
}
