//! Files that start like an image but are cut short, and containers that are not one image:
//! named for what they are, with the byte counts, before the format reader sees them.
//! Hand-written: the `object` crate reports where its parse failed, not that the file ends
//! before the tables its headers declare.

use aotinterop_model::FileKind;

/// Why `data` cannot be inspected as one image, when its first bytes say what it is.
pub(super) fn why_not_an_image(data: &[u8]) -> Option<String> {
    let len = data.len() as u64;
    let u16_at = |o: usize, le: bool| {
        data.get(o..o + 2)
            .map(|b| if le { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) } as u64)
    };
    let u32_at = |o: usize, le: bool| {
        data.get(o..o + 4).map(|b| {
            let b = [b[0], b[1], b[2], b[3]];
            (if le {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            }) as u64
        })
    };
    let u64_at = |o: usize, le: bool| {
        data.get(o..o + 8).map(|b| {
            let b = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
            if le {
                u64::from_le_bytes(b)
            } else {
                u64::from_be_bytes(b)
            }
        })
    };
    if FileKind::identify(data) == FileKind::Elf {
        // A file cut inside its identification bytes is cut inside the smaller header.
        let (class, le) = (data.get(4).copied().unwrap_or(1), data.get(5).copied() != Some(2));
        let header = if class == 2 { 64 } else { 52 };
        if len < header {
            return Some(format!(
                "a truncated ELF image: the file ends at byte {len}, inside its {header}-byte header"
            ));
        }
        let (phoff, shoff, at) = if class == 2 {
            (u64_at(32, le)?, u64_at(40, le)?, 54)
        } else {
            (u32_at(28, le)?, u32_at(32, le)?, 42)
        };
        let (phentsize, phnum) = (u16_at(at, le)?, u16_at(at + 2, le)?);
        let (shentsize, shnum) = (u16_at(at + 4, le)?, u16_at(at + 6, le)?);
        let end = [(phoff, phentsize * phnum), (shoff, shentsize * shnum)]
            .iter()
            .filter(|(_, size)| *size > 0)
            .map(|(off, size)| off.saturating_add(*size))
            .max()
            .unwrap_or(0);
        return (end > len).then(|| {
            format!(
                "a truncated ELF image: the file ends at byte {len}, but its header tables reach byte {end}"
            )
        });
    }
    if FileKind::identify(data) == FileKind::Pe {
        let Some(pe) = u32_at(0x3c, true) else {
            return Some(format!(
                "a truncated PE image: the file ends at byte {len}, inside its DOS header"
            ));
        };
        if data.get(pe as usize..pe as usize + 4) != Some(b"PE\0\0") {
            return (len < pe + 24).then(|| {
                format!(
                    "a truncated PE image: the file ends at byte {len}, before its PE header at byte {pe}"
                )
            });
        }
        let (sections, optional) = (u16_at(pe as usize + 6, true)?, u16_at(pe as usize + 20, true)?);
        let table = pe + 24 + optional;
        let table_end = table + 40 * sections;
        if table_end > len {
            return Some(format!(
                "a truncated PE image: the file ends at byte {len}, but its section table reaches byte {table_end}"
            ));
        }
        let end = (0..sections)
            .filter_map(|i| {
                let s = (table + 40 * i) as usize;
                Some(u32_at(s + 20, true)? + u32_at(s + 16, true)?)
            })
            .max()
            .unwrap_or(0);
        return (end > len).then(|| {
            format!("a truncated PE image: the file ends at byte {len}, but its sections reach byte {end}")
        });
    }
    match u32_at(0, false)? {
        0xCAFE_BABE | 0xCAFE_BABF if u32_at(4, false).is_some_and(|n| (1..64).contains(&n)) => Some(
            "a universal (fat) Mach-O holding several images: inspect its slices (`aotinterop inspect`, \
             `--arch ARCH` for one)"
                .into(),
        ),
        0xFEED_FACE | 0xFEED_FACF | 0xCEFA_EDFE | 0xCFFA_EDFE => {
            let header = if matches!(u32_at(0, false)?, 0xFEED_FACF | 0xCFFA_EDFE) {
                32
            } else {
                28
            };
            let le = matches!(u32_at(0, false)?, 0xCEFA_EDFE | 0xCFFA_EDFE);
            if len < header {
                return Some(format!(
                    "a truncated Mach-O image: the file ends at byte {len}, inside its {header}-byte header"
                ));
            }
            let end = header + u32_at(20, le)?;
            if end > len {
                return Some(format!(
                    "a truncated Mach-O image: the file ends at byte {len}, but its load commands reach byte {end}"
                ));
            }
            // The segments' file ranges (LC_SEGMENT_64 and LC_SEGMENT).
            let (count, mut at, mut reach) = (u32_at(16, le)?, header as usize, 0u64);
            for _ in 0..count.min(4096) {
                let (cmd, size) = (u32_at(at, le)?, u32_at(at + 4, le)?);
                let range = match cmd {
                    0x19 => u64_at(at + 40, le).zip(u64_at(at + 48, le)),
                    0x1 => u32_at(at + 32, le).zip(u32_at(at + 36, le)),
                    _ => None,
                };
                if let Some((off, size)) = range {
                    reach = reach.max(off.saturating_add(size));
                }
                if size < 8 {
                    break;
                }
                at += size as usize;
            }
            (reach > len).then(|| {
                format!("a truncated Mach-O image: the file ends at byte {len}, but its segments reach byte {reach}")
            })
        }
        _ => None,
    }
}

/// The format `data`'s first bytes claim (`ELF`, `PE`, `Mach-O`), for messages about files that
/// claim one and do not parse as it.
pub(super) fn claimed_format(data: &[u8]) -> Option<&'static str> {
    let kind = FileKind::identify(data);
    matches!(kind, FileKind::Elf | FileKind::Pe | FileKind::MachO).then(|| kind.name())
}
