//! Fixed-size buffers for the first-call path: library paths, entry-point spellings and failure
//! messages are built on the stack, never allocated. A buffer that fills up says so
//! ([`Buf::overflowed`]); the resolver then fails that attempt with a message naming the limit
//! rather than passing a cut name to the loader.

use core::mem::MaybeUninit;

/// Bytes of a library path, NUL included (Linux's `PATH_MAX`).
pub const PATH_SIZE: usize = 4096;
/// Bytes of an entry-point spelling, NUL included.
pub const ENTRY_SIZE: usize = 1024;
/// Bytes of a failure message, NUL included.
pub const MESSAGE_SIZE: usize = 4096;

/// Up to `N - 1` bytes of text and room for a NUL.
pub struct Buf<const N: usize> {
    bytes: [MaybeUninit<u8>; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Buf<N> {
    /// An empty buffer (its bytes are not initialised until written).
    pub const fn new() -> Self {
        Buf {
            bytes: [MaybeUninit::uninit(); N],
            len: 0,
            overflow: false,
        }
    }

    /// Appends `s`; on overflow appends nothing more, ever, and [`Buf::overflowed`] says so.
    pub fn push(&mut self, s: &[u8]) -> &mut Self {
        if self.overflow || self.len + s.len() >= N {
            self.overflow = true;
            return self;
        }
        for (d, &b) in self.bytes[self.len..self.len + s.len()].iter_mut().zip(s) {
            d.write(b);
        }
        self.len += s.len();
        self
    }

    /// Appends `s`.
    pub fn push_str(&mut self, s: &str) -> &mut Self {
        self.push(s.as_bytes())
    }

    /// Appends `n` in decimal.
    pub fn push_u64(&mut self, mut n: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(&digits[at..])
    }

    /// Whether something did not fit.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    /// The text so far.
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the first `len` bytes were written.
        unsafe { core::slice::from_raw_parts(self.bytes.as_ptr().cast::<u8>(), self.len) }
    }

    /// The text with its NUL (always room for it: `push` keeps one byte free).
    pub fn as_c_bytes(&mut self) -> &[u8] {
        self.bytes[self.len].write(0);
        // SAFETY: the first `len + 1` bytes were written.
        unsafe { core::slice::from_raw_parts(self.bytes.as_ptr().cast::<u8>(), self.len + 1) }
    }

    /// Cuts the text back to `len` bytes (and clears the overflow).
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
        self.overflow = false;
    }

    /// How many bytes are written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_does_not_fit_is_flagged_never_cut() {
        let mut b = Buf::<8>::new();
        b.push_str("abc").push_u64(4067);
        assert_eq!(b.as_bytes(), b"abc4067");
        assert!(!b.overflowed());
        b.push_str("x");
        assert!(b.overflowed(), "7 bytes and a NUL fill 8");
        assert_eq!(b.as_c_bytes(), b"abc4067\0");
        b.truncate(3);
        b.push_u64(0);
        assert_eq!(b.as_bytes(), b"abc0");
    }
}
