//! The metadata root (`BSJB`), its streams, and the `#Strings` and `#Blob` heaps.

use super::fault::{slice, u16_at, u32_at, Fault, ReadResult};

/// The streams of a metadata root that the scanner reads.
pub struct Streams<'a> {
    /// `#~` (or the uncompressed `#-`) table stream.
    pub tables: &'a [u8],
    /// `#Strings`.
    pub strings: Strings<'a>,
    /// `#Blob`.
    pub blobs: Blobs<'a>,
}

/// Reads the metadata root and finds its streams.
pub fn streams(md: &[u8]) -> ReadResult<Streams<'_>> {
    if u32_at(md, 0).ok_or_else(|| Fault::truncated("the metadata root"))? != 0x424A_5342 {
        return Err(Fault::corrupt("the metadata has no `BSJB` signature"));
    }
    let version_len = u32_at(md, 12).ok_or_else(|| Fault::truncated("the metadata root"))? as usize;
    if version_len > 255 {
        return Err(Fault::corrupt(format!(
            "the metadata version string claims {version_len} bytes (at most 255)"
        )));
    }
    let count_at = 16 + version_len + 2;
    let count = u16_at(md, count_at).ok_or_else(|| Fault::truncated("the metadata root"))?;
    let mut at = count_at + 2;
    let (mut tables, mut strings, mut blobs) = (None, None, None);
    for _ in 0..count {
        let header = slice(md, at, 8).ok_or_else(|| Fault::truncated("the stream headers"))?;
        let offset = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let name_area = md.get(at + 8..).unwrap_or(&[]);
        let name_len = name_area
            .iter()
            .take(32)
            .position(|&b| b == 0)
            .ok_or_else(|| Fault::corrupt("a stream name is not terminated within 32 bytes"))?;
        let name = &name_area[..name_len];
        at += 8 + (name_len + 4) / 4 * 4;
        let data = slice(md, offset, size).ok_or_else(|| {
            Fault::corrupt(format!(
                "stream `{}` (offset {offset}, {size} bytes) extends past the {} bytes of metadata",
                name.escape_ascii(),
                md.len()
            ))
        })?;
        match name {
            b"#~" | b"#-" if tables.is_none() => tables = Some(data),
            b"#Strings" if strings.is_none() => strings = Some(data),
            b"#Blob" if blobs.is_none() => blobs = Some(data),
            _ => {}
        }
    }
    Ok(Streams {
        tables: tables.ok_or_else(|| Fault::corrupt("the metadata has no table stream (`#~`)"))?,
        strings: Strings(strings.unwrap_or(&[])),
        blobs: Blobs(blobs.unwrap_or(&[])),
    })
}

/// The `#Strings` heap: NUL-terminated UTF-8 names.
#[derive(Clone, Copy)]
pub struct Strings<'a>(&'a [u8]);

impl<'a> Strings<'a> {
    /// The string at `index`.
    pub fn get(&self, index: u32) -> ReadResult<&'a str> {
        let rest = self
            .0
            .get(index as usize..)
            .filter(|r| !r.is_empty() || index == 0);
        let Some(rest) = rest else {
            return Err(Fault::corrupt(format!(
                "string heap index {index} is out of range (the heap has {} bytes)",
                self.0.len()
            )));
        };
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        std::str::from_utf8(&rest[..end])
            .map_err(|_| Fault::corrupt(format!("string heap entry {index} is not valid UTF-8")))
    }

    /// The raw bytes of the string at `index`, for quick comparisons (empty when out of range).
    pub fn bytes(&self, index: u32) -> &'a [u8] {
        let rest = self.0.get(index as usize..).unwrap_or(&[]);
        &rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())]
    }
}

/// The `#Blob` heap: length-prefixed byte strings.
#[derive(Clone, Copy)]
pub struct Blobs<'a>(&'a [u8]);

impl<'a> Blobs<'a> {
    /// The blob at `index`.
    pub fn get(&self, index: u32) -> ReadResult<&'a [u8]> {
        let out_of_range = || {
            Fault::corrupt(format!(
                "blob heap index {index} is out of range (the heap has {} bytes)",
                self.0.len()
            ))
        };
        if index == 0 && self.0.is_empty() {
            return Ok(&[]);
        }
        let rest = self.0.get(index as usize..).ok_or_else(out_of_range)?;
        let mut cursor = Cursor::new(rest);
        let len = cursor.compressed().ok_or_else(out_of_range)? as usize;
        cursor.take(len).ok_or_else(|| {
            Fault::corrupt(format!(
                "blob {index} claims {len} bytes, past the end of the blob heap"
            ))
        })
    }
}

/// A forward reader over a blob; every read is bounds-checked and returns `None` at the end.
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = slice(self.bytes, self.pos, n)?;
        self.pos += n;
        Some(out)
    }

    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// The next byte without consuming it.
    pub fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// A little-endian `u16`.
    pub fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// An ECMA-335 compressed unsigned integer (II.23.2).
    pub fn compressed(&mut self) -> Option<u32> {
        let b0 = self.u8()?;
        if b0 & 0x80 == 0 {
            Some(u32::from(b0))
        } else if b0 & 0xC0 == 0x80 {
            Some((u32::from(b0 & 0x3F) << 8) | u32::from(self.u8()?))
        } else if b0 & 0xE0 == 0xC0 {
            let r = self.take(3)?;
            Some(
                (u32::from(b0 & 0x1F) << 24)
                    | (u32::from(r[0]) << 16)
                    | (u32::from(r[1]) << 8)
                    | u32::from(r[2]),
            )
        } else {
            None
        }
    }
}
