//! A few words read and written as one without a lock: a sequence lock of atomics. The
//! sequence is odd while a writer is between its first and last store; a reader that sees it
//! odd, or changed by the time it has read, did not get a consistent copy. Nothing here
//! allocates or blocks in the OS, so it is usable from the first-call path and its callbacks.

use core::sync::atomic::{fence, AtomicUsize, Ordering};

/// `N` words read and written as one.
pub(super) struct SeqWords<const N: usize> {
    seq: AtomicUsize,
    words: [AtomicUsize; N],
}

impl<const N: usize> SeqWords<N> {
    /// All words zero.
    pub(super) const fn new() -> Self {
        SeqWords {
            seq: AtomicUsize::new(0),
            words: [const { AtomicUsize::new(0) }; N],
        }
    }

    /// Stores `words`, waiting for another writer to finish first.
    pub(super) fn set(&self, words: [usize; N]) {
        while !self.try_set(words) {
            core::hint::spin_loop();
        }
    }

    /// Stores `words` unless another writer is under way (which may be this thread, interrupted
    /// by a signal): then stores nothing and says so.
    pub(super) fn try_set(&self, words: [usize; N]) -> bool {
        let s = self.seq.load(Ordering::Relaxed);
        if s & 1 != 0
            || self
                .seq
                .compare_exchange(s, s + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return false;
        }
        fence(Ordering::Release);
        for (w, v) in self.words.iter().zip(words) {
            w.store(v, Ordering::Relaxed);
        }
        self.seq.store(s + 2, Ordering::Release);
        true
    }

    /// The words, waiting out a writer.
    pub(super) fn get(&self) -> [usize; N] {
        loop {
            if let Some(w) = self.try_get() {
                return w;
            }
            core::hint::spin_loop();
        }
    }

    /// The words, or `None` while a writer is under way.
    pub(super) fn try_get(&self) -> Option<[usize; N]> {
        let s = self.seq.load(Ordering::Acquire);
        if s & 1 != 0 {
            return None;
        }
        let words = core::array::from_fn(|i| self.words[i].load(Ordering::Relaxed));
        fence(Ordering::Acquire);
        (self.seq.load(Ordering::Relaxed) == s).then_some(words)
    }
}
