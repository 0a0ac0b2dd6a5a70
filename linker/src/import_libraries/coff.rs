//! Windows import libraries: one short-import member per symbol, written in-process by
//! `ar_archive_writer` (rustc's writer for `raw-dylib`; LLVM's `COFFImportFile` ported), which
//! both lld-link and GNU ld read.

use crate::target::{Arch, Target};
use aotinterop_model::GeneratedLibrary;
use ar_archive_writer::{COFFShortExport, MachineTypes};
use std::io::Cursor;

/// The import library for `lib`.
pub(super) fn import_library(target: &Target, lib: &GeneratedLibrary) -> crate::diag::Result<Vec<u8>> {
    let machine = match target.arch {
        Arch::X86_64 => MachineTypes::AMD64,
        Arch::X86 => MachineTypes::I386,
        Arch::Aarch64 => MachineTypes::ARM64,
        Arch::Arm => MachineTypes::ARMNT,
        other => {
            return Err(super::failed(format!(
                "no Windows import libraries for {other:?}"
            )))
        }
    };
    let exports: Vec<COFFShortExport> = lib
        .symbols
        .iter()
        .map(|s| COFFShortExport {
            // The symbol the image references, without `__imp_`; the import name type follows
            // from how the DLL's export name relates to it (the same, undecorated, or without
            // its `_` prefix on x86), or the ordinal.
            name: s.symbol.clone(),
            ext_name: None,
            symbol_name: None,
            import_name: match s.ordinal {
                Some(_) => None,
                None => Some(s.export.clone().unwrap_or_else(|| s.symbol.clone())),
            },
            export_as: None,
            ordinal: s.ordinal.unwrap_or(0),
            noname: s.ordinal.is_some(),
            data: false,
            private: false,
            constant: false,
        })
        .collect();
    let mut out = Cursor::new(Vec::new());
    ar_archive_writer::write_import_library(&mut out, &lib.file, &exports, machine, false, false, &[])
        .map_err(|e| super::failed(format!("cannot write the import library of {}: {e}", lib.file)))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    use aotinterop_model::GeneratedSymbol;
    use object::read::archive::ArchiveFile;
    use object::read::coff::{ImportFile, ImportName};

    #[test]
    fn x86_names_and_ordinals_read_back() {
        let target = Target::WIN_X86;
        let lib = GeneratedLibrary {
            module: "vendor".into(),
            file: "vendor.dll".into(),
            symbols: vec![
                GeneratedSymbol {
                    symbol: "_sum@8".into(),
                    export: Some("sum".into()),
                    ..Default::default()
                },
                GeneratedSymbol {
                    symbol: "_mingw@4".into(),
                    export: Some("mingw@4".into()),
                    ..Default::default()
                },
                GeneratedSymbol {
                    symbol: "#7".into(),
                    ordinal: Some(7),
                    ..Default::default()
                },
            ],
            read_from: None,
        };
        let bytes = import_library(&target, &lib).unwrap();
        let archive = ArchiveFile::parse(&*bytes).unwrap();
        let mut seen = Vec::new();
        for m in archive.members() {
            let data = m.unwrap().data(&*bytes).unwrap();
            if let Ok(imp) = ImportFile::parse(data) {
                assert_eq!(imp.dll(), b"vendor.dll");
                let name = match imp.import() {
                    ImportName::Name(n) => String::from_utf8_lossy(n).into_owned(),
                    ImportName::Ordinal(o) => format!("#{o}"),
                };
                seen.push((String::from_utf8_lossy(imp.symbol()).into_owned(), name));
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                ("#7".to_string(), "#7".to_string()),
                ("_mingw@4".to_string(), "mingw@4".to_string()),
                ("_sum@8".to_string(), "sum".to_string()),
            ]
        );
    }
}
