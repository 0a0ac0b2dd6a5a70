//! Signal dispositions the caller chose, kept: a signal ignored when the program started (by
//! `nohup`, or a shell for a background job) stays ignored while `publish` handles the others.

/// Those of `signals` whose disposition is "ignore".
pub fn ignored(signals: &[libc::c_int]) -> Vec<libc::c_int> {
    signals
        .iter()
        .copied()
        .filter(|&sig| {
            // SAFETY: a zeroed `sigaction` is a valid out-parameter; the action is only read.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
            }
        })
        .collect()
}

/// Ignores `signals` again.
pub fn ignore(signals: &[libc::c_int]) {
    for &sig in signals {
        // SAFETY: sets the disposition of a catchable signal to "ignore".
        unsafe { libc::signal(sig, libc::SIG_IGN) };
    }
}

/// Sets, first thing, what every command does on a signal: SIGINT, SIGTERM and SIGHUP remove what
/// a publish staged and end with 130. (A kill that cannot be caught leaves it to the next publish
/// to the output.) A signal the caller ignores (`nohup`, a script's background job) stays ignored.
/// A file-size limit (`ulimit -f`) ends a write with an error (EFBIG) the publish reports and
/// cleans up after, not with SIGXFSZ, which killed it and left its staging folder; the programs
/// it runs inherit that.
pub fn install() {
    let kept = ignored(&[libc::SIGINT, libc::SIGTERM, libc::SIGHUP]);
    let _ = ctrlc::set_handler(|| {
        aotinterop::pipeline::remove_live_staging();
        std::process::exit(130);
    });
    ignore(&kept);
    ignore(&[libc::SIGXFSZ]);
}
