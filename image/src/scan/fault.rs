//! What can be wrong with a file handed to the reader, and bounds-checked little-endian reads.

use std::fmt;

/// The kind of problem, which decides the diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Not a PE image at all (empty, no `MZ`/`PE` signature).
    NotPe,
    /// A PE image without a CLI header: native code, not a .NET assembly.
    NoCliHeader,
    /// The file ends inside a structure it declares.
    Truncated,
    /// A structure is inconsistent: a row count, an index or a size that cannot be right.
    Corrupt,
}

/// A problem found while reading an assembly, before it is tied to a file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The kind.
    pub kind: FaultKind,
    /// What is wrong, in a sentence without the file name.
    pub message: String,
}

impl Fault {
    /// A fault of `kind`.
    pub fn new(kind: FaultKind, message: impl Into<String>) -> Self {
        Fault {
            kind,
            message: message.into(),
        }
    }

    /// The file ends inside `what`.
    pub fn truncated(what: &str) -> Self {
        Fault::new(
            FaultKind::Truncated,
            format!("the file is truncated: it ends inside {what}"),
        )
    }

    /// `what` is inconsistent.
    pub fn corrupt(what: impl Into<String>) -> Self {
        Fault::new(FaultKind::Corrupt, what)
    }

    /// Whether the file is simply not a .NET assembly (as opposed to a broken one).
    pub fn is_not_dotnet(&self) -> bool {
        matches!(self.kind, FaultKind::NotPe | FaultKind::NoCliHeader)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Result of the reader.
pub type ReadResult<T> = std::result::Result<T, Fault>;

/// `len` bytes at `offset`, or `None` when they are not all inside `bytes`.
#[inline]
pub fn slice(bytes: &[u8], offset: usize, len: usize) -> Option<&[u8]> {
    bytes.get(offset..offset.checked_add(len)?)
}

/// A little-endian `u16` at `offset`.
#[inline]
pub fn u16_at(bytes: &[u8], offset: usize) -> Option<u16> {
    let b = slice(bytes, offset, 2)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// A little-endian `u32` at `offset`.
#[inline]
pub fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    let b = slice(bytes, offset, 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A little-endian `u64` at `offset`.
#[inline]
pub fn u64_at(bytes: &[u8], offset: usize) -> Option<u64> {
    let b = slice(bytes, offset, 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}
