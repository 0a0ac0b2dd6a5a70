//! Custom attribute values (II.23.3): the fixed and named arguments of the two attributes the
//! scanner reads, `DefaultDllImportSearchPathsAttribute` and `UnmanagedCallersOnlyAttribute`.
//!
//! The encoding of a named argument's value depends on its type, which for enums is only named
//! (the underlying type lives in another assembly). Every enum the scanner meets here is
//! `int32`-based, so enum values are read as 4 bytes, as the .NET attribute readers do when they
//! cannot resolve the enum either.

use super::heaps::Cursor;

/// A decoded argument value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// An integer, bool, char or enum (floats are kept as their bits).
    Int(u64),
    /// A string or a `System.Type` (`None` for null).
    Str(Option<&'a str>),
    /// An array (`None` for null).
    Array(Option<Vec<Value<'a>>>),
}

/// The type of an argument as far as its encoding goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// A fixed-size number of this many bytes.
    Number(u8),
    /// A `SerString`: string or `System.Type`.
    SerString,
    /// `object`: the value starts with its own type.
    Boxed,
    /// A single-dimensional array of the element type.
    Array(Box<ArgType>),
}

const MAX_DEPTH: u32 = 8;

/// The number an element type (II.23.1.16) stands for: bool, char, the integers and floats.
fn number(et: u8) -> Option<ArgType> {
    Some(ArgType::Number(match et {
        0x02 | 0x04 | 0x05 => 1,
        0x03 | 0x06 | 0x07 => 2,
        0x08 | 0x09 | 0x0c => 4,
        0x0a | 0x0b | 0x0d => 8,
        _ => return None,
    }))
}

/// A `FieldOrPropType` (II.23.3), as written before a named argument or a boxed value.
fn field_or_prop_type(c: &mut Cursor<'_>, depth: u32) -> Option<ArgType> {
    if depth > MAX_DEPTH {
        return None;
    }
    let et = c.u8()?;
    Some(match et {
        0x0e | 0x50 => ArgType::SerString,
        0x51 => ArgType::Boxed,
        0x55 => {
            ser_string(c)?; // the enum's type name
            ArgType::Number(4)
        }
        0x1d => ArgType::Array(Box::new(field_or_prop_type(c, depth + 1)?)),
        _ => return number(et),
    })
}

/// A `SerString`: 0xFF for null, else a compressed length and UTF-8 bytes.
fn ser_string<'a>(c: &mut Cursor<'a>) -> Option<Option<&'a str>> {
    if c.peek()? == 0xFF {
        c.u8()?;
        return Some(None);
    }
    let len = c.compressed()? as usize;
    std::str::from_utf8(c.take(len)?).ok().map(Some)
}

/// One value of type `ty`.
pub fn value<'a>(c: &mut Cursor<'a>, ty: &ArgType, depth: u32) -> Option<Value<'a>> {
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match ty {
        ArgType::Number(n) => {
            let b = c.take(*n as usize)?;
            Value::Int(b.iter().rev().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
        }
        ArgType::SerString => Value::Str(ser_string(c)?),
        ArgType::Boxed => {
            let inner = field_or_prop_type(c, depth + 1)?;
            value(c, &inner, depth + 1)?
        }
        ArgType::Array(elem) => {
            let n = c.u32()?;
            if n == u32::MAX {
                return Some(Value::Array(None));
            }
            // Every element takes at least one byte: a count past the blob's end is corrupt.
            if n as usize > c.remaining() {
                return None;
            }
            let mut items = Vec::with_capacity(n as usize);
            for _ in 0..n {
                items.push(value(c, elem, depth + 1)?);
            }
            Value::Array(Some(items))
        }
    })
}

/// The fixed argument types of a constructor signature; `is_type` tells whether a TypeDefOrRef
/// coded token names `System.Type`.
pub fn ctor_params(sig: &[u8], is_type: &dyn Fn(u32) -> bool) -> Option<Vec<ArgType>> {
    let mut c = Cursor::new(sig);
    let count = super::sig::method_header(&mut c)?;
    if c.u8()? != 0x01 {
        return None; // a constructor returns void
    }
    (0..count).map(|_| sig_arg_type(&mut c, is_type, 0)).collect()
}

fn sig_arg_type(c: &mut Cursor<'_>, is_type: &dyn Fn(u32) -> bool, depth: u32) -> Option<ArgType> {
    if depth > MAX_DEPTH {
        return None;
    }
    let et = c.u8()?;
    Some(match et {
        0x0e => ArgType::SerString,
        0x1c => ArgType::Boxed,
        0x11 => {
            c.compressed()?;
            ArgType::Number(4) // an enum
        }
        0x12 => {
            if !is_type(c.compressed()?) {
                return None;
            }
            ArgType::SerString
        }
        0x1d => ArgType::Array(Box::new(sig_arg_type(c, is_type, depth + 1)?)),
        _ => return number(et),
    })
}

/// A decoded custom attribute: fixed arguments and named arguments (`(name, value)`).
#[derive(Debug, Default)]
pub struct Decoded<'a> {
    /// Fixed (constructor) arguments.
    pub fixed: Vec<Value<'a>>,
    /// Named arguments (fields and properties alike).
    pub named: Vec<(&'a str, Value<'a>)>,
}

/// Decodes a custom attribute value blob given its constructor's parameter types.
pub fn decode<'a>(blob: &'a [u8], params: &[ArgType]) -> Option<Decoded<'a>> {
    let mut c = Cursor::new(blob);
    if c.u16()? != 0x0001 {
        return None;
    }
    let mut out = Decoded::default();
    for p in params {
        out.fixed.push(value(&mut c, p, 0)?);
    }
    let count = c.u16()?;
    for _ in 0..count {
        let kind = c.u8()?;
        if kind != 0x53 && kind != 0x54 {
            return None;
        }
        let ty = field_or_prop_type(&mut c, 0)?;
        let name = ser_string(&mut c)??;
        out.named.push((name, value(&mut c, &ty, 0)?));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_string_and_type_array() {
        // UnmanagedCallersOnly(EntryPoint = "add", CallConvs = new[] { typeof(CallConvCdecl) })
        let mut blob = vec![1, 0, 2, 0];
        blob.extend([0x53, 0x0e, 10]);
        blob.extend(b"EntryPoint");
        blob.extend([3]);
        blob.extend(b"add");
        blob.extend([0x53, 0x1d, 0x50, 9]);
        blob.extend(b"CallConvs");
        blob.extend([1, 0, 0, 0, 13]);
        blob.extend(b"CallConvCdecl");
        let d = decode(&blob, &[]).unwrap();
        assert_eq!(d.named[0], ("EntryPoint", Value::Str(Some("add"))));
        assert_eq!(
            d.named[1],
            (
                "CallConvs",
                Value::Array(Some(vec![Value::Str(Some("CallConvCdecl"))]))
            )
        );
    }

    #[test]
    fn hostile_counts_are_rejected_without_allocating() {
        let blob = [1, 0, 1, 0, 0x53, 0x1d, 0x0e, 1, b'X', 0xfe, 0xff, 0xff, 0x7f];
        assert!(decode(&blob, &[]).is_none());
        let blob = [1, 0, 0x08, 0, 0, 0];
        assert!(decode(&blob, &[ArgType::Number(4)]).is_none());
        assert!(decode(&[1, 0, 4, 0, 0, 0, 0, 0], &[ArgType::Number(4)]).is_some());
    }
}
