//! One DirectPInvoke item or DirectPInvokeList line: `module` or `module!entry`.

use aotinterop_model::codes;

/// A parsed item: a module, and the one entry point it covers (`None`: every entry point).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirectItem<'a> {
    /// The module name as written (compared case-insensitively on Windows only).
    pub module: &'a str,
    /// The entry point, for `module!entry` items.
    pub entry: Option<&'a str>,
    /// The whole item, trimmed (`module` or `module!entry`).
    pub text: &'a str,
}

/// Parses a line the way native AOT's `ConfigurablePInvokePolicy` does:
/// a line whose first character is `#` is a comment; the line is then trimmed; an empty line is
/// nothing; the item splits at the first `!`. There are no inline comments.
///
/// Returns `Ok(None)` for comments and blank lines. Unlike native AOT, which silently keeps them,
/// `!entry` (no module) and `module!` (no entry) are errors: neither can ever match.
pub fn parse_item(line: &str) -> Result<Option<DirectItem<'_>>, (&'static str, String)> {
    if line.starts_with('#') {
        return Ok(None);
    }
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    match line.split_once('!') {
        None => Ok(Some(DirectItem {
            module: line,
            entry: None,
            text: line,
        })),
        Some(("", _)) => Err((
            codes::ITEM_NO_MODULE,
            format!("`{line}` has no module before `!` (write `module!entry`, or `module` for every entry point)"),
        )),
        Some((module, "")) => Err((
            codes::ITEM_NO_ENTRY,
            format!("`{line}` has no entry point after `!` (write `{module}` to make every entry point of `{module}` direct)"),
        )),
        Some((module, entry)) => Ok(Some(DirectItem {
            module,
            entry: Some(entry),
            text: line,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(line: &str) -> Option<(String, Option<String>)> {
        parse_item(line)
            .unwrap()
            .map(|i| (i.module.to_string(), i.entry.map(str::to_string)))
    }

    #[test]
    fn table() {
        type Expected = Option<(&'static str, Option<&'static str>)>;
        let cases: &[(&str, Expected)] = &[
            ("libc", Some(("libc", None))),
            ("libc!getpid", Some(("libc", Some("getpid")))),
            ("  libc!getpid  ", Some(("libc", Some("getpid")))),
            ("# libc", None),
            ("#libc!getpid", None),
            // Only the first character makes a comment: the line is trimmed after the check.
            ("  # libc", Some(("# libc", None))),
            // No inline comments.
            ("libc # x", Some(("libc # x", None))),
            ("", None),
            ("   \t", None),
            // Split at the first `!`.
            ("a!b!c", Some(("a", Some("b!c")))),
            ("kernel32.dll!Sleep", Some(("kernel32.dll", Some("Sleep")))),
        ];
        for (line, want) in cases {
            let want = want.map(|(m, e)| (m.to_string(), e.map(str::to_string)));
            assert_eq!(item(line), want, "line {line:?}");
        }
    }

    #[test]
    fn errors() {
        assert_eq!(parse_item("!getpid").unwrap_err().0, codes::ITEM_NO_MODULE);
        assert_eq!(parse_item("  !getpid").unwrap_err().0, codes::ITEM_NO_MODULE);
        assert_eq!(parse_item("libc!").unwrap_err().0, codes::ITEM_NO_ENTRY);
        assert_eq!(parse_item("!").unwrap_err().0, codes::ITEM_NO_MODULE);
        assert!(parse_item("libc!").unwrap_err().1.contains("write `libc`"));
    }
}
