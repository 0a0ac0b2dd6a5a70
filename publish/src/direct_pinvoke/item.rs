//! One DirectPInvoke item or DirectPInvokeList line: `module` or `module!entry`.

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

/// Why an item can never match: it has no module, or no entry point after its `!`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemFault<'a> {
    /// `!entry`.
    NoModule {
        /// The item.
        line: &'a str,
    },
    /// `module!`.
    NoEntry {
        /// The item.
        line: &'a str,
        /// Its module.
        module: &'a str,
    },
}

impl std::fmt::Display for ItemFault<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values shown escaped and shortened, as every value from a file.
        let shown = |t: &str| aotinterop_model::diag::shown(t, 120);
        match self {
            ItemFault::NoModule { line } => write!(
                f,
                "`{}` has no module before `!`, so it can never match (write `module!entry`, or `module` for \
                 every entry point)",
                shown(line)
            ),
            ItemFault::NoEntry { line, module } => write!(
                f,
                "`{}` has no entry point after `!`, so it can never match (write `{m}` to make every entry point \
                 of `{m}` direct)",
                shown(line),
                m = shown(module)
            ),
        }
    }
}

/// Parses a line the way native AOT's `ConfigurablePInvokePolicy` does:
/// a line whose first character is `#` is a comment; the line is then trimmed; an empty line is
/// nothing; the item splits at the first `!`. There are no inline comments.
///
/// Returns `None` for comments and blank lines, and `Some(Err(why))` for `!entry` (no module)
/// and `module!` (no entry point): native AOT accepts both silently, but neither can ever match,
/// so they are reported (as warnings) and have no effect.
pub fn parse_item(line: &str) -> Option<Result<DirectItem<'_>, ItemFault<'_>>> {
    if line.starts_with('#') {
        return None;
    }
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    Some(match line.split_once('!') {
        None => Ok(DirectItem {
            module: line,
            entry: None,
            text: line,
        }),
        Some(("", _)) => Err(ItemFault::NoModule { line }),
        Some((module, "")) => Err(ItemFault::NoEntry { line, module }),
        Some((module, entry)) => Ok(DirectItem {
            module,
            entry: Some(entry),
            text: line,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(line: &str) -> Option<(String, Option<String>)> {
        parse_item(line).map(|i| {
            let i = i.unwrap();
            (i.module.to_string(), i.entry.map(str::to_string))
        })
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
    fn lines_that_never_match() {
        let why = |l| parse_item(l).unwrap().unwrap_err().to_string();
        assert!(why("!getpid").contains("no module"));
        assert!(why("  !getpid").contains("no module"));
        assert!(why("!").contains("no module"));
        assert!(why("libc!").contains("no entry point"));
        assert!(why("libc!").contains("write `libc`"));
    }
}
