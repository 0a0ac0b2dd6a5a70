//! DirectPInvokeList files read as .NET reads them: ILCompiler takes `File.ReadLines(file)`
//! (dotnet/runtime `ConfigurablePInvokePolicy.cs`), which is a `StreamReader` that detects a
//! byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE), otherwise reads UTF-8, turns bytes that
//! are not valid in the encoding into U+FFFD, and ends lines at `\n`, `\r\n` or a lone `\r`.
//!
//! Hand-written rather than with an encoding crate: it is five byte-order marks and two UTF
//! decoders that std already has (`String::from_utf8_lossy`, `char::decode_utf16`).

use aotinterop_model::codes;
use aotinterop_model::diag::{Diagnostic, Location, Result};
use std::path::Path;

/// A text encoding a byte-order mark names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (with or without a BOM).
    Utf8,
    /// UTF-16 little-endian.
    Utf16Le,
    /// UTF-16 big-endian.
    Utf16Be,
    /// UTF-32 little-endian.
    Utf32Le,
    /// UTF-32 big-endian.
    Utf32Be,
}

impl Encoding {
    /// Its name: `UTF-8`, `UTF-16LE`, `UTF-16BE`, `UTF-32LE`, `UTF-32BE`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Utf32Le => "UTF-32LE",
            Encoding::Utf32Be => "UTF-32BE",
        }
    }
}

/// The encoding of `bytes` by its byte-order mark, and the mark's length (UTF-8 and 0 without
/// one). UTF-32 LE is checked before UTF-16 LE, whose mark it starts with, as .NET does.
pub fn detect(bytes: &[u8]) -> (Encoding, usize) {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => (Encoding::Utf32Le, 4),
        [0, 0, 0xFE, 0xFF, ..] => (Encoding::Utf32Be, 4),
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
        _ => (Encoding::Utf8, 0),
    }
}

/// Collects decoded characters, each invalid one (`None`) and a trailing partial unit as U+FFFD;
/// the flag says whether anything was replaced.
fn replacing(chars: impl Iterator<Item = Option<char>>, partial: bool) -> (String, bool) {
    let mut lossy = partial;
    let mut text: String = chars
        .map(|c| {
            c.unwrap_or_else(|| {
                lossy = true;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    if partial {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    (text, lossy)
}

/// Decodes `bytes` as .NET's `StreamReader` does; the flag says whether anything was replaced
/// by U+FFFD (bytes invalid in the encoding, or a trailing partial unit).
pub fn decode(bytes: &[u8]) -> (String, bool) {
    let (encoding, bom) = detect(bytes);
    let body = &bytes[bom..];
    match encoding {
        Encoding::Utf8 => {
            let text = String::from_utf8_lossy(body);
            let lossy = matches!(text, std::borrow::Cow::Owned(_));
            (text.into_owned(), lossy)
        }
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let unit = |c: &[u8]| match encoding {
                Encoding::Utf16Le => u16::from_le_bytes([c[0], c[1]]),
                _ => u16::from_be_bytes([c[0], c[1]]),
            };
            let chunks = body.chunks_exact(2);
            let partial = !chunks.remainder().is_empty();
            replacing(char::decode_utf16(chunks.map(unit)).map(|r| r.ok()), partial)
        }
        Encoding::Utf32Le | Encoding::Utf32Be => {
            let chunks = body.chunks_exact(4);
            let partial = !chunks.remainder().is_empty();
            let chars = chunks.map(|c| {
                char::from_u32(match encoding {
                    Encoding::Utf32Le => u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                    _ => u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                })
            });
            replacing(chars, partial)
        }
    }
}

/// The lines of `text` as `TextReader.ReadLine` gives them: each ends at `\n`, `\r\n` or a lone
/// `\r`; a final line break ends the last line without starting an empty one.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\r', '\n']) {
            None => Some(std::mem::take(&mut rest)),
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(line)
            }
        }
    })
}

/// Reads a DirectPInvokeList (or Windows API list) file: its text, and a warning when some of
/// its bytes were not valid in its encoding (.NET reads them as U+FFFD; the first such line is
/// named).
pub fn read(path: &Path, what: &str) -> Result<(String, Option<Diagnostic>)> {
    // A text list: bounded as every text input is (a list of a gigabyte took four in memory).
    let bytes = aotinterop_model::diag::read_bounded(path, what, aotinterop_model::diag::TEXT_LIMIT)?;
    let (text, lossy) = decode(&bytes);
    let warning = lossy.then(|| {
        let line = lines(&text)
            .position(|l| l.contains(char::REPLACEMENT_CHARACTER))
            .map_or(1, |n| n as u32 + 1);
        let (encoding, _) = detect(&bytes);
        Diagnostic::warning(
            codes::LIST_NOT_TEXT,
            format!(
                "{what} holds bytes that are not valid {} text; native AOT reads them as U+FFFD, so \
                 this line can match nothing as written",
                encoding.name()
            ),
        )
        .at(Location::line(path, line))
    });
    Ok((text, warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str, le: bool) -> Vec<u8> {
        let mut v = if le { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for u in s.encode_utf16() {
            v.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        v
    }

    #[test]
    fn every_bom_is_detected_and_skipped() {
        let text = "libc\r\nkernel32!Sleep\rlibz\n";
        let mut utf8 = vec![0xEF, 0xBB, 0xBF];
        utf8.extend(text.as_bytes());
        let mut utf32le = vec![0xFF, 0xFE, 0, 0];
        let mut utf32be = vec![0, 0, 0xFE, 0xFF];
        for c in text.chars() {
            utf32le.extend((c as u32).to_le_bytes());
            utf32be.extend((c as u32).to_be_bytes());
        }
        for bytes in [
            text.as_bytes().to_vec(),
            utf8,
            utf16(text, true),
            utf16(text, false),
            utf32le,
            utf32be,
        ] {
            let (decoded, lossy) = decode(&bytes);
            assert!(!lossy);
            assert_eq!(
                lines(&decoded).collect::<Vec<_>>(),
                ["libc", "kernel32!Sleep", "libz"],
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn line_ends_as_read_line() {
        let l = |t| lines(t).collect::<Vec<_>>();
        assert_eq!(l("a\n\nb"), ["a", "", "b"]);
        assert_eq!(l("a\r\rb\r\n"), ["a", "", "b"]);
        assert_eq!(l("\n"), [""]);
        assert!(l("").is_empty());
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let (t, lossy) = decode(b"libc\nli\xffbz\n");
        assert!(lossy);
        assert_eq!(lines(&t).nth(1), Some("li\u{fffd}bz"));
        let (t, lossy) = decode(&[0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b']);
        assert!(lossy);
        assert_eq!(t, "a\u{fffd}\u{fffd}");
        // UTF-32 LE: a value past U+10FFFF, then a partial unit.
        let (t, lossy) = decode(&[0xFF, 0xFE, 0, 0, b'a', 0, 0, 0, 0, 0, 0x11, 0, b'b']);
        assert!(lossy);
        assert_eq!(t, "a\u{fffd}\u{fffd}");
        let (t, lossy) = decode(&[0, 0, 0xFE, 0xFF, 0, 0, 0, b'a']);
        assert!(!lossy);
        assert_eq!(t, "a");
    }
}
