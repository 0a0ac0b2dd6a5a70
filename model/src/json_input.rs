//! JSON inputs (requests, imports files, plans): serde_json's errors as diagnostics at their
//! line and column, and where a value is (serde_json keeps no positions after parsing, so the
//! line and column of a value that parsed but is wrong are found again in the text).

use crate::diag::{codes, shown, Error, Location};
use std::path::Path;

/// The line and column of the value at `field` (`imports[2].entry`, `[0].module`) in the JSON
/// `text` of `origin`; the whole file when it is not found.
pub fn locate_field_in(text: &str, origin: &Path, field: &str) -> Location {
    location_of_offset(text, origin, field_offset(text, field))
}

/// The line and column of each element of the array at `field` in the JSON `text` of
/// `origin`, in one walk (an element at a time would walk the text once each: a request of
/// 16,000 items took seconds); empty when there is no such array.
pub fn locate_elements_in(text: &str, origin: &Path, field: &str) -> Vec<Location> {
    let bytes = text.as_bytes();
    let Some(start) = field_offset(text, field).filter(|&o| bytes.get(o) == Some(&b'[')) else {
        return Vec::new();
    };
    let mut offsets = Vec::new();
    let mut i = start + 1;
    loop {
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b',')
        {
            i += 1;
        }
        if bytes.get(i).is_none_or(|&b| b == b']') {
            break;
        }
        offsets.push(i);
        let mut one = serde_json::Deserializer::from_str(&text[i..]).into_iter::<serde::de::IgnoredAny>();
        match one.next() {
            Some(Ok(_)) => i += one.byte_offset(),
            _ => break,
        }
    }
    let (mut line, mut line_start, mut at) = (1u32, 0usize, 0usize);
    let mut out = Vec::with_capacity(offsets.len());
    for offset in offsets {
        for (k, _) in bytes[at..offset].iter().enumerate().filter(|(_, &b)| b == b'\n') {
            line += 1;
            line_start = at + k + 1;
        }
        at = offset;
        out.push(Location::at(origin, line, (offset - line_start) as u32 + 1));
    }
    out
}

/// Finds the first place the JSON string literal for `value` appears in `text`.
// serde_json keeps no positions after parsing, so the line of a value that parsed but is wrong is
// found again in the text: the literal as serde_json would write it, which is how it is usually
// written by hand too.
pub fn locate_value(text: &str, origin: &Path, value: &str) -> Location {
    let literal = serde_json::to_string(value).unwrap_or_default();
    let offset = text.find(&literal).or_else(|| find_decoded(text, value));
    location_of_offset(text, origin, offset)
}

/// The line and column of byte `offset` of `text`; the whole file without one.
pub fn location_of_offset(text: &str, origin: &Path, offset: Option<usize>) -> Location {
    let Some(offset) = offset else {
        return Location::file(origin);
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) as u32 + 1;
    Location::at(origin, line, col)
}

/// The byte offset in the JSON `text` where the value at `field` starts (`a.b[2]`: key `b` of
/// the object at key `a`, its third element). serde_json keeps no positions, so the text is
/// walked: strings (escapes included) are skipped whole, and a path is matched as keys and
/// indices are met; the first value of a repeated key is the one found.
fn field_offset(text: &str, field: &str) -> Option<usize> {
    let want: Vec<String> = field
        .split('.')
        .flat_map(|part| {
            let mut pieces = part.split('[');
            let key = pieces.next().unwrap_or("").to_string();
            std::iter::once(key).chain(pieces.map(|i| format!("[{}", i.trim_end_matches(']'))))
        })
        .filter(|p| !p.is_empty())
        .collect();
    let bytes = text.as_bytes();
    // The path to the value being read: keys, and `[i]` for array elements.
    let mut path: Vec<String> = Vec::new();
    // Per open container: its kind, and for arrays the next index.
    let mut stack: Vec<Option<usize>> = Vec::new();
    let mut key: Option<String> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() || c == b',' || c == b':' {
            i += 1;
            continue;
        }
        let in_object = matches!(stack.last(), Some(None));
        if in_object && key.is_none() && c == b'"' {
            let mut literal = serde_json::Deserializer::from_str(&text[i..]).into_iter::<String>();
            key = Some(literal.next()?.ok()?);
            i += literal.byte_offset();
            continue;
        }
        if c == b'}' || c == b']' {
            stack.pop();
            path.pop();
            i += 1;
            continue;
        }
        // A value starts here: its path, then the value itself.
        let step = match stack.last_mut() {
            Some(Some(next)) => {
                *next += 1;
                Some(format!("[{}", *next - 1))
            }
            Some(None) => key.take(),
            None => None,
        };
        let depth = path.len();
        if let Some(s) = step {
            path.push(s);
        }
        if path == want {
            return Some(i);
        }
        match c {
            b'{' | b'[' => {
                stack.push(if c == b'[' { Some(0) } else { None });
                i += 1;
                continue;
            }
            b'"' => {
                let mut literal = serde_json::Deserializer::from_str(&text[i..]).into_iter::<String>();
                literal.next()?.ok()?;
                i += literal.byte_offset();
            }
            _ => {
                while i < bytes.len()
                    && !matches!(bytes[i], b',' | b'}' | b']')
                    && !bytes[i].is_ascii_whitespace()
                {
                    i += 1;
                }
            }
        }
        path.truncate(depth);
    }
    None
}

/// Where a string literal of `text` that decodes to `value` starts, for one written with escapes
/// serde_json would not write (`\u00e9` for `é`). Each literal is decoded once, in order.
fn find_decoded(text: &str, value: &str) -> Option<usize> {
    let mut at = 0;
    while let Some(quote) = text[at..].find('"') {
        let start = at + quote;
        let mut literal = serde_json::Deserializer::from_str(&text[start..]).into_iter::<String>();
        match literal.next() {
            Some(Ok(s)) if s == value => return Some(start),
            Some(Ok(_)) => at = start + literal.byte_offset().max(1),
            _ => at = start + 1,
        }
    }
    None
}

/// Turns a serde_json error into a diagnostic pointing at its line and column.
pub fn json_error(path: &Path, what: &str, text: &str, e: &serde_json::Error) -> Error {
    json_error_at(path, what, text, e, "")
}

/// [`json_error`] for the field at `field` (a path such as `imports[0].module`, or empty).
pub fn json_error_at(path: &Path, what: &str, text: &str, e: &serde_json::Error, field: &str) -> Error {
    if text.trim().is_empty() {
        return Error::new(codes::REQUEST_MALFORMED, format!("{what} is empty")).at(Location::file(path));
    }
    if text.starts_with('\u{feff}') {
        return Error::new(
            codes::REQUEST_MALFORMED,
            format!("{what} starts with a UTF-8 byte-order mark (BOM), which JSON does not allow: save it without one"),
        )
        .at(Location::at(path, 1, 1));
    }
    let msg = e.to_string();
    // serde_json appends " at line L column C"; the location carries that already.
    let mut msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    // serde's "floating point `1e+23`": a number written too big for a whole number.
    msg = msg.replace(
        "invalid type: floating point `",
        "a number out of range or with a fraction, `",
    );
    // Rust's number types, in words.
    for (rust, words) in [
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u32", "expected a whole number from 0 to 4294967295"),
        ("expected u64", "expected a whole number of 0 or more"),
        ("expected usize", "expected a whole number of 0 or more"),
        ("expected i32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
    ] {
        if msg.ends_with(rust) {
            msg = format!("{}{words}", &msg[..msg.len() - rust.len()]);
        }
    }
    // serde_json reports a value of the wrong kind for an enum ("expected value") as a syntax
    // error: valid JSON is never malformed.
    let valid = e.classify() != serde_json::error::Category::Data
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    let code = match e.classify() {
        _ if msg.starts_with("unknown field") => codes::REQUEST_UNKNOWN_FIELD,
        serde_json::error::Category::Data => codes::REQUEST_INVALID,
        _ if valid => codes::REQUEST_INVALID,
        _ => codes::REQUEST_MALFORMED,
    };
    let msg = if valid && msg == "expected value" {
        "a value of the wrong kind: expected one of its names, as a string".to_string()
    } else {
        msg
    };
    let loc = if e.line() > 0 {
        Location::at(path, e.line() as u32, e.column().max(1) as u32)
    } else {
        Location::file(path)
    };
    // Each quoted value shortened, so that a 50 MB value does not fill the terminal.
    let msg: String = msg
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                shown(part, 60)
            } else {
                shown(part, 400)
            }
        })
        .collect::<Vec<_>>()
        .join("`");
    let text = match (code, field) {
        (codes::REQUEST_MALFORMED, _) => format!("{what} is not valid JSON: {msg}"),
        (_, "" | ".") => format!("{what}: {msg}"),
        (_, f) => format!("{what}: `{}`: {msg}", shown(f, 120)),
    };
    Error::new(code, text).at(loc)
}

/// The first value of a JSON document serde would take though it is of the wrong shape: an array
/// where `objects` (field paths, `[]` for any element: `imports[]`) expect an object (serde's
/// derived structs also take their fields as a positional array), or a string holding a NUL.
/// Its field path (`imports[2]`) and what is wrong.
pub fn shape_fault(value: &serde_json::Value, objects: &[&str]) -> Option<(String, &'static str)> {
    fn walk(
        v: &serde_json::Value,
        path: &str,
        pattern: &str,
        objects: &[&str],
    ) -> Option<(String, &'static str)> {
        use serde_json::Value;
        if objects.contains(&pattern) && !matches!(v, Value::Object(_) | Value::Null) {
            return Some((path.to_string(), "expected an object"));
        }
        match v {
            Value::String(s) if s.contains('\0') => Some((path.to_string(), "holds a NUL character")),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"), &format!("{pattern}[]"), objects)),
            Value::Object(map) => map.iter().find_map(|(k, item)| {
                let join = |p: &str| {
                    if p.is_empty() {
                        k.clone()
                    } else {
                        format!("{p}.{k}")
                    }
                };
                walk(item, &join(path), &join(pattern), objects)
            }),
            _ => None,
        }
    }
    walk(value, "", "", objects)
}
