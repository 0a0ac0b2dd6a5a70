//! Binding failures: their messages (shaped like .NET's DllNotFoundException and
//! EntryPointNotFoundException), written into a fixed buffer as the attempts fail.

use super::buf::{Buf, MESSAGE_SIZE};
use super::names::Platform;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum FailureKind {
    /// No candidate of the library loaded.
    DllNotFound = 1,
    /// The library loaded but has none of the entry-point spellings.
    EntryPointNotFound = 2,
    /// The table or index passed to the C API is not valid.
    BadImport = 3,
}

/// A failed bind: its kind and its message, built as the attempts fail.
pub struct Report {
    /// Kind.
    pub kind: FailureKind,
    message: Buf<MESSAGE_SIZE>,
    /// Where the library and entry names are in `message`.
    lib_at: (usize, usize),
    entry: (usize, usize),
    finished: bool,
}

/// The loader's text `why` for `what` without the path in front: dlerror repeats it (glibc:
/// `PATH: reason`; musl: `Error loading shared library PATH: reason`), the message says it once.
pub fn without_repeated_path<'a>(what: &[u8], why: &'a [u8]) -> &'a [u8] {
    let rest = why
        .strip_prefix(b"Error loading shared library ".as_slice())
        .unwrap_or(why);
    match rest.strip_prefix(what) {
        Some(rest) if rest.starts_with(b": ") => &rest[2..],
        _ => why,
    }
}

/// Names and paths longer than this are shown by their two ends, so that a message about a
/// very long name still has room for every attempt.
const SHOWN_MAX: usize = 200;
/// How much of each end of a long name is shown.
const SHOWN_END: usize = 90;

/// Pushes `s` onto `m`; one longer than [`SHOWN_MAX`] as its start, its length and its end
/// (cut at UTF-8 character boundaries).
fn push_shown(m: &mut Buf<MESSAGE_SIZE>, s: &[u8]) {
    push_ends(m, s, SHOWN_MAX, SHOWN_END);
}

/// Pushes `s` onto `m`; one longer than `max` as its first and last `end` bytes and its length.
fn push_ends(m: &mut Buf<MESSAGE_SIZE>, s: &[u8], max: usize, end: usize) {
    if s.len() <= max {
        m.push(s);
        return;
    }
    let boundary = |mut i: usize| {
        while i > 0 && s[i] & 0xC0 == 0x80 {
            i -= 1;
        }
        i
    };
    let head = boundary(end);
    let tail = boundary(s.len() - end);
    m.push(&s[..head])
        .push_str("...(")
        .push_u64(s.len() as u64)
        .push_str(" bytes in all)...")
        .push(&s[tail..]);
}

/// What a message that did not fit ends with.
const CUT: &[u8] = b"\n  ... (the rest of this message did not fit in the runtime's buffer)";

impl Report {
    /// The report of a failure of `kind` for `entry` in `library` (as written), on `platform`.
    pub fn new(kind: FailureKind, library: &[u8], entry: &[u8], platform: Platform) -> Report {
        let (what, lib_word) = match platform {
            Platform::Windows => ("DLL", "DLL"),
            _ => ("shared library", "shared library"),
        };
        let mut m = Buf::new();
        let at = |m: &mut Buf<MESSAGE_SIZE>, s: &[u8]| {
            let start = m.len();
            push_shown(m, s);
            (start, m.len() - start)
        };
        let (lib_at, entry_at);
        match kind {
            FailureKind::DllNotFound => {
                m.push_str("System.DllNotFoundException: Unable to load ")
                    .push_str(what)
                    .push_str(" '");
                lib_at = at(&mut m, library);
                m.push_str("' or one of its dependencies (needed by entry point '");
                entry_at = at(&mut m, entry);
                m.push_str("'). Paths tried:");
            }
            FailureKind::EntryPointNotFound => {
                m.push_str("System.EntryPointNotFoundException: Unable to find an entry point named '");
                entry_at = at(&mut m, entry);
                m.push_str("' in ").push_str(lib_word).push_str(" '");
                lib_at = at(&mut m, library);
                m.push_str("'. Names tried:");
            }
            FailureKind::BadImport => {
                m.push_str("aotinterop: not a valid import ('");
                entry_at = at(&mut m, entry);
                m.push_str("' in '");
                lib_at = at(&mut m, library);
                m.push_str("')");
            }
        }
        Report {
            kind,
            message: m,
            lib_at,
            entry: entry_at,
            finished: false,
        }
    }

    /// The library as written (as shown in the message: a long one by its two ends).
    pub fn lib_name(&self) -> &[u8] {
        let (at, n) = self.lib_at;
        self.message.as_bytes().get(at..at + n).unwrap_or_default()
    }

    /// The entry point as declared (as shown in the message: a long one by its two ends).
    pub fn entry(&self) -> &[u8] {
        let (at, n) = self.entry;
        self.message.as_bytes().get(at..at + n).unwrap_or_default()
    }

    /// Adds one path or symbol tried and the loader's text for it.
    pub fn tried(&mut self, what: &[u8], why: &[u8]) {
        let why = without_repeated_path(what, why);
        self.message.push(b"\n  ");
        push_shown(&mut self.message, what);
        self.message.push(b": ");
        // The loader's text may name the long path again (the resolver's own say a search-path
        // element, itself shortened, and why: they fit whole).
        push_ends(&mut self.message, why, 4 * SHOWN_MAX, 2 * SHOWN_MAX - 10);
    }

    /// The message, NUL-terminated, with the closing hint for `platform`.
    pub fn message(&mut self, platform: Platform) -> &[u8] {
        if !self.finished {
            self.finished = true;
            if self.kind == FailureKind::DllNotFound {
                self.message.push_str(match platform {
                    Platform::Windows => "\n`aotinterop probe` shows every candidate and which one loads.",
                    _ => {
                        "\nIn order to help diagnose loading problems, consider setting the LD_DEBUG \
                         environment variable; `aotinterop probe` shows every candidate and which one loads."
                    }
                });
            }
            if self.message.overflowed() {
                self.message.truncate(MESSAGE_SIZE - 1 - CUT.len());
                self.message.push(CUT);
            }
        }
        self.message.as_c_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_that_does_not_fit_says_so_at_its_end() {
        let mut r = Report::new(FailureKind::DllNotFound, b"libx", b"f", Platform::Unix);
        for _ in 0..100 {
            r.tried(&[b'p'; 60], b"p: no such file");
        }
        let m = r.message(Platform::Unix);
        assert_eq!(m.len(), MESSAGE_SIZE);
        assert!(m[..m.len() - 1].ends_with(CUT));
    }

    /// A long search-path element is shown by its real ends and length (it was cut to 200 bytes
    /// and `...`, then the whole line shortened again: "507 bytes in all" whatever its length).
    #[test]
    fn a_long_search_path_element_is_shown_by_its_ends_and_length() {
        let mut element = b"/proc/self/cwd/".to_vec();
        element.extend(b"x/../".repeat(200));
        element.extend(b"end-of-it");
        let mut why = Buf::<MESSAGE_SIZE>::new();
        crate::resolver::Refusal::new(&element, false).write_for_test(&mut why);
        let mut r = Report::new(FailureKind::DllNotFound, b"foo", b"f", Platform::Unix);
        r.tried(b"libfoo.so", why.as_bytes());
        let text = core::str::from_utf8(r.message(Platform::Unix)).unwrap();
        let said = format!("({} bytes in all)", element.len());
        assert!(text.contains(&said) && text.contains("x/../end-of-it`"), "{text}");
    }

    #[test]
    fn a_very_long_name_is_shown_by_its_ends_and_every_attempt_fits() {
        let name = [b'n'; 5000];
        let mut r = Report::new(FailureKind::DllNotFound, &name, b"f", Platform::Unix);
        for _ in 0..8 {
            r.tried(
                &name,
                b"not tried: the path is longer than the runtime's 4096-byte path buffer",
            );
        }
        let text = core::str::from_utf8(r.message(Platform::Unix)).unwrap();
        assert!(!text.contains("did not fit"), "{text}");
        assert_eq!(text.matches("(5000 bytes in all)").count(), 9, "{text}");
        assert_eq!(text.matches("4096-byte path buffer").count(), 8, "{text}");
        // A loader text that names the long name again is shortened too.
        let mut r = Report::new(FailureKind::EntryPointNotFound, b"libx", &name, Platform::Unix);
        let mut why = b"libx.so: undefined symbol: ".to_vec();
        why.extend_from_slice(&name);
        r.tried(&name, &why);
        let text = core::str::from_utf8(r.message(Platform::Unix)).unwrap();
        assert!(!text.contains("did not fit"), "{text}");
        // A cut never splits a character.
        let wide = "é".repeat(300);
        let mut r = Report::new(FailureKind::DllNotFound, wide.as_bytes(), b"f", Platform::Unix);
        assert!(core::str::from_utf8(r.message(Platform::Unix)).is_ok());
    }

    #[test]
    fn the_loader_text_does_not_repeat_the_path() {
        let mut r = Report::new(FailureKind::DllNotFound, b"libx", b"f", Platform::Unix);
        r.tried(b"/a/libx.so", b"/a/libx.so: cannot open shared object file");
        let m = r.message(Platform::Unix);
        let text = core::str::from_utf8(m).unwrap();
        assert!(
            text.contains("\n  /a/libx.so: cannot open shared object file\n"),
            "{text}"
        );
        assert!(text.starts_with(
            "System.DllNotFoundException: Unable to load shared library 'libx' or one of its \
             dependencies (needed by entry point 'f'). Paths tried:"
        ));
    }
}
