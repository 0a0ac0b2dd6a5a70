//! While a publish runs inside the build's process: SIGINT, SIGTERM and SIGHUP remove what it
//! staged beside its output (as `aotinterop publish` does), then reach the build's own handler,
//! or, where it has none, end the process as they would have. The build's handlers are put back
//! when the publish ends.
//!
//! Written on `libc::sigaction` rather than a crate: signal-hook keeps its handler installed
//! once registered, and with no action left it swallows a signal whose previous disposition was
//! the default, so a build could no longer be stopped with Ctrl-C after the task ran.

use std::sync::atomic::{AtomicI32, Ordering};

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// The write end of the pipe the handler tells the cleanup thread through (-1: none).
static PIPE: AtomicI32 = AtomicI32::new(-1);

/// Async-signal-safe: one byte, the signal's number, into the pipe.
extern "C" fn on_signal(sig: libc::c_int) {
    let fd = PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        let byte = sig as u8;
        // SAFETY: write(2) on a pipe is async-signal-safe; the byte outlives the call.
        unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    }
}

/// The handlers installed while any publish runs: the build's actions they replaced (and its
/// SIGCHLD action, which a publish may set back to the default to wait for its programs), the
/// pipe's write end and the cleanup thread; with how many publishes hold them.
struct Installed {
    holders: usize,
    previous: Vec<(libc::c_int, libc::sigaction)>,
    sigchld: Option<libc::sigaction>,
    write_end: libc::c_int,
    thread: Option<std::thread::JoinHandle<()>>,
}

static INSTALLED: std::sync::Mutex<Option<Installed>> = std::sync::Mutex::new(None);

fn installed() -> std::sync::MutexGuard<'static, Option<Installed>> {
    INSTALLED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A publish's hold on the handlers: the first installs them, the last to drop puts the
/// build's actions back and ends the cleanup thread (publishes that overlap share them, so
/// that the build's own actions, not the library's, are what is put back).
pub struct Guard(());

impl Guard {
    /// Installs the handlers, or joins those installed (none when the pipe cannot be made).
    pub fn install() -> Option<Guard> {
        let mut slot = installed();
        if let Some(i) = slot.as_mut() {
            i.holders += 1;
            return Some(Guard(()));
        }
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return None;
        }
        let [read_end, write_end] = fds;
        PIPE.store(write_end, Ordering::Relaxed);
        let sigchld = read_action(libc::SIGCHLD);
        let previous: Vec<(libc::c_int, libc::sigaction)> =
            SIGNALS.iter().filter_map(|&s| replace(s)).collect();
        let chained = previous.clone();
        let thread = std::thread::spawn(move || cleanup_on_signal(read_end, &chained));
        *slot = Some(Installed {
            holders: 1,
            previous,
            sigchld,
            write_end,
            thread: Some(thread),
        });
        Some(Guard(()))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut slot = installed();
        let Some(i) = slot.as_mut() else { return };
        i.holders -= 1;
        if i.holders > 0 {
            return;
        }
        let Some(mut i) = slot.take() else { return };
        for (sig, old) in i
            .previous
            .iter()
            .chain(i.sigchld.as_ref().map(|a| (libc::SIGCHLD, *a)).as_ref())
        {
            // SAFETY: puts back the action read when the handlers were installed.
            unsafe { libc::sigaction(*sig, old, std::ptr::null_mut()) };
        }
        PIPE.store(-1, Ordering::Relaxed);
        // SAFETY: closing our own write end ends the thread's read with 0.
        unsafe { libc::close(i.write_end) };
        if let Some(t) = i.thread.take() {
            let _ = t.join();
        }
    }
}

/// The action of `sig`, read.
fn read_action(sig: libc::c_int) -> Option<libc::sigaction> {
    // SAFETY: a zeroed `sigaction` is a valid out-parameter; the action is only read.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        (libc::sigaction(sig, std::ptr::null(), &mut old) == 0).then_some(old)
    }
}

/// Installs [`on_signal`] for `sig`; the action it replaced. A signal the build ignores stays
/// ignored: it does not end the publish either.
fn replace(sig: libc::c_int) -> Option<(libc::c_int, libc::sigaction)> {
    // SAFETY: zeroed `sigaction`s are valid; the new one names an `extern "C" fn(c_int)`.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(sig, std::ptr::null(), &mut current) != 0 || current.sa_sigaction == libc::SIG_IGN
        {
            return None;
        }
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        new.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut new.sa_mask);
        let mut old: libc::sigaction = std::mem::zeroed();
        (libc::sigaction(sig, &new, &mut old) == 0).then_some((sig, old))
    }
}

/// The cleanup thread: on a signal, removes what the publish staged, puts the previous action
/// back and sends the signal to the process again, so the build's handler (or the default) sees
/// it on a thread of the build's that takes it.
fn cleanup_on_signal(read_end: libc::c_int, previous: &[(libc::c_int, libc::sigaction)]) {
    // This thread never takes them itself (a build whose threads all block them and wait for
    // them with `sigwait` would lose one to it); sent to the process, a signal goes to a thread
    // that does not block it, or waits for the build's `sigwait`.
    // SAFETY: a signal set of this thread's, filled before it is used.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for (sig, _) in previous {
            libc::sigaddset(&mut set, *sig);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    loop {
        let mut byte = 0u8;
        // SAFETY: reads one byte into `byte` from our pipe.
        let n = unsafe { libc::read(read_end, (&mut byte as *mut u8).cast(), 1) };
        if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        if n != 1 {
            break;
        }
        aotinterop::pipeline::remove_live_staging();
        let sig = libc::c_int::from(byte);
        if let Some((_, old)) = previous.iter().find(|(s, _)| *s == sig) {
            // SAFETY: the action the build had; the signal is sent for it to handle.
            unsafe {
                libc::sigaction(sig, old, std::ptr::null_mut());
                libc::kill(libc::getpid(), sig);
            }
        }
    }
    // SAFETY: our read end, closed once.
    unsafe { libc::close(read_end) };
}

#[cfg(test)]
mod tests {
    /// Publishes that overlap share the handlers, and the last one out puts back the build's own
    /// action (the library's handler stayed, and the process could no longer be stopped).
    #[test]
    fn overlapping_publishes_put_the_builds_action_back() {
        let action = || super::read_action(libc::SIGTERM).unwrap().sa_sigaction;
        let before = action();
        let first = super::Guard::install().unwrap();
        let second = super::Guard::install().unwrap();
        assert_ne!(action(), before);
        drop(first);
        assert_ne!(
            action(),
            before,
            "the first publish out took the handler from the second"
        );
        drop(second);
        assert_eq!(action(), before);
    }

    /// A signal the build ignores gets no handler and stays ignored (SIGINT set to be ignored by
    /// a host still cancelled the publish).
    #[test]
    fn an_ignored_signal_stays_ignored() {
        // SAFETY: SIGHUP's disposition in this test process, read and set.
        unsafe {
            let before = libc::signal(libc::SIGHUP, libc::SIG_IGN);
            assert!(super::replace(libc::SIGHUP).is_none());
            let mut now: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGHUP, std::ptr::null(), &mut now);
            assert_eq!(now.sa_sigaction, libc::SIG_IGN);
            libc::signal(libc::SIGHUP, before);
        }
    }
}
