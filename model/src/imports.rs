//! P/Invoke imports: what one DllImport asks for, and the imports file that lists them.

use crate::diag::{codes, read_text, shown, Error, Result};
use crate::json_input::{json_error, shape_fault};
use crate::{CallingConvention, Charset, DllImportSearchPath};
use serde::{Deserialize, Serialize};
use std::path::Path;

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_default_charset(c: &Charset) -> bool {
    *c == Charset::None
}

/// One P/Invoke: the module and entry point a managed method imports, with the DllImport flags
/// that change how it binds. Field names are those of the imports file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Import {
    /// The DllImport module name as written (`libc`, `kernel32.dll`, `*`, `__Internal`).
    pub module: String,
    /// The entry point (ImplMap import name; the method name when the attribute gives none).
    pub entry: String,
    /// `CharSet`.
    #[serde(default, skip_serializing_if = "is_default_charset")]
    pub charset: Charset,
    /// `ExactSpelling`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub exact_spelling: bool,
    /// `SetLastError`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub set_last_error: bool,
    /// The managed method (`Namespace.Type/Nested::Method` from a scan, or any name given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The symbol compiled code calls for this import, when the caller fixes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// The assembly that declares the import (filled by a scan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assembly: Option<String>,
    /// The declaring type, with namespace and nesting (filled by a scan).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// The managed signature as text (`int32(string, native int)`, filled by a scan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// The calling convention of the ImplMap row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calling_convention: Option<CallingConvention>,
    /// What the arguments take on the x86 stack (the `N` of `_name@N`), from the signature;
    /// give it for win-x86 stdcall or fastcall imports without an assembly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_bytes: Option<u32>,
    /// `DllImportSearchPath` (from `DefaultDllImportSearchPathsAttribute`); absent means
    /// the default, AssemblyDirectory then the OS loader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_path: Option<DllImportSearchPath>,
    /// `BestFitMapping`, where the attribute sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_fit_mapping: Option<bool>,
    /// `ThrowOnUnmappableChar`, where the attribute sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throw_on_unmappable_char: Option<bool>,
}

impl Import {
    /// An import of `entry` from `module` with default flags.
    pub fn new(module: impl Into<String>, entry: impl Into<String>) -> Self {
        Import {
            module: module.into(),
            entry: entry.into(),
            charset: Charset::None,
            exact_spelling: false,
            set_last_error: false,
            method: None,
            symbol: None,
            assembly: None,
            type_name: None,
            signature: None,
            calling_convention: None,
            stack_bytes: None,
            search_path: None,
            best_fit_mapping: None,
            throw_on_unmappable_char: None,
        }
    }

    /// Checks what an import must have: a module, an entry point, and a symbol name (if any)
    /// that can be one.
    pub fn validate(&self) -> std::result::Result<(), ImportFault<'_>> {
        if self.module.is_empty() {
            return Err(ImportFault::EmptyModule(self));
        }
        if self.entry.is_empty() {
            return Err(ImportFault::EmptyEntry(self));
        }
        match &self.symbol {
            Some(sym) if sym.is_empty() || sym.contains(|c: char| c.is_whitespace() || c == '\0') => {
                Err(ImportFault::BadSymbol(self, sym))
            }
            _ => Ok(()),
        }
    }
}

/// What an import lacks ([`Import::validate`]).
#[derive(Clone, Copy, Debug)]
pub enum ImportFault<'a> {
    /// Its module is empty.
    EmptyModule(&'a Import),
    /// Its entry point is empty.
    EmptyEntry(&'a Import),
    /// Its symbol is empty or holds white space or a NUL.
    BadSymbol(&'a Import, &'a str),
}

impl std::fmt::Display for ImportFault<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportFault::EmptyModule(i) => {
                write!(f, "import of `{}` has an empty module", shown(&i.entry, 120))
            }
            ImportFault::EmptyEntry(i) => {
                write!(
                    f,
                    "import from `{}` has an empty entry point",
                    shown(&i.module, 120)
                )
            }
            ImportFault::BadSymbol(i, sym) => write!(
                f,
                "import `{}!{}` has symbol `{}`, which is not a valid symbol name",
                shown(&i.module, 120),
                shown(&i.entry, 120),
                shown(sym, 120)
            ),
        }
    }
}

/// Reads an imports file: a JSON array of [`Import`] objects.
pub fn load_imports_file(path: &Path) -> Result<Vec<Import>> {
    let text = read_text(path, "imports file")?;
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
        if let Some((field, why)) = shape_fault(&value, &["[]"]) {
            return Err(Error::new(
                codes::IMPORTS_MALFORMED,
                format!("imports file, element {field}: {why}"),
            )
            .at(crate::json_input::locate_field_in(&text, path, &field)));
        }
    }
    let imports: Vec<Import> = serde_json::from_str(&text).map_err(|e| {
        let err = json_error(path, "imports file", &text, &e);
        let d = err.diagnostic().clone();
        let code = if d.code == codes::REQUEST_UNKNOWN_FIELD {
            d.code
        } else {
            codes::IMPORTS_MALFORMED
        };
        Error::from(crate::diag::Diagnostic { code, ..d })
    })?;
    for (i, imp) in imports.iter().enumerate() {
        imp.validate().map_err(|m| {
            let field = match m {
                ImportFault::EmptyModule(_) => "module",
                ImportFault::EmptyEntry(_) => "entry",
                ImportFault::BadSymbol(..) => "symbol",
            };
            let at = crate::json_input::locate_field_in(&text, path, &format!("[{i}].{field}"));
            Error::new(codes::IMPORT_INVALID, format!("imports file, element {i}: {m}")).at(at)
        })?;
    }
    Ok(imports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_file_fields() {
        let imp: Import = serde_json::from_str(
            r#"{"module":"user32","entry":"MessageBox","charset":"unicode","exact_spelling":false,
               "set_last_error":true,"method":"Win.MessageBox","symbol":"win_msgbox"}"#,
        )
        .unwrap();
        assert_eq!(imp.charset, Charset::Unicode);
        assert!(imp.set_last_error);
        assert_eq!(imp.symbol.as_deref(), Some("win_msgbox"));
        let err =
            serde_json::from_str::<Import>(r#"{"module":"a","entry":"b","charst":"ansi"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `charst`"));
    }
}
