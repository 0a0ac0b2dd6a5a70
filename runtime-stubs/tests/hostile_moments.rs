//! Hostile moments for the lazy resolver (`tests/c/hostile.c`), each with a deadline: a library
//! initialiser that makes a first call into its own library while the resolver's `dlopen` of it
//! is in progress (Implib.so aborts here), a failure handler and a resolver callback that make
//! first calls themselves, a first call during another thread's load of the same library,
//! `fork` after some imports are bound, and a bound import called from a signal handler. Linux
//! x64 natively, arm64 under qemu, win-x64 under wine (the Unix-only moments aside).

mod support;

use aotinterop_model::PlannedImport;
use std::time::{Duration, Instant};
use support::{line, Image, Plat};

fn imports() -> Vec<PlannedImport> {
    let mut v: Vec<PlannedImport> = ["helper", "value", "other", "init_runs", "seen_in_init"]
        .iter()
        .map(|e| {
            PlannedImport::lazy(
                &format!("pinvoke_hostile_{e}"),
                "hostile",
                &format!("hostile_{e}"),
            )
        })
        .collect();
    v.push(PlannedImport::lazy(
        "pinvoke_hostile_missing",
        "hostile",
        "no_such_entry",
    ));
    v.push(PlannedImport::lazy("pinvoke_virtual_value", "virtual", "value"));
    v.push(PlannedImport::lazy("pinvoke_sum6", "callee", "sum6"));
    v.push(PlannedImport::lazy("pinvoke_f1", "callee", "f1"));
    v.push(PlannedImport::lazy("pinvoke_f2", "callee", "f2"));
    v
}

/// Runs `mode` with `env`, failing the test if it does not finish within a minute (a deadlock)
/// or does not succeed; returns stdout.
fn run(img: &Image, mode: &str, env: &[(&str, &str)]) -> String {
    let exe = img.dir.join(img.plat.exe_file());
    let mut c = aotinterop_testkit::image_command(img.plat.row(), &exe);
    c.arg(mode).current_dir(&img.dir);
    c.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // wine passes the environment on to the Windows program.
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("start the program");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{mode}: no answer within a minute (deadlock?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(
        out.status.success(),
        "{mode}: {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn all(plat: Plat) {
    let img = support::build_program(plat, "hostile.c", &[("hostile", "hostile_lib.c")], &imports());
    // A handler makes a first call of another import; a resolver callback too: no lock is held
    // while they run, and the nested binds work.
    let out = run(&img, "callbacks", &[]);
    assert_eq!(
        line(&out, "callbacks"),
        ["fallback=5", "handler_saw=91", "virtual=5", "resolver_nested=32"],
        "{out}"
    );
    // Two first calls of one library, the second arriving while the first thread's load is in
    // its (slow) initialiser: both bound, the initialiser run once.
    let out = run(&img, "race", &[("HOSTILE_SLOW", "1")]);
    assert_eq!(line(&out, "race"), ["a=42", "b=43", "init_runs=1"], "{out}");
    if plat.is_windows() {
        return;
    }
    // The initialiser calls a lazy import of its own library during the load: the nested
    // dlopen returns the library being initialised, and the call works.
    let out = run(&img, "init", &[("HOSTILE_HOOK", "1")]);
    assert_eq!(
        line(&out, "init"),
        ["value=42", "seen_in_init=7", "init_runs=1"],
        "{out}"
    );
    let out = run(&img, "fork", &[]);
    assert_eq!(line(&out, "child"), ["bound=21", "unbound=31"], "{out}");
    assert_eq!(
        line(&out, "fork"),
        ["parent=91", "child_exit=0", "after=4"],
        "{out}"
    );
    let out = run(&img, "signal", &[]);
    assert_eq!(line(&out, "signal"), ["bound=91", "in_handler=21"], "{out}");
}

#[test]
fn hostile_moments_linux_x64() {
    all(Plat::LinuxX64);
}

#[test]
fn hostile_moments_linux_arm64() {
    all(Plat::LinuxArm64);
}

#[test]
fn hostile_moments_win_x64() {
    all(Plat::WinX64);
}

#[test]
fn hostile_moments_linux_musl_x64() {
    all(Plat::LinuxMuslX64);
}

#[test]
fn hostile_moments_linux_musl_arm64() {
    all(Plat::LinuxMuslArm64);
}

#[test]
fn hostile_moments_win_x86() {
    all(Plat::WinX86);
}

#[test]
fn hostile_moments_linux_arm() {
    all(Plat::LinuxArm);
}
