//! Errors and warnings with a stable code and a location (file, line, column).
//!
//! Every problem aotinterop reports, in every step, is a [`Diagnostic`]. Errors stop the step that
//! found them (they travel as [`Error`]); warnings are collected next to the result. The codes are
//! stable so that MSBuild and scripts can key on them; [`codes`] holds them all.

pub use crate::codes;
use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Severity {
    /// The step cannot go on.
    Error,
    /// The step goes on, but the result is probably not what was meant.
    Warning,
    /// Something the user asked for was done in a way worth knowing (a generated stand-in).
    Note,
}

/// Where a diagnostic points: a file, and a 1-based line and column when known.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Location {
    /// The file, as the user named it (or `<command line>`). In JSON, a name that is not UTF-8
    /// has its other bytes written `\xNN` (JSON holds only text).
    #[cfg_attr(feature = "serde", serde(serialize_with = "file_name_as_text"))]
    pub file: PathBuf,
    /// 1-based line, when known.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "Option::is_none"))]
    pub line: Option<u32>,
    /// 1-based column, when known.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "Option::is_none"))]
    pub column: Option<u32>,
}

/// `path` as JSON text: as it is when UTF-8, else with its other bytes written `\xNN`.
#[cfg(feature = "serde")]
fn file_name_as_text<S: serde::Serializer>(path: &Path, s: S) -> std::result::Result<S::Ok, S::Error> {
    match path.to_str() {
        Some(text) => s.serialize_str(text),
        None => s.serialize_str(&bytes_escaped(path)),
    }
}

/// `path` with the bytes that are not UTF-8 written `\xNN`.
fn bytes_escaped(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut text = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            text.push_str(chunk.valid());
            text.extend(chunk.invalid().iter().map(|b| format!("\\x{b:02x}")));
        }
        text
    }
    #[cfg(not(unix))]
    path.to_string_lossy().into_owned()
}

impl Location {
    /// A whole file.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    /// A line of a file.
    pub fn line(file: impl Into<PathBuf>, line: u32) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: None,
        }
    }

    /// A line and column of a file.
    pub fn at(file: impl Into<PathBuf>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Self {
        Location::file(path)
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Self {
        Location::file(path)
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Location::file(path)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Escaped (a file name holding a line break would forge an output line), and a name
        // longer than any path shortened.
        write!(f, "{}", shown_path(&self.file, 4096))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// One error or warning.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code, such as `AOTI0006`, one of [`codes::ALL`].
    pub code: &'static str,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Where, when it is about a file.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "Option::is_none"))]
    pub location: Option<Location>,
}

/// Reads a diagnostic back, its code as the table's own `&'static str`; a code the table lacks
/// is an error.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Diagnostic {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Owned {
            severity: Severity,
            code: String,
            message: String,
            #[serde(default)]
            location: Option<Location>,
        }
        let o = Owned::deserialize(d)?;
        let code = codes::lookup(&o.code)
            .map(|c| c.code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code `{}`", o.code)))?;
        Ok(Diagnostic {
            severity: o.severity,
            code,
            message: o.message,
            location: o.location,
        })
    }
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
        }
    }

    /// A new warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            location: None,
        }
    }

    /// A new note.
    pub fn note(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Note,
            code,
            message: message.into(),
            location: None,
        }
    }

    /// The same diagnostic, pointing at `location` (a [`Location`] or a path).
    pub fn at(mut self, location: impl Into<Location>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// The file it is about, when there is one.
    pub fn file(&self) -> Option<&Path> {
        self.location.as_ref().map(|l| l.file.as_path())
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        if let Some(loc) = &self.location {
            write!(f, "{}: ", shown(&loc.to_string(), usize::MAX))?;
        }
        write!(f, "{sev} {}: {}", self.code, printable(&self.message))
    }
}

/// An error that stops a step: a [`Diagnostic`] of severity error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<Diagnostic>);

impl Error {
    /// A new error with a code and a message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Error(Box::new(Diagnostic::error(code, message)))
    }

    /// The same error, pointing at `location` (a [`Location`] or a path).
    pub fn at(self, location: impl Into<Location>) -> Self {
        Error(Box::new(self.0.at(location)))
    }

    /// A file that cannot be read.
    pub fn unreadable(path: &Path, what: &str, err: &std::io::Error) -> Self {
        let why = io_words(err);
        Error::new(codes::FILE_UNREADABLE, format!("cannot read {what}: {why}")).at(Location::file(path))
    }

    /// The diagnostic behind this error.
    pub fn diagnostic(&self) -> &Diagnostic {
        &self.0
    }

    /// The diagnostic behind this error, owned.
    pub fn into_diagnostic(self) -> Diagnostic {
        *self.0
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.0.code
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error(Box::new(d))
    }
}

impl std::ops::Deref for Error {
    type Target = Diagnostic;
    fn deref(&self) -> &Diagnostic {
        &self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

impl std::error::Error for Diagnostic {}

/// Whether `err` is `ELOOP`: a symbolic link loop (or more links than the OS follows).
pub fn is_link_loop(err: &std::io::Error) -> bool {
    const ELOOP: i32 = if cfg!(target_vendor = "apple") { 62 } else { 40 };
    cfg!(unix) && err.raw_os_error() == Some(ELOOP)
}

/// Why a file of `/proc` or `/sys` is not read as an input.
pub const KERNEL_FILE: &str =
    "a file of the kernel (in /proc or /sys), whose reads may block or change the system: name a file";

/// Whether `path` (or the nearest folder above it that exists) is in a file system of the
/// kernel's own (`/proc`, `/sys`): its "regular files" may block when read (`/proc/kmsg`) or
/// change the system when written.
pub fn on_kernel_file_system(path: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        const PROC_SUPER_MAGIC: i64 = 0x9fa0;
        const SYSFS_MAGIC: i64 = 0x6265_6572;
        let Some(existing) = path
            .ancestors()
            .find(|a| std::fs::symlink_metadata(a).is_ok() && !a.as_os_str().is_empty())
        else {
            return false;
        };
        let Ok(name) = std::ffi::CString::new(existing.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: a zeroed `statfs` is a valid out-parameter; the path is NUL-terminated.
        let mut fs: libc::statfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statfs(name.as_ptr(), &mut fs) } != 0 {
            return false;
        }
        #[allow(clippy::unnecessary_cast)] // `f_type`'s type differs between targets
        let kind = fs.f_type as i64;
        kind == PROC_SUPER_MAGIC || kind == SYSFS_MAGIC
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        false
    }
}

/// What went wrong in an I/O call, in the OS's words without Rust's ` (os error N)`; a symbolic
/// link loop (`ELOOP`) says so.
pub fn io_words(err: &std::io::Error) -> String {
    if is_link_loop(err) {
        return "a symbolic link loop (too many levels of symbolic links)".into();
    }
    let words = err.to_string();
    words.split(" (os error ").next().unwrap_or(&words).to_string()
}

/// At most `max` characters of `text`, control characters escaped, with `…` where it was cut:
/// how a value from a file or the command line appears in a message.
pub fn shown(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() || is_invisible(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`shown`] for a path: bytes that are not UTF-8 show as `\xNN` (two files whose names differ
/// only there stay two names).
pub fn shown_path(path: &Path, max: usize) -> String {
    if path.as_os_str().is_empty() {
        return "\"\" (an empty name)".to_string();
    }
    shown(&bytes_escaped(path), max)
}

/// Characters that change how text around them shows without showing themselves, or show as a
/// blank: zero-width and direction marks and overrides, soft hyphens, fillers, variation
/// selectors, tag characters, separators and spaces other than U+0020 (a name holding U+202E can
/// show another name).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' | '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{2000}'..='\u{200F}' | '\u{2028}'..='\u{202F}' | '\u{205F}'..='\u{206F}'
            | '\u{2800}' | '\u{3000}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// `text` with control characters other than line breaks and tabs escaped: what a message
/// prints, whatever value reached it unescaped (a terminal's escape sequences never pass).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, |c, out| out.extend(c.escape_default()))
}

/// JSON text (`serde_json`'s, which leaves these as they are) with the characters
/// [`printable`] escapes written as JSON escapes (`\u202e`): valid JSON that shows no control
/// or invisible character.
pub fn printable_json(json: &str) -> std::borrow::Cow<'_, str> {
    escaped(json, |c, out| {
        let mut units = [0u16; 2];
        for u in c.encode_utf16(&mut units) {
            out.push_str(&format!("\\u{u:04x}"));
        }
    })
}

/// `text` with each control or invisible character other than line breaks and tabs written by
/// `escape`.
fn escaped(text: &str, escape: impl Fn(char, &mut String)) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| (c.is_control() || is_invisible(c)) && c != '\n' && c != '\t';
    if !text.chars().any(bad) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if bad(c) {
            escape(c, &mut out);
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Result with aotinterop's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Reads a whole file, or an error naming it (`what` says what the file is to the user).
pub fn read_file(path: &Path, what: &str) -> Result<Vec<u8>> {
    read_bounded(path, what, READ_LIMIT)
}

/// The most bytes an input file of any kind is read up to (2 GiB).
pub const READ_LIMIT: u64 = 1 << 31;

/// The most bytes a text input (a request, a list, an imports file) is read up to (64 MiB).
pub const TEXT_LIMIT: u64 = 64 << 20;

/// The error for an input file that is not one aotinterop reads, naming it.
fn not_readable(path: &Path, what: &str, why: String) -> Error {
    Error::new(codes::FILE_UNREADABLE, format!("{what}: {why}")).at(Location::file(path))
}

/// Opens `path` for reading only if it is a regular file: opened without waiting (a FIFO put
/// there would block `open`), then checked, so a FIFO, device or folder is an error, never a
/// hang.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// Opens the folder `path` (to lock it, or to see that it can be read): a FIFO or file there is
/// an error at once, never a hang.
pub fn open_folder(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_DIRECTORY | libc::O_NONBLOCK);
    options.open(path)
}

/// Reads an input file: a regular file (a folder, FIFO, device or socket is refused before it is
/// opened, so nothing blocks or reads without end) of at most `limit` bytes.
pub fn read_bounded(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>> {
    read_checked(path, what, limit, |_, _| None)
}

/// Reads a binary input file (an object, archive, library or image) as [`read_checked`] does,
/// refusing with `code` one whose first bytes declare more than it holds
/// ([`extent::overrun`](crate::extent::overrun)).
pub fn read_binary(path: &Path, what: &str, code: &'static str) -> Result<Vec<u8>> {
    read_checked(path, what, READ_LIMIT, |head, len| {
        overrun_error(what, head, len, code)
    })
}

/// The error, with `code`, for a `what` whose first bytes `head` declare more than its `len`
/// bytes hold.
pub fn overrun_error(what: &str, head: &[u8], len: u64, code: &'static str) -> Option<Error> {
    crate::extent::overrun(head, len).map(|why| Error::new(code, format!("{what}: {why}")))
}

/// How many first bytes [`read_checked`] shows its `header` check.
pub const HEADER_LEN: usize = 4096;

/// Reads an input file as [`read_bounded`] does, once `header` has accepted its first bytes (up
/// to [`HEADER_LEN`], fewer in a shorter file) and its length (`Some(error)` refuses them): a
/// file of another format is refused after one small read, whatever its size.
pub fn read_checked(
    path: &Path,
    what: &str,
    limit: u64,
    header: impl Fn(&[u8], u64) -> Option<Error>,
) -> Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| Error::unreadable(path, what, &e))?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(not_readable(path, what, "a folder, not a file".into()));
    }
    if !kind.is_file() {
        return Err(not_readable(
            path,
            what,
            "not a regular file (a FIFO, a device or a socket): name a file".into(),
        ));
    }
    if meta.len() > limit {
        return Err(not_readable(
            path,
            what,
            format!("{} bytes, more than the {limit} such a file may have", meta.len()),
        ));
    }
    if on_kernel_file_system(path) {
        return Err(not_readable(path, what, KERNEL_FILE.into()));
    }
    let file = open_regular(path).map_err(|e| Error::unreadable(path, what, &e))?;
    let mut file = file.take(limit + 1);
    let mut bytes = Vec::new();
    (&mut file)
        .take(HEADER_LEN as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::unreadable(path, what, &e))?;
    if let Some(e) = header(&bytes, meta.len()) {
        return Err(e.at(Location::file(path)));
    }
    // A file too big for this process's memory is an error, not an abort.
    let rest = meta.len().saturating_sub(bytes.len() as u64) as usize;
    bytes.try_reserve_exact(rest).map_err(|_| {
        not_readable(
            path,
            what,
            format!("{} bytes, more than this process can hold in memory", meta.len()),
        )
    })?;
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::unreadable(path, what, &e))?;
    if bytes.len() as u64 > limit {
        return Err(not_readable(path, what, format!("more than {limit} bytes")));
    }
    Ok(bytes)
}

/// Reads a text file as UTF-8, with errors naming the file (and, for bad bytes, the line).
pub fn read_text(path: &Path, what: &str) -> Result<String> {
    let bytes = read_bounded(path, what, TEXT_LIMIT)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..valid];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let column = (valid - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1)) as u32 + 1;
        let bytes = e.as_bytes();
        // UTF-16 and UTF-32 text (what some editors save): said so, from its byte-order mark.
        let encoding = [
            (&[0xff, 0xfe, 0, 0][..], "UTF-32"),
            (&[0, 0, 0xfe, 0xff][..], "UTF-32"),
            (&[0xff, 0xfe][..], "UTF-16"),
            (&[0xfe, 0xff][..], "UTF-16"),
        ]
        .into_iter()
        .find_map(|(mark, name)| bytes.starts_with(mark).then_some(name));
        let message = match encoding {
            Some(name) => {
                format!("{what} is {name} text (it starts with a {name} byte-order mark): save it as UTF-8")
            }
            None => format!(
                "{what} is not valid UTF-8 (byte 0x{:02x} at offset {valid})",
                bytes[valid]
            ),
        };
        Error::new(codes::NOT_UTF8, message).at(Location::at(path, line, column))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_keeps_its_escapes_valid() {
        let json = "{\"m\": \"a\u{202e}b\u{1f}\u{e0001}\"}";
        let shown = super::printable_json(json);
        assert_eq!(
            shown,
            "{\"m\": \"a\\u202eb\u{1f}\\udb40\\udc01\"}".replace('\u{1f}', "\\u001f")
        );
    }

    use super::*;

    #[test]
    fn utf16_text_is_named_by_its_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("list.txt");
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("libc\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        std::fs::write(&p, utf16).unwrap();
        let e = read_text(&p, "the list").unwrap_err();
        assert!(e.to_string().contains("the list is UTF-16 text"), "{e}");
    }

    #[test]
    fn display_has_location_severity_and_code() {
        let d = Diagnostic::error(codes::UNKNOWN_RID, "x").at(Location::line("a.txt", 3));
        assert_eq!(d.to_string(), "a.txt:3: error AOTI0006: x");
        let w = Diagnostic::warning(codes::ITEM_DUPLICATE, "y");
        assert_eq!(w.to_string(), "warning AOTI1001: y");
    }

    #[test]
    fn non_utf8_names_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("list.txt");
        std::fs::write(&p, b"libc\nlib\xffz\n").unwrap();
        let err = read_text(&p, "DirectPInvokeList file").unwrap_err();
        let loc = err.diagnostic().location.clone().unwrap();
        assert_eq!((loc.line, loc.column), (Some(2), Some(4)));
        assert_eq!(err.code(), codes::NOT_UTF8);
    }
}
