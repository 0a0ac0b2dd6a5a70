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
