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
/// to the output.) A signal the caller ignores (`nohup`, a script's background job) stays
/// ignored: no handler is ever set for it (one set and then taken back let a signal through in
/// between). A file-size limit (`ulimit -f`) ends a write with an error (EFBIG) the publish
/// reports and cleans up after, not with SIGXFSZ, which killed it and left its staging folder.
pub fn install() {
    let kept = ignored(&[libc::SIGINT, libc::SIGTERM, libc::SIGHUP]);
    let handled: Vec<libc::c_int> = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP]
        .into_iter()
        .filter(|s| !kept.contains(s))
        .collect();
    if let Ok(mut signals) = signal_hook::iterator::Signals::new(&handled) {
        // No thread to be had (`ulimit -u`): the program goes on with the signals' default
        // actions back (it panicked).
        let watching = std::thread::Builder::new().spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // A commit that had put the new output in place: the publish is done, and ends
                // as it would have (one result, the true one).
                if !aotinterop::pipeline::remove_live_staging() {
                    ended_by(signal);
                }
            }
        });
        if watching.is_err() {
            for signal in handled {
                // SAFETY: restores the default action of a catchable signal.
                unsafe { libc::signal(signal, libc::SIG_DFL) };
            }
        }
    }
    ignore(&[libc::SIGXFSZ]);
}

/// Whether the command prints JSON: the signal's error is then a JSON document too.
static JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Says that the command's result is printed as JSON ([`ended_by`] prints its error so).
pub fn report_as_json() {
    JSON.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Says that `signal` ended the command (AOTI0209; a JSON document when the command prints
/// JSON) and ends it with 130.
fn ended_by(signal: libc::c_int) -> ! {
    let name = match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        _ => "SIGHUP",
    };
    let d = aotinterop::Diagnostic::error(
        aotinterop_model::codes::INTERRUPTED,
        format!("ended by {name}: a publish under way removed what it staged, and the previous output is unchanged"),
    );
    if JSON.load(std::sync::atomic::Ordering::Relaxed) {
        crate::output::print_json(&serde_json::json!({"ok": false, "error": d}));
    } else {
        errln!("{d}");
    }
    std::process::exit(130);
}
