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
    let count = method_header(c)?;
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

/// A method signature's calling convention and generic parameter count (II.23.2.1-3), read
/// past; its parameter count, which is at most the bytes left.
pub(super) fn method_header(c: &mut Cursor<'_>) -> Option<u32> {
    let conv = c.u8()?;
    if conv & 0x10 != 0 {
        c.compressed()?; // generic parameter count
    }
    let count = c.compressed()?;
    (count as usize <= c.remaining()).then_some(count)
}

/// An `ArrayShape` (II.23.2.13), read past; its rank. Every count is at most the bytes left.
fn array_shape(c: &mut Cursor<'_>) -> Option<u32> {
    let rank = c.compressed()?;
    for _ in 0..2 {
        let n = c.compressed()?; // sizes, then lower bounds
        if n as usize > c.remaining() {
            return None;
        }
        for _ in 0..n {
            c.compressed()?;
        }
    }
    Some(rank)
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
            let rank = array_shape(c)?;
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

/// What the parameters of a method signature take on the x86 stack, as native AOT's
/// `WindowsNodeMangler` counts them for `_name@N` / `@name@N` (dotnet/runtime
/// `WindowsNodeMangler.cs`: each parameter's size rounded up to 4, summed; the return value is not
/// counted). Sizes are those of the native types the default marshalling passes: 4 for a
/// `bool` (Win32 `BOOL`), a `char`, every pointer, reference, array, string, class and
/// delegate; 8 for 64-bit integers and doubles; a value type's own size, given by `value_type`
/// (`None` when it is not known). `None` when a parameter's size is not known, or for varargs.
pub fn x86_stack_bytes(blob: &[u8], value_type: &dyn Fn(u32) -> Option<u32>) -> Option<u32> {
    let mut c = Cursor::new(blob);
    let count = method_header(&mut c)?;
    skip_type(&mut c, 0)?;
    let mut total = 0u32;
    for _ in 0..count {
        let size = x86_size(&mut c, value_type, 0)?;
        total = total.checked_add(size.checked_add(3)? & !3)?;
    }
    Some(total)
}

/// The size of a field signature's type (II.23.2.4) when it is a primitive: for enums.
pub fn field_primitive_size(blob: &[u8]) -> Option<u32> {
    let mut c = Cursor::new(blob);
    if c.u8()? != 0x06 {
        return None;
    }
    primitive_size(c.u8()?)
}

fn primitive_size(et: u8) -> Option<u32> {
    Some(match et {
        0x02 | 0x04 | 0x05 => 1,
        0x03 | 0x06 | 0x07 => 2,
        0x08 | 0x09 | 0x0c => 4,
        0x0a | 0x0b | 0x0d => 8,
        0x18 | 0x19 => 4,
        _ => return None,
    })
}

fn x86_size(c: &mut Cursor<'_>, value_type: &dyn Fn(u32) -> Option<u32>, depth: u32) -> Option<u32> {
    if depth > MAX_DEPTH {
        return None;
    }
    let et = c.u8()?;
    match et {
        // `bool` is marshalled as a 4-byte Win32 BOOL; the rest by their own size.
        0x02 => Some(4),
        0x03..=0x0d | 0x18 | 0x19 => primitive_size(et),
        // string, class (delegates, SafeHandle, StringBuilder): a pointer.
        0x0e | 0x12 => {
            if et == 0x12 {
                c.compressed()?;
            }
            Some(4)
        }
        0x0f | 0x10 | 0x1d | 0x14 | 0x1b => {
            skip_after(c, et, depth)?;
            Some(4)
        }
        0x11 => value_type(c.compressed()?),
        0x1f | 0x20 => {
            c.compressed()?;
            x86_size(c, value_type, depth + 1)
        }
        0x45 => x86_size(c, value_type, depth + 1),
        _ => None,
    }
}

/// Skips the rest of a type whose element type `et` was just read.
fn skip_after(c: &mut Cursor<'_>, et: u8, depth: u32) -> Option<()> {
    let mut sink = String::new();
    match et {
        0x0f | 0x10 | 0x1d => write_type(c, &|_| String::new(), &mut sink, depth + 1),
        0x14 => {
            write_type(c, &|_| String::new(), &mut sink, depth + 1)?;
            array_shape(c).map(drop)
        }
        0x1b => write_method(c, &|_| String::new(), &mut sink, depth + 1),
        _ => Some(()),
    }
}

fn skip_type(c: &mut Cursor<'_>, depth: u32) -> Option<()> {
    write_type(c, &|_| String::new(), &mut String::new(), depth)
}

#[cfg(test)]
mod stack_tests {
    use super::*;

    #[test]
    fn x86_argument_bytes() {
        let none = |_| None;
        // int32(int32, int64, string, bool, uint8): 4 + 8 + 4 + 4 + 4.
        let sig = [0x00, 5, 0x08, 0x08, 0x0a, 0x0e, 0x02, 0x05];
        assert_eq!(x86_stack_bytes(&sig, &none), Some(24));
        // void(): 0.
        assert_eq!(x86_stack_bytes(&[0x00, 0, 0x01], &none), Some(0));
        // void(char*, float64&, int32[]): 4 + 4 + 4.
        let sig = [0x00, 3, 0x01, 0x0f, 0x03, 0x10, 0x0d, 0x1d, 0x08];
        assert_eq!(x86_stack_bytes(&sig, &none), Some(12));
        // A value type of 6 bytes rounds up to 8; an unknown one makes the count unknown.
        let sig = [0x00, 1, 0x01, 0x11, 0x08];
        assert_eq!(x86_stack_bytes(&sig, &|_| Some(6)), Some(8));
        assert_eq!(x86_stack_bytes(&sig, &none), None);
        // object is not counted (marshalled as a VARIANT).
        assert_eq!(x86_stack_bytes(&[0x00, 1, 0x01, 0x1c], &none), None);
    }
}
