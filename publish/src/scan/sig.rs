//! Method signatures (II.23.2.1) written as text, so that two declarations of one native entry
//! point can be compared across assemblies (tokens inside a blob are assembly-local; names are not).

use super::heaps::Cursor;

/// How deep types may nest before a signature counts as malformed (guards against hostile blobs).
const MAX_DEPTH: u32 = 32;

/// The longest signature text written; longer ones count as undecodable (a hostile blob could
/// otherwise repeat a long type name many times).
const MAX_TEXT: usize = 4096;

/// Writes a method signature blob as `ret(param, ...)`; `type_name` names a TypeDefOrRefOrSpec
/// coded token. A blob that cannot be decoded gives `None`.
pub fn method_signature(blob: &[u8], type_name: &dyn Fn(u32) -> String) -> Option<String> {
    let mut c = Cursor::new(blob);
    let mut out = String::new();
    write_method(&mut c, type_name, &mut out, 0)?;
    Some(out)
}

fn write_method(
    c: &mut Cursor<'_>,
    names: &dyn Fn(u32) -> String,
    out: &mut String,
    depth: u32,
) -> Option<()> {
    let conv = c.u8()?;
    if conv & 0x10 != 0 {
        c.compressed()?; // generic parameter count
    }
    let count = c.compressed()?;
    if count as usize > c.remaining() {
        return None;
    }
    write_type(c, names, out, depth + 1)?;
    out.push('(');
    for i in 0..count {
        if i > 0 {
            out.push_str(", ");
        }
        if c.peek()? == 0x41 {
            c.u8()?;
            out.push_str("..., ");
        }
        write_type(c, names, out, depth + 1)?;
    }
    out.push(')');
    Some(())
}

fn write_type(c: &mut Cursor<'_>, names: &dyn Fn(u32) -> String, out: &mut String, depth: u32) -> Option<()> {
    if depth > MAX_DEPTH || out.len() > MAX_TEXT {
        return None;
    }
    let et = c.u8()?;
    let simple = match et {
        0x01 => "void",
        0x02 => "bool",
        0x03 => "char",
        0x04 => "int8",
        0x05 => "uint8",
        0x06 => "int16",
        0x07 => "uint16",
        0x08 => "int32",
        0x09 => "uint32",
        0x0a => "int64",
        0x0b => "uint64",
        0x0c => "float32",
        0x0d => "float64",
        0x0e => "string",
        0x16 => "typedref",
        0x18 => "native int",
        0x19 => "native uint",
        0x1c => "object",
        _ => "",
    };
    if !simple.is_empty() {
        out.push_str(simple);
        return Some(());
    }
    match et {
        0x0f | 0x10 | 0x1d | 0x45 => {
            write_type(c, names, out, depth + 1)?;
            out.push_str(match et {
                0x0f => "*",
                0x10 => "&",
                0x1d => "[]",
                _ => " pinned",
            });
        }
        0x11 | 0x12 => out.push_str(&names(c.compressed()?)),
        0x13 => out.push_str(&format!("!{}", c.compressed()?)),
        0x1e => out.push_str(&format!("!!{}", c.compressed()?)),
        0x14 => {
            write_type(c, names, out, depth + 1)?;
            let rank = c.compressed()?;
            for _ in 0..2 {
                let n = c.compressed()?;
                if n as usize > c.remaining() {
                    return None;
                }
                for _ in 0..n {
                    c.compressed()?;
                }
            }
            out.push_str(&format!(
                "[{}]",
                ",".repeat(rank.saturating_sub(1).min(32) as usize)
            ));
        }
        0x15 => {
            c.u8()?;
            out.push_str(&names(c.compressed()?));
            let n = c.compressed()?;
            if n as usize > c.remaining() {
                return None;
            }
            out.push('<');
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                write_type(c, names, out, depth + 1)?;
            }
            out.push('>');
        }
        0x1b => {
            out.push_str("method ");
            write_method(c, names, out, depth + 1)?;
        }
        0x1f | 0x20 => {
            // Custom modifiers do not change what is passed; skip the modifier type.
            c.compressed()?;
            write_type(c, names, out, depth + 1)?;
        }
        _ => return None,
    }
    Some(())
}
